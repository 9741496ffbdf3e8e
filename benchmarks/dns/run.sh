#!/usr/bin/env bash
# dnsperf against Shoal's DNS server vs unbound serving the same 1,000 names as local-data, and a
# trivial UDP echo server (the client's own ceiling), in the same namespaces in the same run.
#
#   server namespace <p>s: one Shoal server per entry of TRANSPORTS (198.18.254.1:53, :54, ...),
#                           optionally a second Shoal build "shoal-b" (SHOAL_B_JAR), unbound :5353,
#                           echo :7777 (all bound at once, measured one at a time: idle ones cost
#                           little)
#   client namespace <p>c: dnsperf from 198.18.254.2, over a veth pair
#
# Paired, interleaved rounds: in every round each target is measured alone, one after another, in
# an order that is reversed every other round (S U E, E U S, S U E ...), so that Shoal and unbound
# always run next to each other and a change of the shared machine's load hits both alike. Per
# round two phases per target:
#   max rate  dnsperf -c CLIENTS -q OUTSTANDING for DURATION s: queries/s, lost, the server's CPU
#             time per answered query (utime + stime of all its threads, /proc/<pid>/stat) and its
#             run-queue wait per query (time its threads were runnable but not running,
#             /proc/<pid>/task/*/schedstat: the machine's scheduling delay); p50/p99 of every
#             query's latency (dnsperf -v) when MAX_LATENCY=1 (default)
#   fixed     dnsperf -Q RATE for LAT_DURATION s: p50, p99, p99.9 of every query's latency (dnsperf
#             -v; dnsperf 2.10 prints no percentiles), lost, run-queue wait per query
# For the Shoal servers also: JVM safepoints (GC pauses included) and JIT compilations that fell in
# each phase, from -Xlog:safepoint,gc,jit+compilation=debug with wall-clock stamps. For every
# measurement: the machine's busy CPU % (from /proc/stat, all processes) and the 1-min load
# average. Then, per target, the median and the spread (min-max) over the rounds of each figure and
# of each per-round ratio to unbound (ratios of the same round: paired).
#
# Needs root, iproute2, dnsperf, unbound, java 17.
#
#   benchmarks/dns/run.sh                                    # 5 rounds, 10 s + 10 s per target
#   ROUNDS=9 DURATION=5 LAT_DURATION=10 RATE=5000 benchmarks/dns/run.sh
#   SHOAL_B_JAR=/tmp/old-benchmarks.jar benchmarks/dns/run.sh   # before/after in one run
set -euo pipefail

DURATION=${DURATION:-10}
LAT_DURATION=${LAT_DURATION:-10}
RATE=${RATE:-5000}
CLIENTS=${CLIENTS:-4}
OUTSTANDING=${OUTSTANDING:-100}
NAMES=${NAMES:-1000}
THREADS=${THREADS:-1}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-10}          # s of max-rate, then s of fixed-rate load per Shoal server before the rounds (JIT)
SLICE=${SLICE:-2}             # s per dnsperf run: the targets take turns slice by slice
MAX_LATENCY=${MAX_LATENCY:-1} # keep every query's latency in the max-rate phase too
ECHO=${ECHO:-1}
# Shoal servers, one per transport (IO_URING, EPOLL, NIO, or "default": what DnsServer picks).
TRANSPORTS=${TRANSPORTS:-${TRANSPORT:-default}}
# JVM options of the Shoal servers: the agent's heap settings (testbed/cluster.sh) unless told.
SHOAL_JAVA_OPTS=${SHOAL_JAVA_OPTS:--XX:+UseSerialGC -Xms64m -Xmx256m}
SHOAL_B_JAR=${SHOAL_B_JAR:-}              # a second build (e.g. main's jar) as target "shoal-b"; SHOAL_B=1: this build
SHOAL_B_JAVA_OPTS=${SHOAL_B_JAVA_OPTS:-$SHOAL_JAVA_OPTS}
SHOAL_B_TRANSPORT=${SHOAL_B_TRANSPORT:-default}
SHOAL_ARGS=${SHOAL_ARGS:-}                # extra ShoalDnsBenchServer arguments, e.g. "--udp TRANSPORT"
SHOAL_B_ARGS=${SHOAL_B_ARGS:-}
KEEP=${KEEP:-}                            # a directory to copy the raw results and JVM logs to
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
    if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cp -r "$work"/. "$KEEP"/ 2>/dev/null || true; fi
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

start_shoal() { # name port jar transport "server args" opts...
    local name=$1 port=$2 cp=$3 t=$4 extra=$5
    shift 5
    local opt=()
    [ "$t" = default ] || opt=(--transport "$t")
    # shellcheck disable=SC2206
    opt+=($extra)
    # shellcheck disable=SC2068
    java $@ "-Xlog:safepoint=info,gc=info,jit+compilation=debug:file=$work/$name.jvm.log:tm,tags" \
        -cp "$cp" io.shoal.benchmarks.dns.ShoalDnsBenchServer --netns "/run/netns/$srv" \
        --address 198.18.254.1 --port "$port" --services "$NAMES" --threads "$THREADS" "${opt[@]}" \
        > "$work/$name.log" 2>&1 &
    pids+=($!)
    targets+=("$name $port $!")
}
# targets: "name port pid"; Shoal ones first, then unbound, then echo
targets=()
port=53
for t in $TRANSPORTS; do
    name=shoal
    [ "$(echo "$TRANSPORTS" | wc -w)" = 1 ] || name=shoal-$(echo "$t" | tr 'A-Z' 'a-z')
    # shellcheck disable=SC2086
    start_shoal "$name" "$port" "$jar" "$t" "$SHOAL_ARGS" $SHOAL_JAVA_OPTS
    port=$((port + 1))
done
[ "${SHOAL_B:-}" = 1 ] && [ -z "$SHOAL_B_JAR" ] && SHOAL_B_JAR=$jar
if [ -n "$SHOAL_B_JAR" ]; then
    # shellcheck disable=SC2086
    start_shoal shoal-b "$port" "$SHOAL_B_JAR" "$SHOAL_B_TRANSPORT" "$SHOAL_B_ARGS" $SHOAL_B_JAVA_OPTS
fi
targets+=("unbound 5353 $unbound_pid") # `ip netns exec` execs unbound: the same pid
if [ "$ECHO" = 1 ]; then
    java -cp "$jar" io.shoal.benchmarks.dns.ShoalDnsBenchServer --netns "/run/netns/$srv" \
        --address 198.18.254.1 --port 7777 --echo > "$work/echo.log" 2>&1 &
    pids+=($!)
    targets+=("echo 7777 $!")
fi

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

sched_ns() { # pid -> "tid:run_ns:runq_ns ...": per thread, the time it ran, and was runnable but waited for a CPU
    local f
    for f in /proc/"$1"/task/*/schedstat; do
        [ -r "$f" ] && { read -r a b _ < "$f" 2>/dev/null && echo -n "$(basename "$(dirname "$f")"):$a:$b "; }
    done
}
rcvbuf_errors() { # UDP datagrams dropped for a full receive buffer: server namespace + client namespace
    local a b
    a=$(ip netns exec "$srv" awk '/^Udp: [0-9]/ {print $6}' /proc/net/snmp)
    b=$(ip netns exec "$cli" awk '/^Udp: [0-9]/ {print $6}' /proc/net/snmp)
    echo $((a + b))
}
machine_busy() { # -> "busy_jiffies total_jiffies" of the whole machine
    awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t}' /proc/stat
}
now_ms() { date +%s%3N; }

jvm_events() { # name from_ms to_ms -> "safepoints total_ms max_ms compilations" (Shoal only)
    local log=$work/$1.jvm.log
    if [ ! -f "$log" ]; then echo "- - - -"; return; fi
    awk -v a="$2" -v b="$3" '
        { t = substr($1, 2) + 0 }
        t < a || t > b { next }
        /\[safepoint *\]/ && /Total: / {
            for (i = 1; i <= NF; i++) if ($i == "Total:") { v = $(i + 1) / 1e6 }
            n++; s += v; if (v > m) m = v
        }
        /\[jit,compilation *\]/ { c++ }
        END { printf "%d %.2f %.2f %d\n", n, s, m, c }' "$log"
}

percentiles() { # file of latencies in seconds, one a line -> "p50_ms p99_ms p999_ms"
    sort -g "$1" > "$1.sorted"
    local n
    n=$(wc -l < "$1.sorted")
    if [ "$n" -eq 0 ]; then echo "0 0 0"; return; fi
    awk -v n="$n" '
        BEGIN { i50 = int((n * 50 + 99) / 100); i99 = int((n * 99 + 99) / 100); i999 = int((n * 999 + 999) / 1000) }
        NR == i50 { a = $1 } NR == i99 { b = $1 } NR == i999 { c = $1 }
        END { printf "%.3f %.3f %.3f\n", a * 1000, b * 1000, c * 1000 }' "$1.sorted"
    rm -f "$1.sorted"
}

# slice phase name port pid seconds: one dnsperf run against one target; its latencies (-v) are
# appended to lat-<phase>-<name>, one line to slices.txt: "phase name completed runtime_s lost run_ns
# runq_ns busy_jiffies total_jiffies drops safepoints sp_ms sp_max_ms compilations"
slice() {
    local phase=$1 name=$2 port=$3 pid=$4 secs=$5 out=$work/slice.txt
    local args=(-c "$CLIENTS" -l "$secs")
    if [ "$phase" = max ]; then
        args+=(-q "$OUTSTANDING")
        [ "$MAX_LATENCY" = 1 ] && args+=(-v)
    else
        args+=(-Q "$RATE" -v)
    fi
    local s0 d0 m0 t0 s1 d1 m1 t1
    s0=$(sched_ns "$pid"); d0=$(rcvbuf_errors); m0=$(machine_busy); t0=$(now_ms)
    ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$port" -d "$work/names.txt" "${args[@]}" > "$out" 2>&1
    s1=$(sched_ns "$pid"); d1=$(rcvbuf_errors); m1=$(machine_busy); t1=$(now_ms)
    awk '/^> / {print $NF}' "$out" >> "$work/lat-$phase-$name"
    echo "$phase $name $t0 $t1" >> "$work/phases.txt"
    awk -v s0="$s0" -v s1="$s1" -v m0="$m0" -v m1="$m1" -v drops=$((d1 - d0)) -v jvm="$(jvm_events "$name" "$t0" "$t1")" \
        -v phase="$phase" -v name="$name" '
        /Queries completed/ { done_ = $3 } /Queries lost/ { lost = $3 } /Run time \(s\)/ { rt = $4 }
        END {
            # CPU: all threads of the server; run-queue wait: of its busiest thread (the one serving),
            # so that a JIT or GC thread waiting for a CPU does not count as query latency
            n0 = split(s0, a0, " "); for (i = 1; i <= n0; i++) { split(a0[i], f, ":"); r0[f[1]] = f[2]; w0[f[1]] = f[3] }
            n1 = split(s1, a1, " "); run = 0; best = -1
            for (i = 1; i <= n1; i++) {
                split(a1[i], f, ":"); dr = f[2] - r0[f[1]]; run += dr
                if (dr > best) { best = dr; wait = f[3] - w0[f[1]] }
            }
            split(m0, x, " "); split(m1, y, " ")
            printf "%s %s %d %s %d %.0f %.0f %d %d %d %s\n", phase, name, done_, rt, lost, run,
                wait, y[1] - x[1], y[2] - x[2], drops, jvm }' "$out" >> "$work/slices.txt"
}

# phase_figures round phase name -> one results line: "round phase name qps lost cpu_us/q runq_us/q
# p50 p99 p999 busy% load safepoints sp_ms sp_max_ms compilations drops" over all its slices
phase_figures() {
    local r=$1 phase=$2 name=$3 lat="- - -"
    if [ -s "$work/lat-$phase-$name" ]; then lat=$(percentiles "$work/lat-$phase-$name"); fi
    rm -f "$work/lat-$phase-$name"
    awk -v r="$r" -v phase="$phase" -v name="$name" -v lat="$lat" -v load="$(cut -d' ' -f1 /proc/loadavg)" '
        $1 == phase && $2 == name {
            q += $3; t += $4; l += $5; run += $6; wq += $7; b += $8; tot += $9; d += $10
            if ($11 != "-") { sp += $11; spm += $12; if ($13 > spx) spx = $13; jit += $14; java = 1 }
        }
        END {
            printf "%s %s %s %.0f %d %.2f %.2f %s %.0f %s ", r, phase, name, (t > 0 ? q / t : 0), l,
                (q > 0 ? run / 1e3 / q : 0), (q > 0 ? wq / 1e3 / q : 0), lat, (tot > 0 ? 100 * b / tot : 0), load
            if (java) printf "%d %.2f %.2f %d %d\n", sp, spm, spx, jit, d; else printf "- - - - %d\n", d
        }' "$work/slices.txt"
}

echo "dnsperf: $NAMES names, $CLIENTS clients; max rate: $OUTSTANDING outstanding each, ${DURATION}s; fixed: $RATE qps, ${LAT_DURATION}s; $ROUNDS paired rounds; Shoal JVM: $SHOAL_JAVA_OPTS"
for t in "${targets[@]}"; do
    read -r name port pid <<< "$t"
    case $name in shoal*) echo "$name: $(grep -m1 ready "$work/$name.log")" ;; esac
done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# Warm-up (JIT) for every Shoal server: max rate for WARMUP s, then RATE for WARMUP s; its
# compilations are counted per phase afterwards (a warm server compiles nothing more).
for t in "${targets[@]}"; do
    read -r name port pid <<< "$t"
    case $name in
        shoal*)
            # both shapes of load: batches (max rate) and one query per wake-up (fixed rate)
            ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$port" -d "$work/names.txt" -l "$WARMUP" \
                -c "$CLIENTS" -q "$OUTSTANDING" > /dev/null 2>&1
            ip netns exec "$cli" dnsperf -s 198.18.254.1 -p "$port" -d "$work/names.txt" -l "$WARMUP" \
                -c "$CLIENTS" -Q "$RATE" > /dev/null 2>&1 ;;
    esac
done

n=${#targets[@]}
: > "$work/results.txt"
for ((r = 1; r <= ROUNDS; r++)); do
    for phase in max fixed; do
        if [ "$phase" = max ]; then total=$DURATION; else total=$LAT_DURATION; fi
        slices=$(( (total + SLICE - 1) / SLICE ))
        : > "$work/slices.txt"
        # Slices of SLICE s, the targets in turn, the order reversed every other slice (and started
        # the other way round every other round): each target sees the machine's load changes alike.
        for ((k = 0; k < slices; k++)); do
            for ((j = 0; j < n; j++)); do
                if (((k + r) % 2)); then t=${targets[$j]}; else t=${targets[$((n - 1 - j))]}; fi
                read -r name port pid <<< "$t"
                slice "$phase" "$name" "$port" "$pid" "$SLICE"
            done
        done
        for t in "${targets[@]}"; do
            read -r name port pid <<< "$t"
            phase_figures "$r" "$phase" "$name" >> "$work/results.txt"
        done
    done
    echo "round $r done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
done

# Per round: each target's figures and its ratios to unbound in that round; then median [min-max].
awk -v rounds="$ROUNDS" '
function sortn(arr, cnt,    i, j, t) {
    for (i = 2; i <= cnt; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
}
function med(arr, cnt) { sortn(arr, cnt); return cnt % 2 ? arr[(cnt + 1) / 2] : (arr[cnt / 2] + arr[cnt / 2 + 1]) / 2 }
function spread(arr, cnt, fmt,    m) {   # "median [min-max]"
    m = med(arr, cnt)
    return sprintf(fmt " [" fmt "-" fmt "]", m, arr[1], arr[cnt])
}
function summary(ph, t, col, fmt,    r, c, a) {
    c = 0; for (r = 1; r <= rounds; r++) if ((r, ph, t) in row) { split(row[r, ph, t], f, " "); if (f[col] != "-") a[++c] = f[col] }
    return c ? spread(a, c, fmt) : "-"
}
function ratio(ph, t, col,    r, c, a) {
    c = 0
    for (r = 1; r <= rounds; r++) if ((r, ph, t) in row && (r, ph, "unbound") in row) {
        split(row[r, ph, t], f, " "); split(row[r, ph, "unbound"], u, " ")
        if (f[col] != "-" && u[col] + 0 > 0) a[++c] = f[col] / u[col]
    }
    return c ? spread(a, c, "%.2f") : "-"
}
{ row[$1, $2, $3] = $4 " " $5 " " $6 " " $7 " " $8 " " $9 " " $10 " " $11 " " $12 " " $13 " " $14 " " $15 " " $16 " " $17
  if (!($3 in seen)) { seen[$3] = 1; order[++m] = $3 } }
END {
    # columns of row: 1 qps 2 lost 3 cpu 4 runq 5 p50 6 p99 7 p999 8 busy 9 load 10 sp 11 sp_ms 12 sp_max 13 jit 14 drops
    printf "%-5s %-5s %-12s %7s %5s %6s %6s %7s %7s %7s %4s %5s %9s %4s %5s\n", "round", "phase", "target", "qps", "lost", "cpu/q", "runq/q", "p50", "p99", "p99.9", "busy", "load", "safepnt", "jit", "drops"
    for (r = 1; r <= rounds; r++) for (ph = 1; ph <= 2; ph++) for (i = 1; i <= m; i++) {
        P = ph == 1 ? "max" : "fixed"; t = order[i]
        if (!((r, P, t) in row)) continue
        split(row[r, P, t], f, " ")
        printf "%-5d %-5s %-12s %7s %5s %6s %6s %7s %7s %7s %4s %5s %3s/%5s %4s %5s\n", r, P, t, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11], f[13], f[14]
    }
    printf "\n(cpu/q: server CPU (all threads), runq/q: run-queue wait of its busiest thread, in us per answered query (schedstat); latencies in ms;\n busy: machine CPU %% during the measurement; safepnt: JVM safepoints/total ms in the phase (GC pauses\n included); jit: compilations in the phase; drops: datagrams dropped for a full receive buffer, server and client)\n"
    for (ph = 1; ph <= 2; ph++) {
        P = ph == 1 ? "max" : "fixed"
        printf "\n%s, median [min-max] of %d rounds:\n", (ph == 1 ? "max rate" : "fixed rate"), rounds
        printf "%-12s %-26s %-20s %-20s %-22s %-22s %-22s %s\n", "target", "qps", "cpu us/q", "runq us/q", "p50 ms", "p99 ms", "p99.9 ms", "drops"
        for (i = 1; i <= m; i++) { t = order[i]
            printf "%-12s %-26s %-20s %-20s %-22s %-22s %-22s %s\n", t, summary(P, t, 1, "%.0f"), summary(P, t, 3, "%.2f"), summary(P, t, 4, "%.2f"), summary(P, t, 5, "%.3f"), summary(P, t, 6, "%.3f"), summary(P, t, 7, "%.3f"), summary(P, t, 14, "%.0f") }
        printf "ratios to unbound in the same round, median [min-max]:\n"
        printf "%-12s %-20s %-20s %-20s %-20s %-20s\n", "target", "qps", "cpu/q", "p50", "p99", "p99.9"
        for (i = 1; i <= m; i++) { t = order[i]; if (t == "unbound") continue
            printf "%-12s %-20s %-20s %-20s %-20s %-20s\n", t, ratio(P, t, 1), ratio(P, t, 3), ratio(P, t, 5), ratio(P, t, 6), ratio(P, t, 7) }
        printf "machine busy %% %s, load %s; Shoal safepoints per phase %s (ms %s, longest %s), compilations %s\n", summary(P, "unbound", 8, "%.0f"), summary(P, "unbound", 9, "%.1f"), summary(P, order[1], 10, "%.0f"), summary(P, order[1], 11, "%.2f"), summary(P, order[1], 12, "%.2f"), summary(P, order[1], 13, "%.0f")
    }
}' "$work/results.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
