#!/usr/bin/env bash
# Data path through a Shoal VIP (nftables backend) vs directly to the backend, same run:
#   client namespace <p>c (198.18.50.1) --veth-- server namespace <p>s (nginx on 198.18.50.11-13:8080)
#   Shoal programs VIP 100.64.0.10:80 in <p>c (NftProgram), first with backend .11 alone (the DNAT
#   cost on its own), then round robin over .11-.13. wrk runs in <p>c; direct and VIP runs alternate.
# Usage: sudo benchmarks/balancer/datapath.sh   (knobs: DURATION=5 ROUNDS=2 CONNECTIONS=32 THREADS=1)
# Everything it makes (two namespaces, nginx, a temp dir) is removed on exit, also on Ctrl-C.
set -euo pipefail
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=bd$(head -c2 /dev/urandom | od -An -tx1 | tr -d ' \n')
TMP=$(mktemp -d)
NGINX_PID=
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  ip netns del "${P}c" 2>/dev/null || true
  ip netns del "${P}s" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ip netns add "${P}c"
ip netns add "${P}s"
ip link add name "${P}c0" netns "${P}c" type veth peer name "${P}s0" netns "${P}s"
ip -n "${P}c" addr add 198.18.50.1/24 dev "${P}c0"
ip -n "${P}s" addr add 198.18.50.11/24 dev "${P}s0"
ip -n "${P}s" addr add 198.18.50.12/24 dev "${P}s0"
ip -n "${P}s" addr add 198.18.50.13/24 dev "${P}s0"
for n in c s; do ip -n "${P}$n" link set lo up; ip -n "${P}$n" link set "${P}${n}0" up; done
# The VIP range must be routable for connect() to get as far as the NAT output hook.
ip -n "${P}c" route add 100.64.0.0/10 dev "${P}c0"

cat > "$TMP/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/nginx.pid;
error_log /dev/null;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 198.18.50.11:8080; listen 198.18.50.12:8080; listen 198.18.50.13:8080;
    location / { return 200 "ok\n"; }
  }
}
CONF
ip netns exec "${P}s" nginx -c "$TMP/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
for _ in $(seq 50); do ip netns exec "${P}c" curl -s -o /dev/null http://198.18.50.11:8080/ && break; sleep 0.1; done

# This checkout's jars first: the dependency class path may hold an older shoal-netlink from ~/.m2.
(cd "$ROOT" && mvn -B -q -o -pl ipvs-bridge -am package -DskipTests)
JAR="$ROOT/ipvs-bridge/target/shoal-ipvs-bridge-0.1.0.jar:$ROOT/netlink/target/shoal-netlink-0.1.0.jar"
(cd "$ROOT" && mvn -B -q -o -pl ipvs-bridge dependency:build-classpath -Dmdep.outputFile="$TMP/cp" >/dev/null)
program() { java -cp "$JAR:$(cat "$TMP/cp")" io.shoal.balancer.nftables.NftProgram "${P}c" 100.64.0.10 80 "$@" | grep -v DEBUG; }

rps() { ip netns exec "${P}c" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

program 198.18.50.11:8080
ip netns exec "${P}c" curl -s --max-time 2 http://100.64.0.10/ | grep -q ok || { echo "VIP does not answer"; exit 1; }
for r in $(seq "$ROUNDS"); do
  d=$(rps http://198.18.50.11:8080/)
  v=$(rps http://100.64.0.10/)
  echo "round $r, one backend: direct $d req/s, via VIP $v req/s, ratio $(ratio "$v" "$d")"
done
program 198.18.50.11:8080 198.18.50.12:8080 198.18.50.13:8080
for r in $(seq "$ROUNDS"); do
  d=$(rps http://198.18.50.11:8080/)
  v=$(rps http://100.64.0.10/)
  echo "round $r, three backends (round robin): direct $d req/s, via VIP $v req/s, ratio $(ratio "$v" "$d")"
done
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
