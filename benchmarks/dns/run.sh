#!/usr/bin/env bash
# dnsperf against Shoal's DNS server vs unbound serving the same 1,000 names as local-data, and a
# trivial UDP echo server (the client's own ceiling), in the same namespaces in the same run.
#
#   server namespace <p>s: one Shoal server per transport in TRANSPORTS (198.18.254.1:53, :54, ...),
#                           unbound :5353, echo :7777 (all bound at once, measured one after another,
#                           so idle ones cost little)
#   client namespace <p>c: dnsperf from 198.18.254.2, over a veth pair
#
# Two phases per round: throughput (unlimited, DURATION s per target, one target after another, the
# order rotated each round so that a change of the machine's load hits each target alike; with the
# CPU time the server process used per answered query, from /proc) and latency at a fixed offered
# load (RATE qps to every target at once for LAT_DURATION s, each its own dnsperf; every query's
# latency from dnsperf -v, p50/p99 computed here: dnsperf 2.10 prints no percentiles). ROUNDS rounds;
# per round the ratios to unbound, then the median of each figure and of each ratio. Needs root, iproute2, dnsperf, unbound,
# java 17.
#
#   benchmarks/dns/run.sh                                    # 3 rounds, 10 s + 5 s per target
#   ROUNDS=5 DURATION=30 RATE=10000 TRANSPORTS=EPOLL benchmarks/dns/run.sh
set -euo pipefail

DURATION=${DURATION:-10}
LAT_DURATION=${LAT_DURATION:-5}
RATE=${RATE:-5000}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-100}
NAMES=${NAMES:-1000}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-3}
# Shoal servers, one per transport (IO_URING, EPOLL, NIO, or "default": what DnsServer picks).
TRANSPORTS=${TRANSPORTS:-${TRANSPORT:-default IO_URING}}
SHOAL_JAVA_OPTS=${SHOAL_JAVA_OPTS:-}   # extra JVM options for the Shoal server (e.g. a JFR recording)
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
unbound_pid=$!
# targets: "name port pid"; Shoal ones first
targets=()
port=53
for t in $TRANSPORTS; do
    name=shoal-$(echo "$t" | tr 'A-Z' 'a-z')
    opt=()
    [ "$t" = default ] || opt=(--transport "$t")
    # shellcheck disable=SC2086
    java $SHOAL_JAVA_OPTS -cp "$jar" io.shoal.benchmarks.dns.ShoalDnsBenchServer --netns "/run/netns/$srv" \
        --address 198.18.254.1 --port "$port" --services "$NAMES" --threads "$THREADS" "${opt[@]}" \
        > "$work/$name.log" 2>&1 &
    pids+=($!)
    targets+=("$name $port $!")
    port=$((port + 1))
done
java -cp "$jar" io.shoal.benchmarks.dns.ShoalDnsBenchServer --netns "/run/netns/$srv" \
    --address 198.18.254.1 --port 7777 --echo > "$work/echo.log" 2>&1 &
pids+=($!)
targets+=("echo 7777 $!")
# unbound runs under `ip netns exec`, which execs it: the same pid.
targets=("${targets[@]:0:${#targets[@]}-1}" "unbound 5353 $unbound_pid" "${targets[@]: -1}")

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
for t in "${targets[@]}"; do
    read -r name port pid <<< "$t"
    ready "$port" "$name"
done

cpu_ticks() { # pid -> utime + stime of the whole process, in clock ticks
    awk '{print $14 + $15}' "/proc/$1/stat"
}

throughput() { # port pid -> "qps lost cpu_us_per_query"
    local before after
    before=$(cpu_ticks "$2")
    ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$1" -d "$work/names.txt" -l "$DURATION" \
        -c "$CLIENTS" -q "$OUTSTANDING" > "$work/tp-$1.txt" 2>&1
    after=$(cpu_ticks "$2")
    qps=$(awk '/Queries per second/ {printf "%.0f", $4}' "$work/tp-$1.txt")
    lost=$(awk '/Queries lost/ {print $3}' "$work/tp-$1.txt")
    done_=$(awk '/Queries completed/ {print $3}' "$work/tp-$1.txt")
    # CPU time the server process spent per answered query (all its threads, user + system)
    awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v q="$done_" \
        -v a="$qps" -v l="$lost" 'BEGIN {printf "%s %s %.1f\n", a, l, (q > 0 ? t / hz * 1e6 / q : 0)}'
}

latency_load() { # port: RATE qps for LAT_DURATION s, every query's latency kept
    ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$1" -d "$work/names.txt" -l "$LAT_DURATION" \
        -c "$CLIENTS" -Q "$RATE" -v > "$work/lat-$1.txt" 2>&1
}

percentiles() { # port -> "p50_ms p99_ms"
    # -v lines: "> NOERROR web-1 A 0.000123" (latency in seconds, last field)
    awk '/^> / {print $NF}' "$work/lat-$1.txt" | sort -g > "$work/lat-$1.sorted"
    n=$(wc -l < "$work/lat-$1.sorted")
    if [ "$n" -eq 0 ]; then echo "n/a n/a"; return; fi
    p50=$(sed -n "$(( (n * 50 + 99) / 100 ))p" "$work/lat-$1.sorted")
    p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$work/lat-$1.sorted")
    awk -v a="$p50" -v b="$p99" 'BEGIN {printf "%.3f %.3f\n", a * 1000, b * 1000}'
}

echo "dnsperf: $NAMES names, $CLIENTS clients, $OUTSTANDING outstanding, ${DURATION}s each; latency at $RATE qps for ${LAT_DURATION}s; $ROUNDS rounds"
for t in "${targets[@]}"; do
    read -r name port pid <<< "$t"
    case $name in shoal-*) echo "$name: $(grep -m1 ready "$work/$name.log")" ;; esac
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm-up (JIT) for every Shoal server: one pass over the names at a modest rate.
for t in "${targets[@]}"; do
    read -r name port pid <<< "$t"
    case $name in
        shoal-*) ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$port" -d "$work/names.txt" -l 3 -c 2 > /dev/null 2>&1 ;;
    esac
done

n=${#targets[@]}
: > "$work/results.txt"   # "round name tp qps lost cpu" and "round name lat p50 p99"
for ((r = 1; r <= ROUNDS; r++)); do
    for ((k = 0; k < n; k++)); do
        read -r name port pid <<< "${targets[$(( (k + r - 1) % n ))]}"
        read -r qps lost cpu < <(throughput "$port" "$pid")
        echo "$r $name tp $qps $lost $cpu" >> "$work/results.txt"
    done
    # Latency: every target loaded at the same time (one dnsperf each), so a stall of the shared
    # machine lands on all of them alike instead of on whichever was measured then.
    lat_pids=()
    for t in "${targets[@]}"; do
        read -r name port pid <<< "$t"
        latency_load "$port" &
        lat_pids+=($!)
    done
    wait "${lat_pids[@]}"
    for t in "${targets[@]}"; do
        read -r name port pid <<< "$t"
        read -r p50 p99 < <(percentiles "$port")
        echo "$r $name lat $p50 $p99" >> "$work/results.txt"
    done
    echo "round $r done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

# Per round: each target's figures and its ratios to unbound in that round; then medians.
awk -v rounds="$ROUNDS" '
function median(arr, cnt,    i, j, t) {
    for (i = 2; i <= cnt; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
    return cnt % 2 ? arr[(cnt + 1) / 2] : (arr[cnt / 2] + arr[cnt / 2 + 1]) / 2
}
$3 == "tp"  { qps[$1, $2] = $4; lost[$1, $2] = $5; cpu[$1, $2] = $6; if (!($2 in seen)) { seen[$2] = 1; order[++m] = $2 } }
$3 == "lat" { p50[$1, $2] = $4; p99[$1, $2] = $5 }
END {
    printf "%-6s %-15s %9s %7s %8s %8s %8s %9s %9s %9s\n", "round", "target", "qps", "lost", "cpu us/q", "p50 ms", "p99 ms", "qps/unb", "p50/unb", "p99/unb"
    for (r = 1; r <= rounds; r++) for (i = 1; i <= m; i++) {
        t = order[i]
        rq = qps[r, t] / qps[r, "unbound"]
        r50 = (p50[r, "unbound"] > 0 && p50[r, t] != "") ? p50[r, t] / p50[r, "unbound"] : 0
        r99 = (p99[r, "unbound"] > 0 && p99[r, t] != "") ? p99[r, t] / p99[r, "unbound"] : 0
        printf "%-6d %-15s %9d %7d %8.1f %8s %8s %9.2f %9.2f %9.2f\n", r, t, qps[r, t], lost[r, t], cpu[r, t], p50[r, t], p99[r, t], rq, r50, r99
        ac[t, r] = cpu[r, t]; aq[t, r] = qps[r, t]; a50[t, r] = p50[r, t]; a99[t, r] = p99[r, t]; arq[t, r] = rq; ar50[t, r] = r50; ar99[t, r] = r99
    }
    printf "median of %d rounds:\n", rounds
    printf "%-15s %9s %8s %8s %8s %9s %9s %9s\n", "target", "qps", "cpu us/q", "p50 ms", "p99 ms", "qps/unb", "p50/unb", "p99/unb"
    for (i = 1; i <= m; i++) {
        t = order[i]
        for (r = 1; r <= rounds; r++) { x0[r] = ac[t, r]; x1[r] = aq[t, r]; x2[r] = a50[t, r]; x3[r] = a99[t, r]; x4[r] = arq[t, r]; x5[r] = ar50[t, r]; x6[r] = ar99[t, r] }
        printf "%-15s %9d %8.1f %8.3f %8.3f %9.2f %9.2f %9.2f\n", t, median(x1, rounds), median(x0, rounds), median(x2, rounds), median(x3, rounds), median(x4, rounds), median(x5, rounds), median(x6, rounds)
    }
}' "$work/results.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
