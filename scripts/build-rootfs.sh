#!/bin/sh
# Builds the default container root filesystem from the host's own binaries.
# Nothing is downloaded.
#
#   sh scripts/build-rootfs.sh DIR
#
# - With a static busybox on PATH: DIR/bin/busybox plus one symlink per applet.
# - Otherwise: a set of host programs (a teaching shell's worth), every shared
#   library they need (found with ldd, loader included, at the same paths as
#   on the host), and the terminfo entries that common TERM values need.
#
# Either way DIR gets the usual directory skeleton and a few files in etc/.
# The tree is built in DIR.tmp.$$ and then swapped in place of DIR, so running
# it again replaces DIR and never leaves a half-built tree behind.
set -eu

LC_ALL=C
export LC_ALL

die() {
  echo "build-rootfs: $*" >&2
  exit 1
}

[ $# -eq 1 ] && [ -n "$1" ] || {
  echo "usage: sh scripts/build-rootfs.sh DIR" >&2
  exit 2
}

DIR=${1%/}
[ -n "$DIR" ] || die "refusing to build into /"
case $DIR in /) die "refusing to build into /" ;; esac

parent=$(dirname -- "$DIR")
[ -d "$parent" ] || die "parent directory $parent does not exist"
abs=$(cd -- "$parent" && pwd -P)/$(basename -- "$DIR")
[ "$abs" != / ] || die "refusing to build into /"

# Never delete a tree that has something mounted inside it (a leftover
# container /proc or bind mount would be walked into by rm -rf).
check_no_mounts() {
  while read -r _id _parent _dev _root mp _rest; do
    case $mp in
      "$1" | "$1"/*) die "$mp is a mount point inside $1: unmount it first" ;;
    esac
  done </proc/self/mountinfo
}
check_no_mounts "$abs"

TMP=$abs.tmp.$$
OLD=$abs.old.$$
cleanup() {
  rm -rf --one-file-system -- "$TMP" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

rm -rf -- "$TMP"
mkdir -p -- "$TMP"

# ---------------------------------------------------------------- skeleton
for d in bin sbin usr/bin usr/sbin lib lib64 etc proc sys dev tmp root home run \
  var/shared_folder; do
  mkdir -p "$TMP/$d"
done
chmod 1777 "$TMP/tmp"
chmod 0700 "$TMP/root"

# ---------------------------------------------------------------- helpers
# find_prog NAME: the first executable regular file called NAME in the usual
# directories (not `command -v`: that reports shell builtins such as echo).
find_prog() {
  for dir in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
    if [ -f "$dir/$1" ] && [ -x "$dir/$1" ]; then
      echo "$dir/$1"
      return 0
    fi
  done
  return 1
}

# is_static FILE: true if FILE is a statically linked executable.
is_static() {
  if command -v ldd >/dev/null 2>&1; then
    out=$(ldd "$1" 2>&1 || true)
    case $out in
      *"not a dynamic executable"* | *"statically linked"*) return 0 ;;
    esac
    return 1
  fi
  if command -v file >/dev/null 2>&1; then
    case $(file -L "$1") in *"statically linked"* | *"static-pie linked"*) return 0 ;; esac
  fi
  return 1
}

# copy_file SRC DEST: copy SRC (following symlinks) to DEST inside the tree,
# creating parent directories. Existing files are left alone.
copy_file() {
  [ -e "$TMP$2" ] && return 0
  mkdir -p "$TMP$(dirname -- "$2")"
  cp -L -- "$1" "$TMP$2"
}

# libs_of FILE: the absolute paths of the shared objects FILE needs (the
# dynamic loader included). Fails if one of them cannot be found.
libs_of() {
  out=$(ldd "$1" 2>/dev/null) || return 0 # scripts and static binaries
  case $out in *"not found"*) return 1 ;; esac
  printf '%s\n' "$out" | sed -n \
    -e 's/^.*=> \(\/[^ ]*\) (0x[0-9a-f]*)$/\1/p' \
    -e 's/^[[:space:]]*\(\/[^ ]*\) (0x[0-9a-f]*)$/\1/p'
}

count=0

# ---------------------------------------------------------------- programs
bb=$(command -v busybox 2>/dev/null || true)
if [ -n "$bb" ] && is_static "$bb"; then
  mode=busybox
  cp -L -- "$bb" "$TMP/bin/busybox"
  chmod 0755 "$TMP/bin/busybox"
  for applet in $("$TMP/bin/busybox" --list); do
    case $applet in busybox | */*) continue ;; esac
    [ -e "$TMP/bin/$applet" ] || ln -s busybox "$TMP/bin/$applet"
    count=$((count + 1))
  done
  [ -e "$TMP/bin/sh" ] || die "busybox at $bb has no sh applet"
else
  mode=host
  command -v ldd >/dev/null 2>&1 ||
    die "no static busybox on PATH and no ldd to find shared libraries: install busybox-static (or libc-bin)"
  find_prog sh >/dev/null || die "the host has no sh: cannot build a root filesystem"

  # The programs a teaching shell needs. Those the host lacks are skipped.
  PROGS='sh dash bash
    ls cat echo printf ps top free hostname mount umount ip ss sleep env id whoami
    mkdir rmdir rm cp mv ln touch chmod chown grep sed awk head tail wc sort uniq
    uname readlink stat true false kill df du find date dd timeout nproc tr cut
    xargs which clear less more vi ping nc tput stty tty pkill pgrep test basename
    dirname tee seq yes nice nsenter unshare lsns mountpoint mknod'

  seen='
' # lines "realpath name" of the programs already copied
  for name in $PROGS; do
    src=$(find_prog "$name") || continue
    real=$(readlink -f -- "$src")
    libs=$(libs_of "$real") || continue # a library is missing on the host
    # Two names for one file (sh and dash, awk and mawk): copy once, then link.
    first=
    while read -r r n; do
      if [ "$r" = "$real" ]; then first=$n; break; fi
    done <<EOF
$seen
EOF
    if [ -n "$first" ]; then
      ln -s "$first" "$TMP/bin/$name"
    else
      cp -L -- "$real" "$TMP/bin/$name"
      seen="$seen$real $name
"
      for lib in $libs; do
        copy_file "$lib" "$lib"
      done
    fi
    count=$((count + 1))
  done
  [ -x "$TMP/bin/sh" ] || die "could not copy the host's sh"

  # glibc loads libgcc_s at run time (thread cancellation, backtraces).
  for lib in /lib/x86_64-linux-gnu/libgcc_s.so.1 /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 \
    /lib/aarch64-linux-gnu/libgcc_s.so.1 /usr/lib/aarch64-linux-gnu/libgcc_s.so.1 \
    /lib64/libgcc_s.so.1 /usr/lib64/libgcc_s.so.1; do
    if [ -e "$lib" ]; then
      copy_file "$lib" "$lib"
      break
    fi
  done

  # Terminal descriptions, so that TERM works for clear, tput, top, less, vi.
  for term in xterm xterm-256color screen screen-256color tmux tmux-256color linux vt100 vt220 dumb; do
    initial=$(printf '%.1s' "$term")
    for tdir in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
      if [ -e "$tdir/$initial/$term" ]; then
        copy_file "$tdir/$initial/$term" "$tdir/$initial/$term"
        break
      fi
    done
  done
fi

# ---------------------------------------------------------------- etc
for f in /etc/protocols /etc/services; do
  if [ -r "$f" ]; then cp -L -- "$f" "$TMP$f"; fi
done

cat >"$TMP/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$TMP/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
echo container >"$TMP/etc/hostname"
cat >"$TMP/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1	localhost ip6-localhost ip6-loopback
EOF
cat >"$TMP/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files
networks: files
protocols: files
services: files
EOF
ln -s /proc/self/mounts "$TMP/etc/mtab"
cat >"$TMP/etc/shells" <<'EOF'
/bin/sh
/bin/bash
EOF

# Login shells (sh -l, bash -l) read /etc/profile. Interactive sh reads the
# file named by $ENV; interactive bash reads /etc/bash.bashrc.
cat >"$TMP/etc/profile" <<'EOF'
# /etc/profile: read by login shells (sh -l, bash -l).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=${HOME:-/root}
export PATH HOME
[ -n "${TERM-}" ] || { TERM=xterm; export TERM; }
if [ -n "${BASH_VERSION-}" ]; then
  case $- in *i*) [ -r /etc/bash.bashrc ] && . /etc/bash.bashrc ;; esac
else
  ENV=/etc/shrc
  export ENV
  case $- in *i*) . /etc/shrc ;; esac
fi
EOF

if [ "$mode" = busybox ]; then
  # busybox ash understands bash's prompt escapes.
  cat >"$TMP/etc/shrc" <<'EOF'
# /etc/shrc: read by interactive sh (via $ENV).
PS1='\u@\h:\w\$ '
alias ll='ls -l'
EOF
else
  cat >"$TMP/etc/shrc" <<'EOF'
# /etc/shrc: read by interactive sh (dash, via $ENV). dash does not know
# bash's \u \h \w escapes, but it expands $VAR and $(cmd) in PS1, so the
# prompt follows `hostname NEW` and cd.
if [ "$(id -u)" = 0 ]; then _ps1_end='#'; else _ps1_end='$'; fi
PS1="${USER:-$(id -un)}"'@$(hostname):$PWD'"$_ps1_end "
unset _ps1_end
alias ll='ls -l'
EOF
fi

cat >"$TMP/etc/bash.bashrc" <<'EOF'
# /etc/bash.bashrc: read by interactive bash.
[ -z "${PS1-}" ] && return
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
PS1='\u@\h:\w\$ '
alias ls='ls --color=auto'
alias ll='ls -l'
EOF
cat >"$TMP/root/.bashrc" <<'EOF'
[ -r /etc/bash.bashrc ] && . /etc/bash.bashrc
EOF
cat >"$TMP/root/.profile" <<'EOF'
[ -n "${BASH_VERSION-}" ] && [ -r ~/.bashrc ] && . ~/.bashrc
EOF
# vim without its runtime files complains about a missing defaults.vim
# unless there is a vimrc.
cat >"$TMP/root/.vimrc" <<'EOF'
set nocompatible
set backspace=indent,eol,start
set ruler
set showcmd
EOF

# ---------------------------------------------------------------- swap in
check_no_mounts "$abs"
if [ -e "$abs" ] || [ -L "$abs" ]; then
  mv -- "$abs" "$OLD"
  mv -- "$TMP" "$abs"
  rm -rf --one-file-system -- "$OLD"
else
  mv -- "$TMP" "$abs"
fi

size=$(du -sm -- "$abs" | cut -f1)
if [ "$mode" = busybox ]; then
  echo "rootfs: built $DIR from busybox ($count applets, $size MiB)"
else
  echo "rootfs: built $DIR from host binaries ($count programs, $size MiB)"
fi
