package io.lattice.cli.bench;

import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** Prints a {@link BenchResult} as text or JSON. */
public final class BenchReport {
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};
  private static final String[] NAMES = {"p50", "p90", "p99", "p99_9"};

  private BenchReport() {}

  /**
   * Three lines: ops and throughput, errors, latency percentiles in milliseconds; a fourth after
   * the errors when some requests were refused as overloaded.
   */
  public static void text(BenchSpec spec, String target, BenchResult r, PrintWriter out) {
    text(spec, target, r, null, null, out);
  }

  /**
   * As {@link #text(BenchSpec, String, BenchResult, PrintWriter)}, with a line for the preload
   * before the report and one for the background ranges after it, for those that are not null.
   */
  public static void text(BenchSpec spec, String target, BenchResult r, Preload.Result preload,
      BackgroundRanges.Result background, PrintWriter out) {
    text(spec, target, r, preload, background, null, out);
  }

  /**
   * As {@link #text(BenchSpec, String, BenchResult, Preload.Result, BackgroundRanges.Result,
   * PrintWriter)}, with a line on the members' CPU and memory when {@code usage} is not null.
   */
  public static void text(BenchSpec spec, String target, BenchResult r, Preload.Result preload,
      BackgroundRanges.Result background, ServerUsage.Result usage, PrintWriter out) {
    if (preload != null) {
      out.printf(Locale.ROOT, "preload  %,d keys in %,d txns, %.1f s (%,d retries)%n",
          preload.keys(), preload.txns(), preload.seconds(), preload.retries());
    }
    out.printf(Locale.ROOT, "bench %s: %.1f s, %d in flight over %d connection%s to %s; %d keys "
            + "of %d B, values of %d B%n", spec.workload().label(), r.seconds(), spec.inflight(),
        spec.conns(), spec.conns() == 1 ? "" : "s", target, spec.keys(), spec.keySize(),
        spec.valueSize());
    out.printf(Locale.ROOT, "ops      %,d (%,.1f ops/s; %,d reads, %,d writes)%n", r.ops(),
        r.throughput(), r.reads(), r.writes());
    out.printf(Locale.ROOT, "errors   %,d%s%n", r.errorCount(),
        r.errors().isEmpty() ? "" : " " + r.errors());
    if (r.overloaded() > 0) {
      out.printf(Locale.ROOT, "overloaded %,d (RESOURCE_EXHAUSTED: refused with no effect; the "
          + "requests backed off and went on)%n", r.overloaded());
    }
    Histogram h = r.latencyMicros();
    StringBuilder b = new StringBuilder("latency ");
    for (int i = 0; i < PERCENTILES.length; i++) {
      b.append(String.format(Locale.ROOT, " %s %.2f ms ", NAMES[i].replace('_', '.'),
          h.getValueAtPercentile(PERCENTILES[i]) / 1000.0));
    }
    b.append(String.format(Locale.ROOT, " max %.2f ms", h.getMaxValue() / 1000.0));
    out.println(r.ops() == 0 ? "latency  (no successful operation)" : b.toString());
    if (background != null) {
      Histogram scan = background.scanMicros();
      out.printf(Locale.ROOT, "ranges   %d loops%s: %,d full scans (%,d calls, %,d keys, %,d B; "
              + "%,d errors%s, %,d overloaded)", background.loops(),
          background.limit() == 0 ? "" : ", " + background.limit() + " keys per call",
          background.scans(), background.calls(), background.keys(), background.bytes(),
          background.errorCount(), background.errors().isEmpty() ? "" : " " + background.errors(),
          background.overloaded());
      out.println(scan.getTotalCount() == 0 ? "" : String.format(Locale.ROOT,
          "; scan p50 %.1f ms  p99 %.1f ms  max %.1f ms", scan.getValueAtPercentile(50) / 1000.0,
          scan.getValueAtPercentile(99) / 1000.0, scan.getMaxValue() / 1000.0));
    }
    if (usage != null && !usage.members().isEmpty()) {
      StringBuilder b2 = new StringBuilder(String.format(Locale.ROOT,
          "servers  %.1f CPU s (%.3f ms per op):", usage.cpuSeconds(), usage.cpuMillisPerOp(r.ops())));
      for (ServerUsage.Member m : usage.members()) {
        b2.append(String.format(Locale.ROOT, " %s %.1f s, %d MiB, %d threads;", m.id(),
            m.cpuSeconds(), m.residentBytes() >> 20, m.threads()));
      }
      b2.setLength(b2.length() - 1);
      if (!usage.unreachable().isEmpty()) {
        b2.append(" (not reached: ").append(String.join(", ", usage.unreachable())).append(')');
      }
      out.println(b2);
    }
    out.flush();
  }

  /** One JSON object with the parameters, counts, throughput and latencies in microseconds. */
  public static JsonObject json(BenchSpec spec, String target, BenchResult r) {
    return json(spec, target, r, null, null);
  }

  /**
   * As {@link #json(BenchSpec, String, BenchResult)}, with a {@code preload} object and a {@code
   * background_ranges} object for those that are not null.
   */
  public static JsonObject json(BenchSpec spec, String target, BenchResult r,
      Preload.Result preload, BackgroundRanges.Result background) {
    return json(spec, target, r, preload, background, null);
  }

  /**
   * As {@link #json(BenchSpec, String, BenchResult, Preload.Result, BackgroundRanges.Result)},
   * with a {@code servers} object (CPU seconds per member over the measured phase, resident bytes
   * and threads at its end, total CPU per operation) when {@code usage} is not null.
   */
  public static JsonObject json(BenchSpec spec, String target, BenchResult r,
      Preload.Result preload, BackgroundRanges.Result background, ServerUsage.Result usage) {
    JsonObject o = new JsonObject();
    o.addProperty("workload", spec.workload().label());
    o.addProperty("target", target);
    o.addProperty("duration_s", r.seconds());
    o.addProperty("inflight", spec.inflight());
    o.addProperty("conns", spec.conns());
    o.addProperty("keys", spec.keys());
    o.addProperty("key_size", spec.keySize());
    o.addProperty("value_size", spec.valueSize());
    o.addProperty("consistency", spec.consistency().name().toLowerCase(Locale.ROOT));
    o.addProperty("ops", r.ops());
    o.addProperty("reads", r.reads());
    o.addProperty("writes", r.writes());
    o.addProperty("throughput_ops_per_s", r.throughput());
    o.addProperty("errors", r.errorCount());
    JsonObject byCode = new JsonObject();
    r.errors().forEach(byCode::addProperty);
    o.add("errors_by_code", byCode);
    o.addProperty("overloaded", r.overloaded());
    JsonObject lat = new JsonObject();
    Histogram h = r.latencyMicros();
    for (int i = 0; i < PERCENTILES.length; i++) {
      lat.addProperty(NAMES[i], h.getValueAtPercentile(PERCENTILES[i]));
    }
    lat.addProperty("max", h.getMaxValue());
    lat.addProperty("mean", h.getMean());
    o.add("latency_us", lat);
    if (preload != null) {
      JsonObject p = new JsonObject();
      p.addProperty("keys", preload.keys());
      p.addProperty("txns", preload.txns());
      p.addProperty("retries", preload.retries());
      p.addProperty("seconds", preload.seconds());
      o.add("preload", p);
    }
    if (background != null) {
      JsonObject g = new JsonObject();
      g.addProperty("loops", background.loops());
      g.addProperty("limit", background.limit());
      g.addProperty("scans", background.scans());
      g.addProperty("calls", background.calls());
      g.addProperty("keys", background.keys());
      g.addProperty("bytes", background.bytes());
      g.addProperty("errors", background.errorCount());
      JsonObject errs = new JsonObject();
      background.errors().forEach(errs::addProperty);
      g.add("errors_by_code", errs);
      g.addProperty("overloaded", background.overloaded());
      JsonObject scan = new JsonObject();
      Histogram sh = background.scanMicros();
      scan.addProperty("p50", sh.getValueAtPercentile(50));
      scan.addProperty("p99", sh.getValueAtPercentile(99));
      scan.addProperty("max", sh.getMaxValue());
      scan.addProperty("mean", sh.getTotalCount() == 0 ? 0 : sh.getMean());
      g.add("scan_us", scan);
      o.add("background_ranges", g);
    }
    if (usage != null) {
      JsonObject u = new JsonObject();
      u.addProperty("cpu_s", usage.cpuSeconds());
      u.addProperty("cpu_ms_per_op", usage.cpuMillisPerOp(r.ops()));
      com.google.gson.JsonArray members = new com.google.gson.JsonArray();
      for (ServerUsage.Member m : usage.members()) {
        JsonObject mo = new JsonObject();
        mo.addProperty("id", m.id());
        mo.addProperty("address", m.address());
        mo.addProperty("cpu_s", m.cpuSeconds());
        mo.addProperty("rss_bytes", m.residentBytes());
        mo.addProperty("threads", m.threads());
        members.add(mo);
      }
      u.add("members", members);
      com.google.gson.JsonArray missing = new com.google.gson.JsonArray();
      usage.unreachable().forEach(missing::add);
      u.add("unreachable", missing);
      o.add("servers", u);
    }
    return o;
  }
}
