#!/usr/bin/env bash
# The routing mesh against its peers, in one run, in the same namespaces, to the same nginx backend:
#
#   client ns  198.18.1.1  --wrk/iperf3-->  proxy ns 198.18.0.1  -->  backend ns 198.18.0.11
#                                           :8080 Shoal (MeshNode)      nginx :80 (a 1 KiB file)
#                                           :8081 HAProxy mode tcp      iperf3 -s :5201
#                                           :8082 nftables DNAT
#                                           :5202 HAProxy splice-auto -> :5201
#                                           :5203 Shoal               -> :5201
#
# HTTP: wrk -t2 -c64 for DURATION s, RUNS rounds; each round runs every variant once, in turn
# (paired runs on a shared machine), and the median per variant is reported, with the proxy
# process's CPU seconds (utime+stime from /proc/<pid>/stat, before/after) and requests per CPU
# second. Bulk: iperf3 for IPERF_SECS s, median of IPERF_RUNS, direct / HAProxy splice / Shoal.
#
# Environment: DURATION (10), RUNS (3), WARMUP (5 s per proxy before the rounds), IPERF_SECS (10),
# IPERF_RUNS (1), SHOAL_THREADS (2), HAPROXY_THREADS (2), JAVA (java), SKIP_BUILD (unset).
# Needs root. Installs nginx, haproxy, wrk, iperf3, nftables if missing. Everything it makes
# carries a random prefix and is removed on exit (trap), even after a failure or Ctrl-C.
set -euo pipefail

DURATION=${DURATION:-10}
RUNS=${RUNS:-3}
WARMUP=${WARMUP:-5}
IPERF_SECS=${IPERF_SECS:-10}
IPERF_RUNS=${IPERF_RUNS:-1}
SHOAL_THREADS=${SHOAL_THREADS:-2}
HAPROXY_THREADS=${HAPROXY_THREADS:-2}
JAVA=${JAVA:-java}

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
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  # Whatever is still inside our namespaces (nginx workers) was started by this run.
  for ns in "${namespaces[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
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
  mesh_cp="$root/ingress-proxy/target/test-classes:$root/ingress-proxy/target/classes:$(cat "$cpfile")"
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
  ip netns exec "$prefix"p "$JAVA" -Xms256m -Xmx256m ${SHOAL_JAVA_OPTS:-} -cp "$mesh_cp" \
    io.shoal.ingress.netns.MeshNode $PROXY "$SHOAL_THREADS" $BACKEND tcp:8080:80:none tcp:5203:5201:none \
    <"$tmp/mesh.in" >"$tmp/mesh.log" 2>&1 &
  mesh_pid=$!
  pids+=("$mesh_pid")
  local i
  for i in $(seq 1 300); do grep -q '^READY' "$tmp/mesh.log" && break; sleep 0.2; done
  grep -q '^READY' "$tmp/mesh.log" || die "the mesh did not start: $(cat "$tmp/mesh.log")"
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

declare -A port=([direct]=80 [nft-dnat]=8082 [haproxy]=8081 [shoal]=8080)
declare -A host=([direct]=$BACKEND [nft-dnat]=$PROXY [haproxy]=$PROXY [shoal]=$PROXY)
declare -A pidof_variant=()
variants=(direct nft-dnat haproxy shoal)

run_http() {
  pidof_variant=([haproxy]=$haproxy_pid [shoal]=$mesh_pid)
  say "warm-up: ${WARMUP}s through each proxy (JIT, connection pools)"
  wrk_rps $PROXY 8080 "$WARMUP" >/dev/null
  wrk_rps $PROXY 8081 "$WARMUP" >/dev/null
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
  declare -gA bulk_port=([direct]=5201 [haproxy-splice]=5202 [shoal]=5203)
  declare -gA bulk_host=([direct]=$BACKEND [haproxy-splice]=$PROXY [shoal]=$PROXY)
  for r in $(seq 1 "$IPERF_RUNS"); do
    for v in direct haproxy-splice shoal; do
      g=$(iperf_gbps "${bulk_host[$v]}" "${bulk_port[$v]}")
      echo "$g" >>"$tmp/bulk.$v"
      say "  bulk round $r $v: $g Gbit/s"
    done
  done
}

report() {
  local v direct shoal haproxy
  direct=$(median <"$tmp/rps.direct")
  echo
  echo "HTTP: wrk -t2 -c64 -d${DURATION}s, 1 KiB file, median of $RUNS paired rounds ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '%-10s %12s %10s %14s %16s\n' variant "req/s" "x direct" "proxy CPU s" "req/CPU-s"
  for v in "${variants[@]}"; do
    local rps cpu rpc
    rps=$(median <"$tmp/rps.$v")
    cpu=-
    rpc=-
    [[ -f $tmp/cpu.$v ]] && cpu=$(median <"$tmp/cpu.$v") && rpc=$(median <"$tmp/rpc.$v")
    printf '%-10s %12.0f %10.2f %14s %16s\n' "$v" "$rps" "$(awk -v a="$rps" -v b="$direct" 'BEGIN {print a / b}')" "$cpu" "$rpc"
  done
  shoal=$(median <"$tmp/rps.shoal")
  haproxy=$(median <"$tmp/rps.haproxy")
  awk -v s="$shoal" -v h="$haproxy" -v sc="$(median <"$tmp/rpc.shoal")" -v hc="$(median <"$tmp/rpc.haproxy")" \
    'BEGIN {printf "Shoal / HAProxy: requests/s %.2fx, requests per CPU-second %.2fx\n", s / h, sc / hc}'
  echo
  echo "Bulk: iperf3 -t $IPERF_SECS, median of $IPERF_RUNS (Gbit/s received)"
  local bd bh bs
  bd=$(median <"$tmp/bulk.direct")
  bh=$(median <"$tmp/bulk.haproxy-splice")
  bs=$(median <"$tmp/bulk.shoal")
  printf '%-16s %8.2f\n' direct "$bd" "haproxy-splice" "$bh" shoal "$bs"
  awk -v d="$bd" -v h="$bh" -v s="$bs" \
    'BEGIN {printf "Shoal / HAProxy(splice): %.2fx; HAProxy %.2fx of direct, Shoal %.2fx of direct\n", s / h, h / d, s / d}'
}

install_missing
build_mesh
setup_namespaces
start_servers
say "namespaces ${prefix}{c,p,b,f} up; HAProxy pid $haproxy_pid, Shoal mesh pid $mesh_pid"
run_http
run_bulk
report
