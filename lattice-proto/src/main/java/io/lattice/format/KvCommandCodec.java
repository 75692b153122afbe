package io.lattice.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;

/**
 * MessagePack encoding of {@link KvCommand}s. Each command is one array:
 *
 * <pre>
 *   [version=2, type, sessionId, sequence, acknowledged, proposedAtMillis, ...fields of the type]
 *   PUT              (1): key, value, prevKv
 *   DELETE           (2): key, prefix, prevKv
 *   CAS              (3): key, expectKind, expectValue|nil, expectVersion, newValue|nil, prevKv
 *   TXN              (4): [compare...], [op...], [op...]
 *                    compare = [key, op, target, value|nil, number];  op = [kind, key, value|nil, prevKv]
 *   REGISTER_SESSION (5): (no fields; sessionId, sequence and acknowledged are 0)
 *   CLOSE_SESSION    (6): the id of the session to close (sessionId, sequence, acknowledged are 0)
 * </pre>
 *
 * Enum fields are stored as their ordinal; never reorder those enums.
 *
 * <p>Version 2 replaced version 1's client-chosen string session ids by numeric ids assigned by a
 * committed REGISTER_SESSION entry. Version 1 commands are not readable (they decode as malformed:
 * their sessions were never registered, so their exactly-once meaning cannot be kept); a data
 * directory written before version 2 has to be started afresh.
 */
public final class KvCommandCodec {
  private static final int VERSION = 2;
  private static final int PUT = 1;
  private static final int DELETE = 2;
  private static final int CAS = 3;
  private static final int TXN = 4;
  private static final int REGISTER_SESSION = 5;
  private static final int CLOSE_SESSION = 6;
  /** Largest array/binary header accepted while decoding: more is damage, not data. */
  private static final int MAX_LEN = 64 << 20;

  private KvCommandCodec() {}

  public static byte[] encode(KvCommand c) {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      int extra = c instanceof KvCommand.CompareAndSwap ? 6
          : c instanceof KvCommand.RegisterSession ? 0 : c instanceof KvCommand.CloseSession ? 1
          : 3;
      p.packArrayHeader(6 + extra);
      p.packInt(VERSION);
      Session s = c.session();
      if (c instanceof KvCommand.Put put) {
        header(p, PUT, s, c.proposedAtMillis());
        bin(p, put.key());
        bin(p, put.value());
        p.packBoolean(put.prevKv());
      } else if (c instanceof KvCommand.Delete del) {
        header(p, DELETE, s, c.proposedAtMillis());
        bin(p, del.key());
        p.packBoolean(del.prefix());
        p.packBoolean(del.prevKv());
      } else if (c instanceof KvCommand.CompareAndSwap cas) {
        header(p, CAS, s, c.proposedAtMillis());
        bin(p, cas.key());
        p.packInt(cas.expect().kind().ordinal());
        bin(p, cas.expect().value());
        p.packLong(cas.expect().version());
        bin(p, cas.newValue());
        p.packBoolean(cas.prevKv());
      } else if (c instanceof KvCommand.Txn txn) {
        header(p, TXN, s, c.proposedAtMillis());
        p.packArrayHeader(txn.compares().size());
        for (KvCommand.Compare cmp : txn.compares()) {
          p.packArrayHeader(5);
          bin(p, cmp.key());
          p.packInt(cmp.op().ordinal());
          p.packInt(cmp.target().ordinal());
          bin(p, cmp.value());
          p.packLong(cmp.number());
        }
        ops(p, txn.success());
        ops(p, txn.failure());
      } else if (c instanceof KvCommand.RegisterSession) {
        header(p, REGISTER_SESSION, Session.NONE, c.proposedAtMillis());
      } else if (c instanceof KvCommand.CloseSession close) {
        header(p, CLOSE_SESSION, Session.NONE, c.proposedAtMillis());
        p.packLong(close.sessionId());
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory packing failed", e);
    }
  }

  private static void header(MessageBufferPacker p, int type, Session s, long at) throws IOException {
    p.packInt(type);
    p.packLong(s.id());
    p.packLong(s.sequence());
    p.packLong(s.acknowledged());
    p.packLong(at);
  }

  private static void ops(MessageBufferPacker p, List<KvCommand.Op> ops) throws IOException {
    p.packArrayHeader(ops.size());
    for (KvCommand.Op op : ops) {
      p.packArrayHeader(4);
      p.packInt(op.kind().ordinal());
      bin(p, op.key());
      bin(p, op.value());
      p.packBoolean(op.prevKv());
    }
  }

  private static void bin(MessageBufferPacker p, byte[] b) throws IOException {
    if (b == null) {
      p.packNil();
    } else {
      p.packBinaryHeader(b.length);
      p.writePayload(b);
    }
  }

  /** @throws FormatException if the bytes are not a valid command */
  public static KvCommand decode(byte[] bytes) throws FormatException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      int n = u.unpackArrayHeader();
      int version = u.unpackInt();
      if (version == 1) {
        throw new FormatException("command format version 1 (client-chosen session ids, before "
            + "sessions were registered in the log) is no longer readable", 1);
      }
      if (version != VERSION) {
        throw new FormatException("unknown command format version " + version, 1);
      }
      if (n < 6) {
        throw new FormatException("command array too short (" + n + ")", 0);
      }
      int type = u.unpackInt();
      long id = u.unpackLong();
      long seq = u.unpackLong();
      long ack = u.unpackLong();
      long at = u.unpackLong();
      Session s = id == 0 && seq == 0 && ack == 0 ? Session.NONE : new Session(id, seq, ack);
      int fields = n - 6;
      KvCommand c;
      switch (type) {
        case PUT -> {
          expectFields(fields, 3, "PUT");
          c = new KvCommand.Put(s, at, reqBin(u), reqBin(u), u.unpackBoolean());
        }
        case DELETE -> {
          expectFields(fields, 3, "DELETE");
          c = new KvCommand.Delete(s, at, reqBin(u), u.unpackBoolean(), u.unpackBoolean());
        }
        case CAS -> {
          expectFields(fields, 6, "CAS");
          byte[] key = reqBin(u);
          KvCommand.ExpectKind kind = enumOf(KvCommand.ExpectKind.values(), u.unpackInt());
          byte[] value = optBin(u);
          long version1 = u.unpackLong();
          if (kind == KvCommand.ExpectKind.VALUE && value == null) {
            throw new FormatException("CAS expecting a value carries none", 0);
          }
          c = new KvCommand.CompareAndSwap(s, at, key, new KvCommand.Expect(kind, value, version1),
              optBin(u), u.unpackBoolean());
        }
        case TXN -> {
          expectFields(fields, 3, "TXN");
          int nc = length(u.unpackArrayHeader());
          List<KvCommand.Compare> compares = new ArrayList<>(Math.min(nc, 1024));
          for (int i = 0; i < nc; i++) {
            if (u.unpackArrayHeader() != 5) {
              throw new FormatException("malformed compare", 0);
            }
            compares.add(new KvCommand.Compare(reqBin(u),
                enumOf(KvCommand.CompareOp.values(), u.unpackInt()),
                enumOf(KvCommand.CompareTarget.values(), u.unpackInt()), optBin(u), u.unpackLong()));
          }
          c = new KvCommand.Txn(s, at, compares, readOps(u), readOps(u));
        }
        case REGISTER_SESSION -> {
          expectFields(fields, 0, "REGISTER_SESSION");
          expectNoSession(s, "REGISTER_SESSION");
          c = new KvCommand.RegisterSession(at);
        }
        case CLOSE_SESSION -> {
          expectFields(fields, 1, "CLOSE_SESSION");
          expectNoSession(s, "CLOSE_SESSION");
          c = new KvCommand.CloseSession(at, u.unpackLong());
        }
        default -> throw new FormatException("unknown command type " + type, 1);
      }
      if (u.hasNext()) {
        throw new FormatException("trailing bytes after command", u.getTotalReadBytes());
      }
      return c;
    } catch (MessagePackException | IOException | IllegalArgumentException e) {
      throw new FormatException("malformed command: " + e.getMessage(), -1, e);
    }
  }

  private static List<KvCommand.Op> readOps(MessageUnpacker u) throws IOException, FormatException {
    int n = length(u.unpackArrayHeader());
    List<KvCommand.Op> ops = new ArrayList<>(Math.min(n, 1024));
    for (int i = 0; i < n; i++) {
      if (u.unpackArrayHeader() != 4) {
        throw new FormatException("malformed transaction op", u.getTotalReadBytes());
      }
      KvCommand.OpKind kind = enumOf(KvCommand.OpKind.values(), u.unpackInt());
      ops.add(new KvCommand.Op(kind, reqBin(u), optBin(u), u.unpackBoolean()));
    }
    return ops;
  }

  private static void expectNoSession(Session s, String type) throws FormatException {
    if (s != Session.NONE) {
      throw new FormatException(type + " carries a session (" + s.id() + "#" + s.sequence()
          + "), which it must not", 0);
    }
  }

  private static void expectFields(int got, int want, String type) throws FormatException {
    if (got != want) {
      throw new FormatException(type + " has " + got + " fields, expected " + want, 0);
    }
  }

  private static int length(int n) throws FormatException {
    if (n < 0 || n > MAX_LEN) {
      throw new FormatException("impossible length " + n, -1);
    }
    return n;
  }

  private static <E> E enumOf(E[] values, int ordinal) throws FormatException {
    if (ordinal < 0 || ordinal >= values.length) {
      throw new FormatException("unknown enum value " + ordinal, -1);
    }
    return values[ordinal];
  }

  private static byte[] reqBin(MessageUnpacker u) throws IOException, FormatException {
    byte[] b = optBin(u);
    if (b == null) {
      throw new FormatException("missing required bytes", u.getTotalReadBytes());
    }
    return b;
  }

  private static byte[] optBin(MessageUnpacker u) throws IOException, FormatException {
    if (u.tryUnpackNil()) {
      return null;
    }
    int len = length(u.unpackBinaryHeader());
    return u.readPayload(len);
  }

  /** A one-line, human-readable rendering for log inspection: {@code PUT key=… (12 bytes)}. */
  public static String describe(KvCommand c) {
    StringBuilder sb = new StringBuilder();
    if (c instanceof KvCommand.Put put) {
      sb.append("PUT key=").append(printable(put.key())).append(" value=")
          .append(printable(put.value())).append(" (").append(put.value().length).append(" bytes)");
    } else if (c instanceof KvCommand.Delete del) {
      sb.append(del.prefix() ? "DELETE prefix=" : "DELETE key=").append(printable(del.key()));
    } else if (c instanceof KvCommand.CompareAndSwap cas) {
      sb.append("CAS key=").append(printable(cas.key())).append(" expect ");
      switch (cas.expect().kind()) {
        case VALUE -> sb.append("value=").append(printable(cas.expect().value()));
        case VERSION -> sb.append("version=").append(cas.expect().version());
        case ABSENT -> sb.append("absent");
      }
      sb.append(cas.newValue() == null ? " then DELETE"
          : " then PUT value=" + printable(cas.newValue()));
    } else if (c instanceof KvCommand.Txn txn) {
      sb.append("TXN compares=").append(txn.compares().size()).append(" success=")
          .append(txn.success().size()).append(" failure=").append(txn.failure().size());
    } else if (c instanceof KvCommand.RegisterSession) {
      sb.append("OPEN SESSION (id = this entry's index)");
    } else if (c instanceof KvCommand.CloseSession close) {
      sb.append("CLOSE SESSION id=").append(close.sessionId());
    }
    if (c.session().present()) {
      sb.append(" session=").append(c.session().id()).append('#').append(c.session().sequence());
    }
    return sb.toString();
  }

  /** UTF-8 text when every character is printable, else {@code 0x…} hex; long values are cut. */
  public static String printable(byte[] b) {
    if (b == null) {
      return "nil";
    }
    String s = new String(b, StandardCharsets.UTF_8);
    boolean text = s.codePoints().allMatch(cp -> cp != 0xFFFD && !Character.isISOControl(cp))
        && java.util.Arrays.equals(s.getBytes(StandardCharsets.UTF_8), b);
    String out;
    if (text) {
      out = s.length() > 64 ? s.substring(0, 64) + "…" : s;
    } else {
      StringBuilder hex = new StringBuilder("0x");
      for (int i = 0; i < Math.min(b.length, 32); i++) {
        hex.append(String.format("%02x", b[i]));
      }
      out = b.length > 32 ? hex + "…" : hex.toString();
    }
    return out;
  }
}
