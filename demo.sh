#!/usr/bin/env bash
# Shoal's main command. On a fresh Debian 12 machine, as root, after git clone:
#
#   sudo ./demo.sh
#
# 1. provisions the machine (packages, dockerd, the local busybox image): testbed/provision.sh
# 2. builds Shoal (mvn package, tests skipped: ./test.sh runs them)
# 3. brings up a testbed of 3 hosts, each its own network namespace on a shared fabric bridge,
#    shows that every host reaches every other one with a TCP exchange, tears it all down and
#    shows that nothing is left.
set -euo pipefail
cd "$(dirname "$0")"
hosts=${1:-3}
started=$(date +%s)

echo "== 1/3 provisioning"
testbed/provision.sh
echo "== 2/3 building (mvn -B -q -DskipTests package)"
# sed: Maven 3.8 prints bare colour resets even in batch mode; keep the output plain.
mvn -B -q -DskipTests package 2>&1 | sed -u "s/\x1b\[[0-9;]*m//g"
echo "== 3/3 the testbed: $hosts hosts in network namespaces"
testbed/testbed.sh demo "$hosts"
echo "== done in $(($(date +%s) - started))s"
