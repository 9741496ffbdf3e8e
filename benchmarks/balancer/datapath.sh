#!/usr/bin/env bash
# Data path through a Shoal VIP (nftables backend) vs directly to the backend, same run:
#   client namespace <p>c (198.18.50.1) --veth-- server namespace <p>s (nginx on 198.18.50.11-13:8080)
#   Shoal programs VIP 100.64.0.10:80 in <p>c (NftProgram), first with backend .11 alone, then round
#   robin over .11-.13. wrk runs in <p>c. With one backend, every round runs four variants, in an
#   order that rotates from round to round:
#     direct  wrk to .11:8080 with Shoal's table loaded (conntrack on, as in a container namespace)
#     shoal   wrk to the VIP through Shoal's ruleset
#     hand    wrk to the VIP through one hand-written DNAT rule (table ip hand, nat output)
#     bare    wrk to .11:8080 with no ruleset at all (no conntrack)
#   so shoal/hand is Shoal's layout cost, hand/direct the NAT cost, direct/bare the conntrack cost.
#   Rulesets are swapped with nft between runs (Shoal's as listed back from the kernel).
#   Before the rounds, one keep-alive connection with 10 requests is traced (nft monitor trace) and
#   the rule evaluations in Shoal's chains are counted.
# Usage: sudo benchmarks/balancer/datapath.sh
#   knobs: DURATION=5 ROUNDS=2 CONNECTIONS=32 THREADS=1 TRACE=1 VARIANTS="direct shoal hand bare"
#   (add "nodrain": Shoal's table without its drain-timeout chains). On a busy machine many short
#   rounds (ROUNDS=25 DURATION=1) beat a few long ones: the load changes within seconds.
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

rps() { # requests/s of one wrk run; errors and non-2xx answers are reported, never counted silently
  ip netns exec "${P}c" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "$1" > "$TMP/wrk.out"
  if grep -q 'Non-2xx\|Socket errors' "$TMP/wrk.out"; then echo "wrk $1: $(grep 'Non-2xx\|Socket errors' "$TMP/wrk.out")" >&2; fi
  awk '/Requests\/sec/ {print $2}' "$TMP/wrk.out"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

echo "load at start: $(cut -d" " -f1-3 /proc/loadavg)"
program 198.18.50.11:8080
ip netns exec "${P}c" curl -s --max-time 2 http://100.64.0.10/ | grep -q ok || { echo "VIP does not answer"; exit 1; }
# Shoal's ruleset as the kernel holds it, to swap back in with nft (no JVM start between runs).
{ echo "add table inet shoal"; echo "delete table inet shoal"; ip netns exec "${P}c" nft list table inet shoal; } > "$TMP/shoal.nft"
# Which rules each packet walks: trace one keep-alive connection carrying 10 requests through the
# VIP and count the trace events per chain (a NEW packet walks the NAT chains; later packets of the
# flow should see only the filter chains, since NAT hooks run for a connection's first packet only).
trace_vip() {
  ip netns exec "${P}c" nft -f - <<NFT
table inet bdtrace {
  chain out { type filter hook output priority -400; policy accept; ip daddr { 100.64.0.10, 198.18.50.11 } meta nftrace set 1; }
  chain in { type filter hook prerouting priority -400; policy accept; ip saddr 198.18.50.11 meta nftrace set 1; }
}
NFT
  ip netns exec "${P}c" nft monitor trace > "$TMP/trace" &
  local mon=$!
  sleep 0.5
  local urls=()
  for _ in $(seq 10); do urls+=("http://100.64.0.10/"); done
  ip netns exec "${P}c" curl -s "${urls[@]}" > /dev/null
  sleep 0.5
  kill "$mon"; wait "$mon" 2>/dev/null || true
  ip netns exec "${P}c" nft delete table inet bdtrace
  echo "trace of 1 connection, 10 requests through the VIP: $(grep -c 'bdtrace out policy' "$TMP/trace") packets out, $(grep -c 'bdtrace in policy' "$TMP/trace") in; trace events in Shoal's chains (rules that matched, chain ends):"
  { grep 'inet shoal' "$TMP/trace" | grep -v 'packet:' || true; } | sed -E 's/^trace id [0-9a-f]+ inet shoal ([^ ]+) (rule|policy|verdict).*/\1 \2/' | sort | uniq -c | sed 's/^/  /'
}
[ "${TRACE:-1}" = 1 ] && trace_vip
# The smallest DNAT that does the same job: one rule in a NAT output chain, nothing else.
cat > "$TMP/hand.nft" <<NFT
table ip hand {
  chain out { type nat hook output priority -100; policy accept; ip daddr 100.64.0.10 tcp dport 80 dnat to 198.18.50.11:8080; }
}
NFT
only() { # only shoal | only hand | only none: which ruleset the client namespace holds
  ip netns exec "${P}c" nft flush ruleset
  case $1 in
    shoal) ip netns exec "${P}c" nft -f "$TMP/shoal.nft" ;;
    hand) ip netns exec "${P}c" nft -f "$TMP/hand.nft" ;;
    nodrain) # Shoal's table without the drain-timeout filter chains (diagnostic only)
      ip netns exec "${P}c" nft -f "$TMP/shoal.nft"
      ip netns exec "${P}c" nft delete chain inet shoal drain_output
      ip netns exec "${P}c" nft delete chain inet shoal drain_forward ;;
  esac
}
# Every variant runs once per round, in an order that rotates from round to round, so neither a
# slow spell of the machine nor going first favours one of them. "direct" runs with Shoal's table
# loaded (conntrack on in the namespace, as it is for a container); "bare" with no ruleset at all.
# VARIANTS="direct shoal hand bare nodrain" adds Shoal's table without its drain chains.
read -r -a VARIANTS <<< "${VARIANTS:-direct shoal hand bare}"
declare -A RES
run_variant() {
  case $1 in
    direct) only shoal; rps http://198.18.50.11:8080/ ;;
    shoal) only shoal; rps http://100.64.0.10/ ;;
    hand) only hand; rps http://100.64.0.10/ ;;
    bare) only none; rps http://198.18.50.11:8080/ ;;
    nodrain) only nodrain; rps http://100.64.0.10/ ;;
  esac
}
for r in $(seq "$ROUNDS"); do
  line="round $r, one backend:"
  for i in $(seq 0 $((${#VARIANTS[@]} - 1))); do
    v=${VARIANTS[$(((i + r) % ${#VARIANTS[@]}))]}
    RES[$v,$r]=$(run_variant "$v")
    line="$line $v ${RES[$v,$r]}"
  done
  echo "$line; shoal/direct $(ratio "${RES[shoal,$r]}" "${RES[direct,$r]}"), hand/direct $(ratio "${RES[hand,$r]}" "${RES[direct,$r]}"), shoal/hand $(ratio "${RES[shoal,$r]}" "${RES[hand,$r]}"), direct/bare $(ratio "${RES[direct,$r]}" "${RES[bare,$r]}")"
done
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ratios() { for r in $(seq "$ROUNDS"); do ratio "${RES[$1,$r]}" "${RES[$2,$r]}"; echo; done; }
echo "medians over $ROUNDS rounds (per-round ratios): shoal/direct $(median $(ratios shoal direct)), hand/direct $(median $(ratios hand direct)), shoal/hand $(median $(ratios shoal hand)), direct/bare $(median $(ratios direct bare))"
if [[ " ${VARIANTS[*]} " == *" nodrain "* ]]; then echo "  nodrain/hand $(median $(ratios nodrain hand)), shoal/nodrain $(median $(ratios shoal nodrain))"; fi
only shoal
program 198.18.50.11:8080 198.18.50.12:8080 198.18.50.13:8080
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then d=$(rps http://198.18.50.11:8080/); v=$(rps http://100.64.0.10/); else v=$(rps http://100.64.0.10/); d=$(rps http://198.18.50.11:8080/); fi
  RES[d3,$r]=$d; RES[v3,$r]=$v
  echo "round $r, three backends (round robin): direct $d req/s, via VIP $v req/s, ratio $(ratio "$v" "$d")"
done
echo "median three backends/direct $(median $(ratios v3 d3))"
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
