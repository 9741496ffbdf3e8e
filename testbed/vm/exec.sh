#!/bin/bash
# Runs a shell script inside guest <i> over the command channel and exits with its status.
#
#   testbed/vm/exec.sh [-r RUN] [-t SECONDS] I [COMMAND...]   (no COMMAND: script from stdin)
#
# The guest's shoal-run reads the whole script, runs it with stdout and stderr merged, and
# ends with a SHOAL_RC=<status> line, which this script turns back into its exit status.
# The script's output is passed through byte for byte.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run= timeout=60
while getopts r:t: opt; do
  case $opt in
    r) run=$OPTARG ;;
    t) timeout=$OPTARG ;;
    *) die "usage: exec.sh [-r RUN] [-t SECONDS] I [COMMAND...]" ;;
  esac
done
shift $((OPTIND - 1))
(($# >= 1)) || die "usage: exec.sh [-r RUN] [-t SECONDS] I [COMMAND...]"
i=$1; shift
[[ $i =~ ^[0-9]+$ ]] && ((i >= 1 && i <= 250)) || die "guest index '$i': expected 1..250"
[[ $timeout =~ ^[0-9]+$ ]] || die "timeout '$timeout': expected whole seconds"
run=$(resolve_run "$run")
ns=$(fabric_ns "$run")

out=$(mktemp)
trap 'rm -f "$out"' EXIT
{ if (($#)); then printf '%s\n' "$*"; else cat; fi; } |
  timeout "$((timeout + 5))" ip netns exec "$ns" \
    socat -t "$timeout" -T "$timeout" - "TCP:198.18.0.$i:$SHOAL_VM_PORT,connect-timeout=3" >"$out" ||
  { echo "exec.sh: no answer from guest $i of run $run" >&2; exit 255; }
# The output ends "\nSHOAL_RC=<status>\n"; everything before that newline is the script's.
last=$(tail -n 1 "$out")
[[ $last =~ ^SHOAL_RC=([0-9]+)$ ]] || { cat "$out"; echo "exec.sh: guest $i gave no exit status" >&2; exit 255; }
head -c "$(($(stat -c %s "$out") - ${#last} - 2))" "$out"
exit "${BASH_REMATCH[1]}"
