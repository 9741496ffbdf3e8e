#!/usr/bin/env bash
# The namespace testbed for people. As root:
#
#   testbed/testbed.sh up [N]             N hosts (default 3), kept until 'down'
#   testbed/testbed.sh list               members, addresses, state; every recorded run
#   testbed/testbed.sh client lb          add a client / load balancer namespace (198.18.1.k)
#   testbed/testbed.sh exec h2 ip addr    run a command inside a host (terminal attached)
#   testbed/testbed.sh cut h2             pull h2's cable (its fabric link goes down)
#   testbed/testbed.sh heal h2            plug it back in
#   testbed/testbed.sh down               remove everything of the run
#   testbed/testbed.sh demo [N]           up, TCP echo between every pair, down, check nothing is left
#   testbed/testbed.sh sweep              remove runs whose owner JVM died
#
# It runs the same Java library the tests use (io.shoal.testbed.tool.TestbedTool); state lives in
# /run/shoal-testbed/. Builds the module first if it is not built yet.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
classes=$root/testbed/target/classes
classpath_file=$root/testbed/target/runtime-classpath.txt

if [[ ! -f $classpath_file || ! -d $classes/io/shoal/testbed/tool ]]; then
  echo "[testbed] building the testbed module (mvn -B -q -DskipTests package -pl testbed -am)" >&2
  (cd "$root" && mvn -B -q -DskipTests package -pl testbed -am)
fi
# slf4j.internal.verbosity: the tool prints for people itself; no logging backend is on its classpath.
exec java -Dslf4j.internal.verbosity=ERROR -cp "$classes:$(cat "$classpath_file")" \
  io.shoal.testbed.tool.TestbedTool "$@"
