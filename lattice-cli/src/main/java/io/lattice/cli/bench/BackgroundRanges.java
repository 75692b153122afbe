package io.lattice.cli.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lattice.proto.v1.KVGrpc;
import io.lattice.proto.v1.KeyInterval;
import io.lattice.proto.v1.RangeRequest;
import io.lattice.proto.v1.RangeResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Background load for a bench run: {@code loops} threads, each reading the whole key space over
 * and over with {@code Range}, paged as a client would: a request for every key (at most {@code
 * limit} per answer, 0 = as many as the member puts in one answer), then, while the answer says
 * {@code more}, the same from just after the last key returned. Each loop has its own channel.
 *
 * <p>Only what completes while {@link #measure measuring} counts: Range calls, key-values and
 * response bytes (the protobuf size of each answer) received, full scans finished and their
 * durations (first request to last answer; a scan finished while measuring counts whole, even if
 * it began during the warm-up, since at high concurrency one scan can outlast the measured phase's
 * start by many seconds). A failed call is counted by status code and sent
 * again after a pause (doubling on RESOURCE_EXHAUSTED, as the workload's slots do); the scan goes on
 * from where it was.
 */
public final class BackgroundRanges implements AutoCloseable, MeasuredPhase {
  private static final long ERROR_PAUSE_MILLIS = 10;
  private static final long MAX_OVERLOAD_PAUSE_MILLIS = 500;

  /**
   * What the background loops did while measuring.
   *
   * @param loops concurrent loops
   * @param limit keys asked for per Range call (0: the member's answer cap)
   * @param scans full scans of the key space finished
   * @param calls Range calls answered
   * @param keys key-values received
   * @param bytes protobuf bytes of the answers received
   * @param scanMicros duration of each finished scan, microseconds
   * @param errors failed calls by status code (RESOURCE_EXHAUSTED is not among them)
   * @param overloaded calls refused with RESOURCE_EXHAUSTED
   */
  public record Result(int loops, long limit, long scans, long calls, long keys, long bytes,
      Histogram scanMicros, Map<String, Long> errors, long overloaded) {
    public long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final BenchSpec spec;
  private final long limit;
  private final List<Thread> threads = new ArrayList<>();
  private final Recorder scanRecorder = new Recorder(3);
  private final LongAdder scans = new LongAdder();
  private final LongAdder calls = new LongAdder();
  private final LongAdder keys = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder overloaded = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private volatile boolean measuring;
  private volatile boolean stopped;

  /**
   * Starts one loop per channel of {@code channels} (reading with {@code spec}'s consistency and
   * request timeout), {@code limit} keys per call (0: no limit but the member's).
   */
  public BackgroundRanges(BenchSpec spec, long limit, List<ManagedChannel> channels) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0: " + limit);
    }
    this.spec = spec;
    this.limit = limit;
    for (int i = 0; i < channels.size(); i++) {
      KVGrpc.KVBlockingStub stub = KVGrpc.newBlockingStub(channels.get(i));
      Thread t = new Thread(() -> loop(stub), "bench-range-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
    threads.forEach(Thread::start);
  }

  /** Starts (true) or stops (false) counting; starting forgets what was counted before. */
  @Override
  public void measure(boolean on) {
    if (on) {
      scanRecorder.reset();
      scans.reset();
      calls.reset();
      keys.reset();
      bytes.reset();
      overloaded.reset();
      errors.clear();
    }
    measuring = on;
  }

  /** What was counted while measuring. */
  public Result result() {
    Map<String, Long> errs = new TreeMap<>();
    errors.forEach((k, v) -> errs.put(k, v.sum()));
    return new Result(threads.size(), limit, scans.sum(), calls.sum(), keys.sum(), bytes.sum(),
        scanRecorder.getIntervalHistogram(), errs, overloaded.sum());
  }

  /** Stops the loops and waits (up to a request timeout) for the calls in flight to end. */
  @Override
  public void close() throws InterruptedException {
    stopped = true;
    long deadline = System.nanoTime() + spec.requestTimeout().toNanos()
        + TimeUnit.SECONDS.toNanos(1);
    for (Thread t : threads) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
  }

  private void loop(KVGrpc.KVBlockingStub stub) {
    long overloadPause = ERROR_PAUSE_MILLIS;
    while (!stopped) {
      long scanStart = System.nanoTime();
      ByteString from = null;
      while (!stopped) {
        RangeRequest.Builder req = RangeRequest.newBuilder().setLimit(limit)
            .setConsistency(spec.consistency());
        if (from == null) {
          req.setPrefix(ByteString.EMPTY);
        } else {
          req.setInterval(KeyInterval.newBuilder().setStart(from));
        }
        RangeResponse r;
        try {
          r = stub.withDeadlineAfter(spec.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
              .range(req.build());
          overloadPause = ERROR_PAUSE_MILLIS;
        } catch (StatusRuntimeException e) {
          long pause = ERROR_PAUSE_MILLIS;
          if (e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            if (measuring) {
              overloaded.increment();
            }
            pause = overloadPause / 2 + ThreadLocalRandom.current().nextLong(overloadPause / 2 + 1);
            overloadPause = Math.min(MAX_OVERLOAD_PAUSE_MILLIS, overloadPause * 2);
          } else if (measuring) {
            errors.computeIfAbsent(e.getStatus().getCode().name(), k -> new LongAdder())
                .increment();
          }
          if (!pause(pause)) {
            return;
          }
          continue;
        }
        if (measuring) {
          calls.increment();
          keys.add(r.getKvsCount());
          bytes.add(r.getSerializedSize());
        }
        if (!r.getMore() || r.getKvsCount() == 0) {
          break;
        }
        from = r.getKvs(r.getKvsCount() - 1).getKey().concat(ByteString.copyFrom(new byte[1]));
      }
      if (!stopped && measuring) {
        scans.increment();
        scanRecorder.recordValue(Math.max(1, (System.nanoTime() - scanStart) / 1000));
      }
    }
  }

  private boolean pause(long millis) {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      return false;
    }
  }
}
