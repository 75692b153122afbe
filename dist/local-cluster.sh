#!/bin/sh
# A three-node Lattice cluster on this machine, for trying Lattice out and for development.
#
#   ./dist/local-cluster.sh start    build if needed, start n1..n3 in the background (clients on
#                                    127.0.0.1:7001-7003, peers on 127.0.0.1:7101-7103), wait for
#                                    a leader, show the election and a demo
#   ./dist/local-cluster.sh status   which nodes run, and the last role each one logged
#   ./dist/local-cluster.sh stop     stop exactly the nodes this script started; keeps the data
#
# TLS: the first start makes a CA and certificates in data/certs (the CA key in data/ca.key) with
# `lattice cert`; the nodes serve TLS on both listeners and require client certificates.
#
# Data: data/n1 .. data/n3 at the top of the repository, one log file per node (data/n1.log ...)
# and the pid of each running node (data/n1.pid ...). `start` again after `stop` reuses the data:
# the nodes recover from their logs. To start from scratch: stop, then remove the data directory.
#
# Needs only a JDK 17+ and Maven (for the first build). Settings, from the environment:
#   LATTICE_DATA       where the data, logs and pid files go (default: <repository>/data)
#   LATTICE_BASE_PORT  node i serves clients on 127.0.0.1:(LATTICE_BASE_PORT + i) (default: 7000)
#   LATTICE_PEER_BASE_PORT  node i serves its peers on 127.0.0.1:(LATTICE_PEER_BASE_PORT + i)
#                      (default: LATTICE_BASE_PORT + 100)
#   LATTICE_HOME       run this unpacked distribution instead of building dist/target/lattice-*
#   LATTICE_WAIT       seconds to wait for the nodes to start and elect a leader (default: 30)
#   JAVA_HOME, JAVA_OPTS   passed on to bin/lattice-node
set -eu

NODES="1 2 3"
repo=$(cd "$(dirname "$0")/.." && pwd -P)
data=${LATTICE_DATA:-$repo/data}
certs=$data/certs
base_port=${LATTICE_BASE_PORT:-7000}
peer_base_port=${LATTICE_PEER_BASE_PORT:-$((base_port + 100))}
wait_seconds=${LATTICE_WAIT:-30}
here="${0##*/}"

say() { printf '%s\n' "$*"; }
die() {
  printf '%s: %s\n' "$here" "$*" >&2
  exit 1
}

case $base_port in
  '' | *[!0-9]*) die "LATTICE_BASE_PORT must be a number (got '$base_port')" ;;
esac
case $peer_base_port in
  '' | *[!0-9]*) die "LATTICE_PEER_BASE_PORT must be a number (got '$peer_base_port')" ;;
esac
[ "$peer_base_port" -ne "$base_port" ] || die "LATTICE_PEER_BASE_PORT must differ from LATTICE_BASE_PORT (clients and peers have separate listeners)"
case $wait_seconds in
  '' | *[!0-9]*) die "LATTICE_WAIT must be a number of seconds (got '$wait_seconds')" ;;
esac

# Node $1's client address (KV, Cluster: what bin/lattice talks to) and peer address (Raft only).
address() { printf '127.0.0.1:%s' $((base_port + $1)); }
peer_address() { printf '127.0.0.1:%s' $((peer_base_port + $1)); }

endpoints() {
  out=
  for i in $NODES; do out=${out:+$out,}$(address "$i"); done
  printf '%s' "$out"
}

initial_cluster() {
  out=
  for i in $NODES; do out=${out:+$out,}n$i=$(peer_address "$i"); done
  printf '%s' "$out"
}

# Shows a path relative to the current directory when it is below it (shorter to copy).
show() {
  case $1 in
    "$PWD"/*) printf '%s' "${1#"$PWD"/}" ;;
    *) printf '%s' "$1" ;;
  esac
}

# --- finding (or building) the distribution -----------------------------------------------------

# dist/target/lattice-<version>/ (the version of the top-level pom), or nothing before a build.
find_dist() {
  version=$(sed -n 's:^  <version>\(.*\)</version>.*:\1:p' "$repo/pom.xml" | head -n 1)
  d=$repo/dist/target/lattice-$version
  if [ -n "$version" ] && [ -x "$d/bin/lattice-node" ]; then
    printf '%s' "$d"
  fi
}

# True when a source file or a pom is newer than the last packaged tarball.
stale() {
  tarball=$1.tar.gz
  [ -f "$tarball" ] || return 0
  newer=$(find "$repo/pom.xml" "$repo"/*/pom.xml "$repo"/*/src "$repo/completions" \
    -newer "$tarball" -type f 2>/dev/null | head -n 1)
  [ -n "$newer" ]
}

ensure_dist() {
  if [ -n "${LATTICE_HOME:-}" ]; then
    [ -x "$LATTICE_HOME/bin/lattice-node" ] || die "LATTICE_HOME=$LATTICE_HOME has no bin/lattice-node"
    home=$(cd "$LATTICE_HOME" && pwd -P)
    return
  fi
  home=$(find_dist)
  if [ -n "$home" ] && ! stale "$home"; then
    return
  fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to build Lattice: install it, or set LATTICE_HOME to an unpacked distribution"
  if [ -z "$home" ]; then
    say "Building Lattice (mvn -DskipTests -pl dist -am package; the first build downloads the dependencies and takes a few minutes)..."
  else
    say "Sources changed since the last build: rebuilding (mvn -DskipTests -pl dist -am package)..."
  fi
  build_log=${TMPDIR:-/tmp}/lattice-build.$$.log
  if ! (cd "$repo" && mvn -q -B -DskipTests -pl dist -am package) >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    die "the build failed (Maven's output is above)"
  fi
  rm -f "$build_log"
  home=$(find_dist)
  [ -n "$home" ] || die "the build did not produce dist/target/lattice-<version>/"
}

# --- the processes we started -------------------------------------------------------------------

# The command line of a process, or nothing when it does not exist.
cmdline_of() {
  if [ -r "/proc/$1/cmdline" ]; then
    tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true
  else
    ps -ww -o args= -p "$1" 2>/dev/null || true
  fi
}

# Prints the pid recorded for node $1 if that process is still the lattice-node we started on
# that data directory (a recorded pid may have been reused by an unrelated process since).
live_pid() {
  pid_file=$data/n$1.pid
  [ -f "$pid_file" ] || return 1
  pid=$(cat "$pid_file" 2>/dev/null) || return 1
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  case $(cmdline_of "$pid") in
    *io.lattice.server.LatticeNodeCommand*"--data-dir $data/n$1 "*) printf '%s' "$pid" ;;
    *) return 1 ;;
  esac
}

# The lines node $1 logged since this script last started it.
new_log_lines() {
  [ -f "$data/n$1.log" ] || return 0
  awk -v m="$marker" '$0 == m { f = 1; next } f' "$data/n$1.log"
}

# "2026-11-24T06:10:01.123+00:00 INFO  RaftNode - n2: LEADER in term 2, leader n2"
#   -> "06:10:01.123  n2: LEADER in term 2, leader n2"
ROLE_LINE=': [A-Z_]* in term [0-9]*, leader '
short_role_line() {
  sed -n "s/^[0-9-]*T\([0-9:.]*\)[^ ]* .* - \(n[0-9]*$ROLE_LINE.*\)\$/\1  \2/p"
}

# --- certificates -------------------------------------------------------------------------------

# The first start makes a CA (its key in $data/ca.key, outside the certificates directory), a
# certificate for each node (valid for 127.0.0.1 and localhost) and an admin client certificate
# (client.root) in $certs, with `lattice cert`. Later starts reuse them. The CLI of the
# distribution finds them because they are also copied to $home/certs (bin/lattice uses that
# directory when no certificate option or variable is given).
ensure_certs() {
  cli=$home/bin/lattice
  mkdir -p "$certs"
  if [ ! -f "$certs/ca.crt" ]; then
    "$cli" cert create-ca --certs-dir "$certs" --ca-key "$data/ca.key" >/dev/null
    made=yes
  fi
  for i in $NODES; do
    [ -f "$certs/node.n$i.crt" ] || "$cli" cert create-node "n$i" --host 127.0.0.1 \
      --host localhost --certs-dir "$certs" --ca-key "$data/ca.key" >/dev/null
  done
  [ -f "$certs/client.root.crt" ] || "$cli" cert create-client root --admin \
    --certs-dir "$certs" --ca-key "$data/ca.key" >/dev/null
  [ -z "${made:-}" ] || say "Made a CA and certificates for n1..n3 and an admin client in $(show "$certs") (lattice cert)"
  if mkdir -p "$home/certs" 2>/dev/null && [ -w "$home/certs" ]; then
    cp "$certs/ca.crt" "$certs/client.root.crt" "$certs/client.root.key" "$home/certs/"
    chmod 600 "$home/certs/client.root.key"
  fi
}

# Node $1's TLS flags: its certificate on both listeners, client certificates required.
tls_flags() {
  printf -- '--cert-file %s --key-file %s --trusted-ca-file %s --client-cert-auth ' \
    "$certs/node.n$1.crt" "$certs/node.n$1.key" "$certs/ca.crt"
  printf -- '--peer-cert-file %s --peer-key-file %s --peer-trusted-ca-file %s' \
    "$certs/node.n$1.crt" "$certs/node.n$1.key" "$certs/ca.crt"
}

# --- commands -----------------------------------------------------------------------------------

start() {
  ensure_dist
  mkdir -p "$data"
  ensure_certs
  marker="--- started by local-cluster.sh at $(date '+%Y-%m-%dT%H:%M:%S%z') (run $$) ---"
  started=
  for i in $NODES; do
    if pid=$(live_pid "$i"); then
      say "n$i is already running (pid $pid); leaving it alone"
      continue
    fi
    rm -f "$data/n$i.pid"
    mkdir -p "$data/n$i"
    printf '%s\n' "$marker" >>"$data/n$i.log"
    # nohup and no terminal input: the node outlives this script and the terminal.
    nohup "$home/bin/lattice-node" --id "n$i" --data-dir "$data/n$i" \
      --listen-client "$(address "$i")" --listen-peer "$(peer_address "$i")" \
      --initial-cluster "$(initial_cluster)" $(tls_flags "$i") </dev/null >>"$data/n$i.log" 2>&1 &
    printf '%s\n' "$!" >"$data/n$i.pid"
    started="$started $i"
  done

  if [ -n "$started" ]; then
    say "Started$(for i in $started; do printf ' n%s (pid %s)' "$i" "$(cat "$data/n$i.pid")"; done) from $(show "$home"); logs in $(show "$data")/n1.log ..."
    wait_for_leader
  fi
  demo
  info
}

# Waits until every node just started has logged a role change naming a leader, then shows the
# role changes (the election) from the logs. A node that exits meanwhile ends the wait.
wait_for_leader() {
  tries=$((wait_seconds * 5))
  while :; do
    pending=
    for i in $started; do
      # (until the launcher has exec'd the JVM the command line is not java's yet: kill -0)
      if ! kill -0 "$(cat "$data/n$i.pid")" 2>/dev/null; then
        say "n$i exited during start-up. The end of $(show "$data")/n$i.log:" >&2
        new_log_lines "$i" | tail -n 15 >&2
        say "The other nodes keep running: '$0 stop' stops them." >&2
        exit 1
      fi
      new_log_lines "$i" | grep "$ROLE_LINE" | grep -qv 'leader unknown$' || pending="$pending n$i"
    done
    [ -z "$pending" ] && break
    tries=$((tries - 1))
    if [ "$tries" -le 0 ]; then
      say "No leader known to$pending after ${wait_seconds} s. The end of each log:" >&2
      for i in $started; do
        say "--- $(show "$data")/n$i.log" >&2
        new_log_lines "$i" | tail -n 5 >&2
      done
      say "The nodes keep running: '$0 status' to look again, '$0 stop' to stop them." >&2
      exit 1
    fi
    sleep 0.2
  done
  say ""
  say "Role changes in the node logs (the election):"
  for i in $started; do new_log_lines "$i"; done | sort | short_role_line | sed 's/^/  /'
  leader=$(for i in $started; do new_log_lines "$i"; done | sort | short_role_line \
    | sed -n 's/.* leader \(n[0-9]*\)$/\1/p' | tail -n 1)
  say "Leader: $leader"
}

demo() {
  say ""
  cli=$home/bin/lattice
  if ! ls "$home"/lib/lattice-cli-*.jar >/dev/null 2>&1; then
    say "(The lattice command-line tool is not in this build yet, so the put/get demo is skipped.)"
    return
  fi
  say "A few writes and reads through the leader, and the members as they see themselves (bin/lattice):"
  export LATTICE_ENDPOINTS LATTICE_CERTS_DIR
  LATTICE_ENDPOINTS=$(endpoints)
  LATTICE_CERTS_DIR=$certs
  for step in "put greeting hello" "put lattice raft" "get greeting" "get lattice --print-value-only" "status"; do
    say "  \$ lattice $step"
    # shellcheck disable=SC2086 # the words of a step are the arguments
    "$cli" $step 2>&1 | sed 's/^/    /'
  done
}

info() {
  say ""
  say "Lattice is running: n1..n3, clients on $(endpoints), peers on $(peer_address 1)-$((peer_base_port + 3))."
  say "TLS on both listeners; clients need a certificate (an admin one is $(show "$certs")/client.root.crt)."
  say "Talk to it:"
  say "  export LATTICE_ENDPOINTS=$(endpoints)"
  say "  export LATTICE_CERTS_DIR=$(show "$certs")   # bin/lattice of this build finds them anyway"
  say "  $(show "$home")/bin/lattice status"
  say "  $(show "$home")/bin/lattice shell"
  say "Logs:    tail -f $(show "$data")/n1.log   (one file per node)"
  say "Status:  $0 status"
  say "Stop:    $0 stop   (keeps the data: 'start' again resumes from it)"
}

status() {
  running=0
  for i in $NODES; do
    last=$(grep "$ROLE_LINE" "$data/n$i.log" 2>/dev/null | tail -n 1 | short_role_line | sed 's/^[^ ]*  n[0-9]*: //')
    if pid=$(live_pid "$i"); then
      running=$((running + 1))
      say "n$i  running  pid $pid  client $(address "$i")  peer $(peer_address "$i")  last role change: ${last:-none yet}"
    else
      say "n$i  stopped"
    fi
  done
  [ "$running" -eq 3 ]
}

stop() {
  signalled=
  for i in $NODES; do
    if pid=$(live_pid "$i"); then
      kill -TERM "$pid" 2>/dev/null || true
      signalled="$signalled $i:$pid"
    elif [ -f "$data/n$i.pid" ]; then
      say "n$i was not running (stale $(show "$data")/n$i.pid removed)"
      rm -f "$data/n$i.pid"
    fi
  done
  if [ -z "$signalled" ]; then
    say "No node of this cluster is running."
    return 0
  fi
  # A graceful stop hands leadership off and closes the log; allow it a bounded time.
  tries=$((wait_seconds * 5))
  left=$signalled
  while [ -n "$left" ] && [ "$tries" -gt 0 ]; do
    still=
    for entry in $left; do
      if kill -0 "${entry#*:}" 2>/dev/null; then
        still="$still $entry"
      else
        say "n${entry%%:*} stopped (pid ${entry#*:})"
        rm -f "$data/n${entry%%:*}.pid"
      fi
    done
    left=$still
    [ -n "$left" ] && sleep 0.2
    tries=$((tries - 1))
  done
  if [ -n "$left" ]; then
    for entry in $left; do
      say "n${entry%%:*} (pid ${entry#*:}) did not stop within ${wait_seconds} s; see $(show "$data")/n${entry%%:*}.log, or force it: kill -KILL ${entry#*:}" >&2
    done
    exit 1
  fi
  say "Data kept in $(show "$data"); '$0 start' resumes from it."
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    say "Usage: $0 start|status|stop"
    say "  start   build if needed, start a 3-node cluster (clients on 127.0.0.1:$((base_port + 1))-$((base_port + 3)), peers on $((peer_base_port + 1))-$((peer_base_port + 3))), wait for a leader"
    say "  status  which nodes run"
    say "  stop    stop the nodes started here (the data is kept)"
    [ -z "${1:-}" ] && exit 2
    case $1 in -h | --help | help) exit 0 ;; *) exit 2 ;; esac
    ;;
esac
