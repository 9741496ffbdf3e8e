# Shared by throughput.sh and programming.sh (sourced, not run).
# Builds the classpath for launching the overlay benchmark programs (io.shoal.benchmarks.overlay in
# the benchmarks module): a reactor build of benchmarks and what it needs, nothing installed.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

shoal_classpath() {
  local cp="$ROOT/benchmarks/target/shoal-cp.txt"
  if [[ ! -s $cp || ! -d $ROOT/benchmarks/target/classes ]] || \
     [[ -n $(find "$ROOT/benchmarks/src" "$ROOT/vxlan/src" "$ROOT/netlink/src" -newer "$cp" -name '*.java' -print -quit) ]]; then
    echo "building benchmarks + vxlan + netlink classes (reactor, no install)..." >&2
    (cd "$ROOT" && mvn -B -q -o -pl benchmarks -am compile dependency:build-classpath \
        -Dmdep.outputFile=target/shoal-cp.txt -Dmdep.includeScope=runtime) >&2 || return 1
  fi
  # The reactor's own modules come from their target/classes, not from ~/.m2.
  local mods=""
  for m in benchmarks vxlan netlink model; do mods+="$ROOT/$m/target/classes:"; done
  echo "$mods$(cat "$cp")"
}

need_root() {
  if [[ $(id -u) != 0 ]]; then echo "needs root (network namespaces)" >&2; exit 1; fi
}
