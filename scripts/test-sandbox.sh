#!/bin/sh
# Runs the tests (or, with "bench", the benchmarks) as root inside a throwaway
# network and mount namespace, so that nothing they make can touch the host's
# own interfaces or mounts. The namespaces die with the command.
set -eu
if [ "$(id -u)" != 0 ]; then
  echo "ctr-tui tests need root (they make real namespaces, cgroups and veths): run 'sudo npm test'" >&2
  exit 2
fi
what=${1:-test}
exec unshare --net --mount --propagation private -- sh -eu -c '
  ip link set lo up
  mount -t tmpfs ctr-tui-test-state /run
  if [ "$0" = bench ]; then exec node --import=tsx bench/index.ts; fi
  exec npx ava
' "$what"
