package io.lattice.cli.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a bench run measured: successful operations and their latencies (microseconds), errors by
 * gRPC status code, and requests refused because the cluster was overloaded, over the measured phase
 * only. An overloaded refusal (RESOURCE_EXHAUSTED) is counted apart from the errors: it had no
 * effect and is the cluster's back-pressure working, not a failure.
 *
 * @param seconds length of the measured phase
 * @param latencyMicros latency of every successful operation completed in it
 * @param reads successful reads among them
 * @param writes successful writes among them
 * @param errors failed operations by status code (RESOURCE_EXHAUSTED is not among them)
 * @param overloaded requests refused with RESOURCE_EXHAUSTED (the slot backed off and went on)
 */
public record BenchResult(double seconds, Histogram latencyMicros, long reads, long writes,
    Map<String, Long> errors, long overloaded) {

  public long ops() {
    return latencyMicros.getTotalCount();
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  public double throughput() {
    return seconds <= 0 ? 0 : ops() / seconds;
  }
}
