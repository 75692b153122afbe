package io.lattice.cli.txn;

import com.google.protobuf.ByteString;
import io.lattice.proto.v1.Compare;
import io.lattice.proto.v1.TxnDelete;
import io.lattice.proto.v1.TxnGet;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnPut;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text form of a Txn, as {@code lattice txn} reads it (etcdctl's {@code txn} is the model):
 * three sections, each ended by an empty line (or the end of the input): the comparisons, the
 * operations if they all hold, the operations otherwise.
 *
 * <pre>
 * value("KEY") = "VALUE"     value("KEY") != | &lt; | &gt; "VALUE"  (bytes, unsigned order)
 * version("KEY") = N         mod("KEY") &gt; N     create("KEY") &lt; N   (a missing key has 0)
 * exists("KEY")              !exists("KEY")
 *
 * put KEY VALUE              get KEY              del KEY
 * </pre>
 *
 * A key or value is a word, or a double-quoted string in which {@code \"}, {@code \\}, {@code
 * \n}, {@code \t} and {@code \r} stand for themselves. A line is parsed on its own, so a mistake
 * names its line and nothing is sent.
 */
public final class TxnScript {
  private static final Pattern COMPARE = Pattern.compile(
      "(!?)(value|version|mod|create|exists)\\(\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^)\\s]+)\\s*\\)"
          + "\\s*(?:(==|=|!=|<|>)\\s*(.*))?");

  private TxnScript() {}

  /** A mistake in one line of the input. */
  public static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxError(String message) {
      super(message);
    }
  }

  /** The comparison written on {@code line}. */
  public static Compare compare(String line) throws SyntaxError {
    Matcher m = COMPARE.matcher(line.strip());
    if (!m.matches()) {
      throw new SyntaxError("not a comparison: '" + line.strip() + "' (e.g. value(\"k\") = \"v\","
          + " version(\"k\") > 2, mod(\"k\") < 10, create(\"k\") = 0, exists(\"k\"), "
          + "!exists(\"k\"))");
    }
    boolean negated = !m.group(1).isEmpty();
    String target = m.group(2);
    ByteString key = nonEmptyKey(words(m.group(3)));
    Compare.Builder b = Compare.newBuilder().setKey(key);
    if (target.equals("exists")) {
      if (m.group(4) != null) {
        throw new SyntaxError("exists(...) takes no operator: write exists(\"k\") or "
            + "!exists(\"k\")");
      }
      return b.setExists(!negated).build();
    }
    if (negated) {
      throw new SyntaxError("only exists(...) can be negated with !; use != instead");
    }
    if (m.group(4) == null || m.group(5).isBlank()) {
      throw new SyntaxError(target + "(...) needs an operator (=, !=, <, >) and an operand");
    }
    b.setOp(switch (m.group(4)) {
      case "!=" -> Compare.Op.NOT_EQUAL;
      case "<" -> Compare.Op.LESS;
      case ">" -> Compare.Op.GREATER;
      default -> Compare.Op.EQUAL;
    });
    List<ByteString> operand = words(m.group(5));
    if (operand.size() != 1) {
      throw new SyntaxError("one operand expected after " + m.group(4) + ", got "
          + operand.size() + " (quote a value with spaces)");
    }
    if (target.equals("value")) {
      return b.setValue(operand.get(0)).build();
    }
    long n;
    try {
      n = Long.parseLong(operand.get(0).toStringUtf8());
    } catch (NumberFormatException e) {
      throw new SyntaxError(target + "(...) is compared with a number, not '"
          + operand.get(0).toStringUtf8() + "'");
    }
    if (n < 0) {
      throw new SyntaxError(target + "(...) is compared with a number >= 0");
    }
    return switch (target) {
      case "version" -> b.setVersion(n).build();
      case "mod" -> b.setModIndex(n).build();
      default -> b.setCreateIndex(n).build();
    };
  }

  /** The operation written on {@code line}: put KEY VALUE, get KEY or del KEY. */
  public static TxnOp op(String line) throws SyntaxError {
    List<ByteString> w = words(line);
    String verb = w.isEmpty() ? "" : w.get(0).toStringUtf8().toLowerCase(Locale.ROOT);
    switch (verb) {
      case "put" -> {
        if (w.size() != 3) {
          throw new SyntaxError("put takes KEY and VALUE (quote a value with spaces)");
        }
        return TxnOp.newBuilder().setPut(TxnPut.newBuilder().setKey(nonEmptyKey(w.subList(1, 2)))
            .setValue(w.get(2))).build();
      }
      case "get", "del", "delete" -> {
        if (w.size() != 2) {
          throw new SyntaxError(verb + " takes one KEY");
        }
        ByteString key = nonEmptyKey(w.subList(1, 2));
        return verb.equals("get") ? TxnOp.newBuilder().setGet(TxnGet.newBuilder().setKey(key))
            .build() : TxnOp.newBuilder().setDelete(TxnDelete.newBuilder().setKey(key)).build();
      }
      default -> throw new SyntaxError("not an operation: '" + line.strip()
          + "' (put KEY VALUE, get KEY or del KEY)");
    }
  }

  private static ByteString nonEmptyKey(List<ByteString> words) throws SyntaxError {
    if (words.size() != 1 || words.get(0).isEmpty()) {
      throw new SyntaxError("one non-empty KEY expected");
    }
    return words.get(0);
  }

  /** The words of {@code s}: runs of non-blanks, or double-quoted strings with escapes. */
  static List<ByteString> words(String s) throws SyntaxError {
    List<ByteString> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
        continue;
      }
      StringBuilder w = new StringBuilder();
      if (c == '"') {
        i++;
        boolean closed = false;
        while (i < s.length()) {
          char d = s.charAt(i++);
          if (d == '"') {
            closed = true;
            break;
          }
          if (d == '\\') {
            if (i == s.length()) {
              break;
            }
            char e = s.charAt(i++);
            w.append(switch (e) {
              case 'n' -> '\n';
              case 't' -> '\t';
              case 'r' -> '\r';
              case '"', '\\' -> e;
              default -> throw new SyntaxError("unknown escape \\" + e
                  + " (known: \\\" \\\\ \\n \\t \\r)");
            });
          } else {
            w.append(d);
          }
        }
        if (!closed) {
          throw new SyntaxError("unterminated quote");
        }
        if (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
          throw new SyntaxError("a blank is needed after a closing quote");
        }
      } else {
        while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
          w.append(s.charAt(i++));
        }
      }
      out.add(ByteString.copyFrom(w.toString(), StandardCharsets.UTF_8));
    }
    return out;
  }
}
