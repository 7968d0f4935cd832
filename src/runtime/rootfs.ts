import { existsSync, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { RuntimeError, UsageError } from './errors.js';
import { defaultRootfs } from './paths.js';

/** Where `rootfs import` keeps the root filesystems it installs. */
export const rootfsLibrary = process.env.CTR_TUI_ROOTFS_DIR || '/var/lib/ctr-tui/rootfs';

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

/** Where a container path leads in a rootfs: `resolved` is the path with every symlink followed; `exists` false from the first missing part on. */
export interface RootfsPath {
  resolved: string;
  exists: boolean;
  /** The part of `resolved` that is a file (not a directory) with more of the path below it, if any. */
  belowFile?: string;
}

/**
 * Follows `file` (an absolute path as the container sees it) through the
 * rootfs, resolving symlinks as the container would: an absolute target
 * (/bin/sh -> /bin/busybox, /var/run -> /run) is inside the rootfs, never
 * the host's. Null after 40 symlinks (ELOOP, as the kernel counts).
 */
export function resolveInRootfs(rootfs: string, file: string): RootfsPath | null {
  const pending = file.split('/').filter(Boolean);
  const at: string[] = [];
  const rest = () => path.posix.normalize(`/${[...at, ...pending].join('/')}`);
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
      at.push(part);
      return { resolved: rest(), exists: false };
    }
    if (!st.isSymbolicLink()) {
      at.push(part);
      if (!st.isDirectory() && pending.length) return { resolved: rest(), exists: false, belowFile: `/${at.join('/')}` };
      continue;
    }
    if (++links > 40) return null;
    const target = readlinkSync(path.join(rootfs, ...at, part));
    if (target.startsWith('/')) at.length = 0;
    pending.unshift(...target.split('/').filter(Boolean));
  }
  return { resolved: `/${at.join('/')}`, exists: true };
}

/** Whether `file` (an absolute path as the container sees it) exists in the rootfs (see resolveInRootfs). */
export function existsInRootfs(rootfs: string, file: string): boolean {
  return resolveInRootfs(rootfs, file)?.exists ?? false;
}
