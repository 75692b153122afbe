package io.lattice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

/** Short bench runs against a real 3-node cluster: counts, percentiles, JSON, validation. */
class BenchCommandTest extends ClusterTest {
  @Test
  void putReportsThroughputAndPercentilesInJson() {
    Cli.Result r = lattice("bench", "put", "--duration", "1s", "--warmup", "0", "--keys", "20",
        "--inflight", "4", "--conns", "2", "-o", "json");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    JsonObject o = r.json();
    assertThat(o.get("workload").getAsString()).isEqualTo("put");
    assertThat(o.get("ops").getAsLong()).isPositive();
    assertThat(o.get("writes").getAsLong()).isEqualTo(o.get("ops").getAsLong());
    assertThat(o.get("errors").getAsLong()).isZero();
    assertThat(o.get("throughput_ops_per_s").getAsDouble()).isPositive();
    JsonObject lat = o.getAsJsonObject("latency_us");
    long p50 = lat.get("p50").getAsLong();
    long p99 = lat.get("p99").getAsLong();
    assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
    assertThat(p99).isLessThanOrEqualTo(lat.get("max").getAsLong());
    // the keys written are the bench's zero-padded keys
    assertThat(lattice("get", "k0000000000000", "--prefix", "--keys-only").out())
        .startsWith("k000000000000000\n");
  }

  @Test
  void mixedAndGetPrintAReadableReport() {
    Cli.Result mixed = lattice("bench", "mixed", "--duration", "1s", "--warmup", "0",
        "--keys", "10", "--inflight", "2");
    assertThat(mixed.code()).as(mixed.toString()).isZero();
    assertThat(mixed.out().lines().toList()).hasSize(5);
    assertThat(mixed.out()).startsWith("bench mixed: ").contains("ops ", "errors   0",
        "latency  p50 ", " p99.9 ", " max ", "servers  ", " MiB, ", " threads");
    Cli.Result stale = lattice("bench", "get", "--duration", "1s", "--warmup", "0", "--keys",
        "10", "--consistency", "stale", "--conns", "3", "-o", "json");
    assertThat(stale.code()).as(stale.toString()).isZero();
    assertThat(stale.json().get("reads").getAsLong()).isPositive();
    assertThat(stale.json().get("target").getAsString()).isEqualTo("every member");
  }

  @Test
  void jsonIsOneLineWithTheMembersCpuAndMemoryAndReadsCanGoToTheFollowers() {
    Cli.Result r = lattice("bench", "get", "--duration", "1s", "--warmup", "0", "--keys", "10",
        "--target", "followers", "--conns", "2", "-o", "json");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out().strip().lines().toList()).as("one JSON line per result").hasSize(1);
    JsonObject o = r.json();
    assertThat(o.get("target").getAsString()).startsWith("followers (");
    assertThat(o.get("reads").getAsLong()).isPositive();
    JsonObject servers = o.getAsJsonObject("servers");
    assertThat(servers.getAsJsonArray("members")).hasSize(3);
    assertThat(servers.getAsJsonArray("unreachable")).isEmpty();
    assertThat(servers.get("cpu_s").getAsDouble()).isPositive();
    assertThat(servers.get("cpu_ms_per_op").getAsDouble()).isPositive();
    for (var m : servers.getAsJsonArray("members")) {
      JsonObject mo = m.getAsJsonObject();
      assertThat(mo.get("rss_bytes").getAsLong()).as(mo.toString()).isGreaterThan(1L << 20);
      assertThat(mo.get("threads").getAsInt()).as(mo.toString()).isGreaterThan(1);
    }
    Cli.Result refused = lattice("bench", "put", "--duration", "1s", "--target", "followers");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("writes go to the leader");
  }

  @Test
  void preloadWritesEveryKeyInBatchesAndBackgroundRangesScanThemAll() {
    // 250 keys in Txns of 40: 7 Txns; each scan pages 50 keys at a time (5 full pages and a last
    // empty one, or fewer if the last page ends exactly at the last key)
    Cli.Result r = lattice("bench", "put", "--keys", "250", "--key-size", "12", "--value-size",
        "10", "--preload", "--preload-batch", "40", "--background-ranges", "2", "--range-limit",
        "50", "--duration", "2s", "--warmup", "0", "--inflight", "2", "-o", "json");
    assertThat(r.code()).as(r.toString()).isZero();
    JsonObject o = r.json();
    JsonObject preload = o.getAsJsonObject("preload");
    assertThat(preload.get("keys").getAsLong()).isEqualTo(250);
    assertThat(preload.get("txns").getAsLong()).isEqualTo(7);
    assertThat(lattice("get", "k", "--prefix", "--keys-only").out().lines()
        .filter(l -> l.length() == 12).count()).isEqualTo(250);
    assertThat(o.get("writes").getAsLong()).isPositive();
    JsonObject bg = o.getAsJsonObject("background_ranges");
    assertThat(bg.get("loops").getAsInt()).isEqualTo(2);
    assertThat(bg.get("limit").getAsLong()).isEqualTo(50);
    assertThat(bg.get("errors").getAsLong()).isZero();
    long scans = bg.get("scans").getAsLong();
    assertThat(scans).isPositive();
    // every finished scan received all 250 keys in pages of at most 50 (but the first scan of
    // each loop may have begun before the measured phase, its first pages not counted)
    assertThat(bg.get("keys").getAsLong()).isGreaterThanOrEqualTo(250 * (scans - 2));
    assertThat(bg.get("calls").getAsLong()).isGreaterThanOrEqualTo(5 * (scans - 2));
    assertThat(bg.get("bytes").getAsLong()).isGreaterThan(bg.get("keys").getAsLong() * 22);
    assertThat(bg.getAsJsonObject("scan_us").get("p50").getAsLong()).isPositive();
  }

  @Test
  void theTextReportHasAPreloadAndARangesLine() {
    Cli.Result r = lattice("bench", "put", "--keys", "30", "--preload", "--background-ranges",
        "1", "--duration", "1s", "--warmup", "0", "--inflight", "1");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out().lines().toList()).hasSize(7);
    assertThat(r.out()).startsWith("preload  30 keys in 1 txns, ")
        .containsPattern("\\nranges   1 loops: [0-9,]+ full scans \\([0-9,]+ calls, [0-9,]+ keys, "
            + "[0-9,]+ B; 0 errors, 0 overloaded\\)(; scan p50 .*)?\\nservers  ");
  }

  @Test
  void badParametersAreUsageErrors() {
    assertThat(lattice("bench", "put", "--background-ranges", "-1").code())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(lattice("bench", "put", "--preload-batch", "0").err())
        .contains("--preload-batch must be >= 1");
    assertThat(lattice("bench", "put", "--inflight", "0").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(lattice("bench", "put", "--keys", "1000", "--key-size", "3").err())
        .contains("--key-size 3 is too small for 1000 keys (at least 4)");
    assertThat(lattice("bench", "mixed", "--read-ratio", "2", "--duration", "1s").code())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(lattice("bench").code()).isEqualTo(ExitCodes.USAGE);
  }
}
