# Shared by throughput.sh and programming.sh (sourced, not run).
# Builds the classpath for launching the overlay benchmark programs, which need shoal-vxlan: the
# benchmarks module does not depend on it, so they run as single source files against the reactor's
# compiled classes (a reactor build, nothing installed).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

shoal_classpath() {
  local cp="$ROOT/vxlan/target/shoal-cp.txt"
  if [[ ! -s $cp || ! -d $ROOT/vxlan/target/classes ]] || \
     [[ -n $(find "$ROOT/vxlan/src" "$ROOT/netlink/src" -newer "$cp" -name '*.java' -print -quit) ]]; then
    echo "building vxlan + netlink classes (reactor, no install)..." >&2
    (cd "$ROOT" && mvn -B -q -o -pl vxlan -am compile dependency:build-classpath \
        -Dmdep.outputFile=target/shoal-cp.txt -Dmdep.includeScope=runtime) >&2 || return 1
  fi
  echo "$ROOT/vxlan/target/classes:$(cat "$cp")"
}

need_root() {
  if [[ $(id -u) != 0 ]]; then echo "needs root (network namespaces)" >&2; exit 1; fi
}
