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

  /**
   * The first key after every key that starts with {@code prefix}; empty for "no end".
   *
   * <p>Here, not in GetCommand: picocli reflects over every method of a command class, which
   * loads the types in their signatures (protobuf's ByteString) even for --help.
   */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] b = prefix.toByteArray();
    for (int i = b.length - 1; i >= 0; i--) {
      if (b[i] != (byte) 0xff) {
        b[i]++;
        return ByteString.copyFrom(b, 0, i + 1);
      }
    }
    return ByteString.EMPTY;
  }
}
