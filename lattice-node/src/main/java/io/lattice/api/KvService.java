package io.lattice.api;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.lattice.errors.Reason;
import io.lattice.format.KvCommand;
import io.lattice.format.KvCommandCodec;
import io.lattice.kv.KeyRange;
import io.lattice.kv.KvEntry;
import io.lattice.kv.KvLimits;
import io.lattice.kv.KvResult;
import io.lattice.kv.KvResultCodec;
import io.lattice.kv.KvStateMachine;
import io.lattice.kv.KvView;
import io.lattice.node.NodeRequests;
import io.lattice.node.QueryLane;
import io.lattice.node.RaftNode;
import io.lattice.node.ReadConsistency;
import io.lattice.proto.v1.CloseSessionRequest;
import io.lattice.proto.v1.CloseSessionResponse;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.CompareAndSwapResponse;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.OpenSessionRequest;
import io.lattice.proto.v1.OpenSessionResponse;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.TxnRequest;
import io.lattice.proto.v1.TxnResponse;
import io.lattice.raft.Role;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The client KV service (kv.proto) on top of a {@link RaftNode}. Writes, and the opening and
 * closing of client sessions, are validated ({@link KvRequests}), encoded as a {@link KvCommand}
 * and proposed; reads take an immutable {@link KvView} of the state on the node's loop (O(1)) and
 * run against it on the node's query executor, so that no read, however large its range, delays
 * the loop. No gRPC thread ever waits: each call is completed from its future's callback (on the
 * loop thread for writes, where only the response is built; on a query thread for reads). Every
 * failure goes through {@link ApiErrors}.
 */
public final class KvService extends KVGrpc.KVImplBase {
  /** Largest key accepted, in bytes (KEY_TOO_LARGE above). */
  public static final int MAX_KEY_BYTES = 4 * 1024;
  /** Largest value accepted, in bytes (VALUE_TOO_LARGE above). */
  public static final int MAX_VALUE_BYTES = 1024 * 1024;
  /**
   * A Range answer carries at most this many bytes of key-values (at least one key-value), and sets
   * {@code more} when it stops early: gRPC clients refuse messages over 4 MiB by default, and one
   * key-value is at most 4 KiB + 1 MiB, so any client can read every answer. The scan stops there:
   * key-values beyond it are never visited.
   */
  static final long MAX_RANGE_RESPONSE_BYTES = KvLimits.MAX_RESULT_BYTES;

  private final RaftNode<KvStateMachine> node;
  private final KvRequests requests;

  /** A service refusing transactions of more than {@link KvLimits#DEFAULT_MAX_TXN_OPS} ops. */
  public KvService(RaftNode<KvStateMachine> node) {
    this(node, KvLimits.DEFAULT_MAX_TXN_OPS);
  }

  /**
   * @param maxTxnOps most compares, and operations per branch, of a transaction (etcd's
   *     --max-txn-ops); from 1 to {@link KvLimits#HARD_MAX_TXN_OPS}
   */
  public KvService(RaftNode<KvStateMachine> node, int maxTxnOps) {
    this.node = Objects.requireNonNull(node, "node");
    this.requests = new KvRequests(node, maxTxnOps);
  }

  // ------------------------------------------------------------------------------------ writes

  @Override
  public void put(PutRequest req, StreamObserver<PutResponse> out) {
    try {
      propose(requests.put(req), KvResult.Put.class, out, r -> {
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
      propose(requests.delete(req), KvResult.Delete.class, out, r -> {
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
      propose(requests.compareAndSwap(req), KvResult.CompareAndSwap.class, out, r -> {
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

  /**
   * A transaction. More compares, or operations in a branch, than the configured maximum are
   * refused TOO_MANY_TXN_OPS before anything is proposed; a result that would pass the answer
   * limit fails RESULT_TOO_LARGE on every replica, changing nothing.
   */
  @Override
  public void txn(TxnRequest req, StreamObserver<TxnResponse> out) {
    try {
      propose(requests.txn(req), KvResult.Txn.class, out,
          r -> KvResponses.txn(header(r.index()), r));
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
        throw requests.invalid("session_id must be the positive id OpenSession returned (got "
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

  @Override
  public void get(GetRequest req, StreamObserver<GetResponse> out) {
    try {
      requests.checkKey(req.getKey(), "key");
      byte[] key = KvRequests.bytes(req.getKey());
      read(requests.consistency(req.getConsistency()), QueryLane.POINT, out, (view, applied) -> {
        GetResponse.Builder b = GetResponse.newBuilder().setHeader(header(applied));
        view.get(key).ifPresent(e -> b.setKv(Responses.kv(e)));
        return b.build();
      });
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  /** A range, scanned off the loop and stopped at {@link #MAX_RANGE_RESPONSE_BYTES}. */
  @Override
  public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
    try {
      KeyRange range = requests.range(req);
      long limit = req.getLimit();
      boolean keysOnly = req.getKeysOnly();
      boolean countOnly = req.getCountOnly();
      read(requests.consistency(req.getConsistency()), QueryLane.SCAN, out, (view, applied) ->
          KvResponses.range(header(applied),
              view.range(range, limit, keysOnly, countOnly, MAX_RANGE_RESPONSE_BYTES)));
    } catch (StatusRuntimeException e) {
      Responses.fail(out, e);
    }
  }

  // ---------------------------------------------------------------------------------- plumbing

  /** Proposes {@code cmd} and completes {@code out} from the future's callback. */
  private <R extends KvResult, T> void propose(KvCommand cmd, Class<R> kind,
      StreamObserver<T> out, Function<R, T> build) {
    byte[] encoded = KvCommandCodec.encode(cmd);
    requests.checkEncodedSize(encoded.length);
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

  /**
   * Takes a view with {@code consistency} and runs {@code query} against it off the loop, then
   * completes {@code out} with what it built.
   */
  private <T> void read(ReadConsistency consistency, QueryLane lane, StreamObserver<T> out,
      NodeRequests.ViewQuery<KvView, T> query) {
    RaftNode.Header h = node.header();
    if (consistency == ReadConsistency.LEASE && h.role() != Role.LEADER) {
      throw ApiErrors.error(Reason.NOT_LEADER, "LEASE reads are served by the leader only", h);
    }
    CompletableFuture<T> f;
    try {
      f = node.readView(consistency, lane, KvStateMachine::view, query);
    } catch (RuntimeException e) {
      throw ApiErrors.toStatus(e, h);
    }
    f.whenComplete((response, t) -> {
      if (t != null) {
        Responses.fail(out, ApiErrors.toStatus(t, node.header()));
        return;
      }
      Responses.send(out, response);
    });
  }

  private io.lattice.proto.v1.ResponseHeader header(long minApplied) {
    return Responses.header(node, node.header(), minApplied);
  }
}
