package io.lattice.cli.bench;

import io.lattice.proto.v1.ReadConsistency;
import java.time.Duration;

/**
 * One bench run's parameters (validated by the command).
 *
 * @param workload what to send
 * @param inflight requests kept in flight at all times (the closed loop's concurrency)
 * @param conns connections (gRPC channels) the requests are spread over
 * @param keys size of the key space; each request picks a key uniformly
 * @param keySize bytes per key
 * @param valueSize bytes per value written
 * @param duration length of the measured phase
 * @param warmup length of the unmeasured phase before it
 * @param consistency of the reads
 * @param readRatio fraction of reads in a mixed workload
 * @param requestTimeout deadline of each request
 */
public record BenchSpec(Workload workload, int inflight, int conns, int keys, int keySize,
    int valueSize, Duration duration, Duration warmup, ReadConsistency consistency,
    double readRatio, Duration requestTimeout) {

  /** The key of index {@code i}: "k" and the index, zero-padded to {@code keySize} bytes. */
  public byte[] key(int i) {
    String digits = Integer.toString(i);
    StringBuilder b = new StringBuilder(keySize).append('k');
    for (int pad = keySize - 1 - digits.length(); pad > 0; pad--) {
      b.append('0');
    }
    return b.append(digits).toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** The smallest key size that keeps {@code keys} keys distinct. */
  public static int minKeySize(int keys) {
    return 1 + Integer.toString(Math.max(0, keys - 1)).length();
  }
}
