# Shared by up.sh, down.sh and exec.sh (sourced, not run).
#
# A run is one set of VMs. Its name (SHOAL_VM_RUN, default sv + 4 random hex digits) prefixes
# everything it makes: state under /run/shoal-vm/<run>/, the fabric namespace <run>f holding
# the bridge and the taps, and the engines' own files under <state>/uml or <state>/qemu (every
# guest process of the run carries such a path on its command line, which is how down.sh
# finds them all).

SHOAL_VM_STATE_ROOT=${SHOAL_VM_STATE_ROOT:-/run/shoal-vm}
# The host's end of the fabric, for the command channel. Guests are 198.18.0.<i>.
SHOAL_VM_HOST_IP=198.18.255.254
SHOAL_VM_PORT=7001

die() { echo "$(basename "$0"): $*" >&2; exit 1; }

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "$(basename "$0"): installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

# Picks the run: the argument, else SHOAL_VM_RUN, else the only run there is.
resolve_run() {
  local run=${1:-${SHOAL_VM_RUN:-}}
  if [[ -z $run ]]; then
    local runs=()
    [[ -d $SHOAL_VM_STATE_ROOT ]] && mapfile -t runs < <(ls "$SHOAL_VM_STATE_ROOT")
    ((${#runs[@]} == 1)) || die "name the run (SHOAL_VM_RUN or argument); runs: ${runs[*]:-none}"
    run=${runs[0]}
  fi
  [[ $run =~ ^[a-z][a-z0-9]{1,9}$ ]] || die "run name '$run': expected a letter then 1-9 of [a-z0-9]"
  echo "$run"
}

fabric_ns() { echo "${1}f"; }
state_dir() { echo "$SHOAL_VM_STATE_ROOT/$1"; }

# PIDs of every guest process of a run: UML kernels and helpers carry uml_dir=<state>/uml,
# qemu carries -pidfile <state>/qemu/vm<i>.pid.
run_pids() {
  local state re f
  # Regexes that match the markers but not themselves ("um[l]"), or grep would find its own
  # command line; -z makes each NUL-separated argument a line, so -x matches it whole.
  state=$(printf '%s' "$(state_dir "$1")" | sed 's/[][\.*^$]/\\&/g')
  for f in $(grep -lszx -e "uml_dir=$state/um[l]" -e "$state/qem[u]/vm[0-9]*\.pid" /proc/[0-9]*/cmdline); do
    f=${f#/proc/}
    echo "${f%/cmdline}"
  done
  return 0
}
