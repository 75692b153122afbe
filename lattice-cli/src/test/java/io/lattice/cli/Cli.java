package io.lattice.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Runs the {@code lattice} command tree in this JVM with captured streams and a given environment.
 */
final class Cli {
  /** What one run printed and returned. */
  record Result(int code, byte[] stdout, String err) {
    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    JsonObject json() {
      JsonElement e = JsonParser.parseString(out());
      return e.getAsJsonObject();
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out() + "--- stderr\n" + err;
    }
  }

  private Cli() {}

  /** The whole command tree, as the shell and the completion scripts see it. */
  static picocli.CommandLine wholeTree() {
    PrintWriter sink = new PrintWriter(java.io.Writer.nullWriter());
    return LatticeCommand.commandLine(new CliContext(new ByteArrayInputStream(new byte[0]),
        new ByteArrayOutputStream(), Map.of()), sink, sink);
  }

  static Result run(String... args) {
    return run(Map.of(), new byte[0], args);
  }

  static Result run(Map<String, String> env, byte[] stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintWriter outWriter = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8),
        true);
    PrintWriter errWriter = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8),
        true);
    CliContext ctx = new CliContext(new ByteArrayInputStream(stdin), out, env);
    int code = LatticeCommand.commandLine(ctx, outWriter, errWriter, args).execute(args);
    outWriter.flush();
    errWriter.flush();
    return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }
}
