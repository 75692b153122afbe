package io.lattice.kv;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.lattice.format.FormatException;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import java.util.List;

/** Builds encoded commands and decodes results for the tests. */
final class Commands {
  /** Proposal time used when a test does not care. */
  static final long T0 = 1_700_000_000_000L;

  private Commands() {}

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static String s(byte[] b) {
    return new String(b, UTF_8);
  }

  static byte[] put(String key, String value) {
    return put(Session.NONE, T0, key, value, false);
  }

  static byte[] put(Session session, long at, String key, String value, boolean prevKv) {
    return KvCommandCodec.encode(new KvCommand.Put(session, at, b(key), b(value), prevKv));
  }

  static byte[] register(long at) {
    return KvCommandCodec.encode(new KvCommand.RegisterSession(at));
  }

  static byte[] close(long sessionId, long at) {
    return KvCommandCodec.encode(new KvCommand.CloseSession(at, sessionId));
  }

  static byte[] delete(String key, boolean prefix, boolean prevKv) {
    return KvCommandCodec.encode(new KvCommand.Delete(Session.NONE, T0, b(key), prefix, prevKv));
  }

  static byte[] cas(String key, KvCommand.Expect expect, String newValue, boolean prevKv) {
    return KvCommandCodec.encode(new KvCommand.CompareAndSwap(Session.NONE, T0, b(key), expect,
        newValue == null ? null : b(newValue), prevKv));
  }

  static byte[] txn(List<KvCommand.Compare> compares, List<KvCommand.Op> success,
      List<KvCommand.Op> failure) {
    return KvCommandCodec.encode(new KvCommand.Txn(Session.NONE, T0, compares, success, failure));
  }

  static KvCommand.Compare cmp(String key, KvCommand.CompareTarget target, KvCommand.CompareOp op,
      String value, long number) {
    return new KvCommand.Compare(b(key), op, target, value == null ? null : b(value), number);
  }

  static KvCommand.Op opPut(String key, String value, boolean prevKv) {
    return new KvCommand.Op(KvCommand.OpKind.PUT, b(key), b(value), prevKv);
  }

  static KvCommand.Op opDelete(String key, boolean prevKv) {
    return new KvCommand.Op(KvCommand.OpKind.DELETE, b(key), null, prevKv);
  }

  static KvCommand.Op opGet(String key) {
    return new KvCommand.Op(KvCommand.OpKind.GET, b(key), null, false);
  }

  static KvResult decode(byte[] result) {
    try {
      return KvResultCodec.decode(result);
    } catch (FormatException e) {
      throw new AssertionError("undecodable result", e);
    }
  }

  @SuppressWarnings("unchecked")
  static <T extends KvResult> T decode(byte[] result, Class<T> type) {
    KvResult r = decode(result);
    if (!type.isInstance(r)) {
      throw new AssertionError("expected " + type.getSimpleName() + " but got " + r);
    }
    return (T) r;
  }

  static KvEntry kv(String key, String value, long create, long mod, long version) {
    return new KvEntry(b(key), b(value), create, mod, version);
  }
}
