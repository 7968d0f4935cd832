import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { RuntimeError, UsageError } from './errors.js';
import { defaultRootfs } from './paths.js';

/** Where `rootfs import` keeps the root filesystems it installs. */
export const rootfsLibrary = process.env.CTR_TUI_ROOTFS_DIR ?? '/var/lib/ctr-tui/rootfs';

/** A --rootfs value: a directory, or the name of an imported rootfs. */
export function resolveRootfs(value: string | undefined): string {
  if (value === undefined) {
    if (!existsSync(defaultRootfs)) {
      throw new RuntimeError(`the default rootfs ${defaultRootfs} is missing: run "npm run build:rootfs" (npm ci builds it)`);
    }
    return defaultRootfs;
  }
  const candidate = value.includes('/') || value === '.' || value === '..' ? path.resolve(value) : path.join(rootfsLibrary, value);
  let stat;
  try {
    stat = statSync(candidate);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') {
      throw new UsageError(`rootfs "${value}" is too long: ${Buffer.byteLength(candidate)} bytes, and the kernel takes paths under 4096`);
    }
    throw new UsageError(`rootfs "${value}" not found: give a directory or the name of an imported rootfs (ctr-tui rootfs ls)`);
  }
  if (!stat.isDirectory()) throw new UsageError(`rootfs "${value}" is not a directory`);
  if (candidate === '/') throw new UsageError('the host\'s own / cannot be a container\'s rootfs');
  return candidate;
}

/** The shell a rootfs offers: bash where it has one, otherwise sh. */
export function defaultShell(rootfs: string): string {
  for (const shell of ['/bin/bash', '/bin/sh']) {
    if (existsInRootfs(rootfs, shell)) return shell;
  }
  throw new UsageError(`rootfs ${rootfs} has no /bin/sh: give a command to run, or another --rootfs`);
}

export function listImported(): string[] {
  return existsSync(rootfsLibrary) ? readdirSync(rootfsLibrary).filter((n) => !n.startsWith('.')).sort() : [];
}

/**
 * Whether `file` (an absolute path as the container sees it) exists in the
 * rootfs, resolving symlinks as the container would: an absolute target
 * (/bin/sh -> /bin/busybox) is inside the rootfs, never the host's.
 */
export function existsInRootfs(rootfs: string, file: string): boolean {
  const pending = file.split('/').filter(Boolean);
  const at: string[] = [];
  for (let links = 0; pending.length;) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      at.pop();
      continue;
    }
    let st;
    try {
      st = lstatSync(path.join(rootfs, ...at, part));
    } catch {
      return false;
    }
    if (!st.isSymbolicLink()) {
      at.push(part);
      continue;
    }
    if (++links > 40) return false;  // ELOOP, as the kernel counts
    const target = readlinkSync(path.join(rootfs, ...at, part));
    if (target.startsWith('/')) at.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return true;
}
