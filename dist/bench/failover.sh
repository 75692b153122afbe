#!/usr/bin/env bash
# Leader failover as a client sees it: kill -9 of the leader -> first acknowledged write.
#
#   dist/bench/failover.sh [-r REPS] LABEL=DIST [LABEL=DIST ...]
#
# For each repetition and build, interleaved: a fresh plaintext 3-member cluster on 127.0.0.1
# (clients 7601-7603, peers 7701-7703), 8 s to elect and settle, then Failover.java (run with the
# last DIST's jars) writes for 2 s, kills the leader and times the first write another member
# acknowledges. One JSON line per run on stdout; every node started is killed.
set -u
reps=8
while getopts "r:" opt; do case $opt in r) reps=$OPTARG ;; *) exit 2 ;; esac; done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,10p' "$0"; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
last=${!#}; last=${last#*=}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lattice-failover.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"' EXIT
javac -d "$WORK/classes" -cp "$last/lib/*" "$here/Failover.java" || exit 1
for r in $(seq 1 "$reps"); do
  for pair in "$@"; do
    label=${pair%%=*}; d=${pair#*=}
    rm -rf "$WORK/data"; mkdir -p "$WORK/data"; pids=()
    help=$("$d/bin/lattice-node" --help 2>&1)
    for i in 1 2 3; do
      if grep -q -- --listen-peer <<<"$help"; then
        a="--listen-client 127.0.0.1:760$i --listen-peer 127.0.0.1:770$i --insecure"
        a+=" --initial-cluster n1=127.0.0.1:7701,n2=127.0.0.1:7702,n3=127.0.0.1:7703"
      else # builds before separate client and peer listeners
        a="--listen 127.0.0.1:760$i --initial-cluster n1=127.0.0.1:7601,n2=127.0.0.1:7602,n3=127.0.0.1:7603"
      fi
      # shellcheck disable=SC2086
      "$d/bin/lattice-node" --id n$i --data-dir "$WORK/data/n$i" $a > "$WORK/data/n$i.log" 2>&1 &
      pids+=($!)
    done
    sleep 8
    load=$(cut -d' ' -f1 /proc/loadavg)
    out=$(java -cp "$WORK/classes:$last/lib/*" Failover "n1=127.0.0.1:7601=${pids[0]}" \
      "n2=127.0.0.1:7602=${pids[1]}" "n3=127.0.0.1:7603=${pids[2]}" 2>/dev/null)
    echo "{\"build\":\"$label\",\"rep\":$r,\"load\":$load,\"result\":${out:-null}}"
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    wait 2>/dev/null; pids=()
  done
done
