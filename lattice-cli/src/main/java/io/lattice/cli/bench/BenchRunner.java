package io.lattice.cli.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.lattice.proto.v1.GetRequest;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.PutRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load generator: {@code inflight} request slots, each sending its next request as
 * soon as the previous one completes, spread round-robin over the given channels. Latencies are
 * recorded in microseconds in an HdrHistogram {@link Recorder}; only operations that complete
 * during the measured phase count. Requests are sent without client sessions: each is an
 * independent write, as a plain gRPC client would send it.
 *
 * <p>A request refused with RESOURCE_EXHAUSTED (the cluster's back-pressure) is counted apart from
 * the errors, and its slot backs off before the next: a jittered pause that doubles with each
 * refusal in a row, from {@value #FIRST_OVERLOAD_PAUSE_MILLIS} ms to {@value
 * #MAX_OVERLOAD_PAUSE_MILLIS} ms, so the bench measures what the cluster sustains rather than
 * how fast it refuses.
 */
public final class BenchRunner {
  private static final long TICK_MILLIS = 1000;
  private static final long ERROR_PAUSE_MILLIS = 10;
  static final long FIRST_OVERLOAD_PAUSE_MILLIS = 10;
  static final long MAX_OVERLOAD_PAUSE_MILLIS = 500;

  private final BenchSpec spec;
  private final List<ManagedChannel> channels;
  private final Recorder recorder = new Recorder(3);
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final LongAdder overloaded = new LongAdder();
  /** Per slot: the pause after its next overloaded refusal (only the slot's own chain touches it). */
  private final long[] overloadPause;
  private final LongAdder reads = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private volatile boolean measuring;
  private final ByteString value;

  /** A runner sending to {@code channels} (at least one) per {@code spec}. */
  public BenchRunner(BenchSpec spec, List<ManagedChannel> channels) {
    this.spec = spec;
    this.channels = List.copyOf(channels);
    this.overloadPause = new long[spec.inflight()];
    java.util.Arrays.fill(overloadPause, FIRST_OVERLOAD_PAUSE_MILLIS);
    byte[] v = new byte[spec.valueSize()];
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < v.length; i++) {
      v[i] = (byte) ('a' + r.nextInt(26)); // readable if someone looks at the keys afterwards
    }
    this.value = ByteString.copyFrom(v);
  }

  /** The value every put of this runner writes ({@code valueSize} random letters). */
  public ByteString value() {
    return value;
  }

  /** Writes every key once (so that gets find values), {@code inflight} at a time. */
  public void prefill() throws InterruptedException {
    Semaphore window = new Semaphore(spec.inflight());
    KVGrpc.KVStub[] stubs = new KVGrpc.KVStub[channels.size()];
    for (int i = 0; i < stubs.length; i++) {
      stubs[i] = KVGrpc.newStub(channels.get(i));
    }
    for (int i = 0; i < spec.keys(); i++) {
      window.acquire();
      stubs[i % stubs.length].withDeadlineAfter(spec.requestTimeout().toMillis(),
          TimeUnit.MILLISECONDS).put(put(i), new Done<>(window::release));
    }
    if (!window.tryAcquire(spec.inflight(), spec.requestTimeout().toMillis() + 1000,
        TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("prefill did not finish in time");
    }
  }

  /**
   * Runs warm-up then measurement and returns the measurement. {@code progress}, if not null, gets
   * a live line (rewritten in place with a carriage return) every second.
   *
   * @throws InterruptedException if interrupted (the requests in flight are abandoned)
   */
  public BenchResult run(PrintWriter progress) throws InterruptedException {
    return run(progress, List.<MeasuredPhase>of());
  }

  /**
   * As {@link #run(PrintWriter)}, and {@code background}, if not null, counts exactly over the
   * measured phase: it is told to start measuring when the phase starts and to stop when it ends.
   */
  public BenchResult run(PrintWriter progress, BackgroundRanges background)
      throws InterruptedException {
    return run(progress, background == null ? List.of() : List.of(background));
  }

  /**
   * As {@link #run(PrintWriter)}, and each of {@code phases} is told when the measured phase starts
   * and ends ({@link MeasuredPhase}), so that it counts over exactly that time.
   */
  public BenchResult run(PrintWriter progress, List<? extends MeasuredPhase> phases)
      throws InterruptedException {
    CountDownLatch drained = new CountDownLatch(spec.inflight());
    // Without a warm-up every answer counts, the first ones too: measuring starts before the
    // first request is sent (else an answer quicker than this thread would be lost).
    boolean warmup = !spec.warmup().isZero();
    long measureStart = warmup ? 0 : startMeasuring(phases);
    for (int slot = 0; slot < spec.inflight(); slot++) {
      issue(slot, drained);
    }
    try {
      if (warmup) {
        long start = System.nanoTime();
        tickUntil(start + spec.warmup().toNanos(), start, progress, "warmup");
        measureStart = startMeasuring(phases);
      }
      long measureEnd = measureStart + spec.duration().toNanos();
      Histogram total = new Histogram(3);
      tickUntil(measureEnd, measureStart, progress, null, total);
      measuring = false;
      for (MeasuredPhase p : phases) {
        p.measure(false);
      }
      total.add(recorder.getIntervalHistogram());
      double seconds = (System.nanoTime() - measureStart) / 1e9;
      Map<String, Long> errs = new TreeMap<>();
      errors.forEach((k, v) -> errs.put(k, v.sum()));
      return new BenchResult(seconds, total, reads.sum(), writes.sum(), errs, overloaded.sum());
    } finally {
      if (progress != null) {
        progress.print("\r\033[K"); // clear the progress line, also when interrupted
        progress.flush();
      }
      stopping.set(true);
      drained.await(spec.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    }
  }

  /** Forgets what the warm-up counted, starts the measured phase and returns when it started. */
  private long startMeasuring(List<? extends MeasuredPhase> phases) {
    recorder.reset();
    reads.reset();
    writes.reset();
    overloaded.reset();
    errors.clear();
    measuring = true;
    for (MeasuredPhase p : phases) {
      p.measure(true);
    }
    return System.nanoTime();
  }

  private void tickUntil(long end, long phaseStart, PrintWriter progress, String phase)
      throws InterruptedException {
    tickUntil(end, phaseStart, progress, phase, null);
  }

  /** Sleeps until {@code end}, moving the recorder's intervals into {@code total} if given. */
  private void tickUntil(long end, long phaseStart, PrintWriter progress, String phase,
      Histogram total) throws InterruptedException {
    Histogram interval = null;
    while (true) {
      long left = end - System.nanoTime();
      if (left <= 0) {
        return;
      }
      long lastTick = System.nanoTime();
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS)));
      if (total == null) {
        if (progress != null) {
          progress.printf(Locale.ROOT, "\r\033[K[%s %3ds]", phase,
              TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - phaseStart));
          progress.flush();
        }
        continue;
      }
      interval = recorder.getIntervalHistogram(interval);
      total.add(interval);
      if (progress != null) {
        double secs = (System.nanoTime() - lastTick) / 1e9;
        long errs = errors.values().stream().mapToLong(LongAdder::sum).sum();
        progress.printf(Locale.ROOT,
            "\r\033[K[%3ds] %,.0f ops/s  p50 %.2f ms  p99 %.2f ms  errors %d",
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - phaseStart),
            interval.getTotalCount() / secs, interval.getValueAtPercentile(50) / 1000.0,
            interval.getValueAtPercentile(99) / 1000.0, errs);
        progress.flush();
      }
    }
  }

  /** Sends the next request of {@code slot}, or retires the slot when stopping. */
  private void issue(int slot, CountDownLatch drained) {
    if (stopping.get()) {
      drained.countDown();
      return;
    }
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    boolean read = switch (spec.workload()) {
      case GET -> true;
      case PUT -> false;
      case MIXED -> rnd.nextDouble() < spec.readRatio();
    };
    int key = rnd.nextInt(spec.keys());
    KVGrpc.KVStub stub = KVGrpc.newStub(channels.get(slot % channels.size()))
        .withDeadlineAfter(spec.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
    long start = System.nanoTime();
    Runnable next = () -> issue(slot, drained);
    if (read) {
      stub.get(GetRequest.newBuilder().setKey(ByteString.copyFrom(spec.key(key)))
          .setConsistency(spec.consistency()).build(), new Timed<>(slot, start, true, next));
    } else {
      stub.put(put(key), new Timed<>(slot, start, false, next));
    }
  }

  private PutRequest put(int key) {
    return PutRequest.newBuilder().setKey(ByteString.copyFrom(spec.key(key))).setValue(value)
        .build();
  }

  /** Records one request's outcome, then sends the slot's next request. */
  private final class Timed<T> implements StreamObserver<T> {
    private final int slot;
    private final long start;
    private final boolean read;
    private final Runnable next;

    Timed(int slot, long start, boolean read, Runnable next) {
      this.slot = slot;
      this.start = start;
      this.read = read;
      this.next = next;
    }

    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {
      Status.Code code = Status.fromThrowable(t).getCode();
      long pause = ERROR_PAUSE_MILLIS;
      if (code == Status.Code.RESOURCE_EXHAUSTED) {
        if (measuring) {
          overloaded.increment();
        }
        long backoff = overloadPause[slot];
        overloadPause[slot] = Math.min(MAX_OVERLOAD_PAUSE_MILLIS, backoff * 2);
        pause = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
      } else if (measuring) {
        errors.computeIfAbsent(code.name(), k -> new LongAdder()).increment();
      }
      // do not spin on a failing or overloaded cluster: pause the slot
      java.util.concurrent.CompletableFuture.delayedExecutor(pause, TimeUnit.MILLISECONDS)
          .execute(next);
    }

    @Override
    public void onCompleted() {
      overloadPause[slot] = FIRST_OVERLOAD_PAUSE_MILLIS;
      if (measuring) {
        recorder.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
        (read ? reads : writes).increment();
      }
      next.run();
    }
  }

  /** Runs {@code then} when a call ends, however it ends. */
  private static final class Done<T> implements StreamObserver<T> {
    private final Runnable then;

    Done(Runnable then) {
      this.then = then;
    }

    @Override
    public void onNext(T value) {}

    @Override
    public void onError(Throwable t) {
      then.run();
    }

    @Override
    public void onCompleted() {
      then.run();
    }
  }
}
