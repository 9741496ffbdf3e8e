#!/bin/bash
# Builds the Debian 12 root image the VM testbed boots, from Debian's packages only.
#
#   testbed/vm/image.sh            build if the recipe changed, print the image path
#                                  (<image>.ext4; beside it <image>.vmlinuz and .initrd for qemu)
#   testbed/vm/image.sh --paths    print the tree and image paths of this recipe, build nothing
#   SHOAL_VM_CACHE=/dir image.sh   cache somewhere else (default /var/cache/shoal/vm)
#   SHOAL_VM_MIRROR=URL image.sh   Debian mirror (default: the one in /etc/apt/sources.list*)
#
# The image is keyed by a hash of its recipe (this script and the guest files), so it is
# rebuilt only when the recipe changes. It is made with `mkfs.ext4 -d` from a debootstrap
# tree: no loop mount, no privileges beyond what debootstrap itself needs (root).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${SHOAL_VM_CACHE:-/var/cache/shoal/vm}
SUITE=bookworm
# linux-image-amd64: the same image boots under KVM/qemu on users' machines. Under
# user-mode-linux the guest mounts the host's UML modules (/usr/lib/uml/modules) instead.
PACKAGES=(linux-image-amd64 kmod ipvsadm iproute2 nftables openjdk-17-jre-headless procps python3
  busybox-static socat curl)
HOST_PACKAGES=(debootstrap e2fsprogs)

log() { echo "image.sh: $*" >&2; }

ensure_host_packages() {
  local missing=()
  for p in "${HOST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

# The first Debian mirror configured for apt (deb822 .sources or one-line .list files).
debian_mirror() {
  if [[ -n ${SHOAL_VM_MIRROR:-} ]]; then echo "$SHOAL_VM_MIRROR"; return; fi
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    uri=$(awk '/^URIs:/{u=$2} /^Suites:/{ if (u && $0 ~ /[[:space:]]'"$SUITE"'([[:space:]]|$)/) {print u; exit} }' "$f")
    [[ -n $uri ]] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    uri=$(awk '$1=="deb" && $0 ~ /[[:space:]]'"$SUITE"'[[:space:]]/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit} }' "$f")
    [[ -n $uri ]] && { echo "$uri"; return; }
  done
  echo "image.sh: no Debian $SUITE mirror in /etc/apt/sources.list*; set SHOAL_VM_MIRROR" >&2
  return 1
}

# Stage 1, the debootstrap tree, is keyed by what goes into it: suite, packages, and the
# BASE_RECIPE version (bump it when build_rootfs changes). Stage 2, the ext4 image, is keyed by
# this whole script and the guest files, so editing the guest init costs a mkfs, not a
# debootstrap.
BASE_RECIPE=1
base_hash() { echo "$BASE_RECIPE $SUITE ${PACKAGES[*]}" | sha256sum | cut -c1-16; }
image_hash() {
  { cat "$HERE/image.sh"; (cd "$HERE/guest" && find . -type f -print0 | sort -z | xargs -0 -I{} sh -c 'echo "{}"; cat "{}"'); } \
    | sha256sum | cut -c1-16
}

build_rootfs() {
  local rootfs=$1 mirror work include
  mirror=$(debian_mirror)
  work=$(mktemp -d "$CACHE/build.XXXXXX")
  include=$(IFS=,; echo "${PACKAGES[*]}")
  log "debootstrap $SUITE from $mirror (minbase + ${PACKAGES[*]})"
  if ! debootstrap --variant=minbase --include="$include" "$SUITE" "$work/root" "$mirror" \
    >"$work/debootstrap.log" 2>&1; then
    tail -30 "$work/debootstrap.log" >&2
    rm -rf "$work"
    return 1
  fi
  # Nothing in the image needs package caches, lists or docs; they only make it bigger.
  rm -rf "$work"/root/var/cache/apt/archives/*.deb "$work"/root/var/lib/apt/lists/* \
    "$work"/root/usr/share/doc/* "$work"/root/usr/share/man/* "$work"/root/usr/share/locale/*
  mv "$work/root" "$rootfs"
  rm -rf "$work"
}

build_image() {
  local rootfs=$1 image=$2 size_kb tmp
  # Guest files mirror the root layout; remove the previous recipe's set before copying.
  if [[ -f $rootfs/.shoal-guest-files ]]; then
    (cd "$rootfs" && xargs -r rm -f <.shoal-guest-files)
  fi
  (cd "$HERE/guest" && find . -type f) >"$rootfs/.shoal-guest-files"
  cp -r --preserve=mode "$HERE/guest/." "$rootfs/"
  chmod 0755 "$rootfs/shoal-init" "$rootfs/usr/local/sbin/shoal-run"
  mkdir -p "$rootfs/lib/modules" "$rootfs/shoal" "$rootfs/srv/www"

  # Room for what tests write (jars, logs); the file is sparse, so free space costs nothing.
  size_kb=$(du -sk "$rootfs" | cut -f1)
  size_kb=$((size_kb * 12 / 10 + 512 * 1024))
  tmp=$image.tmp.$$
  log "mkfs.ext4 -d ($((size_kb / 1024)) MiB)"
  # mkfs says "Creating regular file" on stdout even with -q; stdout is for the image path.
  mkfs.ext4 -q -F -L shoal-root -E root_owner=0:0 -d "$rootfs" "$tmp" "${size_kb}k" >&2
  # qemu/KVM boot the image's own Debian kernel, given from outside the disk.
  cp "$(ls "$rootfs"/boot/vmlinuz-* | sort -V | tail -1)" "${image%.ext4}.vmlinuz"
  cp "$(ls "$rootfs"/boot/initrd.img-* | sort -V | tail -1)" "${image%.ext4}.initrd"
  # Last: the image's presence is what says the build is complete.
  mv "$tmp" "$image"
}

main() {
  local rootfs image started
  rootfs=$CACHE/rootfs-$SUITE-$(base_hash)
  image=$CACHE/debian-$SUITE-$(image_hash).ext4
  case ${1:-} in
    --paths) printf '%s\n%s\n' "$rootfs" "$image"; return ;; # what this recipe builds; no build
    "") ;;
    *) echo "image.sh: unknown argument '$1'; usage: image.sh [--paths]" >&2; exit 2 ;;
  esac
  [[ $(id -u) == 0 ]] || { echo "image.sh: needs root (debootstrap)" >&2; exit 1; }
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9 # one builder at a time; a second waits and reuses the result
  if [[ ! -f $image ]]; then
    started=$(date +%s)
    ensure_host_packages
    rm -rf "$CACHE"/build.*
    [[ -d $rootfs ]] || build_rootfs "$rootfs"
    build_image "$rootfs" "$image"
    log "built $image in $(($(date +%s) - started)) s: $(du -sh --apparent-size "$image" | cut -f1) apparent, $(du -sh "$image" | cut -f1) on disk"
    # Older recipes are dead weight. A running VM keeps its open backing file regardless.
    find "$CACHE" -maxdepth 1 -name "debian-$SUITE-*" ! -name "$(basename "${image%.ext4}").*" -delete
    find "$CACHE" -maxdepth 1 -name "rootfs-$SUITE-*" ! -path "$rootfs" -exec rm -rf {} +
  fi
  echo "$image"
}

main "$@"
