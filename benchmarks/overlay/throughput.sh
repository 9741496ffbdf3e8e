#!/usr/bin/env bash
# TCP throughput, one iperf3 stream, between two testbed-style hosts (namespaces on a veth/bridge
# underlay in 198.18.0.0/16):
#   underlay  host h1 -> host h2 over the veth/bridge fabric (198.18.0.1 -> 198.18.0.2)
#   hand      container c1 -> c2 over a VXLAN overlay built with iproute2 (100.64.1.0/24, vni 100)
#   shoal     the same containers over the same overlay built by Shoal's OverlayDriver
#             (100.64.2.0/24, vni 200, second interface eth1 in c1/c2)
# Both overlays have the same shape (sandbox namespace with br0 + vxlan0 created in the host
# namespace and moved in, learning off, ARP proxy, static neighbour + FDB, MTU 1450), run between
# the same two container namespaces and are measured alternately in one invocation, so the ratios
# compare runs made under the same machine load.
#
# Usage: sudo benchmarks/overlay/throughput.sh [REPS=2] [SECONDS=10]
set -euo pipefail
REPS=${1:-2}
SECS=${2:-10}
source "$(dirname "$0")/common.sh"
need_root
command -v iperf3 >/dev/null || { apt-get install -y -q iperf3 >/dev/null; }
command -v python3 >/dev/null || { echo "needs python3 (parses iperf3 -J)" >&2; exit 1; }
CP=$(shoal_classpath)

P=ob$(printf '%04x' $((RANDOM % 65536)))   # per-run prefix of every namespace
F=${P}f; H1=${P}h1; H2=${P}h2; C1=${P}c1; C2=${P}c2; X1=${P}x1; X2=${P}x2
cleanup() {
  set +e
  # iperf3 servers start inside $(...) subshells, so find them by namespace (only ours: per-run prefix).
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
  done
  timeout 60 java -cp "$CP" io.shoal.benchmarks.overlay.ShoalOverlay teardown $H1 198.18.0.1 eth0 ${P}a >/dev/null 2>&1
  timeout 60 java -cp "$CP" io.shoal.benchmarks.overlay.ShoalOverlay teardown $H2 198.18.0.2 eth0 ${P}b >/dev/null 2>&1
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do
    for l in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -v '^lo$'); do
      ip -n "$ns" link del "$l" 2>/dev/null
    done
    ip netns del "$ns"
  done
}
trap cleanup EXIT INT TERM

# --- underlay: fabric namespace with a bridge, each host's eth0 a veth onto it --------------------
ip netns add $F
ip -n $F link add br0 type bridge
ip -n $F link set br0 up
for i in 1 2; do
  h=${P}h$i
  ip netns add "$h"
  ip -n $F link add "f$i" type veth peer name eth0 netns "$h"
  ip -n $F link set "f$i" master br0 up
  ip -n "$h" addr add 198.18.0.$i/16 dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" link set lo up
  ip netns add ${P}c$i
  ip -n ${P}c$i link set lo up
done

# --- hand-built overlay (iproute2), the same shape OverlayDriver builds ----------------------------
for i in 1 2; do
  r=$((3 - i)); h=${P}h$i; x=${P}x$i; c=${P}c$i
  ip netns add "$x"
  ip -n "$h" link add vxh100 type vxlan id 100 local 198.18.0.$i dev eth0 dstport 4789 nolearning proxy
  ip -n "$h" link set vxh100 netns "$x"
  ip -n "$x" link set vxh100 name vxlan0
  ip -n "$x" link add br0 type bridge
  ip -n "$x" link set vxlan0 mtu 1450 master br0
  ip -n "$x" link set br0 mtu 1450
  ip -n "$x" addr add 100.64.1.1/24 dev br0
  ip -n "$x" link set lo up
  ip -n "$x" link set br0 up
  ip -n "$x" link set vxlan0 up
  ip -n "$x" link add ve0 type veth peer name eth0 netns "$c"
  ip -n "$c" link set eth0 address 02:42:64:40:01:0$((i + 1)) mtu 1450
  ip -n "$c" addr add 100.64.1.$((i + 1))/24 dev eth0
  ip -n "$c" link set eth0 up
  ip -n "$x" link set ve0 mtu 1450 master br0
  ip -n "$x" link set ve0 up
  ip -n "$x" neigh replace 100.64.1.$((r + 1)) lladdr 02:42:64:40:01:0$((r + 1)) dev vxlan0 nud permanent
  bridge -n "$x" fdb replace 02:42:64:40:01:0$((r + 1)) dev vxlan0 dst 198.18.0.$r self permanent
done

# --- Shoal-built overlay (OverlayDriver), eth1 in the same containers -----------------------------
for i in 1 2; do
  r=$((3 - i)); pre=${P}$( [[ $i == 1 ]] && echo a || echo b)
  timeout 120 java -cp "$CP" io.shoal.benchmarks.overlay.ShoalOverlay setup ${P}h$i 198.18.0.$i eth0 "$pre" \
    ovbench 200 100.64.2.0/24 /run/netns/${P}c$i eth1 100.64.2.$((i + 1))/24 100.64.2.$((r + 1))@198.18.0.$r
done

# --- measure ---------------------------------------------------------------------------------------
run() { # name client_ns server_ns server_ip -> Gbit/s (receiver side)
  local name=$1 cns=$2 sns=$3 sip=$4
  ip netns exec "$sns" timeout $((SECS + 30)) iperf3 -s -1 -B "$sip" >/dev/null 2>&1 &
  local spid=$!
  local ok=
  for _ in $(seq 50); do
    if ip netns exec "$sns" ss -ltn 2>/dev/null | grep -q "$sip:5201"; then ok=1; break; fi
    sleep 0.1
  done
  [[ -n $ok ]] || { echo "iperf3 server on $sns did not start" >&2; return 1; }
  local json
  json=$(ip netns exec "$cns" timeout $((SECS + 20)) iperf3 -c "$sip" -t "$SECS" -J --connect-timeout 3000) ||
    { echo "iperf3 $name to $sip failed: $(head -c 300 <<<"$json")" >&2; return 1; }
  wait "$spid" || true
  python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))' <<<"$json"
}

RESULTS=()
echo "run  order   underlay  hand  shoal  shoal/hand  (Gbit/s, iperf3 -t $SECS, 1 stream)"
for rep in $(seq "$REPS"); do
  if (( rep % 2 )); then order="underlay hand shoal"; else order="shoal hand underlay"; fi
  declare -A G=()
  for t in $order; do
    case $t in
      underlay) G[$t]=$(run underlay $H1 $H2 198.18.0.2) ;;
      hand)     G[$t]=$(run hand $C1 $C2 100.64.1.3) ;;
      shoal)    G[$t]=$(run shoal $C1 $C2 100.64.2.3) ;;
    esac
  done
  printf '%-4s %-5s  %8s  %5s  %5s  %10s\n' "$rep" "$( ((rep % 2)) && echo U-H-S || echo S-H-U)" \
    "${G[underlay]}" "${G[hand]}" "${G[shoal]}" "$(python3 -c "print('%.3f' % (${G[shoal]} / ${G[hand]}))")"
  RESULTS+=("${G[underlay]},${G[hand]},${G[shoal]}")
done
python3 - "${RESULTS[@]}" <<'PY'
import statistics, sys
runs = [tuple(float(x) for x in r.split(",")) for r in sys.argv[1:]]
u, h, s = (sum(col) / len(runs) for col in zip(*runs))
print("mean     underlay %.2f  hand %.2f  shoal %.2f Gbit/s over %d paired run(s)" % (u, h, s, len(runs)))
print("ratio    shoal/hand %.3f (goal >= 0.97)   hand/underlay %.3f   shoal/underlay %.3f   (of the means)" % (s/h, h/u, s/u))
print("spread   per-run shoal/hand %s; median %.3f" % (
    " ".join("%.2f" % (r[2] / r[1]) for r in runs), statistics.median(r[2] / r[1] for r in runs)))
PY
