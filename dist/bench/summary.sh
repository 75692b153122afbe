#!/usr/bin/env bash
# Medians per build and workload of a dist/bench/compare.sh result file (needs jq).
#
#   dist/bench/summary.sh OUT.jsonl [BASE_BUILD]
#
# One row per workload and build: median throughput (ops/s), p50 and p99 latency (ms), server CPU
# per operation (ms: the members' CPU over the whole bench command, warm-up and preload included,
# divided by the measured operations: an upper bound, comparable between builds), the largest
# member's resident memory (MiB) and its threads after the workload, and the load average at its
# start; with BASE_BUILD, the throughput and p99 ratios of each build to it. Then, if the run had
# an idle:N workload, the members' resident memory after N s left alone.
set -eu
f=${1:?usage: summary.sh OUT.jsonl [BASE_BUILD]}; base=${2:-}
jq -rs --arg base "$base" '
  def median: sort | if length == 0 then null
    elif length % 2 == 1 then .[length / 2 | floor]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def r(n): if . == null then "-" else (. * pow(10; n) | round / pow(10; n) | tostring) end;
  [ .[] | select(.result != null) ] as $all
  | ($all | group_by(.workload + " " + .build) | map({
      workload: .[0].workload, build: .[0].build, tls: .[0].tls, n: length,
      ops: (map(.result.throughput_ops_per_s) | median),
      p50: (map(.result.latency_us.p50 / 1000) | median),
      p99: (map(.result.latency_us.p99 / 1000) | median),
      cpu: (map(if .result.ops > 0 then .server_cpu_s * 1000 / .result.ops else null end)
            | map(select(. != null)) | median),
      rss: (map(.members | map(.rss_kib) | max // empty) | median
            | if . == null then null else . / 1024 end),
      threads: (map(.members | map(.threads) | max // empty) | median),
      errors: (map(.result.errors) | add),
      load: (map(.load) | median) })) as $rows
  | ["workload", "build", "tls", "runs", "ops/s", "p50 ms", "p99 ms", "cpu ms/op", "rss MiB",
     "threads", "errors", "load", "ops/s vs base", "p99 vs base"],
    ($rows | sort_by(.workload)[] as $x
     | ($rows | map(select(.workload == $x.workload and .build == $base)) | first) as $b
     | [$x.workload, $x.build, ($x.tls | tostring), ($x.n | tostring), ($x.ops | r(0)),
        ($x.p50 | r(1)), ($x.p99 | r(1)), ($x.cpu | r(2)), ($x.rss | r(0)),
        ($x.threads | tostring), ($x.errors | tostring), ($x.load | r(1)),
        (if $b then ($x.ops / $b.ops | r(2)) else "-" end),
        (if $b then ($x.p99 / $b.p99 | r(2)) else "-" end)])
  | @tsv' "$f" | column -t -s $'\t'
# idle:N lines (the members left alone N s after the workloads): resident memory then
if grep -q '"workload":"idle:' "$f"; then
  echo
  jq -rs '
    def median: sort | if length == 0 then null
      elif length % 2 == 1 then .[length / 2 | floor]
      else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    ["after", "build", "runs", "largest rss MiB (median)", "every member, every run (MiB)"],
    ([ .[] | select(.workload | startswith("idle:")) | select(.members | length > 0) ]
     | group_by(.workload + " " + .build)[]
     | [.[0].workload, .[0].build, (length | tostring),
        (map(.members | map(.rss_kib) | max) | median / 1024 | round | tostring),
        (map(.members[].rss_kib / 1024 | round | tostring) | join(" "))])
    | @tsv' "$f" | column -t -s $'\t'
fi
