#!/usr/bin/env bash
# Runs Shoal's whole test suite: unit tests and the integration tests that need root, network
# namespaces and the Docker engine. On a fresh Debian 12 machine, as root:
#
#   sudo ./test.sh            # provision if needed, then mvn verify over every module
#
# With CI=true (as .ci/run and CI systems set it) an integration test whose requirement is
# missing fails instead of skipping, so a green run really ran everything.
# Extra arguments go to Maven, e.g. ./test.sh -pl testbed -am
set -euo pipefail
cd "$(dirname "$0")"

started=$(date +%s)
echo "== Shoal test suite ($(date -u '+%Y-%m-%d %H:%M:%S UTC'), CI=${CI:-unset})"
echo "== 1/3 provisioning"
testbed/provision.sh

# The VM testbed's Debian image (real kernels with IPVS, testbed/vm) is built here, outside any
# test's time limit: a few minutes the first time, cached by recipe afterwards.
echo "== 2/3 VM testbed image (cached by recipe)"
testbed/vm/image.sh

echo "== 3/3 mvn -B verify (all modules, unit + integration tests)"
status=0
# sed: Maven 3.8 prints bare colour resets even in batch mode; keep the log plain.
mvn -B verify "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' || status=$?

# Surefire's summary lines, one per module, so the outcome is readable without scrolling.
echo "== test summary"
reports=$(find . -path '*/target/surefire-reports/*.txt' -newermt "@$started" 2>/dev/null | sort)
if [[ -n $reports ]]; then
  grep -h '^Tests run' $reports | awk -F'[:,]' '
    { run += $2; fail += $4; err += $6; skip += $8 }
    END { printf "   %d tests run, %d failures, %d errors, %d skipped\n", run, fail, err, skip
          printf "%d passed, %d failed, %d skipped\n", run - fail - err - skip, fail + err, skip }'
else
  echo "   no test reports written"
fi
echo "== $([[ $status -eq 0 ]] && echo PASSED || echo FAILED) in $(($(date +%s) - started))s"
exit "$status"
