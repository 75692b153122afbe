#!/usr/bin/env bash
# Side-by-side benchmark of Lattice builds with `lattice bench` (issue 13's workloads).
#
#   dist/bench/compare.sh [-r REPS] [-o OUT.jsonl] LABEL=DIST [LABEL=DIST ...]
#
# DIST is an unpacked distribution (dist/target/lattice-<version>, or an older build's). For each
# repetition and each build, interleaved, it starts a fresh 3-member cluster on 127.0.0.1 (clients
# on 7601-7603, peers on 7701-7703, metrics on 7901-7903), runs every workload once, and stops the
# cluster. One JSON line per workload goes to OUT: the build, the repetition, the load average,
# the members' CPU seconds over the whole bench command (from /proc; preload and warm-up included),
# their resident memory and threads after it, and `lattice bench -o json`'s own result.
# `dist/bench/summary.sh OUT` prints the medians per build and workload.
#
# DIST@tls runs that build with mutual TLS on both listeners (certificates made with
# `lattice cert`); a build without TLS options runs plaintext, and its lines say "tls":0.
# DIST@server-tls runs it with TLS on the client listener but asks for no client certificate
# (the CLI trusts the CA only; the peers still authenticate each other), its lines "tls":2.
# Environment: CLI (the bin/lattice that drives every build; default: the last DIST's),
# WORKLOADS (default below), NODE_JAVA_OPTS, WARMUP (default 60s): how long each fresh cluster
# runs put with 64 in flight after the `cold` workload and before the others, so that those
# measure a cluster whose JIT has compiled the hot paths (a JVM compiles for its first minute or
# so; `cold` is the figure for that); its line says "workload":"warmup:64". WARMUP=0 skips it.
# idle:N is no workload: the members are left alone for N s, then their memory is read (the
# default list ends with idle:20: what a member holds once the load is gone).
# Only 127.0.0.1 is used. Every node started is killed on exit.
set -u
reps=3; out=bench-$(date +%Y%m%d-%H%M%S).jsonl
while getopts "r:o:" opt; do
  case $opt in r) reps=$OPTARG ;; o) out=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { sed -n '2,20p' "$0"; exit 2; }
last=${!#}; last=${last#*=}; last=${last%@tls}; last=${last%@server-tls}
CLI=${CLI:-$last/bin/lattice}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lattice-bench.XXXXXX")
WL=${WORKLOADS:-"cold:256 put:1 put:16 put:64 put:256 get-lin-f:64 get-lin-l:64 get-stale:64 idle:20"}
warmup=${WARMUP:-60s}
if [ "$warmup" != 0 ]; then # after the cold workload (if any), before the others
  case " $WL " in
    *" cold:"*) WL=$(sed -E 's/(^| )(cold:[0-9]+)( |$)/\1\2 warmup:64\3/' <<<"$WL") ;;
    *) WL="warmup:64 $WL" ;;
  esac
fi
EP=127.0.0.1:7601,127.0.0.1:7602,127.0.0.1:7603
pids=()

cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export LATTICE_CERTS_DIR=
cli() { "$CLI" --endpoints "$EP" ${cli_tls:-} "$@"; }

make_certs() {
  local c=$WORK/certs i
  [ -f "$c/ca.crt" ] && return 0
  mkdir -p "$c"
  "$CLI" cert create-ca --certs-dir "$c" --ca-key "$WORK/ca.key" >/dev/null || return 1
  for i in 1 2 3; do
    "$CLI" cert create-node n$i --host 127.0.0.1 --certs-dir "$c" --ca-key "$WORK/ca.key" >/dev/null || return 1
  done
  "$CLI" cert create-client root --admin --certs-dir "$c" --ca-key "$WORK/ca.key" >/dev/null
}

# start_cluster DIST TLS: 3 fresh members; sets tls_used; returns when a leader is known.
start_cluster() {
  local d=$1 want_tls=$2 i args c=$WORK/certs
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"; pids=()
  local help; help=$("$d/bin/lattice-node" --help 2>&1)
  tls_used=0; cli_tls=
  for i in 1 2 3; do
    if grep -q -- --listen-peer <<<"$help"; then
      args="--listen-client 127.0.0.1:760$i --listen-peer 127.0.0.1:770$i"
      args+=" --initial-cluster n1=127.0.0.1:7701,n2=127.0.0.1:7702,n3=127.0.0.1:7703"
      if [ "$want_tls" != 0 ]; then
        args+=" --cert-file $c/node.n$i.crt --key-file $c/node.n$i.key --trusted-ca-file $c/ca.crt"
        [ "$want_tls" = 2 ] || args+=" --client-cert-auth"
        args+=" --peer-cert-file $c/node.n$i.crt --peer-key-file $c/node.n$i.key"
        args+=" --peer-trusted-ca-file $c/ca.crt"
        tls_used=1; cli_tls="--certs-dir $c"
        [ "$want_tls" = 1 ] || { tls_used=2; cli_tls="--cacert $c/ca.crt"; }
      else
        args+=" --insecure"
      fi
    else # builds before separate client and peer listeners (and before TLS)
      args="--listen 127.0.0.1:760$i --initial-cluster n1=127.0.0.1:7601,n2=127.0.0.1:7602,n3=127.0.0.1:7603"
    fi
    # shellcheck disable=SC2086
    JAVA_OPTS=${NODE_JAVA_OPTS:-} "$d/bin/lattice-node" --id n$i --data-dir "$WORK/data/n$i" \
      $args --metrics 127.0.0.1:790$i > "$WORK/data/n$i.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 1 100); do
    if cli --timeout 2s status 2>/dev/null | grep -q "leader n"; then
      for i in 0 1 2; do # a leader, but is it ours? (a member that could not bind has exited)
        kill -0 "${pids[$i]}" 2>/dev/null || { echo "member n$((i + 1)) exited (log: $WORK/data/n$((i + 1)).log)" >&2; return 1; }
      done
      return 0
    fi
    sleep 0.3
  done
  echo "no leader within 30 s (logs: $WORK/data)" >&2; return 1
}

stop_cluster() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null; pids=()
}

cpu_ticks() { # user+system clock ticks of the members
  local p t=0
  for p in "${pids[@]}"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo $t
}
members_json() { # resident memory and threads per member
  local p s=""
  for p in "${pids[@]}"; do
    s+=$(awk '/^VmRSS/{r=$2} /^Threads/{t=$2} END{printf "{\"rss_kib\":%d,\"threads\":%d},", r, t}' "/proc/$p/status" 2>/dev/null)
  done
  echo "[${s%,}]"
}

hz=$(getconf CLK_TCK)
if cli --timeout 1s status >/dev/null 2>&1; then
  echo "something already answers on $EP: stop it first, or its figures would be taken for ours" >&2; exit 1
fi
case "$*" in *@tls* | *@server-tls*) make_certs || { echo "could not make certificates" >&2; exit 1; } ;; esac
for r in $(seq 1 "$reps"); do
  for pair in "$@"; do
    label=${pair%%=*}; dist=${pair#*=}; want_tls=0
    case $dist in
      *@tls) dist=${dist%@tls}; want_tls=1 ;;
      *@server-tls) dist=${dist%@server-tls}; want_tls=2 ;;
    esac
    start_cluster "$dist" "$want_tls" || { stop_cluster; continue; }
    for w in $WL; do
      kind=${w%%:*}; n=${w#*:}; warm=3s; dur=10s
      case $kind in
        put) args="put" ;;
        cold) args="put"; warm=0s ;; # a fresh cluster's first 10 s
        warmup) args="put"; warm=0s; dur=$warmup ;;
        get-lin-f) args="get --preload --consistency linearizable --target followers" ;;
        get-lin-l) args="get --preload --consistency linearizable --target leader" ;;
        get-stale) args="get --preload --consistency stale --target all" ;;
        idle) # the members left alone for N s: what they hold once the load is gone
          load=$(cut -d' ' -f1 /proc/loadavg); c0=$(cpu_ticks); sleep "$n"; c1=$(cpu_ticks)
          printf '{"rep":%d,"build":"%s","tls":%d,"workload":"%s","load":%s,"server_cpu_s":%s,"members":%s,"result":null}\n' \
            "$r" "$label" "$tls_used" "$w" "$load" "$(awk -v a="$c0" -v b="$c1" -v h="$hz" 'BEGIN{printf "%.2f", (b-a)/h}')" \
            "$(members_json)" >> "$out"
          continue ;;
        *) echo "unknown workload $w" >&2; continue ;;
      esac
      load=$(cut -d' ' -f1 /proc/loadavg); c0=$(cpu_ticks)
      # shellcheck disable=SC2086
      line=$(cli bench $args --inflight "$n" --conns 3 --keys 10000 --key-size 16 \
        --value-size 256 --warmup $warm --duration $dur --no-progress -o json 2>/dev/null | tail -1)
      c1=$(cpu_ticks)
      [ -n "$line" ] || line=null
      printf '{"rep":%d,"build":"%s","tls":%d,"workload":"%s","load":%s,"server_cpu_s":%s,"members":%s,"result":%s}\n' \
        "$r" "$label" "$tls_used" "$w" "$load" "$(awk -v a="$c0" -v b="$c1" -v h="$hz" 'BEGIN{printf "%.2f", (b-a)/h}')" \
        "$(members_json)" "$line" >> "$out"
    done
    stop_cluster
  done
done
echo "results: $out"
