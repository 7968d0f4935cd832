#!/bin/sh
# Runs the cgroup v2 suite (test/vm-v2/) in a VM: Debian's own kernel
# (linux-image-amd64) under qemu's software emulation, a busybox initramfs
# that mounts the host's root read-only and this checkout read-write over
# 9p and switch_roots into them, then test/vm-v2/inside.sh as PID 1 on a
# pure cgroup v2 hierarchy. Prints the guest's console as it goes, then one
# closing line with the kernel, the cgroup version and the suite's counts;
# exits with the suite's status (3 if the VM never reported one).
#
# Needs root and the Debian packages qemu-system-x86 and linux-image-amd64
# (.ci/run installs them), and fetches busybox-static itself (see below). KVM is not used: on this kind of
# machine a KVM guest hangs before the kernel prints anything.
#
# Environment: VM_KERNEL (a /boot/vmlinuz-* file; default the newest),
# VM_CPUS (2), VM_MEMORY (2048, MiB), VM_TIMEOUT (1200, seconds),
# VM_SUITES ("v2 main": the v2 suite, then the main suite's quick part).
set -eu
checkout=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
  echo "vm-v2: needs root (the guest's tests make real cgroups and namespaces): run it as root" >&2
  exit 2
fi

kernel=${VM_KERNEL:-$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)}
if [ -z "$kernel" ] || [ ! -f "$kernel" ]; then
  echo "vm-v2: no kernel in /boot (looked for ${VM_KERNEL:-/boot/vmlinuz-*}): apt-get install linux-image-amd64" >&2
  exit 2
fi
version=${kernel#*/vmlinuz-}
modules=/lib/modules/$version
for tool in qemu-system-x86_64 modprobe gzip; do
  command -v "$tool" >/dev/null || { echo "vm-v2: $tool not found: apt-get install qemu-system-x86 kmod gzip" >&2; exit 2; }
done
# The initramfs's busybox: Debian's busybox-static, unpacked (apt-get download)
# into build/vm/ rather than installed, since a busybox on PATH would change
# the default rootfs scripts/build-rootfs.sh builds for the main suite.
busybox=${VM_BUSYBOX:-$checkout/build/vm/busybox}
if [ ! -x "$busybox" ]; then
  mkdir -p "$checkout/build/vm"
  fetch=$(mktemp -d "$checkout/build/vm/fetch.XXXXXX")
  (cd "$fetch" && apt-get download -q busybox-static >/dev/null 2>&1 && dpkg-deb -x busybox-static_*.deb x) \
    || { rm -rf "$fetch"; echo "vm-v2: could not fetch busybox-static (apt-get download busybox-static; apt-get update first?), or set VM_BUSYBOX to a static busybox" >&2; exit 2; }
  mv "$fetch/x/bin/busybox" "$busybox"
  rm -rf "$fetch"
fi
# A dynamic busybox (Debian's "busybox") would find no libc in the initramfs.
if ! "$busybox" --list 2>/dev/null | grep -qx switch_root || readelf -l "$busybox" | grep -q "program interpreter"; then
  echo "vm-v2: $busybox is not a static busybox with switch_root: unset VM_BUSYBOX to fetch Debian's busybox-static" >&2
  exit 2
fi
[ -d "$modules" ] || { echo "vm-v2: $modules is missing (the modules of $kernel): reinstall linux-image-amd64" >&2; exit 2; }

work=$(mktemp -d /tmp/ctr-tui-vm-v2.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=$work/out
mkdir -p "$out" "$work/initramfs"

# --- the initramfs: busybox, the 9p modules in dependency order, /init
ird=$work/initramfs
mkdir -p "$ird/bin" "$ird/proc" "$ird/sys" "$ird/dev" "$ird/newroot" "$ird/modules"
cp "$busybox" "$ird/bin/busybox"
for module in virtio_pci 9pnet_virtio 9p; do
  modprobe -S "$version" --show-depends "$module"
done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' > "$work/module-paths"
: > "$ird/modules/order"
while read -r ko; do
  base=$(basename "$ko")
  case $ko in
    *.zst) zstd -dq "$ko" -o "$ird/modules/${base%.zst}"; base=${base%.zst} ;;
    *.xz) xz -dc "$ko" > "$ird/modules/${base%.xz}"; base=${base%.xz} ;;
    *) cp "$ko" "$ird/modules/$base" ;;
  esac
  echo "$base" >> "$ird/modules/order"
done < "$work/module-paths"
cp "$checkout/test/vm-v2/init.sh" "$ird/init"
chmod +x "$ird/init"
(cd "$ird" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1) > "$work/initramfs.gz"

# --- boot. The guest reads its orders from the kernel command line (unknown
# name=value words become init's environment) and writes its results to the
# "out" share.
suites=${VM_SUITES:-v2 main}
cmdline="console=ttyS0 loglevel=1 panic=-1 CTR_CHECKOUT=$checkout CTR_VM_SUITES=$(echo "$suites" | tr ' ' ,)"
echo "vm-v2: booting $kernel under qemu (tcg, ${VM_CPUS:-2} cpus, ${VM_MEMORY:-2048} MiB); suites: $suites"
started=$(date +%s)
set +e
timeout --foreground -k 10 "${VM_TIMEOUT:-1200}" qemu-system-x86_64 \
  -accel tcg -cpu max -smp "${VM_CPUS:-2}" -m "${VM_MEMORY:-2048}" \
  -kernel "$kernel" -initrd "$work/initramfs.gz" -append "$cmdline" \
  -display none -monitor none -serial stdio -nic none -no-reboot \
  -virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
  -virtfs "local,path=$checkout,mount_tag=proj,security_model=passthrough,multidevs=remap" \
  -virtfs "local,path=$out,mount_tag=out,security_model=passthrough" \
  < /dev/null
qemu_status=$?
set -e
took=$(( $(date +%s) - started ))

if [ ! -f "$out/status" ]; then
  echo "vm-v2: the VM reported no result (qemu exited with $qemu_status after ${took} s; see the console above)"
  exit 3
fi
# status holds KEY=VALUE lines written by inside.sh.
get() { sed -n "s/^$1=//p" "$out/status" | tail -1; }
status=$(get status)
echo "vm-v2: kernel $(get kernel), cgroup $(get cgroup) ($(get controllers)); $(get summary); ${took} s in all"
exit "${status:-3}"
