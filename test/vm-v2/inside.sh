#!/bin/sh
# PID 1 of scripts/vm-v2.sh's guest, after switch_root into the host's root:
# mounts a pure cgroup v2 hierarchy (nothing v1), runs the suites named in
# CTR_VM_SUITES (v2: test/vm-v2/*.vm.ts; main: the main suite's quick part),
# writes what it found and their results to /run/vm-v2-out/status for the
# host, then powers the VM off. The VM is the tests' sandbox: its only link
# is lo, and everything it mounts dies with it.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
out=/run/vm-v2-out
status_file=$out/status
say() { echo "vm-v2: $*"; }
record() { echo "$1=$2" >> "$status_file"; }
finish() {
  record status "$1"
  sync
  echo o > /proc/sysrq-trigger
  # No more programs from the shares, which go away as the VM powers off (PID 1 must not exit).
  while :; do :; done
}
: > "$status_file"
cd "$CTR_CHECKOUT" || { say "no checkout at $CTR_CHECKOUT"; finish 3; }

record kernel "$(uname -r)"
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || { say "mount -t cgroup2 failed"; record cgroup none; finish 3; }
if grep -q ' cgroup ' /proc/mounts; then
  say "a v1 hierarchy is mounted: $(grep ' cgroup ' /proc/mounts | tr '\n' ';')"
  record cgroup "v1 and v2"
  finish 3
fi
record cgroup "v2 ($(stat -f -c %T /sys/fs/cgroup) at /sys/fs/cgroup, nothing v1 mounted)"
record controllers "offers: $(cat /sys/fs/cgroup/cgroup.controllers)"
say "kernel $(uname -r); cgroup2 at /sys/fs/cgroup offers: $(cat /sys/fs/cgroup/cgroup.controllers); root subtree_control: '$(cat /sys/fs/cgroup/cgroup.subtree_control)'"
# The runtime's driver enables +memory +pids +cpu itself (the suite checks it does).
ip link set lo up
hostname ctr-tui-vm

# One AVA run; its counts go to the status file as "NAME: N passed, ...".
summaries=
overall=0
run_ava() {
  name=$1; shift
  say "$name: node_modules/.bin/ava $*"
  started=$(date +%s)
  { node_modules/.bin/ava "$@"; echo $? > /tmp/ava.status; } 2>&1 | tee /tmp/ava.log
  code=$(cat /tmp/ava.status 2>/dev/null || echo 3)
  took=$(( $(date +%s) - started ))
  counts=$(grep -oE '^ *[0-9]+ (tests? (passed|failed)|known failures?|tests? skipped|tests? todo|uncaught exceptions?|unhandled rejections?)' /tmp/ava.log | sed 's/^ *//' | paste -sd, - | sed 's/,/, /g')
  summaries="$summaries${summaries:+; }$name: ${counts:-no counts} in ${took} s"
  [ "$code" = 0 ] || overall=1
}
for suite in $(echo "${CTR_VM_SUITES:-v2}" | tr , ' '); do
  case $suite in
    v2) run_ava v2 --config test/vm-v2/ava.config.js ;;
    # The main suite's files that are about cgroups and run in a few minutes here.
    main) run_ava main test/cgroup-v2.test.ts test/cgroup-v1.test.ts test/stats-sampler.test.ts test/size.test.ts --timeout=10m --concurrency=1 ;;
    # How long one process takes here: node itself, then the CLI.
    timing)
      for cmd in 'node -e 0' 'node -e 0' 'node bin/ctr-tui.js --help' 'node bin/ctr-tui.js --help' 'node bin/ctr-tui.js ps'; do
        started=$(date +%s%N)
        $cmd > /dev/null || overall=1
        say "timing: $cmd: $(( ($(date +%s%N) - started) / 1000000 )) ms"
      done ;;
    *) say "unknown suite $suite"; overall=1 ;;
  esac
done
record summary "$summaries"
finish "$overall"
