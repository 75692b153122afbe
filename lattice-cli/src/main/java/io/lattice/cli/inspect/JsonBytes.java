package io.lattice.cli.inspect;

import com.google.gson.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Puts bytes from a log into JSON exactly: as a string under {@code name} when they are text
 * (well-formed UTF-8 without control characters), else base64 under {@code name_base64}. A reader
 * gets back the very bytes either way, and a script that prints a {@code key} string never sends
 * an escape sequence to a terminal.
 */
final class JsonBytes {
  private JsonBytes() {}

  /** Adds {@code bytes} to {@code o}; adds nothing for null (an absent value). */
  static void put(JsonObject o, String name, byte[] bytes) {
    if (bytes == null) {
      return;
    }
    String text = utf8(bytes);
    if (text != null) {
      o.addProperty(name, text);
    } else {
      o.addProperty(name + "_base64", Base64.getEncoder().encodeToString(bytes));
    }
  }

  /** Like {@link #put}, plus {@code name_size}: the length in bytes. */
  static void putSized(JsonObject o, String name, byte[] bytes) {
    put(o, name, bytes);
    if (bytes != null) {
      o.addProperty(name + "_size", bytes.length);
    }
  }

  /** The bytes as a string if they are well-formed UTF-8 without control characters; else null. */
  private static String utf8(byte[] bytes) {
    try {
      String s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
      return s.codePoints().anyMatch(Character::isISOControl) ? null : s;
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
