#!/usr/bin/env bash
# Times Shoal's IPVS balancer on a real IPVS kernel: boots one guest of the VM testbed (this
# machine's kernel has no IPVS) and runs IpvsScale there with the guest's JRE: N services x 10
# backends applied from nothing, untimed warm-up changes, then CHANGES timed single-backend
# changes, each split into Java work and requests, plus the round trip of one trivial IPVS request
# (what a syscall costs in that guest). See ipvs-bridge/IPVS.md, "Figures".
# Usage: sudo benchmarks/balancer/ipvs-scale.sh [N=10000] [CHANGES=30]
#   SHOAL_VM_ENGINE=uml (default: user-mode Linux 6.1) or tcg (Debian's kernel under qemu tcg)
#   IPVS_SCALE_JAVA_OPTS: extra JVM options in the guest (e.g. -Dshoal.ipvs.batch=false)
# Builds first (outside any lock); run the measuring part under the shared lock:
#   IPVS_SCALE_LOCK=/work/wt/bench.lock benchmarks/balancer/ipvs-scale.sh 10000 30
# The guest, its namespace and the temp dir are removed on exit, also on Ctrl-C.
set -euo pipefail
N=${1:-10000}
CHANGES=${2:-30}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VM=$ROOT/testbed/vm
RUN=is$(head -c2 /dev/urandom | od -An -tx1 | tr -d ' \n')
SHARE=$(mktemp -d)
cleanup() { "$VM/down.sh" "$RUN" >/dev/null 2>&1 || true; rm -rf "$SHARE"; }
trap cleanup EXIT INT TERM

(cd "$ROOT" && mvn -B -q -o -pl ipvs-bridge -am package -DskipTests)
(cd "$ROOT" && mvn -B -q -o -pl ipvs-bridge dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$SHARE/cp" >/dev/null)
mkdir -p "$SHARE/lib"
cp "$ROOT/ipvs-bridge/target/shoal-ipvs-bridge-0.1.0.jar" "$ROOT/netlink/target/shoal-netlink-0.1.0.jar" "$SHARE/lib/"
tr ':' '\n' <"$SHARE/cp" | grep -v 'shoal-netlink' | while read -r jar; do [[ -f $jar ]] && cp "$jar" "$SHARE/lib/"; done
# INFO, not logback's default DEBUG: a log line per apply would be timed too.
cat >"$SHARE/logback.xml" <<'XML'
<configuration>
  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="out"/></root>
</configuration>
XML

measure() {
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  SHOAL_VM_RUN=$RUN SHOAL_VM_SHARE=$SHARE SHOAL_VM_MEM=${SHOAL_VM_MEM:-1536M} "$VM/up.sh" 1 >/dev/null
  "$VM/exec.sh" -r "$RUN" -t 900 1 "modprobe -a ip_vs ip_vs_rr && uname -r && cd /tmp &&
    java -Xmx1g -Dlogback.configurationFile=/shoal/logback.xml ${IPVS_SCALE_JAVA_OPTS:-} -cp '/shoal/lib/*' io.shoal.balancer.ipvs.IpvsScale $N $CHANGES 2>&1 |
    grep -v 'Picked up JAVA_TOOL_OPTIONS'"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
}
export -f measure
export RUN SHARE VM N CHANGES
if [[ -n ${IPVS_SCALE_LOCK:-} ]]; then
  flock "$IPVS_SCALE_LOCK" bash -c measure
else
  measure
fi
