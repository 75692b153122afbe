package io.lattice.cli.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.TxnOp;
import io.lattice.proto.v1.TxnPut;
import io.lattice.proto.v1.TxnRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Writes every key of a bench's key space once, before anything is measured, in Txns of {@code
 * batch} puts each (one log entry per Txn, so a million keys take thousands of entries rather than
 * a million). {@value #WINDOW} Txns are in flight at a time, spread over the given channels.
 *
 * <p>A Txn of puts is idempotent for this purpose (writing the same value again only bumps the
 * versions), so a failed or indeterminate Txn is simply sent again: after RESOURCE_EXHAUSTED with a
 * doubling back-off up to {@value #MAX_OVERLOADED_ATTEMPTS} times, after any other error at most
 * {@value #MAX_ATTEMPTS} times in all, after which the preload fails.
 */
public final class Preload {
  /** Txns in flight at a time. */
  static final int WINDOW = 8;
  static final int MAX_ATTEMPTS = 10;
  static final int MAX_OVERLOADED_ATTEMPTS = 100;
  private static final long FIRST_PAUSE_MILLIS = 10;
  private static final long MAX_PAUSE_MILLIS = 1000;

  /**
   * What a preload did.
   *
   * @param keys keys written (the whole key space)
   * @param txns Txns that succeeded (one per batch)
   * @param retries Txns sent again after an error or an overloaded refusal
   * @param seconds wall-clock time of the preload
   */
  public record Result(long keys, long txns, long retries, double seconds) {}

  private Preload() {}

  /**
   * Writes keys {@code 0 .. spec.keys() - 1} with {@code value}, {@code batch} per Txn, and returns
   * once every one is acknowledged.
   *
   * @throws IllegalStateException if a Txn failed {@value #MAX_ATTEMPTS} times (the message says
   *     why the last attempt failed)
   * @throws InterruptedException if interrupted (the Txns in flight are abandoned)
   */
  public static Result run(BenchSpec spec, int batch, ByteString value,
      List<ManagedChannel> channels) throws InterruptedException {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be >= 1: " + batch);
    }
    int batches = (spec.keys() + batch - 1) / batch;
    AtomicInteger next = new AtomicInteger();
    LongAdder retries = new LongAdder();
    LongAdder txns = new LongAdder();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    long start = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < Math.min(WINDOW, batches); w++) {
      KVGrpc.KVBlockingStub stub = KVGrpc.newBlockingStub(channels.get(w % channels.size()));
      Thread t = new Thread(() -> {
        int b;
        while (failure.get() == null && (b = next.getAndIncrement()) < batches) {
          try {
            send(stub, txn(spec, b * batch, Math.min(spec.keys(), (b + 1) * batch), value),
                spec.requestTimeout().toMillis(), retries);
            txns.increment();
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-preload-" + w);
      t.setDaemon(true);
      t.start();
      workers.add(t);
    }
    try {
      for (Thread t : workers) {
        t.join();
      }
    } finally {
      workers.forEach(Thread::interrupt);
    }
    if (failure.get() != null) {
      throw new IllegalStateException("preload failed: " + failure.get().getMessage(),
          failure.get());
    }
    return new Result(spec.keys(), txns.sum(), retries.sum(),
        (System.nanoTime() - start) / 1e9);
  }

  private static TxnRequest txn(BenchSpec spec, int from, int to, ByteString value) {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    for (int i = from; i < to; i++) {
      b.addSuccess(TxnOp.newBuilder().setPut(TxnPut.newBuilder()
          .setKey(ByteString.copyFrom(spec.key(i))).setValue(value)));
    }
    return b.build();
  }

  private static void send(KVGrpc.KVBlockingStub stub, TxnRequest txn, long timeoutMillis,
      LongAdder retries) throws InterruptedException {
    long pause = FIRST_PAUSE_MILLIS;
    int failed = 0;
    int overloaded = 0;
    while (true) {
      try {
        stub.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS).txn(txn);
        return;
      } catch (StatusRuntimeException e) {
        boolean busy = e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED;
        if (busy ? ++overloaded >= MAX_OVERLOADED_ATTEMPTS : ++failed >= MAX_ATTEMPTS) {
          throw e;
        }
        retries.increment();
        TimeUnit.MILLISECONDS.sleep(pause / 2 + ThreadLocalRandom.current().nextLong(pause / 2 + 1));
        pause = Math.min(MAX_PAUSE_MILLIS, pause * 2);
      }
    }
  }
}
