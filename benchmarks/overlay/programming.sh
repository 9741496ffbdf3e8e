#!/usr/bin/env bash
# Programming speed: N remote endpoints (neighbour + FDB entry each) into one overlay network's
# fresh sandbox, by Shoal (OverlayDriver.syncRemotes), by netlink's executeAll alone, and by
# `ip -batch` + `bridge -batch`, alternating in one JVM run (io.shoal.benchmarks.overlay.RemoteProgramming).
#
# Usage: sudo benchmarks/overlay/programming.sh [COUNT=10000] [REPS=5]
set -euo pipefail
COUNT=${1:-10000}
REPS=${2:-5}
source "$(dirname "$0")/common.sh"
need_root
CP=$(shoal_classpath)

P=op$(printf '%04x' $((RANDOM % 65536)))
H=${P}h
WORK=$(mktemp -d /tmp/${P}.XXXX)
cleanup() {
  set +e
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P"); do
    for l in $(ip -n "$ns" -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -v '^lo$'); do
      ip -n "$ns" link del "$l" 2>/dev/null
    done
    ip netns del "$ns"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# The host: a namespace whose underlay device (one end of a veth pair; this kernel has no dummy
# driver) holds the local VTEP address.
ip netns add "$H"
ip -n "$H" link add eth0 type veth peer name eth0p
ip -n "$H" addr add 198.18.0.1/16 dev eth0
ip -n "$H" link set eth0 up

timeout 600 java -Xmx512m -cp "$CP" io.shoal.benchmarks.overlay.RemoteProgramming \
  "$H" 198.18.0.1 eth0 "${P}s" "$WORK" "$COUNT" "$REPS"
