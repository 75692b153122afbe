package io.lattice.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.format.Session;
import io.lattice.kv.KeyRange;
import io.lattice.kv.KvEntry;
import io.lattice.kv.KvResult;
import io.lattice.kv.KvResultCodec;
import io.lattice.kv.KvStateMachine;
import io.lattice.kv.RangeResult;
import io.lattice.node.RaftNode;
import io.lattice.node.ReadConsistency;
import io.lattice.proto.v1.ClientSession;
import io.lattice.proto.v1.CloseSessionRequest;
import io.lattice.proto.v1.CloseSessionResponse;
import io.lattice.proto.v1.Compare;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.CompareAndSwapResponse;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.KeyValue;
import io.lattice.proto.v1.OpenSessionRequest;
import io.lattice.proto.v1.OpenSessionResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnOpResult;
import io.lattice.proto.v1.TxnRequest;
import io.lattice.proto.v1.TxnResponse;
import io.lattice.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The client KV service (kv.proto) on top of a {@link RaftNode}. Writes, and the opening and
 * closing of client sessions, are validated here, encoded as a {@link KvCommand} and proposed;
 * reads run on the state machine with the requested consistency. No gRPC thread ever waits: each call is completed from its future's callback (on the
 * node's loop thread, where only the response is built). Every failure goes through {@link
 * ApiErrors}.
 */
public final class KvService extends KVGrpc.KVImplBase {
  /** Largest key accepted, in bytes (KEY_TOO_LARGE above). */
  public static final int MAX_KEY_BYTES = 4 * 1024;
  /** Largest value accepted, in bytes (VALUE_TOO_LARGE above). */
  public static final int MAX_VALUE_BYTES = 1024 * 1024;

  private final RaftNode<KvStateMachine> node;

  public KvService(RaftNode<KvStateMachine> node) {
    this.node = Objects.requireNonNull(node, "node");
  }

  // ------------------------------------------------------------------------------------ writes

  @Override
  public void put(PutRequest req, StreamObserver<PutResponse> out) {
    try {
      checkKey(req.getKey(), "key");
      checkValue(req.getValue(), "value");
      checkRequestSize(req);
      KvCommand cmd = new KvCommand.Put(session(req.hasSession() ? req.getSession() : null),
          System.currentTimeMillis(), bytes(req.getKey()), bytes(req.getValue()), req.getPrevKv());
      propose(cmd, KvResult.Put.class, out, r -> {
        PutResponse.Builder b = PutResponse.newBuilder()
            .setHeader(header(r.index())).setModIndex(r.index()).setVersion(r.version());
        if (req.getPrevKv() && r.prevKv() != null) {
          b.setPrevKv(Responses.kv(r.prevKv()));
        }
        return b.build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  @Override
  public void delete(DeleteRequest req, StreamObserver<DeleteResponse> out) {
    try {
      if (req.getPrefix()) {
        checkKeySize(req.getKey(), "key");
      } else {
        checkKey(req.getKey(), "key");
      }
      checkRequestSize(req);
      KvCommand cmd = new KvCommand.Delete(session(req.hasSession() ? req.getSession() : null),
          System.currentTimeMillis(), bytes(req.getKey()), req.getPrefix(), req.getPrevKv());
      propose(cmd, KvResult.Delete.class, out, r -> {
        DeleteResponse.Builder b = DeleteResponse.newBuilder().setHeader(header(r.index()))
            .setDeleted(r.deleted()).setIndex(r.index()).setDeletedCount(r.deletedCount());
        if (req.getPrevKv()) {
          if (r.prevKv() != null) {
            b.setPrevKv(Responses.kv(r.prevKv()));
          }
          if (req.getPrefix()) {
            for (KvEntry e : r.prevKvs()) {
              b.addPrevKvs(Responses.kv(e));
            }
          }
        }
        return b.build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  @Override
  public void compareAndSwap(CompareAndSwapRequest req,
      StreamObserver<CompareAndSwapResponse> out) {
    try {
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
      KvCommand cmd = new KvCommand.CompareAndSwap(
          session(req.hasSession() ? req.getSession() : null), System.currentTimeMillis(),
          bytes(req.getKey()), expect, newValue, req.getPrevKv());
      propose(cmd, KvResult.CompareAndSwap.class, out, r -> {
        CompareAndSwapResponse.Builder b = CompareAndSwapResponse.newBuilder()
            .setHeader(header(r.index())).setSucceeded(r.succeeded()).setIndex(r.index());
        if (r.prevKv() != null && (!r.succeeded() || req.getPrevKv())) {
          b.setPrevKv(Responses.kv(r.prevKv()));
        }
        return b.build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  @Override
  public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
    try {
      List<KvCommand.Compare> compares = new ArrayList<>();
      for (int i = 0; i < req.getCompareCount(); i++) {
        compares.add(compare(req.getCompare(i), "compare[" + i + "]"));
      }
      List<KvCommand.Op> success = ops(req.getSuccessList(), "success");
      List<KvCommand.Op> failure = ops(req.getFailureList(), "failure");
      checkRequestSize(req);
      KvCommand cmd = new KvCommand.Txn(session(req.hasSession() ? req.getSession() : null),
          System.currentTimeMillis(), compares, success, failure);
      propose(cmd, KvResult.Txn.class, out, r -> {
        TxnResponse.Builder b = TxnResponse.newBuilder().setHeader(header(r.index()))
            .setSucceeded(r.succeeded()).setIndex(r.index());
        for (KvResult.OpResult op : r.results()) {
          b.addResults(opResult(op));
        }
        return b.build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  // ---------------------------------------------------------------------------------- sessions

  /** Proposes a RegisterSession entry; the session's id is its log index. */
  @Override
  public void openSession(OpenSessionRequest req, StreamObserver<OpenSessionResponse> out) {
    try {
      propose(new KvCommand.RegisterSession(System.currentTimeMillis()),
          KvResult.SessionOpened.class, out, r -> OpenSessionResponse.newBuilder()
              .setHeader(header(r.index())).setSessionId(r.sessionId()).build());
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  /** Proposes a CloseSession entry. */
  @Override
  public void closeSession(CloseSessionRequest req, StreamObserver<CloseSessionResponse> out) {
    try {
      if (req.getSessionId() <= 0) {
        throw invalid("session_id must be the positive id OpenSession returned (got "
            + Long.toUnsignedString(req.getSessionId()) + ")");
      }
      propose(new KvCommand.CloseSession(System.currentTimeMillis(), req.getSessionId()),
          KvResult.SessionClosed.class, out, r -> CloseSessionResponse.newBuilder()
              .setHeader(header(r.index())).setClosed(r.closed()).setIndex(r.index()).build());
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  // ------------------------------------------------------------------------------------- reads

  private record Read<T>(T value, long appliedIndex) {}

  @Override
  public void get(GetRequest req, StreamObserver<GetResponse> out) {
    try {
      checkKey(req.getKey(), "key");
      byte[] key = bytes(req.getKey());
      read(consistency(req.getConsistency()), sm -> new Read<>(sm.get(key), sm.appliedIndex()),
          out, (Read<Optional<KvEntry>> r) -> {
            GetResponse.Builder b = GetResponse.newBuilder().setHeader(header(r.appliedIndex()));
            r.value().ifPresent(e -> b.setKv(Responses.kv(e)));
            return b.build();
          });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  /**
   * A Range answer carries at most this many bytes of key-values (at least one key-value), and sets
   * {@code more} when it stops early: gRPC clients refuse messages over 4 MiB by default, and one
   * key-value is at most 4 KiB + 1 MiB, so any client can read every answer.
   */
  static final long MAX_RANGE_RESPONSE_BYTES = 3L << 20;
  /** Tag and length bytes of one repeated field entry, on top of the message itself. */
  private static final int RANGE_ENTRY_OVERHEAD = 6;

  @Override
  public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
    try {
      KeyRange range;
      switch (req.getSelectorCase()) {
        case PREFIX:
          range = KeyRange.prefix(bytes(req.getPrefix()));
          break;
        case INTERVAL:
          range = KeyRange.interval(bytes(req.getInterval().getStart()),
              bytes(req.getInterval().getEnd()));
          break;
        default:
          range = KeyRange.all();
          break;
      }
      long limit = req.getLimit();
      boolean keysOnly = req.getKeysOnly();
      boolean countOnly = req.getCountOnly();
      read(consistency(req.getConsistency()),
          sm -> new Read<>(sm.range(range, limit, keysOnly, countOnly), sm.appliedIndex()), out,
          (Read<RangeResult> r) -> {
            RangeResponse.Builder b = RangeResponse.newBuilder()
                .setHeader(header(r.appliedIndex())).setMore(r.value().more())
                .setCount(r.value().count());
            if (!countOnly) {
              long bytes = 0;
              for (KvEntry e : r.value().kvs()) {
                KeyValue kv = Responses.kv(e);
                bytes += kv.getSerializedSize() + RANGE_ENTRY_OVERHEAD;
                if (bytes > MAX_RANGE_RESPONSE_BYTES && b.getKvsCount() > 0) {
                  b.setMore(true); // the client continues after the last key it got
                  break;
                }
                b.addKvs(kv);
              }
            }
            return b.build();
          });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  // ---------------------------------------------------------------------------------- plumbing

  /** Proposes {@code cmd} and completes {@code out} from the future's callback. */
  private <R extends KvResult, T> void propose(KvCommand cmd, Class<R> kind,
      StreamObserver<T> out, Function<R, T> build) {
    byte[] encoded = KvCommandCodec.encode(cmd);
    int max = node.config().maxRequestBytes();
    if (encoded.length > max) {
      throw ApiErrors.error(Reason.REQUEST_TOO_LARGE, "request of " + encoded.length
          + " bytes exceeds the limit of " + max + " bytes", node.header());
    }
    CompletableFuture<byte[]> f;
    try {
      f = node.propose(encoded);
    } catch (RuntimeException e) {
      throw ApiErrors.toStatus(e, node.header());
    }
    f.whenComplete((bytes, t) -> {
      if (t != null) {
        Responses.fail(out, ApiErrors.toStatus(t, node.header()));
        return;
      }
      T response;
      try {
        KvResult r = KvResultCodec.decodeTrusted(bytes);
        if (r instanceof KvResult.Error) {
          Responses.fail(out, ApiErrors.fromResult((KvResult.Error) r, node.header()));
          return;
        }
        if (!kind.isInstance(r)) {
          // a duplicate (session, sequence) answers with the first result: another kind of write
          Responses.fail(out, ApiErrors.error(Reason.INVALID_ARGUMENT,
              "the session's sequence number " + cmd.session().sequence()
                  + " was already used for a different kind of write", node.header()));
          return;
        }
        response = build.apply(kind.cast(r));
      } catch (RuntimeException e) {
        Responses.fail(out, ApiErrors.toStatus(e, node.header()));
        return;
      }
      Responses.send(out, response);
    });
  }

  /** Runs {@code query} with {@code consistency} and completes {@code out} from the callback. */
  private <Q, T> void read(ReadConsistency consistency,
      Function<io.lattice.kv.KvStateMachine, Q> query, StreamObserver<T> out,
      Function<Q, T> build) {
    RaftNode.Header h = node.header();
    if (consistency == ReadConsistency.LEASE && h.role() != Role.LEADER) {
      throw ApiErrors.error(Reason.NOT_LEADER,
          "LEASE reads are served by the leader only", h);
    }
    CompletableFuture<Q> f;
    try {
      f = node.read(consistency, query);
    } catch (RuntimeException e) {
      throw ApiErrors.toStatus(e, h);
    }
    f.whenComplete((q, t) -> {
      if (t != null) {
        Responses.fail(out, ApiErrors.toStatus(t, node.header()));
        return;
      }
      T response;
      try {
        response = build.apply(q);
      } catch (RuntimeException e) {
        Responses.fail(out, ApiErrors.toStatus(e, node.header()));
        return;
      }
      Responses.send(out, response);
    });
  }

  private io.lattice.proto.v1.ResponseHeader header(long minApplied) {
    return Responses.header(node, node.header(), minApplied);
  }

  private ReadConsistency consistency(io.lattice.proto.v1.ReadConsistency c) {
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

  private static TxnOpResult opResult(KvResult.OpResult op) {
    if (op instanceof KvResult.PutOp) {
      KvResult.PutOp p = (KvResult.PutOp) op;
      TxnOpResult.PutResult.Builder b = TxnOpResult.PutResult.newBuilder().setVersion(p.version());
      if (p.prevKv() != null) {
        b.setPrevKv(Responses.kv(p.prevKv()));
      }
      return TxnOpResult.newBuilder().setPut(b).build();
    }
    if (op instanceof KvResult.DeleteOp) {
      KvResult.DeleteOp d = (KvResult.DeleteOp) op;
      TxnOpResult.DeleteResult.Builder b = TxnOpResult.DeleteResult.newBuilder()
          .setDeleted(d.deleted());
      if (d.prevKv() != null) {
        b.setPrevKv(Responses.kv(d.prevKv()));
      }
      return TxnOpResult.newBuilder().setDelete(b).build();
    }
    KvResult.GetOp g = (KvResult.GetOp) op;
    TxnOpResult.GetResult.Builder b = TxnOpResult.GetResult.newBuilder();
    if (g.kv() != null) {
      b.setKv(Responses.kv(g.kv()));
    }
    return TxnOpResult.newBuilder().setGet(b).build();
  }

  private void checkRequestSize(MessageLite req) {
    int size = req.getSerializedSize();
    int max = node.config().maxRequestBytes();
    if (size > max) {
      throw ApiErrors.error(Reason.REQUEST_TOO_LARGE,
          "request of " + size + " bytes exceeds the limit of " + max + " bytes", node.header());
    }
  }

  private void checkKey(ByteString key, String what) {
    if (key.isEmpty()) {
      throw ApiErrors.error(Reason.EMPTY_KEY, what + " must not be empty",
          node.header());
    }
    checkKeySize(key, what);
  }

  private void checkKeySize(ByteString key, String what) {
    if (key.size() > MAX_KEY_BYTES) {
      throw ApiErrors.error(Reason.KEY_TOO_LARGE, what + " of " + key.size()
          + " bytes exceeds the limit of " + MAX_KEY_BYTES + " bytes", node.header());
    }
  }

  private void checkValue(ByteString value, String what) {
    if (value.size() > MAX_VALUE_BYTES) {
      throw ApiErrors.error(Reason.VALUE_TOO_LARGE, what + " of " + value.size()
          + " bytes exceeds the limit of " + MAX_VALUE_BYTES + " bytes", node.header());
    }
  }

  private StatusRuntimeException invalid(String message) {
    return ApiErrors.error(Reason.INVALID_ARGUMENT, message, node.header());
  }

  private static byte[] bytes(ByteString b) {
    return b.toByteArray();
  }
}
