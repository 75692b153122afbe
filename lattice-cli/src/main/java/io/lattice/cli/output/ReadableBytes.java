package io.lattice.cli.output;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The rule for showing keys and values, which are arbitrary bytes: valid UTF-8 without control
 * characters (tab, newline and carriage return allowed) is shown as text; anything else is shown as
 * base64 and labelled so: {@code base64:DATA}. So that the label never lies, text that itself
 * starts with {@code base64:} is shown in base64 too: whatever is shown as {@code base64:DATA}
 * is exactly the bytes DATA decodes to.
 */
public final class ReadableBytes {
  private ReadableBytes() {}

  /** The bytes as text, or null if they are not printable UTF-8. */
  public static String text(byte[] bytes) {
    String s;
    try {
      s = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean allowedControl = c == '\t' || c == '\n' || c == '\r';
      if ((Character.isISOControl(c) && !allowedControl) || c == '\uFEFF'
          || Character.getType(c) == Character.UNASSIGNED) {
        return null;
      }
    }
    return s;
  }

  /** What labels a display in base64. */
  public static final String BASE64_LABEL = "base64:";

  /**
   * For one-line displays (tables, text): the text, or {@code base64:<data>} for binary data and
   * for text that starts with {@code base64:} (which would otherwise read as binary data).
   */
  public static String display(byte[] bytes) {
    String t = text(bytes);
    return t != null && !t.startsWith(BASE64_LABEL) ? t
        : BASE64_LABEL + Base64.getEncoder().encodeToString(bytes);
  }
}
