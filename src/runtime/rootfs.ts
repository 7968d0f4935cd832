import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
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
  } catch {
    throw new UsageError(`rootfs "${value}" not found: give a directory or the name of an imported rootfs (ctr-tui rootfs ls)`);
  }
  if (!stat.isDirectory()) throw new UsageError(`rootfs "${value}" is not a directory`);
  if (candidate === '/') throw new UsageError('the host\'s own / cannot be a container\'s rootfs');
  return candidate;
}

/** The shell a rootfs offers: bash where it has one, otherwise sh. */
export function defaultShell(rootfs: string): string {
  for (const shell of ['/bin/bash', '/bin/sh']) {
    if (existsSync(path.join(rootfs, shell))) return shell;
  }
  throw new UsageError(`rootfs ${rootfs} has no /bin/sh: give a command to run, or another --rootfs`);
}

export function listImported(): string[] {
  return existsSync(rootfsLibrary) ? readdirSync(rootfsLibrary).filter((n) => !n.startsWith('.')).sort() : [];
}

/** A name from the tarball's file name: alpine-minirootfs-3.20.tar.gz -> alpine-minirootfs-3.20. */
export function nameFromTarball(file: string): string {
  return path.basename(file).replace(/\.(tar(\.(gz|xz|bz2|zst))?|tgz|txz)$/, '');
}

/** Unpacks a rootfs tarball (any compression tar knows) into the library. */
export function importRootfs(file: string, name = nameFromTarball(file)): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new UsageError(`invalid rootfs name "${name}": use letters, digits, '.', '_' and '-' (--name NAME)`);
  }
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`no such file: ${file}`);
  const target = path.join(rootfsLibrary, name);
  if (existsSync(target)) throw new UsageError(`a rootfs named ${name} is already imported: remove ${target} or pick --name`);
  mkdirSync(rootfsLibrary, { recursive: true });
  const staging = path.join(rootfsLibrary, `.${name}.importing-${process.pid}`);
  mkdirSync(staging);
  try {
    const tar = spawnSync('tar', ['--numeric-owner', '--no-same-owner', '-xf', path.resolve(file), '-C', staging], { encoding: 'utf8' });
    if (tar.error) throw new RuntimeError(`cannot run tar: ${tar.error.message}`);
    if (tar.status !== 0) throw new UsageError(`${file} is not a readable tar archive: ${tar.stderr.trim().split('\n')[0]}`);
    const top = readdirSync(staging);
    if (!top.length) throw new UsageError(`${file} is empty`);
    if (!existsSync(path.join(staging, 'bin/sh')) && !existsSync(path.join(staging, 'usr/bin/sh'))) {
      throw new UsageError(`${file} does not look like a root filesystem (no /bin/sh in it)`);
    }
    renameSync(staging, target);
    return target;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
