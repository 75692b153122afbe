package io.lattice.cli;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Keys given on the command line. */
final class KeyArgs {
  private KeyArgs() {}

  /** The key's UTF-8 bytes; an empty key is a usage error (keys have at least one byte). */
  static ByteString bytes(String key, CommandSpec spec) {
    if (key.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "KEY must not be empty");
    }
    return ByteString.copyFrom(key, StandardCharsets.UTF_8);
  }
}
