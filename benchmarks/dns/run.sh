#!/usr/bin/env bash
# dnsperf against Shoal's DNS server vs unbound serving the same 1,000 names as local-data, and a
# trivial UDP echo server (the client's own ceiling), in the same namespaces in the same run.
#
#   server namespace <p>s: Shoal 198.18.254.1:53, unbound :5353, echo :7777 (all bound at once,
#                           measured one after another, so idle ones cost nothing)
#   client namespace <p>c: dnsperf from 198.18.254.2, over a veth pair
#
# Two phases per target: throughput (unlimited, DURATION s) and latency at a fixed offered load
# (RATE qps, LAT_DURATION s, every query's latency from dnsperf -v, p50/p99 computed here: dnsperf
# 2.10 prints no percentiles). Needs root, iproute2, dnsperf, unbound, java 17.
#
#   benchmarks/dns/run.sh                 # 10 s each
#   DURATION=30 CLIENTS=4 RATE=10000 benchmarks/dns/run.sh
set -euo pipefail

DURATION=${DURATION:-10}
LAT_DURATION=${LAT_DURATION:-5}
RATE=${RATE:-5000}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-100}
NAMES=${NAMES:-1000}
THREADS=${THREADS:-1}
TRANSPORT=${TRANSPORT:-}   # IO_URING, EPOLL or NIO; empty: Shoal probes (io_uring first)
root=$(cd "$(dirname "$0")/../.." && pwd)
jar=$root/benchmarks/target/benchmarks.jar

[ "$(id -u)" = 0 ] || { echo "run as root (namespaces)" >&2; exit 1; }
for tool in ip dnsperf unbound java; do
    command -v $tool >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
if [ ! -f "$jar" ]; then
    (cd "$root" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi

p=bd$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
srv=${p}s
cli=${p}c
work=$(mktemp -d /tmp/shoal-dnsbench-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$srv" 2>/dev/null || true
    ip netns del "$cli" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

ip netns add "$srv"
ip netns add "$cli"
# Both ends created directly in their namespaces: the root namespace is never touched.
ip link add "${p}a" netns "$srv" type veth peer name "${p}b" netns "$cli"
ip -n "$srv" link set lo up
ip -n "$cli" link set lo up
ip -n "$srv" addr add 198.18.254.1/24 dev "${p}a"
ip -n "$cli" addr add 198.18.254.2/24 dev "${p}b"
ip -n "$srv" link set "${p}a" up
ip -n "$cli" link set "${p}b" up

# The same names for everyone: web-0 .. web-999, A.
for ((i = 0; i < NAMES; i++)); do echo "web-$i A"; done > "$work/names.txt"

# unbound: the same names and VIPs as Shoal's BenchTable (100.64.(i/250).(i%250+1)), TTL 5.
{
    echo "server:"
    echo "  interface: 198.18.254.1"
    echo "  port: 5353"
    echo "  do-daemonize: no"
    echo "  username: \"\""
    echo "  chroot: \"\""
    echo "  directory: \"$work\""
    echo "  pidfile: \"\""
    echo "  use-syslog: no"
    echo "  logfile: \"\""
    echo "  verbosity: 0"
    echo "  do-ip6: no"
    echo "  num-threads: $THREADS"
    echo "  access-control: 198.18.0.0/16 allow"
    echo "  module-config: \"iterator\""
    echo "  local-zone: \".\" static"
    for ((i = 0; i < NAMES; i++)); do
        echo "  local-data: \"web-$i. 5 IN A 100.64.$((i / 250)).$((i % 250 + 1))\""
    done
    echo "remote-control:"
    echo "  control-enable: no"
} > "$work/unbound.conf"

ip netns exec "$srv" unbound -d -c "$work/unbound.conf" > "$work/unbound.log" 2>&1 &
pids+=($!)
java -cp "$jar" io.shoal.benchmarks.dns.ShoalDnsBenchServer --netns "/run/netns/$srv" \
    --address 198.18.254.1 --port 53 --services "$NAMES" --threads "$THREADS" \
    ${TRANSPORT:+--transport "$TRANSPORT"} > "$work/shoal.log" 2>&1 &
pids+=($!)
java -cp "$jar" io.shoal.benchmarks.dns.ShoalDnsBenchServer --netns "/run/netns/$srv" \
    --address 198.18.254.1 --port 7777 --echo > "$work/echo.log" 2>&1 &
pids+=($!)

ready() { # port name
    for _ in $(seq 1 300); do
        if ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$1" -d "$work/names.txt" -n 1 -t 1 2>/dev/null \
            | grep -q "Queries completed: *$NAMES "; then
            return 0
        fi
        sleep 0.2
    done
    echo "$2 did not answer all $NAMES names on port $1" >&2
    cat "$work"/*.log >&2
    exit 1
}
ready 53 shoal
ready 5353 unbound
ready 7777 echo

throughput() { # port -> "qps lost"
    ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$1" -d "$work/names.txt" -l "$DURATION" \
        -c "$CLIENTS" -q "$OUTSTANDING" > "$work/tp-$1.txt" 2>&1
    qps=$(awk '/Queries per second/ {print $4}' "$work/tp-$1.txt")
    lost=$(awk '/Queries lost/ {print $3}' "$work/tp-$1.txt")
    echo "$qps $lost"
}

latency() { # port -> "p50_ms p99_ms"
    ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$1" -d "$work/names.txt" -l "$LAT_DURATION" \
        -c "$CLIENTS" -Q "$RATE" -v > "$work/lat-$1.txt" 2>&1
    # -v lines: "> NOERROR web-1 A 0.000123" (latency in seconds, last field)
    awk '/^> / {print $NF}' "$work/lat-$1.txt" | sort -g > "$work/lat-$1.sorted"
    n=$(wc -l < "$work/lat-$1.sorted")
    if [ "$n" -eq 0 ]; then echo "n/a n/a"; return; fi
    p50=$(sed -n "$(( (n * 50 + 99) / 100 ))p" "$work/lat-$1.sorted")
    p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$work/lat-$1.sorted")
    awk -v a="$p50" -v b="$p99" 'BEGIN {printf "%.3f %.3f\n", a * 1000, b * 1000}'
}

echo "dnsperf: $NAMES names, $CLIENTS clients, $OUTSTANDING outstanding, ${DURATION}s each; latency at $RATE qps for ${LAT_DURATION}s"
echo "shoal: $(grep -m1 ready "$work/shoal.log")"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm-up (JIT) for Shoal: one pass over the names at a modest rate.
ip netns exec "$cli" dnsperf -s 198.18.254.1 -p 53 -d "$work/names.txt" -l 3 -c 2 > /dev/null 2>&1

read -r shoal_qps shoal_lost < <(throughput 53)
read -r unbound_qps unbound_lost < <(throughput 5353)
read -r echo_qps echo_lost < <(throughput 7777)
read -r shoal_p50 shoal_p99 < <(latency 53)
read -r unbound_p50 unbound_p99 < <(latency 5353)

printf "%-8s %12s %8s %10s %10s\n" target qps lost "p50 ms" "p99 ms"
printf "%-8s %12s %8s %10s %10s\n" shoal "$shoal_qps" "$shoal_lost" "$shoal_p50" "$shoal_p99"
printf "%-8s %12s %8s %10s %10s\n" unbound "$unbound_qps" "$unbound_lost" "$unbound_p50" "$unbound_p99"
printf "%-8s %12s %8s %10s %10s\n" echo "$echo_qps" "$echo_lost" "-" "-"
awk -v s="$shoal_qps" -v u="$unbound_qps" -v e="$echo_qps" 'BEGIN {
    printf "shoal/unbound qps: %.2f   shoal/echo qps: %.2f   unbound/echo qps: %.2f\n", s / u, s / e, u / e }'
awk -v s="$shoal_p99" -v u="$unbound_p99" 'BEGIN { if (u > 0) printf "shoal/unbound p99: %.2f\n", s / u }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
