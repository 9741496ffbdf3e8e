#!/bin/bash
# Boots N Debian 12 guests, real Linux kernels joined by a bridge on 198.18.0.0/16.
#
#   testbed/vm/up.sh N          (1 <= N <= 250)
#   testbed/vm/up.sh N --cluster  the same guests with a Shoal cluster on them (cluster.sh up N:
#                               a manager in guest 1, shoald in every guest; see vm/README.md)
#   SHOAL_VM_RUN=name           run name and prefix (default sv + 4 random hex digits)
#   SHOAL_VM_ENGINE=uml         uml: Debian's user-mode-linux 6.1, an ordinary process (default)
#                               kvm: qemu with KVM, Debian's own kernel (machines where KVM works)
#                               tcg: qemu emulating the CPU, Debian's own kernel (slow, ~40 s boot)
#   SHOAL_VM_MEM=384M           memory per guest (kvm/tcg: at least 512M is used)
#   SHOAL_VM_SHARE=/dir         host directory every guest mounts at /shoal (hostfs);
#                               default <state>/share
#   SHOAL_VM_BOOT_TIMEOUT=120   seconds to wait for all command channels
#   SHOAL_VM_UML_FPU=auto       xstate, fxsr (through uml-fxsr: hosts with AMX), auto: fxsr iff AMX
#
# Guest i: eth0 = 198.18.0.i/16 on tap<i>, no uplink, lo up, command channel on TCP 7001
# (see exec.sh). The bridge, the taps and every kernel process live in the fabric namespace
# <run>f, so nothing is added to the machine's root namespace. Prints the run name last.
set -Eeuo pipefail # -E: the ERR trap below also fires inside functions
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

if (($# == 2)) && [[ $2 == --cluster ]]; then
  exec "$(dirname "$0")/cluster.sh" up "$1"
fi
(($# == 1)) && [[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 250)) || die "usage: up.sh N [--cluster] (1..250 guests)"
n=$1
[[ $(id -u) == 0 ]] || die "needs root (namespaces, taps)"
[[ -c /dev/net/tun ]] || die "needs /dev/net/tun for the guests' taps"
engine=${SHOAL_VM_ENGINE:-uml}
case $engine in
  uml) ensure_packages user-mode-linux socat iproute2 python3 ;; # python3: uml-fxsr
  kvm | tcg) ensure_packages qemu-system-x86 qemu-utils socat iproute2 ;;
  *) die "SHOAL_VM_ENGINE '$engine': expected uml, kvm or tcg" ;;
esac
[[ $engine != kvm || -w /dev/kvm ]] || die "SHOAL_VM_ENGINE=kvm needs a writable /dev/kvm"

run=${SHOAL_VM_RUN:-sv$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')}
run=$(resolve_run "$run")
state=$(state_dir "$run")
ns=$(fabric_ns "$run")
mem=${SHOAL_VM_MEM:-384M}
[[ $mem =~ ^[0-9]+[KMG]$ ]] || die "SHOAL_VM_MEM '$mem': expected a size like 384M"
default_timeout=120
[[ $engine == tcg ]] && default_timeout=$((120 + 60 * n))
boot_timeout=${SHOAL_VM_BOOT_TIMEOUT:-$default_timeout}
[[ -e $state ]] && die "run $run already exists ($state); down.sh $run first"

image=$("$HERE/image.sh")

mkdir -p "$state/uml" "$state/qemu"
share=${SHOAL_VM_SHARE:-$state/share}
mkdir -p "$share"
share=$(cd "$share" && pwd)
# Anything failing from here on leaves nothing behind.
trap 'echo "up.sh: failed; tearing run $run down" >&2; "$HERE/down.sh" "$run" >&2 || true' ERR

started=$(date +%s.%N)
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add br0 type bridge
ip -n "$ns" link set br0 up
ip -n "$ns" addr add "$SHOAL_VM_HOST_IP/16" dev br0
printf 'RUN=%s\nENGINE=%s\nNS=%s\nN=%s\nIMAGE=%s\nSHARE=%s\n' "$run" "$engine" "$ns" "$n" "$image" "$share" \
  >"$state/env"

mib() {
  case $1 in
    *K) echo $((${1%K} / 1024)) ;;
    *M) echo "${1%M}" ;;
    *G) echo $((${1%G} * 1024)) ;;
  esac
}

# setsid: each guest's processes form a session of their own, away from the caller's
# terminal and process group. Each guest writes to its own copy-on-write file; the base image
# is opened read-only and shared.
start_uml() {
  local i=$1 mac=$2
  setsid ip netns exec "$ns" "${uml_wrapper[@]}" linux.uml \
    "ubd0=$state/vm$i.cow,$image" root=/dev/ubda rw "mem=$mem" \
    "eth0=tuntap,tap$i,$mac" con=null con0=null,fd:1 ssl=null \
    "uml_dir=$state/uml" "umid=vm$i" init=/shoal-init \
    "shoal_name=vm$i" "shoal_ip=198.18.0.$i/16" "shoal_share=$share" "shoal_fpu=$uml_fpu" \
    </dev/null >"$state/vm$i.log" 2>&1 &
}

start_qemu() {
  local i=$1 mac=$2 accel=(-accel tcg) qmem
  [[ $engine == kvm ]] && accel=(-accel kvm -cpu host)
  # Debian's kernel with its initramfs needs more room than the UML kernel.
  qmem=$(mib "$mem")
  ((qmem >= 512)) || qmem=512
  qemu-img create -q -f qcow2 -F raw -b "$image" "$state/vm$i.qcow2"
  # The base image is only read (each guest writes its own overlay); without locking=off qemu
  # refuses it while a UML guest of another run has it open ("Failed to get consistent read lock").
  setsid ip netns exec "$ns" qemu-system-x86_64 "${accel[@]}" -m "$qmem" -smp 1 \
    -display none -monitor none -serial "file:$state/vm$i.log" -no-reboot \
    -kernel "${image%.ext4}.vmlinuz" -initrd "${image%.ext4}.initrd" \
    -append "root=/dev/vda rw console=ttyS0 panic=-1 net.ifnames=0 init=/shoal-init shoal_name=vm$i shoal_ip=198.18.0.$i/16 shoal_share=$share" \
    -drive "file=$state/vm$i.qcow2,format=qcow2,if=virtio,backing.file.locking=off" \
    -netdev "tap,id=n0,ifname=tap$i,script=no,downscript=no" \
    -device "virtio-net-pci,netdev=n0,mac=$mac" \
    -virtfs "local,path=$share,mount_tag=shoal,security_model=none,id=shoal" \
    -pidfile "$state/qemu/vm$i.pid" \
    </dev/null >"$state/vm$i.qemu.log" 2>&1 &
}

# Debian 12's UML kernel (6.1) switches its guests' FPU state through PTRACE_SETREGSET with a
# buffer of fixed size, which hosts with a larger XSAVE area (AMX) refuse with EFAULT: the first
# guest process dies. There, uml-fxsr makes it use the 512-byte FXSAVE image instead (see there).
uml_fpu=${SHOAL_VM_UML_FPU:-auto}
if [[ $uml_fpu == auto ]]; then
  uml_fpu=xstate
  grep -qw amx_tile /proc/cpuinfo && uml_fpu=fxsr
fi
case $uml_fpu in
  xstate) uml_wrapper=() ;;
  fxsr) uml_wrapper=("$HERE/uml-fxsr") ;;
  *) die "SHOAL_VM_UML_FPU '$uml_fpu': expected auto, xstate or fxsr" ;;
esac
echo "UML_FPU=$uml_fpu" >>"$state/env"

kernel_pid=()
for ((i = 1; i <= n; i++)); do
  ip netns exec "$ns" ip tuntap add dev "tap$i" mode tap
  ip -n "$ns" link set "tap$i" master br0 up
  mac=$(printf '02:00:c6:12:00:%02x' "$i")
  if [[ $engine == uml ]]; then start_uml "$i" "$mac"; else start_qemu "$i" "$mac"; fi
  kernel_pid[i]=$! # setsid and ip netns exec both exec, so this is the kernel (or qemu) itself
done

deadline=$(($(date +%s) + boot_timeout))
for ((i = 1; i <= n; i++)); do
  until "$HERE/exec.sh" -r "$run" -t 10 "$i" true >/dev/null 2>&1; do
    if ! kill -0 "${kernel_pid[i]}" 2>/dev/null; then
      echo "up.sh: guest $i exited while booting; its console:" >&2
      for log in "$state/vm$i.log" "$state/vm$i.qemu.log"; do
        [[ -s $log ]] && tail -20 "$log" >&2
      done
      false
    fi
    if (($(date +%s) > deadline)); then
      echo "up.sh: guest $i did not answer within ${boot_timeout}s; its console:" >&2
      tail -20 "$state/vm$i.log" >&2
      false
    fi
    sleep 0.5
  done
done
boot=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "BOOT_SECONDS=$boot" >>"$state/env"
echo "up.sh: $n $engine guests of run $run up in ${boot}s (198.18.0.1-$n, fabric namespace $ns)" >&2
echo "$run"
