#!/bin/busybox sh
# /init of scripts/vm-v2.sh's initramfs: load the 9p modules, mount the
# host's root (read-only) with this checkout (read-write) and the results
# share on it, then switch_root into it (never chroot: under a chroot the
# containers' mount table shows the initramfs's paths and /dev/ptmx fails
# with ENODEV) and run test/vm-v2/inside.sh there as PID 1.
/bin/busybox --install -s /bin
export PATH=/bin
fail() {
  echo "vm-v2 init: $*"
  echo o > /proc/sysrq-trigger
  sleep 60
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r module; do
  insmod "/modules/$module" || fail "insmod $module failed"
done < /modules/order
[ -n "${CTR_CHECKOUT:-}" ] || fail "no CTR_CHECKOUT= on the kernel command line"
new=/newroot
opts=trans=virtio,version=9p2000.L,msize=512000
# The host's root does not change under the guest: let the guest cache it.
mount -t 9p -o "$opts,ro,cache=loose" host "$new" || fail "mount of the host's root (9p tag host) failed"
for spec in tmp:1777 var/tmp:1777 run:0755 root:0700; do
  mount -t tmpfs -o "mode=${spec#*:}" tmpfs "$new/${spec%:*}" || fail "tmpfs on /${spec%:*} failed"
done
# After the tmpfs mounts: a checkout under /tmp, /run or /root (CI's may be) would be hidden by them.
mkdir -p "$new$CTR_CHECKOUT" 2>/dev/null
mount -t 9p -o "$opts,cache=loose" proj "$new$CTR_CHECKOUT" || fail "mount of the checkout on $CTR_CHECKOUT failed"
mkdir -p "$new/run/vm-v2-out"
mount -t 9p -o "$opts" out "$new/run/vm-v2-out" || fail "mount of the results share failed"
for fs in proc sys dev; do
  mount --move "/$fs" "$new/$fs" || fail "mount --move /$fs failed"
done
mkdir -p "$new/dev/pts" && mount -t devpts -o newinstance,ptmxmode=0666 devpts "$new/dev/pts"
mkdir -p "$new/dev/shm" && mount -t tmpfs tmpfs "$new/dev/shm"
exec switch_root "$new" /bin/sh "$CTR_CHECKOUT/test/vm-v2/inside.sh"
