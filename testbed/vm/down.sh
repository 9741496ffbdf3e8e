#!/bin/bash
# Tears a run down completely: every UML process (kernels and helpers), the taps, the bridge,
# the fabric namespace and the state directory with the COW files. Exits non-zero if
# anything of the run is left.
#
#   testbed/vm/down.sh [RUN]     (default: SHOAL_VM_RUN, else the only run there is)
#   testbed/vm/down.sh --all     every run (e.g. left by a test process that was killed)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

if [[ ${1:-} == --all ]]; then
  status=0
  for dir in "$SHOAL_VM_STATE_ROOT"/*/; do
    [[ -d $dir ]] || continue
    "$0" "$(basename "$dir")" || status=1
  done
  exit $status
fi

run=$(resolve_run "${1:-}") || exit 1
state=$(state_dir "$run")
ns=$(fabric_ns "$run")

# The guests' disks are throwaway COW files, so there is nothing to shut down cleanly:
# SIGKILL every process of the run until several scans in a row find none (a dying UML
# kernel's helpers can still show up for a moment while it exits).
quiet=0
for _ in $(seq 200); do
  pids=$(run_pids "$run")
  if [[ -z $pids ]]; then
    ((++quiet >= 5)) && break
  else
    quiet=0
    kill -KILL $pids 2>/dev/null
  fi
  sleep 0.1
done

if [[ -e /run/netns/$ns ]]; then
  for tap in $(ip -n "$ns" -o link show type tun 2>/dev/null | awk -F': ' '{print $2}'); do
    ip -n "$ns" link del "${tap%@*}" 2>/dev/null
  done
  ip -n "$ns" link del br0 2>/dev/null
  ip netns del "$ns"
fi
rm -rf "$state"
rmdir "$SHOAL_VM_STATE_ROOT" 2>/dev/null

left=()
[[ -n $(run_pids "$run") ]] && left+=("processes $(run_pids "$run" | tr '\n' ' ')")
[[ -e /run/netns/$ns ]] && left+=("namespace $ns")
[[ -e $state ]] && left+=("state $state")
if ((${#left[@]})); then
  echo "down.sh: run $run left: ${left[*]}" >&2
  exit 1
fi
echo "down.sh: run $run is gone" >&2
