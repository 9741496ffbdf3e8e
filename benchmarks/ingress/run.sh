#!/usr/bin/env bash
# The routing mesh against its peers, in one run, in the same namespaces, to the same nginx backend:
#
#   client ns  198.18.1.1  --wrk/iperf3-->  proxy ns 198.18.0.1  -->  backend ns 198.18.0.11
#                                           :8080 Shoal (MeshNode)      nginx :80 (a 1 KiB file)
#                                           :8081 HAProxy mode tcp      iperf3 -s :5201
#                                           :8082 nftables DNAT
#                                           :5202 HAProxy splice-auto -> :5201
#                                           :5203 Shoal               -> :5201
#                                           :8083/:5204 Shoal B (SHOAL_B=1)
#
# HTTP: wrk -t2 -c64 for DURATION s, RUNS rounds; each round runs every variant once, in turn
# (paired runs on a shared machine), and the median per variant is reported, with the proxy
# process's CPU seconds (utime+stime from /proc/<pid>/stat, before/after) and requests per CPU
# second. Bulk: iperf3 for IPERF_SECS s, median of IPERF_RUNS, direct / HAProxy splice / Shoal.
#
# Environment: DURATION (10), RUNS (3), WARMUP (5: seconds per warm-up run), WARMUP_ROUNDS (4: warm-up
# runs per proxy, interleaved, each with its own 64 new connections: the JIT sees connection set-up
# and teardown as often as the relay before anything is measured), IPERF_SECS (10),
# IPERF_RUNS (1), SHOAL_THREADS (2), HAPROXY_THREADS (2), JAVA (java), SKIP_BUILD (unset),
# SHOAL_JAVA_OPTS (e.g. -XX:StartFlightRecording=...), HTTP (1: run the wrk rounds), BULK (1: run
# iperf3).
# A second Shoal as its own target, for before/after in one run: SHOAL_B=1 starts another MeshNode
# ("shoal-b", :8083 HTTP, :5204 bulk) from SHOAL_B_CP (a classpath, e.g. a saved copy of
# ingress-proxy/target/classes and test-classes plus test-classpath.txt's jars; default: the same
# build; SHOAL_CP does the same for the first Shoal) with SHOAL_B_JAVA_OPTS (e.g.
# -Dshoal.ingress.transport=epoll) and SHOAL_B_THREADS event loops (default SHOAL_THREADS).
# How to run and read it: benchmarks/ingress/README.md.
# Syscalls: STRACE_SECS=N adds a phase before the rounds: per proxy, wrk for N s with
# `strace -c -f` attached to the proxy process; the tables and syscalls per request are printed
# (strace slows the proxy: read them as counts, not as speed). PERF_SECS=N: per proxy, wrk for N s
# with `perf record -g` (cpu-clock) on the proxy process; the top symbols are printed (Java frames
# named through `jcmd <pid> Compiler.perfmap`), and the raw data kept when PROFILE_DIR is set.
# Needs root. Installs nginx, haproxy, wrk, iperf3, nftables if missing. Everything it makes
# carries a random prefix and is removed on exit (trap), even after a failure or Ctrl-C.
set -euo pipefail

DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-5}
WARMUP_ROUNDS=${WARMUP_ROUNDS:-4}
# Shoal's JVM runs with what shoald sets for itself: Netty's leak detector off (Shoald.main sets
# io.netty.leakDetection.level=disabled unless given). The tests keep it at paranoid.
LEAKS=-Dio.netty.leakDetection.level=disabled
IPERF_SECS=${IPERF_SECS:-10}
IPERF_RUNS=${IPERF_RUNS:-1}
SHOAL_THREADS=${SHOAL_THREADS:-2}
HAPROXY_THREADS=${HAPROXY_THREADS:-2}
JAVA=${JAVA:-java}
HTTP=${HTTP:-1}
BULK=${BULK:-1}
SHOAL_B=${SHOAL_B:-}
STRACE_SECS=${STRACE_SECS:-}
PERF_SECS=${PERF_SECS:-}
PROFILE_DIR=${PROFILE_DIR:-}

root=$(cd "$(dirname "$0")/../.." && pwd)
prefix=bi$(printf '%04x' $((RANDOM % 65536)))
tmp=$(mktemp -d "/tmp/$prefix.XXXX")
chmod 755 "$tmp"
namespaces=()
pids=()

CLIENT=198.18.1.1
PROXY=198.18.0.1
BACKEND=198.18.0.11

say() { printf '%s\n' "$*" >&2; }
die() {
  say "run.sh: $*"
  local f
  for f in "$tmp"/*.log; do [[ -s $f ]] && say "--- $f" && tail -5 "$f" >&2; done
  exit 1
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  { exec 7>&-; } 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; rm -f "/tmp/perf-$pid.map"; done
  # Whatever is still inside our namespaces (nginx workers) was started by this run.
  for ns in "${namespaces[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [[ -n ${PROFILE_DIR:-} ]]; then mkdir -p "$PROFILE_DIR" && cp "$tmp"/*.log "$PROFILE_DIR/" 2>/dev/null; fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ $(id -u) == 0 ]] || die "needs root (network namespaces)"

install_missing() {
  local missing=() bin pkg
  for pair in nginx:nginx haproxy:haproxy wrk:wrk iperf3:iperf3 nft:nftables; do
    bin=${pair%%:*} pkg=${pair#*:}
    command -v "$bin" >/dev/null || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d 101: the packages' maintainer scripts must not start nginx/haproxy daemons.
  local policy=/usr/sbin/policy-rc.d made=
  if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made=1; fi
  local status=0
  { apt-get install -y -q --no-install-recommends "${missing[@]}" ||
    { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; }; } >&2 || status=$?
  [[ -z $made ]] || rm -f "$policy"
  ((status == 0)) || die "apt-get failed installing ${missing[*]}"
}

build_mesh() {
  local cpfile=$root/ingress-proxy/target/test-classpath.txt
  if [[ -z ${SKIP_BUILD:-} || ! -f $cpfile ]]; then
    say "building ingress-proxy (test classes)"
    (cd "$root" && mvn -B -q -pl ingress-proxy -am process-test-classes >&2) || die "maven build failed"
  fi
  mesh_cp=${SHOAL_CP:-"$root/ingress-proxy/target/test-classes:$root/ingress-proxy/target/classes:$(cat "$cpfile")"}
}

ns() { # name address
  local name=$prefix$1
  ip netns add "$name"
  namespaces+=("$name")
  ip -n "$name" link set lo up
  ip -n "$name" link add eth0 type veth peer name "$name" netns "$prefix"f
  ip -n "$prefix"f link set "$name" master br0 up
  ip -n "$name" addr add "$2/16" dev eth0
  ip -n "$name" link set eth0 up
}

setup_namespaces() {
  ip netns add "$prefix"f
  namespaces+=("$prefix"f)
  ip -n "$prefix"f link add br0 type bridge
  ip -n "$prefix"f link set br0 up
  ns c $CLIENT
  ns p $PROXY
  ns b $BACKEND
  # nftables DNAT: forward in the proxy namespace, masquerade so replies come back through it.
  ip netns exec "$prefix"p sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
    net.ipv4.conf.eth0.send_redirects=0
  ip netns exec "$prefix"p nft -f - <<EOF
table ip bench {
  chain pre { type nat hook prerouting priority dstnat; tcp dport 8082 dnat to $BACKEND:80; }
  chain post { type nat hook postrouting priority srcnat; ip daddr $BACKEND tcp dport 80 masquerade; }
}
EOF
}

start_bg() { # log ns-suffix cmd... (sets last_pid)
  local log=$1 name=$prefix$2
  shift 2
  ip netns exec "$name" "$@" >"$log" 2>&1 &
  pids+=($!)
  last_pid=$!
}

wait_port() { # ns address port
  local i
  for i in $(seq 1 100); do
    ip netns exec "$prefix$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null && return 0
    sleep 0.2
  done
  die "nothing listens on $2:$3 in $1"
}

start_servers() {
  mkdir -p "$tmp/www"
  head -c 1024 /dev/zero | tr '\0' 'a' >"$tmp/www/small.html"
  cat >"$tmp/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen $BACKEND:80; root $tmp/www; }
}
EOF
  start_bg "$tmp/nginx.log" b nginx -c "$tmp/nginx.conf"
  start_bg "$tmp/iperf3.log" b iperf3 -s -B $BACKEND -p 5201
  cat >"$tmp/haproxy.cfg" <<EOF
global
  nbthread $HAPROXY_THREADS
  maxconn 4096
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
listen web
  bind $PROXY:8081
  server b1 $BACKEND:80
listen bulk
  bind $PROXY:5202
  option splice-auto
  server b1 $BACKEND:5201
EOF
  start_bg "$tmp/haproxy.log" p haproxy -db -f "$tmp/haproxy.cfg"
  haproxy_pid=$last_pid
  mkfifo "$tmp/mesh.in"
  # Opened read-write here so that neither side blocks in open(); it keeps the mesh's stdin open
  # until we exit.
  exec 7<>"$tmp/mesh.in"
  # Not through start_bg: a background command's stdin is /dev/null unless redirected on it.
  ip netns exec "$prefix"p "$JAVA" -Xms256m -Xmx256m $LEAKS ${SHOAL_JAVA_OPTS:-} -cp "$mesh_cp" \
    io.shoal.ingress.netns.MeshNode $PROXY "$SHOAL_THREADS" $BACKEND tcp:8080:80:none tcp:5203:5201:none \
    <"$tmp/mesh.in" >"$tmp/mesh.log" 2>&1 &
  mesh_pid=$!
  pids+=("$mesh_pid")
  if [[ -n $SHOAL_B ]]; then
 ip netns exec "$prefix"p "$JAVA" -Xms256m -Xmx256m $LEAKS ${SHOAL_B_JAVA_OPTS:-} -cp "${SHOAL_B_CP:-$mesh_cp}" \
      io.shoal.ingress.netns.MeshNode $PROXY "${SHOAL_B_THREADS:-$SHOAL_THREADS}" $BACKEND tcp:8083:80:none tcp:5204:5201:none \
      <"$tmp/mesh.in" >"$tmp/mesh-b.log" 2>&1 &
    mesh_b_pid=$!
    pids+=("$mesh_b_pid")
  fi
  local i log
  for log in mesh ${SHOAL_B:+mesh-b}; do
    for i in $(seq 1 300); do grep -qs '^READY' "$tmp/$log.log" && break; sleep 0.2; done
    grep -q '^READY' "$tmp/$log.log" || die "the mesh did not start: $(cat "$tmp/$log.log")"
  done
  wait_port b $BACKEND 80
  wait_port p $PROXY 8081
  wait_port p $PROXY 8080
  kill -0 "$mesh_pid" || die "the mesh exited"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

wrk_rps() { # host port seconds -> requests/s
  ip netns exec "$prefix"c timeout $(($3 + 30)) wrk -t2 -c64 -d"$3"s "http://$1:$2/small.html" >"$tmp/wrk.out" 2>&1 ||
    die "wrk to $1:$2 failed: $(cat "$tmp/wrk.out")"
  grep -q 'Non-2xx\|Socket errors' "$tmp/wrk.out" && say "  note: $(grep 'Non-2xx\|Socket errors' "$tmp/wrk.out")"
  awk '/^Requests\/sec:/ {print $2}' "$tmp/wrk.out"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

declare -A port=([direct]=80 [nft-dnat]=8082 [haproxy]=8081 [shoal]=8080 [shoal-b]=8083)
declare -A host=([direct]=$BACKEND [nft-dnat]=$PROXY [haproxy]=$PROXY [shoal]=$PROXY [shoal-b]=$PROXY)
declare -A pidof_variant=()
variants=(direct nft-dnat haproxy shoal ${SHOAL_B:+shoal-b})

run_strace() { # per proxy: wrk for STRACE_SECS with strace -c -f on the proxy process
  local v pid tpid requests calls
  for v in haproxy shoal ${SHOAL_B:+shoal-b}; do
    pid=${pidof_variant[$v]}
    strace -c -f -q -o "$tmp/strace.$v" -p "$pid" &
    tpid=$!
    sleep 1
    ip netns exec "$prefix"c timeout $((STRACE_SECS + 30)) wrk -t2 -c64 -d"$STRACE_SECS"s \
      "http://${host[$v]}:${port[$v]}/small.html" >"$tmp/wrk.strace" 2>&1 || die "wrk under strace failed"
    kill -INT "$tpid"
    wait "$tpid" 2>/dev/null || true
    requests=$(awk '/requests in/ {print $1}' "$tmp/wrk.strace")
    calls=$(awk '$NF == "total" {print $(NF-2)}' "$tmp/strace.$v")
    echo
    echo "strace -c -f, $v: $requests requests in ${STRACE_SECS}s under strace, $calls syscalls," \
      "$(awk -v c="$calls" -v r="$requests" 'BEGIN {printf "%.2f", c / r}') per request"
    awk -v r="$requests" 'NR <= 2 || /^-/ {print; next} NF >= 5 {printf "%s   %8.3f/req\n", $0, $4 / r; next} {print}' "$tmp/strace.$v"
  done
}

run_perf() { # per proxy: wrk for PERF_SECS with perf record on the proxy process
  local v pid ppid requests
  for v in haproxy shoal ${SHOAL_B:+shoal-b}; do
    pid=${pidof_variant[$v]}
    perf record -q -e cpu-clock -F 999 -g -o "$tmp/perf.$v" -p "$pid" >/dev/null 2>&1 &
    ppid=$!
    sleep 1
    ip netns exec "$prefix"c timeout $((PERF_SECS + 30)) wrk -t2 -c64 -d"$PERF_SECS"s \
      "http://${host[$v]}:${port[$v]}/small.html" >"$tmp/wrk.perf" 2>&1 || die "wrk under perf failed"
    kill -INT "$ppid"
    wait "$ppid" 2>/dev/null || true
    [[ $v == haproxy ]] || jcmd "$pid" Compiler.perfmap >/dev/null 2>&1 || true
    requests=$(awk '/requests in/ {print $1}' "$tmp/wrk.perf")
    echo
    echo "perf, $v: $requests requests in ${PERF_SECS}s"
    perf report -i "$tmp/perf.$v" --no-children --sort dso,sym --stdio -g none --percent-limit 0.7 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -60
    perf report -i "$tmp/perf.$v" --no-children --sort dso --stdio -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -12
    # CPU per request by thread kind and by kernel/user (one cpu-clock sample ~ 1/999 s).
    perf report -i "$tmp/perf.$v" --no-children --sort comm,dso --stdio -g none -n 2>/dev/null | grep -v '^#' | grep -v '^$' |
      awk -v r="$requests" -v n="$v" '{
          samples = $2; comm = $3; for (i = 4; i < NF; i++) comm = comm " " $i
          kind = (comm ~ /Compiler/) ? "jit-compiler" : (comm ~ /GC|G1/) ? "gc" : (comm ~ /^shoal|^haproxy/) ? "event-loops" : "other"
          space = ($NF ~ /kernel/) ? "kernel" : "user"
          t[kind] += samples; ts[kind " " space] += samples; all += samples }
        END { printf "  %s CPU per request (us): total %.2f", n, all / 0.999 / r * 1000
              for (k in t) printf "; %s %.2f", k, t[k] / 0.999 / r * 1000
              printf " (event loops: kernel %.2f, user %.2f)\n", ts["event-loops kernel"] / 0.999 / r * 1000, ts["event-loops user"] / 0.999 / r * 1000 }'
    if [[ -n $PROFILE_DIR ]]; then
      mkdir -p "$PROFILE_DIR"
      cp "$tmp/perf.$v" "$PROFILE_DIR/perf.$v.data"
      [[ -f /tmp/perf-$pid.map ]] && cp "/tmp/perf-$pid.map" "$PROFILE_DIR/"
    fi
  done
}

run_http() {
  pidof_variant=([haproxy]=$haproxy_pid [shoal]=$mesh_pid)
  [[ -n $SHOAL_B ]] && pidof_variant[shoal-b]=$mesh_b_pid
  say "warm-up: $WARMUP_ROUNDS x ${WARMUP}s through each proxy, interleaved (JIT, connection churn)"
  local w
  for w in $(seq 1 "$WARMUP_ROUNDS"); do
    wrk_rps $PROXY 8080 "$WARMUP" >/dev/null
    wrk_rps $PROXY 8081 "$WARMUP" >/dev/null
    [[ -z $SHOAL_B ]] || wrk_rps $PROXY 8083 "$WARMUP" >/dev/null
  done
  [[ -n $STRACE_SECS ]] && run_strace
  [[ -n $PERF_SECS ]] && run_perf
  ((HTTP)) || return 0
  local r v rps before after
  for r in $(seq 1 "$RUNS"); do
    for v in "${variants[@]}"; do
      before=0
      [[ -n ${pidof_variant[$v]:-} ]] && before=$(cpu_ticks "${pidof_variant[$v]}")
      rps=$(wrk_rps "${host[$v]}" "${port[$v]}" "$DURATION")
      echo "$rps" >>"$tmp/rps.$v"
      if [[ -n ${pidof_variant[$v]:-} ]]; then
        after=$(cpu_ticks "${pidof_variant[$v]}")
        awk -v a="$after" -v b="$before" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f\n", (a - b) / t}' >>"$tmp/cpu.$v"
        awk -v rps="$rps" -v d="$DURATION" -v a="$after" -v b="$before" -v t="$(getconf CLK_TCK)" \
          'BEGIN {c = (a - b) / t; printf "%.0f\n", (c > 0) ? rps * d / c : 0}' >>"$tmp/rpc.$v"
      fi
      say "  round $r $v: $rps req/s"
    done
  done
}

iperf_gbps() { # host port
  ip netns exec "$prefix"c timeout $((IPERF_SECS + 30)) iperf3 -c "$1" -p "$2" -t "$IPERF_SECS" -J >"$tmp/iperf.json" 2>&1 ||
    die "iperf3 to $1:$2 failed: $(head -c 500 "$tmp/iperf.json")"
  python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$tmp/iperf.json"
}

run_bulk() {
  local r v g
  declare -gA bulk_port=([direct]=5201 [haproxy-splice]=5202 [shoal]=5203 [shoal-b]=5204)
  declare -gA bulk_host=([direct]=$BACKEND [haproxy-splice]=$PROXY [shoal]=$PROXY [shoal-b]=$PROXY)
  for r in $(seq 1 "$IPERF_RUNS"); do
    for v in direct haproxy-splice shoal ${SHOAL_B:+shoal-b}; do
      g=$(iperf_gbps "${bulk_host[$v]}" "${bulk_port[$v]}")
      echo "$g" >>"$tmp/bulk.$v"
      say "  bulk round $r $v: $g Gbit/s"
    done
  done
}

ratio_line() { # name file-a file-b: median of a/b and the per-round a/b (paired rounds)
  paste "$2" "$3" | awk -v n="$1" '{r[NR] = ($2 > 0) ? $1 / $2 : 0; l = l sprintf("%s%.2f", NR > 1 ? " " : "", r[NR])}
    END {printf "  %s: per round %s\n", n, l}'
}

report() {
  local v direct shoal haproxy
  echo
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
  if ((HTTP)); then
    direct=$(median <"$tmp/rps.direct")
    echo "HTTP: wrk -t2 -c64 -d${DURATION}s, 1 KiB file, median of $RUNS paired rounds"
    printf '%-10s %12s %10s %14s %16s\n' variant "req/s" "x direct" "proxy CPU s" "req/CPU-s"
    for v in "${variants[@]}"; do
      local rps cpu rpc
      rps=$(median <"$tmp/rps.$v")
      cpu=-
      rpc=-
      [[ -f $tmp/cpu.$v ]] && cpu=$(median <"$tmp/cpu.$v") && rpc=$(median <"$tmp/rpc.$v")
      printf '%-10s %12.0f %10.2f %14s %16s\n' "$v" "$rps" "$(awk -v a="$rps" -v b="$direct" 'BEGIN {print a / b}')" "$cpu" "$rpc"
    done
    haproxy=$(median <"$tmp/rps.haproxy")
    for v in shoal ${SHOAL_B:+shoal-b}; do
      shoal=$(median <"$tmp/rps.$v")
      awk -v n="$v" -v s="$shoal" -v h="$haproxy" -v sc="$(median <"$tmp/rpc.$v")" -v hc="$(median <"$tmp/rpc.haproxy")" \
        'BEGIN {printf "%s / HAProxy (medians): requests/s %.2fx, requests per CPU-second %.2fx\n", n, s / h, sc / hc}'
      ratio_line "$v / HAProxy requests/s" "$tmp/rps.$v" "$tmp/rps.haproxy"
      ratio_line "$v / HAProxy requests per CPU-s" "$tmp/rpc.$v" "$tmp/rpc.haproxy"
    done
  fi
  if ((BULK)); then
    echo
    echo "Bulk: iperf3 -t $IPERF_SECS, median of $IPERF_RUNS (Gbit/s received)"
    local bd bh bs
    bd=$(median <"$tmp/bulk.direct")
    bh=$(median <"$tmp/bulk.haproxy-splice")
    printf '%-16s %8.2f\n' direct "$bd" "haproxy-splice" "$bh"
    for v in shoal ${SHOAL_B:+shoal-b}; do
      bs=$(median <"$tmp/bulk.$v")
      printf '%-16s %8.2f\n' "$v" "$bs"
      awk -v n="$v" -v d="$bd" -v h="$bh" -v s="$bs" \
        'BEGIN {printf "%s / HAProxy(splice): %.2fx; HAProxy %.2fx of direct, %s %.2fx of direct\n", n, s / h, h / d, n, s / d}'
      ratio_line "$v / HAProxy(splice)" "$tmp/bulk.$v" "$tmp/bulk.haproxy-splice"
    done
  fi
}

install_missing
build_mesh
setup_namespaces
start_servers
say "namespaces ${prefix}{c,p,b,f} up; HAProxy pid $haproxy_pid, Shoal mesh pid $mesh_pid"
run_http
((BULK)) && run_bulk
report
