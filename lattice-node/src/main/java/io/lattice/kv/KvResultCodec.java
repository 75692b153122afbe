package io.lattice.kv;

import io.lattice.format.FormatException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePackException;
import org.msgpack.core.MessageUnpacker;

/**
 * MessagePack encoding of {@link KvResult}s: the bytes {@link KvStateMachine#apply} returns, which
 * the API layer decodes with {@link #decode}. Each result is one array:
 *
 * <pre>
 *   [version=1, type, index, ...fields of the type]
 *   ERROR  (0): errorKind, message
 *   PUT    (1): version, kv|nil
 *   DELETE (2): deletedCount, [kv...]
 *   CAS    (3): succeeded, kv|nil
 *   TXN    (4): succeeded, [opResult...]
 *          opResult = [1=PUT, version, kv|nil] | [2=DELETE, deleted, kv|nil] | [3=GET, kv|nil]
 *   SESSION_OPENED (5): sessionId
 *   SESSION_CLOSED (6): closed
 *   kv = [key, value, createIndex, modIndex, version]
 * </pre>
 *
 * The encoding is part of the replicated state (session results are kept encoded, and hashed and
 * snapshotted as bytes), so it must stay byte-for-byte stable: {@link KvResult.ErrorKind} is stored
 * by ordinal, and the encoding is canonical (one encoding per value).
 */
public final class KvResultCodec {
  private static final int VERSION = 1;
  private static final int ERROR = 0;
  private static final int PUT = 1;
  private static final int DELETE = 2;
  private static final int CAS = 3;
  private static final int TXN = 4;
  private static final int SESSION_OPENED = 5;
  private static final int SESSION_CLOSED = 6;
  private static final int OP_PUT = 1;
  private static final int OP_DELETE = 2;
  private static final int OP_GET = 3;
  private static final int MAX_LEN = 64 << 20;

  /**
   * One packer per thread, reused for every result it encodes: a fresh packer allocates an 8 KiB
   * buffer before it writes a byte, once per applied command. A reused one hands out successive
   * slices of its buffer and only takes a new one when little is left. Reuse never changes the
   * bytes: {@code clear()} drops everything of the previous result, and a packer that failed
   * mid-way or held a large result is dropped, so that no thread keeps a large buffer.
   */
  private static final ThreadLocal<MessageBufferPacker> PACKER =
      ThreadLocal.withInitial(MessagePack::newDefaultBufferPacker);
  /** A packer that encoded a result of at least this many bytes is not kept. */
  private static final int KEEP_PACKER_BELOW = 64 << 10;

  private KvResultCodec() {}

  public static byte[] encode(KvResult r) {
    MessageBufferPacker p = PACKER.get();
    p.clear();
    boolean keep = false;
    try {
      pack(p, r);
      byte[] bytes = p.toByteArray();
      keep = bytes.length < KEEP_PACKER_BELOW;
      return bytes;
    } catch (IOException e) {
      throw new IllegalStateException("in-memory packing failed", e);
    } finally {
      if (keep) {
        p.clear();
      } else {
        PACKER.remove();
      }
    }
  }

  private static void pack(MessageBufferPacker p, KvResult r) throws IOException {
    if (r instanceof KvResult.Error e) {
      head(p, 5, ERROR, e.index());
      p.packInt(e.kind().ordinal());
      p.packString(e.message());
    } else if (r instanceof KvResult.Put put) {
      head(p, 5, PUT, put.index());
      p.packLong(put.version());
      kv(p, put.prevKv());
    } else if (r instanceof KvResult.Delete del) {
      head(p, 5, DELETE, del.index());
      p.packLong(del.deletedCount());
      p.packArrayHeader(del.prevKvs().size());
      for (KvEntry e : del.prevKvs()) {
        kv(p, e);
      }
    } else if (r instanceof KvResult.CompareAndSwap cas) {
      head(p, 5, CAS, cas.index());
      p.packBoolean(cas.succeeded());
      kv(p, cas.prevKv());
    } else if (r instanceof KvResult.Txn txn) {
      head(p, 5, TXN, txn.index());
      p.packBoolean(txn.succeeded());
      p.packArrayHeader(txn.results().size());
      for (KvResult.OpResult op : txn.results()) {
        opResult(p, op);
      }
    } else if (r instanceof KvResult.SessionOpened opened) {
      head(p, 4, SESSION_OPENED, opened.index());
      p.packLong(opened.sessionId());
    } else if (r instanceof KvResult.SessionClosed closed) {
      head(p, 4, SESSION_CLOSED, closed.index());
      p.packBoolean(closed.closed());
    } else {
      throw new IllegalArgumentException("unknown result " + r);
    }
  }

  private static void head(MessageBufferPacker p, int size, int type, long index)
      throws IOException {
    p.packArrayHeader(size);
    p.packInt(VERSION);
    p.packInt(type);
    p.packLong(index);
  }

  private static void opResult(MessageBufferPacker p, KvResult.OpResult op) throws IOException {
    if (op instanceof KvResult.PutOp put) {
      p.packArrayHeader(3);
      p.packInt(OP_PUT);
      p.packLong(put.version());
      kv(p, put.prevKv());
    } else if (op instanceof KvResult.DeleteOp del) {
      p.packArrayHeader(3);
      p.packInt(OP_DELETE);
      p.packBoolean(del.deleted());
      kv(p, del.prevKv());
    } else if (op instanceof KvResult.GetOp get) {
      p.packArrayHeader(2);
      p.packInt(OP_GET);
      kv(p, get.kv());
    } else {
      throw new IllegalArgumentException("unknown op result " + op);
    }
  }

  private static void kv(MessageBufferPacker p, KvEntry e) throws IOException {
    if (e == null) {
      p.packNil();
      return;
    }
    p.packArrayHeader(5);
    p.packBinaryHeader(e.key().length);
    p.writePayload(e.key());
    byte[] value = e.value(); // a copy when mapped: results are bounded by the answer limit
    p.packBinaryHeader(value.length);
    p.writePayload(value);
    p.packLong(e.createIndex());
    p.packLong(e.modIndex());
    p.packLong(e.version());
  }

  /**
   * Decodes what {@link #encode} produced.
   *
   * @throws FormatException if the bytes are not a valid result (never for bytes from {@link
   *     KvStateMachine#apply} of the same version)
   */
  public static KvResult decode(byte[] bytes) throws FormatException {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      int n = u.unpackArrayHeader();
      if (n < 3) {
        throw new FormatException("result array too short (" + n + ")", 0);
      }
      int version = u.unpackInt();
      if (version != VERSION) {
        throw new FormatException("unknown result format version " + version, 1);
      }
      int type = u.unpackInt();
      long index = u.unpackLong();
      int expected = type == SESSION_OPENED || type == SESSION_CLOSED ? 4 : 5;
      if (n != expected) {
        throw new FormatException("result of type " + type + " has " + n + " fields", 0);
      }
      KvResult r;
      switch (type) {
        case ERROR -> {
          int kind = u.unpackInt();
          KvResult.ErrorKind[] kinds = KvResult.ErrorKind.values();
          if (kind < 0 || kind >= kinds.length) {
            throw new FormatException("unknown error kind " + kind, u.getTotalReadBytes());
          }
          r = new KvResult.Error(index, kinds[kind], u.unpackString());
        }
        case PUT -> r = new KvResult.Put(index, u.unpackLong(), readKv(u));
        case DELETE -> {
          long count = u.unpackLong();
          int k = length(u.unpackArrayHeader());
          List<KvEntry> prev = new ArrayList<>(Math.min(k, 1024));
          for (int i = 0; i < k; i++) {
            KvEntry e = readKv(u);
            if (e == null) {
              throw new FormatException("nil in deleted key-values", u.getTotalReadBytes());
            }
            prev.add(e);
          }
          r = new KvResult.Delete(index, count, prev);
        }
        case CAS -> r = new KvResult.CompareAndSwap(index, u.unpackBoolean(), readKv(u));
        case TXN -> {
          boolean succeeded = u.unpackBoolean();
          int k = length(u.unpackArrayHeader());
          List<KvResult.OpResult> ops = new ArrayList<>(Math.min(k, 1024));
          for (int i = 0; i < k; i++) {
            ops.add(readOp(u));
          }
          r = new KvResult.Txn(index, succeeded, ops);
        }
        case SESSION_OPENED -> r = new KvResult.SessionOpened(index, u.unpackLong());
        case SESSION_CLOSED -> r = new KvResult.SessionClosed(index, u.unpackBoolean());
        default -> throw new FormatException("unknown result type " + type, 1);
      }
      if (u.hasNext()) {
        throw new FormatException("trailing bytes after result", u.getTotalReadBytes());
      }
      return r;
    } catch (MessagePackException | IOException | IllegalArgumentException e) {
      throw new FormatException("malformed result: " + e.getMessage(), -1, e);
    }
  }

  /**
   * Decodes bytes known to come from {@link KvStateMachine#apply} of this version; a failure is a
   * bug, reported as {@link IllegalStateException}.
   */
  public static KvResult decodeTrusted(byte[] bytes) {
    try {
      return decode(bytes);
    } catch (FormatException e) {
      throw new IllegalStateException("state machine returned an undecodable result", e);
    }
  }

  private static KvResult.OpResult readOp(MessageUnpacker u) throws IOException, FormatException {
    int n = u.unpackArrayHeader();
    int kind = u.unpackInt();
    if (kind == OP_PUT && n == 3) {
      return new KvResult.PutOp(u.unpackLong(), readKv(u));
    } else if (kind == OP_DELETE && n == 3) {
      return new KvResult.DeleteOp(u.unpackBoolean(), readKv(u));
    } else if (kind == OP_GET && n == 2) {
      return new KvResult.GetOp(readKv(u));
    }
    throw new FormatException("unknown op result [" + kind + "] of " + n + " fields",
        u.getTotalReadBytes());
  }

  private static KvEntry readKv(MessageUnpacker u) throws IOException, FormatException {
    if (u.tryUnpackNil()) {
      return null;
    }
    if (u.unpackArrayHeader() != 5) {
      throw new FormatException("malformed key-value", u.getTotalReadBytes());
    }
    byte[] key = u.readPayload(length(u.unpackBinaryHeader()));
    byte[] value = u.readPayload(length(u.unpackBinaryHeader()));
    return new KvEntry(key, value, u.unpackLong(), u.unpackLong(), u.unpackLong());
  }

  private static int length(int n) throws FormatException {
    if (n < 0 || n > MAX_LEN) {
      throw new FormatException("impossible length " + n, -1);
    }
    return n;
  }
}
