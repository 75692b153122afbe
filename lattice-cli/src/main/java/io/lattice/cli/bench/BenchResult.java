package io.lattice.cli.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a bench run measured: successful operations and their latencies (microseconds), errors by
 * gRPC status code, over the measured phase only.
 *
 * @param seconds length of the measured phase
 * @param latencyMicros latency of every successful operation completed in it
 * @param reads successful reads among them
 * @param writes successful writes among them
 * @param errors failed operations by status code
 */
public record BenchResult(double seconds, Histogram latencyMicros, long reads, long writes,
    Map<String, Long> errors) {

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
