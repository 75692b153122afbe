package io.lattice.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.lattice.proto.v1.Compare;
import io.lattice.proto.v1.CompareAndSwapRequest;
import io.lattice.proto.v1.CompareAndSwapResponse;
import io.lattice.proto.v1.DeleteRequest;
import io.lattice.proto.v1.DeleteResponse;
import io.lattice.proto.v1.ErrorInfo;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.GetResponse;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.KeyInterval;
import io.lattice.proto.v1.PutRequest;
import io.lattice.proto.v1.PutResponse;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import io.lattice.proto.v1.ReadConsistency;
import io.lattice.proto.v1.TxnDelete;
import io.lattice.proto.v1.TxnGet;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnPut;
import io.lattice.proto.v1.TxnRequest;
import io.lattice.proto.v1.TxnResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** KV over in-process gRPC against a real 3-node cluster (one cluster for the whole class). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KvServiceTest {
  static final int MAX_REQUEST = 2 << 20;

  ApiCluster cluster;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    cluster = new ApiCluster(tmp, MAX_REQUEST, "n1", "n2", "n3");
    cluster.awaitLeader();
  }

  @AfterAll
  void stop() {
    cluster.close();
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Retries a call the cluster answers UNAVAILABLE (no leader yet, no-op not committed). */
  static <T> T retry(Supplier<T> call) {
    long deadline = System.nanoTime() + ApiCluster.WAIT.toNanos();
    while (true) {
      try {
        return call.get();
      } catch (StatusRuntimeException e) {
        Status.Code c = e.getStatus().getCode();
        boolean transientError = c == Status.Code.UNAVAILABLE
            || (c == Status.Code.FAILED_PRECONDITION
                && info(e).getReason() == ErrorInfo.Reason.NOT_LEADER);
        if (!transientError || System.nanoTime() - deadline > 0) {
          throw e;
        }
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  static ErrorInfo info(StatusRuntimeException e) {
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    assertThat(s).as("status details of %s", e).isNotNull();
    assertThat(s.getDetailsList()).hasSize(1);
    Any any = s.getDetails(0);
    try {
      return any.unpack(ErrorInfo.class);
    } catch (InvalidProtocolBufferException x) {
      throw new AssertionError(x);
    }
  }

  KVGrpc.KVBlockingStub leaderKv() {
    return cluster.kv(cluster.awaitLeader());
  }

  @Test
  void aLargeRangeIsAnsweredInPagesThatEveryClientCanRead() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    ByteString big = ByteString.copyFrom(new byte[900 * 1024]);
    for (int i = 0; i < 6; i++) {
      String key = "page/" + i;
      retry(() -> kv.put(PutRequest.newBuilder().setKey(b(key)).setValue(big).build()));
    }
    List<String> seen = new ArrayList<>();
    RangeRequest.Builder req = RangeRequest.newBuilder().setPrefix(b("page/"));
    RangeResponse r = kv.range(req.build());
    int pages = 1;
    while (true) {
      assertThat(r.getCount()).isEqualTo(6 - seen.size());
      assertThat(r.getSerializedSize()).isLessThan(4 << 20); // gRPC's default client limit
      r.getKvsList().forEach(e -> seen.add(e.getKey().toStringUtf8()));
      if (!r.getMore()) {
        break;
      }
      ByteString after = r.getKvs(r.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(
          new byte[] {0}));
      r = kv.range(RangeRequest.newBuilder().setInterval(KeyInterval.newBuilder()
          .setStart(after).setEnd(b("page0"))).build());
      pages++;
    }
    assertThat(seen).containsExactly("page/0", "page/1", "page/2", "page/3", "page/4", "page/5");
    assertThat(pages).isGreaterThan(1);
  }

  @Test
  void putGetDeleteRoundTrip() {
    String leader = cluster.awaitLeader();
    KVGrpc.KVBlockingStub kv = cluster.kv(leader);
    PutResponse put = retry(() -> kv.put(PutRequest.newBuilder().setKey(b("rt/a"))
        .setValue(b("1")).build()));
    assertThat(put.getVersion()).isEqualTo(1);
    assertThat(put.getModIndex()).isPositive();
    assertThat(put.getHeader().getMemberId()).isEqualTo(leader);
    assertThat(put.getHeader().getLeaderId()).isEqualTo(leader);
    assertThat(put.getHeader().getLeaderAddress()).isEqualTo(cluster.addresses.get(leader));
    assertThat(put.getHeader().getClusterId()).isNotEmpty();
    assertThat(put.getHeader().getTerm()).isPositive();
    assertThat(put.getHeader().getAppliedIndex()).isGreaterThanOrEqualTo(put.getModIndex());

    PutResponse put2 = kv.put(PutRequest.newBuilder().setKey(b("rt/a")).setValue(b("2"))
        .setPrevKv(true).build());
    assertThat(put2.getVersion()).isEqualTo(2);
    assertThat(put2.getPrevKv().getValue()).isEqualTo(b("1"));
    assertThat(put2.getPrevKv().getCreateIndex()).isEqualTo(put.getModIndex());

    GetResponse got = kv.get(GetRequest.newBuilder().setKey(b("rt/a")).build());
    assertThat(got.getKv().getValue()).isEqualTo(b("2"));
    assertThat(got.getKv().getVersion()).isEqualTo(2);
    assertThat(got.getKv().getModIndex()).isEqualTo(put2.getModIndex());
    assertThat(got.getHeader().getAppliedIndex()).isGreaterThanOrEqualTo(put2.getModIndex());

    DeleteResponse del = kv.delete(DeleteRequest.newBuilder().setKey(b("rt/a")).setPrevKv(true)
        .build());
    assertThat(del.getDeleted()).isTrue();
    assertThat(del.getDeletedCount()).isEqualTo(1);
    assertThat(del.getPrevKv().getValue()).isEqualTo(b("2"));
    assertThat(kv.get(GetRequest.newBuilder().setKey(b("rt/a")).build()).hasKv()).isFalse();

    DeleteResponse again = kv.delete(DeleteRequest.newBuilder().setKey(b("rt/a")).build());
    assertThat(again.getDeleted()).isFalse();
    assertThat(again.getDeletedCount()).isZero();
  }

  @Test
  void prefixDeleteAndRange() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    for (String k : new String[] {"pd/a", "pd/b", "pd/c", "pe/x"}) {
      retry(() -> kv.put(PutRequest.newBuilder().setKey(b(k)).setValue(b("v-" + k)).build()));
    }
    RangeResponse all = kv.range(RangeRequest.newBuilder().setPrefix(b("pd/")).build());
    assertThat(all.getCount()).isEqualTo(3);
    assertThat(all.getMore()).isFalse();
    assertThat(all.getKvsList()).extracting(kv2 -> kv2.getKey().toStringUtf8())
        .containsExactly("pd/a", "pd/b", "pd/c");
    assertThat(all.getKvs(0).getValue()).isEqualTo(b("v-pd/a"));

    RangeResponse limited = kv.range(RangeRequest.newBuilder().setPrefix(b("pd/")).setLimit(2)
        .setKeysOnly(true).build());
    assertThat(limited.getKvsCount()).isEqualTo(2);
    assertThat(limited.getMore()).isTrue();
    assertThat(limited.getCount()).isEqualTo(3);
    assertThat(limited.getKvs(0).getValue()).isEmpty();
    assertThat(limited.getKvs(0).getVersion()).isEqualTo(1);

    RangeResponse counted = kv.range(RangeRequest.newBuilder().setPrefix(b("p"))
        .setCountOnly(true).build());
    assertThat(counted.getCount()).isEqualTo(4);
    assertThat(counted.getKvsCount()).isZero();

    RangeResponse interval = kv.range(RangeRequest.newBuilder().setInterval(
        KeyInterval.newBuilder().setStart(b("pd/b")).setEnd(b("pe/x"))).build());
    assertThat(interval.getKvsList()).extracting(kv2 -> kv2.getKey().toStringUtf8())
        .containsExactly("pd/b", "pd/c");

    DeleteResponse del = kv.delete(DeleteRequest.newBuilder().setKey(b("pd/")).setPrefix(true)
        .setPrevKv(true).build());
    assertThat(del.getDeletedCount()).isEqualTo(3);
    assertThat(del.getDeleted()).isTrue();
    assertThat(del.getPrevKvsList()).extracting(kv2 -> kv2.getKey().toStringUtf8())
        .containsExactly("pd/a", "pd/b", "pd/c");
    assertThat(kv.range(RangeRequest.newBuilder().setPrefix(b("pd/")).build()).getCount())
        .isZero();
    assertThat(kv.get(GetRequest.newBuilder().setKey(b("pe/x")).build()).hasKv()).isTrue();
  }

  @Test
  void compareAndSwap() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    CompareAndSwapResponse create = retry(() -> kv.compareAndSwap(CompareAndSwapRequest
        .newBuilder().setKey(b("cas/k")).setExpectedAbsent(true).setNewValue(b("1")).build()));
    assertThat(create.getSucceeded()).isTrue();
    assertThat(create.hasPrevKv()).isFalse();

    CompareAndSwapResponse wrong = kv.compareAndSwap(CompareAndSwapRequest.newBuilder()
        .setKey(b("cas/k")).setExpectedValue(b("nope")).setNewValue(b("2")).build());
    assertThat(wrong.getSucceeded()).isFalse();
    assertThat(wrong.getPrevKv().getValue()).isEqualTo(b("1"));

    CompareAndSwapResponse swap = kv.compareAndSwap(CompareAndSwapRequest.newBuilder()
        .setKey(b("cas/k")).setExpectedVersion(1).setNewValue(b("2")).setPrevKv(true).build());
    assertThat(swap.getSucceeded()).isTrue();
    assertThat(swap.getPrevKv().getValue()).isEqualTo(b("1"));
    assertThat(swap.getIndex()).isPositive();

    CompareAndSwapResponse del = kv.compareAndSwap(CompareAndSwapRequest.newBuilder()
        .setKey(b("cas/k")).setExpectedValue(b("2")).setDeleteKey(true).build());
    assertThat(del.getSucceeded()).isTrue();
    assertThat(kv.get(GetRequest.newBuilder().setKey(b("cas/k")).build()).hasKv()).isFalse();

    StatusRuntimeException e = catchThrowableOfType(() -> kv.compareAndSwap(
        CompareAndSwapRequest.newBuilder().setKey(b("cas/k")).setNewValue(b("x")).build()),
        StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(info(e).getReason()).isEqualTo(ErrorInfo.Reason.INVALID_ARGUMENT);
  }

  @Test
  void txn() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    retry(() -> kv.put(PutRequest.newBuilder().setKey(b("tx/a")).setValue(b("1")).build()));
    TxnRequest req = TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("tx/a")).setValue(b("1")))
        .addCompare(Compare.newBuilder().setKey(b("tx/b")).setExists(false))
        .addSuccess(TxnOp.newBuilder().setPut(TxnPut.newBuilder().setKey(b("tx/b"))
            .setValue(b("2"))))
        .addSuccess(TxnOp.newBuilder().setDelete(TxnDelete.newBuilder().setKey(b("tx/a"))
            .setPrevKv(true)))
        .addSuccess(TxnOp.newBuilder().setGet(TxnGet.newBuilder().setKey(b("tx/b"))))
        .addFailure(TxnOp.newBuilder().setGet(TxnGet.newBuilder().setKey(b("tx/a"))))
        .build();
    TxnResponse ok = kv.txn(req);
    assertThat(ok.getSucceeded()).isTrue();
    assertThat(ok.getResultsCount()).isEqualTo(3);
    assertThat(ok.getResults(0).getPut().getVersion()).isEqualTo(1);
    assertThat(ok.getResults(1).getDelete().getDeleted()).isTrue();
    assertThat(ok.getResults(1).getDelete().getPrevKv().getValue()).isEqualTo(b("1"));
    assertThat(ok.getResults(2).getGet().getKv().getValue()).isEqualTo(b("2"));
    assertThat(ok.getResults(2).getGet().getKv().getModIndex()).isEqualTo(ok.getIndex());

    TxnResponse failed = kv.txn(req);
    assertThat(failed.getSucceeded()).isFalse();
    assertThat(failed.getResultsCount()).isEqualTo(1);
    assertThat(failed.getResults(0).getGet().hasKv()).isFalse();

    StatusRuntimeException e = catchThrowableOfType(() -> kv.txn(TxnRequest.newBuilder()
        .addCompare(Compare.newBuilder().setKey(b("tx/a")).setOp(Compare.Op.LESS)
            .setExists(true)).build()), StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    StatusRuntimeException empty = catchThrowableOfType(() -> kv.txn(TxnRequest.newBuilder()
        .addSuccess(TxnOp.newBuilder().setPut(TxnPut.newBuilder().setValue(b("x")))).build()),
        StatusRuntimeException.class);
    assertThat(info(empty).getReason()).isEqualTo(ErrorInfo.Reason.EMPTY_KEY);
  }

  @Test
  void writeToFollowerIsNotLeaderWithTheLeadersAddress() {
    String leader = cluster.awaitLeader();
    String follower = cluster.follower(leader);
    StatusRuntimeException e = catchThrowableOfType(() -> cluster.kv(follower).put(
        PutRequest.newBuilder().setKey(b("nl/a")).setValue(b("1")).build()),
        StatusRuntimeException.class);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    ErrorInfo info = info(e);
    assertThat(info.getReason()).isEqualTo(ErrorInfo.Reason.NOT_LEADER);
    assertThat(info.getLeaderId()).isEqualTo(leader);
    assertThat(info.getLeaderAddress()).isEqualTo(cluster.addresses.get(leader));
    assertThat(info.getMemberId()).isEqualTo(follower);
    assertThat(info.getTerm()).isPositive();
  }

  @Test
  void readsThroughAFollowerWithEachConsistency() {
    String leader = cluster.awaitLeader();
    String follower = cluster.follower(leader);
    PutResponse put = retry(() -> cluster.kv(leader).put(PutRequest.newBuilder()
        .setKey(b("rd/a")).setValue(b("x")).build()));
    KVGrpc.KVBlockingStub kv = cluster.kv(follower);

    GetResponse lin = kv.get(GetRequest.newBuilder().setKey(b("rd/a"))
        .setConsistency(ReadConsistency.LINEARIZABLE).build());
    assertThat(lin.getKv().getValue()).isEqualTo(b("x"));
    assertThat(lin.getHeader().getMemberId()).isEqualTo(follower);
    assertThat(lin.getHeader().getAppliedIndex()).isGreaterThanOrEqualTo(put.getModIndex());

    GetResponse stale = ApiCluster.await("the follower to apply the put", () -> {
      GetResponse r = kv.get(GetRequest.newBuilder().setKey(b("rd/a"))
          .setConsistency(ReadConsistency.STALE).build());
      return r.hasKv() ? r : null;
    });
    assertThat(stale.getKv().getValue()).isEqualTo(b("x"));

    StatusRuntimeException lease = catchThrowableOfType(() -> kv.get(GetRequest.newBuilder()
        .setKey(b("rd/a")).setConsistency(ReadConsistency.LEASE).build()),
        StatusRuntimeException.class);
    assertThat(lease.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(info(lease).getReason()).isEqualTo(ErrorInfo.Reason.NOT_LEADER);
    assertThat(info(lease).getLeaderAddress()).isEqualTo(cluster.addresses.get(leader));

    GetResponse leaseOnLeader = cluster.kv(leader).get(GetRequest.newBuilder().setKey(b("rd/a"))
        .setConsistency(ReadConsistency.LEASE).build());
    assertThat(leaseOnLeader.getKv().getValue()).isEqualTo(b("x"));

    RangeResponse range = kv.range(RangeRequest.newBuilder().setPrefix(b("rd/"))
        .setConsistency(ReadConsistency.STALE).build());
    assertThat(range.getCount()).isEqualTo(1);
  }

  private static void assertInvalid(Runnable call, Status.Code code, ErrorInfo.Reason reason,
      String inMessage) {
    StatusRuntimeException e = catchThrowableOfType(call::run, StatusRuntimeException.class);
    assertThat(e).as("expected %s", reason).isNotNull();
    assertThat(e.getStatus().getCode()).isEqualTo(code);
    assertThat(info(e).getReason()).isEqualTo(reason);
    assertThat(e.getStatus().getDescription()).contains(inMessage);
  }

  @Test
  void oversizedAndEmptyKeysAreRefusedAndTheNodeKeepsServing() {
    KVGrpc.KVBlockingStub kv = leaderKv();
    byte[] bigKey = new byte[KvService.MAX_KEY_BYTES + 1];
    byte[] bigValue = new byte[KvService.MAX_VALUE_BYTES + 1];
    assertInvalid(() -> kv.put(PutRequest.newBuilder().setKey(ByteString.copyFrom(bigKey))
        .build()), Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.KEY_TOO_LARGE,
        String.valueOf(KvService.MAX_KEY_BYTES));
    assertInvalid(() -> kv.put(PutRequest.newBuilder().setKey(b("big"))
        .setValue(ByteString.copyFrom(bigValue)).build()), Status.Code.INVALID_ARGUMENT,
        ErrorInfo.Reason.VALUE_TOO_LARGE, String.valueOf(KvService.MAX_VALUE_BYTES));
    assertInvalid(() -> kv.put(PutRequest.newBuilder().setValue(b("x")).build()),
        Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.EMPTY_KEY, "empty");
    assertInvalid(() -> kv.get(GetRequest.newBuilder().build()),
        Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.EMPTY_KEY, "empty");
    assertInvalid(() -> kv.delete(DeleteRequest.newBuilder().build()),
        Status.Code.INVALID_ARGUMENT, ErrorInfo.Reason.EMPTY_KEY, "empty");
    // a Txn of three values just under the value limit exceeds the 2 MiB request limit
    byte[] almost = new byte[KvService.MAX_VALUE_BYTES];
    TxnRequest.Builder txn = TxnRequest.newBuilder();
    for (int i = 0; i < 3; i++) {
      txn.addSuccess(TxnOp.newBuilder().setPut(TxnPut.newBuilder().setKey(b("t" + i))
          .setValue(ByteString.copyFrom(almost))));
    }
    assertInvalid(() -> kv.txn(txn.build()), Status.Code.INVALID_ARGUMENT,
        ErrorInfo.Reason.REQUEST_TOO_LARGE, String.valueOf(MAX_REQUEST));

    PutResponse ok = retry(() -> kv.put(PutRequest.newBuilder().setKey(b("after/limits"))
        .setValue(ByteString.copyFrom(almost)).build()));
    assertThat(ok.getVersion()).isEqualTo(1);
    assertThat(kv.get(GetRequest.newBuilder().setKey(b("after/limits")).build()).getKv()
        .getValue().size()).isEqualTo(KvService.MAX_VALUE_BYTES);
  }
}
