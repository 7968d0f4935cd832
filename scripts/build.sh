#!/bin/sh
# Builds everything npm ci needs: the addon, the seed programs, the
# TypeScript and the default rootfs. Incremental, because npm runs the
# install script twice (for the package and for its own bin link).
set -eu
cd "$(dirname "$0")/.."
[ build/Makefile -nt binding.gyp ] || node-gyp configure
node-gyp build
make -s -C programs
tsc -p tsconfig.json
if [ ! -x rootfs/bin/sh ] || [ scripts/build-rootfs.sh -nt rootfs ]; then
  sh scripts/build-rootfs.sh rootfs
fi
