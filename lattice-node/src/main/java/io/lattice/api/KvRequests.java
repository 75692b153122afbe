package io.lattice.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.grpc.StatusRuntimeException;
import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.Session;
import io.lattice.kv.KeyRange;
import io.lattice.kv.KvLimits;
import io.lattice.node.RaftNode;
import io.lattice.node.ReadConsistency;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.Compare;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns KV requests into validated {@link KvCommand}s before anything is proposed: every limit a
 * client can hit is checked here, with its own reason (EMPTY_KEY, KEY_TOO_LARGE, VALUE_TOO_LARGE,
 * REQUEST_TOO_LARGE, TOO_MANY_TXN_OPS, INVALID_ARGUMENT), so that bad input never reaches the log.
 * The state machine checks its own (fixed) limits again when it applies a command ({@link
 * KvLimits}); the ones here may only be stricter.
 *
 * <p>Thread-safe (stateless but for its configuration).
 */
final class KvRequests {
  private final RaftNode<?> node;
  private final int maxTxnOps;

  /**
   * @param maxTxnOps most compares, and operations per branch, of a transaction; from 1 to {@link
   *     KvLimits#HARD_MAX_TXN_OPS}
   */
  KvRequests(RaftNode<?> node, int maxTxnOps) {
    this.node = Objects.requireNonNull(node, "node");
    if (maxTxnOps < 1 || maxTxnOps > KvLimits.HARD_MAX_TXN_OPS) {
      throw new IllegalArgumentException("the most operations per transaction must be from 1 to "
          + KvLimits.HARD_MAX_TXN_OPS + ": " + maxTxnOps);
    }
    this.maxTxnOps = maxTxnOps;
  }

  int maxTxnOps() {
    return maxTxnOps;
  }

  KvCommand.Put put(PutRequest req) {
    checkKey(req.getKey(), "key");
    checkValue(req.getValue(), "value");
    checkRequestSize(req);
    return new KvCommand.Put(session(req.hasSession() ? req.getSession() : null),
        System.currentTimeMillis(), bytes(req.getKey()), bytes(req.getValue()), req.getPrevKv());
  }

  KvCommand.Delete delete(DeleteRequest req) {
    if (req.getPrefix()) {
      checkKeySize(req.getKey(), "key");
    } else {
      checkKey(req.getKey(), "key");
    }
    checkRequestSize(req);
    return new KvCommand.Delete(session(req.hasSession() ? req.getSession() : null),
        System.currentTimeMillis(), bytes(req.getKey()), req.getPrefix(), req.getPrevKv());
  }

  KvCommand.CompareAndSwap compareAndSwap(CompareAndSwapRequest req) {
    checkKey(req.getKey(), "key");
    KvCommand.Expect expect;
    switch (req.getExpectedCase()) {
      case EXPECTED_VALUE:
        checkValue(req.getExpectedValue(), "expected_value");
        expect = KvCommand.Expect.value(bytes(req.getExpectedValue()));
        break;
      case EXPECTED_VERSION:
        expect = req.getExpectedVersion() == 0 ? KvCommand.Expect.absent()
            : KvCommand.Expect.version(req.getExpectedVersion());
        break;
      case EXPECTED_ABSENT:
        if (!req.getExpectedAbsent()) {
          throw invalid("expected_absent must be true when set");
        }
        expect = KvCommand.Expect.absent();
        break;
      default:
        throw invalid("one of expected_value, expected_version, expected_absent must be set");
    }
    byte[] newValue;
    switch (req.getSwapCase()) {
      case NEW_VALUE:
        checkValue(req.getNewValue(), "new_value");
        newValue = bytes(req.getNewValue());
        break;
      case DELETE_KEY:
        if (!req.getDeleteKey()) {
          throw invalid("delete_key must be true when set");
        }
        newValue = null;
        break;
      default:
        throw invalid("one of new_value, delete_key must be set");
    }
    checkRequestSize(req);
    return new KvCommand.CompareAndSwap(session(req.hasSession() ? req.getSession() : null),
        System.currentTimeMillis(), bytes(req.getKey()), expect, newValue, req.getPrevKv());
  }

  /** Refuses a transaction with too many operations first, before looking at any of them. */
  KvCommand.Txn txn(TxnRequest req) {
    if (req.getCompareCount() > maxTxnOps || req.getSuccessCount() > maxTxnOps
        || req.getFailureCount() > maxTxnOps) {
      throw ApiErrors.error(Reason.TOO_MANY_TXN_OPS, "transaction with "
          + req.getCompareCount() + " compares, " + req.getSuccessCount() + " success and "
          + req.getFailureCount() + " failure operations: at most " + maxTxnOps
          + " of each are allowed (--max-txn-ops)", node.header());
    }
    List<KvCommand.Compare> compares = new ArrayList<>();
    for (int i = 0; i < req.getCompareCount(); i++) {
      compares.add(compare(req.getCompare(i), "compare[" + i + "]"));
    }
    List<KvCommand.Op> success = ops(req.getSuccessList(), "success");
    List<KvCommand.Op> failure = ops(req.getFailureList(), "failure");
    checkRequestSize(req);
    return new KvCommand.Txn(session(req.hasSession() ? req.getSession() : null),
        System.currentTimeMillis(), compares, success, failure);
  }

  KeyRange range(RangeRequest req) {
    switch (req.getSelectorCase()) {
      case PREFIX:
        return KeyRange.prefix(bytes(req.getPrefix()));
      case INTERVAL:
        return KeyRange.interval(bytes(req.getInterval().getStart()),
            bytes(req.getInterval().getEnd()));
      default:
        return KeyRange.all();
    }
  }

  ReadConsistency consistency(io.lattice.proto.v1.ReadConsistency c) {
    switch (c) {
      case LINEARIZABLE:
        return ReadConsistency.LINEARIZABLE;
      case LEASE:
        return ReadConsistency.LEASE;
      case STALE:
        return ReadConsistency.STALE;
      default:
        throw invalid("unknown read consistency " + c);
    }
  }

  /** The field number ClientSession.client_id had before sessions were registered. */
  private static final int RETIRED_CLIENT_ID_FIELD = 1;

  private Session session(ClientSession s) {
    if (s == null) {
      return Session.NONE;
    }
    if (s.getUnknownFields().hasField(RETIRED_CLIENT_ID_FIELD)) {
      throw invalid("ClientSession.client_id is no longer accepted: open a session with "
          + "OpenSession and send the session_id it returns");
    }
    if (s.getSessionId() == 0) {
      if (s.getSequence() != 0 || s.getAcknowledged() != 0) {
        throw invalid("session.sequence is set but session.session_id is not (open a session "
            + "with OpenSession first)");
      }
      return Session.NONE;
    }
    if (s.getSessionId() < 0 || s.getSequence() <= 0 || s.getAcknowledged() < 0) {
      throw invalid("session " + Long.toUnsignedString(s.getSessionId()) + ": session_id must be "
          + "an id OpenSession returned and sequence start at 1 (got sequence "
          + Long.toUnsignedString(s.getSequence()) + ", acknowledged "
          + Long.toUnsignedString(s.getAcknowledged()) + ")");
    }
    return new Session(s.getSessionId(), s.getSequence(), s.getAcknowledged());
  }

  private KvCommand.Compare compare(Compare c, String where) {
    checkKey(c.getKey(), where + ".key");
    KvCommand.CompareOp op;
    switch (c.getOp()) {
      case EQUAL:
        op = KvCommand.CompareOp.EQUAL;
        break;
      case NOT_EQUAL:
        op = KvCommand.CompareOp.NOT_EQUAL;
        break;
      case LESS:
        op = KvCommand.CompareOp.LESS;
        break;
      case GREATER:
        op = KvCommand.CompareOp.GREATER;
        break;
      default:
        throw invalid(where + " has an unknown op");
    }
    byte[] key = bytes(c.getKey());
    switch (c.getTargetCase()) {
      case VALUE:
        checkValue(c.getValue(), where + ".value");
        return new KvCommand.Compare(key, op, KvCommand.CompareTarget.VALUE, bytes(c.getValue()),
            0);
      case VERSION:
        return new KvCommand.Compare(key, op, KvCommand.CompareTarget.VERSION, null,
            c.getVersion());
      case MOD_INDEX:
        return new KvCommand.Compare(key, op, KvCommand.CompareTarget.MOD_INDEX, null,
            c.getModIndex());
      case CREATE_INDEX:
        return new KvCommand.Compare(key, op, KvCommand.CompareTarget.CREATE_INDEX, null,
            c.getCreateIndex());
      case EXISTS:
        if (op != KvCommand.CompareOp.EQUAL && op != KvCommand.CompareOp.NOT_EQUAL) {
          throw invalid(where + " compares existence with " + op
              + " (only EQUAL and NOT_EQUAL are allowed)");
        }
        return new KvCommand.Compare(key, op, KvCommand.CompareTarget.EXISTS, null,
            c.getExists() ? 1 : 0);
      default:
        throw invalid(where + " has no target (value, version, mod_index, create_index, exists)");
    }
  }

  private List<KvCommand.Op> ops(List<TxnOp> ops, String where) {
    List<KvCommand.Op> out = new ArrayList<>();
    for (int i = 0; i < ops.size(); i++) {
      TxnOp op = ops.get(i);
      String w = where + "[" + i + "]";
      switch (op.getOpCase()) {
        case PUT:
          checkKey(op.getPut().getKey(), w + ".key");
          checkValue(op.getPut().getValue(), w + ".value");
          out.add(new KvCommand.Op(KvCommand.OpKind.PUT, bytes(op.getPut().getKey()),
              bytes(op.getPut().getValue()), op.getPut().getPrevKv()));
          break;
        case DELETE:
          checkKey(op.getDelete().getKey(), w + ".key");
          out.add(new KvCommand.Op(KvCommand.OpKind.DELETE, bytes(op.getDelete().getKey()), null,
              op.getDelete().getPrevKv()));
          break;
        case GET:
          checkKey(op.getGet().getKey(), w + ".key");
          out.add(new KvCommand.Op(KvCommand.OpKind.GET, bytes(op.getGet().getKey()), null,
              false));
          break;
        default:
          throw invalid(w + " has no operation (put, delete or get)");
      }
    }
    return out;
  }

  /** REQUEST_TOO_LARGE if {@code size} bytes are more than one log entry may hold. */
  void checkEncodedSize(int size) {
    int max = node.config().maxRequestBytes();
    if (size > max) {
      throw ApiErrors.error(Reason.REQUEST_TOO_LARGE,
          "request of " + size + " bytes exceeds the limit of " + max + " bytes", node.header());
    }
  }

  private void checkRequestSize(MessageLite req) {
    checkEncodedSize(req.getSerializedSize());
  }

  void checkKey(ByteString key, String what) {
    if (key.isEmpty()) {
      throw ApiErrors.error(Reason.EMPTY_KEY, what + " must not be empty", node.header());
    }
    checkKeySize(key, what);
  }

  private void checkKeySize(ByteString key, String what) {
    if (key.size() > KvService.MAX_KEY_BYTES) {
      throw ApiErrors.error(Reason.KEY_TOO_LARGE, what + " of " + key.size()
          + " bytes exceeds the limit of " + KvService.MAX_KEY_BYTES + " bytes", node.header());
    }
  }

  private void checkValue(ByteString value, String what) {
    if (value.size() > KvService.MAX_VALUE_BYTES) {
      throw ApiErrors.error(Reason.VALUE_TOO_LARGE, what + " of " + value.size()
          + " bytes exceeds the limit of " + KvService.MAX_VALUE_BYTES + " bytes", node.header());
    }
  }

  StatusRuntimeException invalid(String message) {
    return ApiErrors.error(Reason.INVALID_ARGUMENT, message, node.header());
  }

  static byte[] bytes(ByteString b) {
    return b.toByteArray();
  }
}
