package io.lattice.cli.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The readable-bytes rule, JSON byte fields, tables and sizes. */
class OutputTest {
  @Test
  void printableUtf8IsTextAndEverythingElseIsNot() {
    assertThat(ReadableBytes.text("héllo ✓".getBytes(StandardCharsets.UTF_8))).isEqualTo("héllo ✓");
    assertThat(ReadableBytes.text("a\tb\nc\r".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("a\tb\nc\r");
    assertThat(ReadableBytes.text(new byte[0])).isEmpty();
    assertThat(ReadableBytes.text(new byte[] {'a', 0, 'b'})).isNull();
    assertThat(ReadableBytes.text(new byte[] {'a', 0x1b, '['})).isNull(); // terminal escapes
    assertThat(ReadableBytes.text(new byte[] {(byte) 0xc3})).isNull(); // truncated sequence
    assertThat(ReadableBytes.text(new byte[] {(byte) 0xff, (byte) 0xfe})).isNull();
    assertThat(ReadableBytes.display(new byte[] {0, 1})).isEqualTo("base64:AAE=");
    assertThat(ReadableBytes.display("v".getBytes(StandardCharsets.UTF_8))).isEqualTo("v");
    // text that looks like the label is shown in base64 too, so base64:X always decodes to the
    // bytes: the text "base64:AAE=" and the bytes {0, 1} never print the same
    assertThat(ReadableBytes.display("base64:AAE=".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("base64:YmFzZTY0OkFBRT0=");
    assertThat(ReadableBytes.display("a base64: b".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("a base64: b");
  }

  @Test
  void jsonBytesGoToAStringFieldOrASuffixedBase64Field() {
    JsonObject o = new JsonObject();
    Json.putBytes(o, "value", "plain".getBytes(StandardCharsets.UTF_8));
    Json.putBytes(o, "key", new byte[] {(byte) 0x80});
    assertThat(o.get("value").getAsString()).isEqualTo("plain");
    assertThat(o.has("key")).isFalse();
    assertThat(o.get("key_base64").getAsString()).isEqualTo("gA==");
  }

  @Test
  void tablesAlignColumnsAndShowMissingCellsAsDashes() {
    Table t = new Table("ID", "ADDRESS", "NOTE");
    t.row("n1", "127.0.0.1:7001", null).row("n10", "h:1", "two\nlines");
    StringWriter s = new StringWriter();
    t.print(new PrintWriter(s));
    assertThat(s.toString()).isEqualTo(
        "ID   ADDRESS         NOTE\n"
            + "n1   127.0.0.1:7001  -\n"
            + "n10  h:1             two\\nlines\n");
    assertThatThrownBy(() -> t.row("only one")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sizesAndDurationsForPeople() {
    assertThat(Sizes.bytes(0)).isEqualTo("0 B");
    assertThat(Sizes.bytes(1023)).isEqualTo("1023 B");
    assertThat(Sizes.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(Sizes.bytes(5L << 30)).isEqualTo("5.0 GiB");
    assertThat(Sizes.millis(15)).isEqualTo("15ms");
    assertThat(Sizes.millis(1500)).isEqualTo("1.5s");
    assertThat(Sizes.millis(125_000)).isEqualTo("2m5s");
  }
}
