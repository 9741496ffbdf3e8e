#!/bin/bash
# Shoal against Docker Swarm on the same kind of guests, same service, same load. As root:
#
#   testbed/vm/compare.sh run [N]          Shoal's cluster on N fresh guests (default 4), bench,
#                                          down; then Swarm on N fresh guests, bench, down; table
#   testbed/vm/compare.sh bench shoal|swarm RUN   bench an existing run (its web service must exist)
#   testbed/vm/compare.sh table [DIR]      the side-by-side table of a results directory
#
# Service: web, 3 replicas of busybox httpd, port 8080 -> 80 published on every guest, on the
# overlay network appnet (Shoal: cluster.sh demo; Swarm: created here, then swarm.sh demo checks
# it). With N=4 one guest hosts no web replica, so its 8080 is served through the mesh only.
# HTTP: wrk from the fabric namespace (the host's end of the bridge) against every guest's 8080,
# SHOAL_CMP_WRK (default "-t2 -c32 -d10s"), SHOAL_CMP_ROUNDS rounds (default 3), each round going
# over every guest once, after a 3 s warm-up per guest. DNS: dnsperf (the host's binary and its
# libraries, copied into the share; host and guests are both Debian 12) inside the network
# namespace of a web replica in the first guest that hosts one, against 127.0.0.11 (the embedded
# resolver: Shoal's, or Docker's), querying "web A", SHOAL_CMP_DNS_SECONDS (default 10) per round.
# Results: one TSV line per measurement in SHOAL_CMP_OUT (default /tmp/shoal-vm-compare-<time>),
# with the 1-minute load average before the measurement; the table prints medians and ratios.
# Every run is torn down (down.sh) on exit, also on failure.
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

ROUNDS=${SHOAL_CMP_ROUNDS:-3}
WRK_ARGS=${SHOAL_CMP_WRK:--t2 -c32 -d10s}
DNS_SECONDS=${SHOAL_CMP_DNS_SECONDS:-10}
OUT=${SHOAL_CMP_OUT:-/tmp/shoal-vm-compare-$(date -u +%Y%m%dT%H%M%S)}

say() { echo "[vm-compare] $*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
guest_run() { "$HERE/exec.sh" -r "$RUN" "$@"; }
fabric() { ip netns exec "$(fabric_ns "$RUN")" "$@"; }
guests() { sed -n 's/^N=//p' "$(state_dir "$RUN")/env"; }
share() { sed -n 's/^SHARE=//p' "$(state_dir "$RUN")/env"; }

# wrk's "Latency avg stdev max" and "--latency" percentiles, in milliseconds.
ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) }
  else if (v ~ /m$/) { sub(/m$/, "", v); v *= 60000 } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 }; printf "%.2f", v }' <<<"$1"; }

# wrk_once SYSTEM TARGET ADDRESS ROUND: one wrk run, one line in http.tsv, the raw output kept.
wrk_once() {
  local system=$1 target=$2 addr=$3 round=$4 load out rps avg p50 p99 errors
  load=$(load1)
  # shellcheck disable=SC2086
  out=$(fabric wrk $WRK_ARGS --timeout 5s --latency "http://$addr:8080/" 2>&1) || true
  printf '== %s %s round %s load %s\n%s\n' "$system" "$target" "$round" "$load" "$out" >>"$OUT/wrk.log"
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
  avg=$(ms "$(awk '$1 == "Latency" {print $2; exit}' <<<"$out")")
  p50=$(ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
  p99=$(ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
  errors=$(awk '/Socket errors/ {gsub(/,/, ""); e = $4 + $6 + $8 + $10} /Non-2xx/ {e += $5} END {print e + 0}' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$system" "$target" "$round" "${rps:-0}" "$avg" "$p50" "$p99" "$errors" "$load" >>"$OUT/http.tsv"
  say "$system $target round $round: ${rps:-0} req/s, p50 ${p50} ms, p99 ${p99} ms, errors $errors, load $load"
}

# web_nodes SYSTEM: the guest index of every running web replica, one a line.
web_nodes() {
  case $1 in
    shoal) "$HERE/cluster.sh" api -r "$RUN" GET '/tasks?service=web' | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["desiredState"] == "running" and (t.get("reportedStatus") or {}).get("state") == "running":
        print(t["nodeId"][2:])' ;;
    swarm) guest_run 1 "docker service ps web --filter desired-state=running --format '{{.Node}}'" | sed -n 's/^vm\([0-9]*\)\r\{0,1\}$/\1/p' ;;
  esac
}

# in_web SYSTEM GUEST CMD: CMD (a guest shell command) in the network namespace of a web replica
# on GUEST.
in_web() {
  local system=$1 g=$2 cmd=$3 task
  case $system in
    shoal)
      task=$("$HERE/cluster.sh" api -r "$RUN" GET '/tasks?service=web' | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if t["nodeId"] == "vm'"$g"'" and t["desiredState"] == "running" and (t.get("reportedStatus") or {}).get("state") == "running":
        print(t["meta"]["id"]); break')
      [[ -n $task ]] || { say "no running web task on vm$g"; return 1; }
      guest_run -t 120 "$g" "nsenter --net=/run/netns/shoal-$task -- sh -c $(printf %q "$cmd")" ;;
    swarm)
      guest_run -t 120 "$g" "pid=\$(docker inspect -f '{{.State.Pid}}' \$(docker ps -q --filter label=com.docker.swarm.service.name=web | head -1)) &&
        nsenter -t \$pid -n -- sh -c $(printf %q "$cmd")" ;;
  esac
}

dns_setup() { # the host's dnsperf and its libraries (not libc/libm: the guest's are the same release) into the share
  local d
  d=$(share)/dnsperf
  mkdir -p "$d/lib"
  cp /usr/bin/dnsperf "$d/"
  ldd /usr/bin/dnsperf | awk '$3 ~ /^\// {print $3}' | grep -v -e '/libc\.so' -e '/libm\.so' | xargs -r cp -L -t "$d/lib"
  printf 'web A\n' >"$d/queries"
}

bench() {
  local system=$1 n nodes free_guest g r out load qps lat lost
  RUN=$2
  n=$(guests)
  mkdir -p "$OUT"
  nodes=$(web_nodes "$system" | sort -n | tr '\n' ' ')
  free_guest=
  for ((g = 1; g <= n; g++)); do [[ " $nodes " == *" $g "* ]] || { free_guest=$g; break; }; done
  printf '%s\t%s\t%s\t%s\n' "$system" "$RUN" "$nodes" "${free_guest:--}" >>"$OUT/placement.tsv"
  say "$system: web replicas on guests $nodes; guest without a replica: ${free_guest:-none}"
  for ((g = 1; g <= n; g++)); do fabric wrk -t2 -c32 -d3s "http://198.18.0.$g:8080/" >/dev/null 2>&1 || true; done
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((g = 1; g <= n; g++)); do
      if [[ $g == "$free_guest" ]]; then
        wrk_once "$system" "vm$g(no-replica)" "198.18.0.$g" "$r"
      else
        wrk_once "$system" "vm$g" "198.18.0.$g" "$r"
      fi
    done
  done
  # DNS inside a web replica's namespace of the first guest hosting one.
  g=${nodes%% *}
  dns_setup
  in_web "$system" "$g" 'getent hosts web; ls /shoal/dnsperf/' >>"$OUT/dns.log" 2>&1 || true
  for ((r = 1; r <= ROUNDS; r++)); do
    load=$(load1)
    out=$(in_web "$system" "$g" "LD_LIBRARY_PATH=/shoal/dnsperf/lib OPENSSL_ia32cap='~0x1000000000000000:0' \
      /shoal/dnsperf/dnsperf -s 127.0.0.11 -d /shoal/dnsperf/queries -l $DNS_SECONDS -c 1 -t 2" 2>&1) || true
    printf '== %s vm%s round %s load %s\n%s\n' "$system" "$g" "$r" "$load" "$out" >>"$OUT/dns.log"
    qps=$(awk '/Queries per second:/ {print $4}' <<<"$out")
    lat=$(awk '/Average Latency \(s\):/ {printf "%.3f", $4 * 1000}' <<<"$out")
    lost=$(awk '/Queries lost:/ {print $3}' <<<"$out")
    printf '%s\tvm%s\t%s\t%s\t%s\t%s\t%s\n' "$system" "$g" "$r" "${qps:-0}" "${lat:--}" "${lost:--}" "$load" >>"$OUT/dns.tsv"
    say "$system dns in a web replica on vm$g round $r: ${qps:-0} q/s, avg ${lat:--} ms, lost ${lost:--}, load $load"
  done
}

# Swarm's web: as swarm.sh demo creates it, plus the overlay network appnet (Docker's embedded
# resolver serves containers on user-defined networks only; Shoal's web is on appnet too).
swarm_service() {
  guest_run -t 120 1 'docker network inspect appnet >/dev/null 2>&1 || docker network create -d overlay appnet >/dev/null
    docker service inspect web >/dev/null 2>&1 ||
    docker service create -d --name web --replicas 3 -p 8080:80 --network appnet -e GLIBC_TUNABLES="$GLIBC_TUNABLES" \
      --stop-grace-period 1s shoal/busybox:test sh -c "hostname > /index.html; exec httpd -f -p 80 -h /" >/dev/null'
}

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

cmd_table() {
  local dir=${1:-$OUT} t col
  [[ -f $dir/http.tsv ]] || die "no $dir/http.tsv"
  echo "HTTP: wrk $WRK_ARGS against each guest's 8080 from the fabric namespace; medians of the rounds (per-round figures in $dir/http.tsv)"
  printf '| target | Shoal req/s | Swarm req/s | Shoal/Swarm | Shoal p50 / p99 ms | Swarm p50 / p99 ms | errors Shoal / Swarm | load Shoal / Swarm |\n|---|---|---|---|---|---|---|---|\n'
  for t in $(cut -f2 "$dir/http.tsv" | sed 's/(no-replica)//' | sort -u); do
    col() { awk -F'\t' -v s="$1" -v t="$t" -v c="$2" '$1 == s && ($2 == t || $2 == t "(no-replica)") {print $c}' "$dir/http.tsv" | median; }
    local tag=
    grep -q "vm${t#vm}(no-replica)" "$dir/http.tsv" && tag=" (no replica: $(awk -F'\t' -v t="$t(no-replica)" '$2 == t {print $1}' "$dir/http.tsv" | sort -u | tr '\n' ' ' | sed 's/ $//'))"
    local a b
    a=$(col shoal 4) b=$(col swarm 4)
    printf '| %s%s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s |\n' "$t" "$tag" "$a" "$b" \
      "$(awk -v a="$a" -v b="$b" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }')" \
      "$(col shoal 6)" "$(col shoal 7)" "$(col swarm 6)" "$(col swarm 7)" \
      "$(awk -F'\t' -v t="$t" '$1 == "shoal" && ($2 == t || $2 == t "(no-replica)") {e += $8} END {print e + 0}' "$dir/http.tsv")" \
      "$(awk -F'\t' -v t="$t" '$1 == "swarm" && ($2 == t || $2 == t "(no-replica)") {e += $8} END {print e + 0}' "$dir/http.tsv")" \
      "$(col shoal 9)" "$(col swarm 9)"
  done
  # The same by role: every guest hosting a replica together, and the guest hosting none.
  local role sel
  for role in replica no-replica; do
    [[ $role == replica ]] && sel='$2 !~ /no-replica/' || sel='$2 ~ /no-replica/'
    rcol() { awk -F'\t' -v s="$1" -v c="$2" '$1 == s && '"$sel"' {print $c}' "$dir/http.tsv" | median; }
    local a b
    a=$(rcol shoal 4) b=$(rcol swarm 4)
    [[ $a == - && $b == - ]] && continue
    printf '| **%s** | %s | %s | %s | %s / %s | %s / %s | %s / %s | %s / %s |\n' \
      "$([[ $role == replica ]] && echo 'every guest with a replica' || echo 'the guest without a replica')" "$a" "$b" \
      "$(awk -v a="$a" -v b="$b" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }')" \
      "$(rcol shoal 6)" "$(rcol shoal 7)" "$(rcol swarm 6)" "$(rcol swarm 7)" \
      "$(awk -F'\t' '$1 == "shoal" && '"$sel"' {e += $8} END {print e + 0}' "$dir/http.tsv")" \
      "$(awk -F'\t' '$1 == "swarm" && '"$sel"' {e += $8} END {print e + 0}' "$dir/http.tsv")" \
      "$(rcol shoal 9)" "$(rcol swarm 9)"
  done
  if [[ -f $dir/dns.tsv ]]; then
    echo
    echo "DNS: dnsperf -l $DNS_SECONDS 'web A' against 127.0.0.11 inside a web replica's namespace; medians (per round in $dir/dns.tsv)"
    printf '| | Shoal | Swarm | Shoal/Swarm |\n|---|---|---|---|\n'
    local a b
    a=$(awk -F'\t' '$1 == "shoal" {printf "%.0f\n", $4}' "$dir/dns.tsv" | median) b=$(awk -F'\t' '$1 == "swarm" {printf "%.0f\n", $4}' "$dir/dns.tsv" | median)
    printf '| queries/s | %s | %s | %s |\n' "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }')"
    a=$(awk -F'\t' '$1 == "shoal" && $5 != "-" {print $5}' "$dir/dns.tsv" | median) b=$(awk -F'\t' '$1 == "swarm" && $5 != "-" {print $5}' "$dir/dns.tsv" | median)
    printf '| average latency ms | %s | %s | %s |\n' "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }')"
  fi
}

CURRENT=
teardown() {
  [[ -n $CURRENT ]] || return 0
  say "tearing down $CURRENT"
  "$HERE/down.sh" "$CURRENT" >&2 || say "down.sh $CURRENT left something (see above)"
  CURRENT=
}

cmd_run() {
  local n=${1:-4}
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 20)) || die "usage: compare.sh run [N] (1..20 guests)"
  command -v wrk >/dev/null || ensure_packages wrk
  command -v dnsperf >/dev/null || ensure_packages dnsperf
  mkdir -p "$OUT"
  say "results in $OUT"
  trap teardown EXIT
  trap 'exit 1' INT TERM
  local t0=$SECONDS
  RUN=$("$HERE/cluster.sh" up "$n")
  CURRENT=$RUN
  echo "shoal up $((SECONDS - t0)) s" >>"$OUT/times.txt"
  "$HERE/cluster.sh" demo "$RUN" | tee -a "$OUT/checks.txt" >&2 || say "shoal demo: a check failed (benchmarking anyway)"
  bench shoal "$RUN"
  teardown

  t0=$SECONDS
  RUN=$("$HERE/swarm.sh" up "$n")
  CURRENT=$RUN
  echo "swarm up $((SECONDS - t0)) s" >>"$OUT/times.txt"
  swarm_service
  "$HERE/swarm.sh" demo "$RUN" | tee -a "$OUT/checks.txt" >&2 || say "swarm demo: a check failed (benchmarking anyway)"
  bench swarm "$RUN"
  teardown
  cmd_table "$OUT" | tee "$OUT/table.md"
}

command=${1:-}
(($#)) && shift
case $command in
  run) cmd_run "$@" ;;
  bench)
    (($# == 2)) && [[ $1 == shoal || $1 == swarm ]] || die "usage: compare.sh bench shoal|swarm RUN"
    RUN=$(resolve_run "$2")
    bench "$1" "$RUN"
    cmd_table "$OUT"
    ;;
  table) cmd_table "$@" ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
