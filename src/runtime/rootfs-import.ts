// `ctr-tui rootfs import`: a stranger's tarball becomes a rootfs, treated as
// hostile. What the host itself would otherwise be given is left out:
// - no device nodes, fifos or sockets (a block device in a rootfs would be a
//   raw disk for any host user who can reach it); they are skipped, and said so;
// - no setuid or setgid bits (a setuid file would run as root for any host user);
// - no path outside the target: node-tar refuses "..", strips a leading "/",
//   and never writes through a symlink; symlinks themselves are made last,
//   once every file is written, so nothing is written through one of them;
// - everything owned by root, whatever uid the tarball names: the containers
//   run as root, and a file owned by the uid a host user has would let that
//   user change what the containers run.
// The library directory is root's only (0700), as docker's /var/lib/docker is.
import { spawn } from 'node:child_process';
import {
  chmodSync, closeSync, createReadStream, existsSync, lstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, type Stats,
} from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type ReadEntry, type TarOptionsWithAliases } from 'tar';
import { RuntimeError, UsageError } from './errors.js';
import { namePattern } from './names.js';
import { existsInRootfs, rootfsLibrary } from './rootfs.js';

/** A name from the tarball's file name: alpine-minirootfs-3.20.tar.gz -> alpine-minirootfs-3.20. */
export function nameFromTarball(file: string): string {
  return path.basename(file).replace(/\.(tar(\.(gz|xz|bz2|zst))?|tgz|txz)$/, '');
}

/** Why an entry was left out: [one, several]. */
const reasons = {
  device: ['device node', 'device nodes'],
  fifo: ['fifo', 'fifos'],
  outside: ['path outside the rootfs', 'paths outside the rootfs'],
  through: ['write through a symlink', 'writes through a symlink'],
  symlinkBelow: ['symlink below a symlink or a file', 'symlinks below a symlink or a file'],
  symlinkOver: ['symlink over a directory', 'symlinks over a directory'],
  failed: ['entry that could not be made', 'entries that could not be made'],
} as const;
export type SkipReason = keyof typeof reasons;

/** What an import left out, by reason, each with the tarball's paths. */
export type Skipped = Map<SkipReason, string[]>;

export interface Imported {
  target: string;
  skipped: Skipped;
}

/** One line: "skipped 3 entries ...: 2 device nodes (./dev/sda, ./dev/null); 1 fifo (./run/x)", or null. */
export function describeSkipped(skipped: Skipped): string | null {
  const total = [...skipped.values()].reduce((n, paths) => n + paths.length, 0);
  if (!total) return null;
  const parts = [...skipped].map(([why, paths]) => {
    const listed = `${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', ...' : ''}`;
    return `${paths.length} ${reasons[why][paths.length === 1 ? 0 : 1]} (${listed})`;
  });
  return `skipped ${total} ${total === 1 ? 'entry' : 'entries'} a rootfs may not bring to the host: ${parts.join('; ')}`;
}

/** Entry types never made on the host. */
const specialTypes: Partial<Record<string, SkipReason>> = { CharacterDevice: 'device', BlockDevice: 'device', FIFO: 'fifo' };

/**
 * The tarball's bytes, decompressed: gzip by node-tar itself, xz, bzip2 and
 * zstd by their own tools; `checked` settles once the tool has said whether
 * the whole file was good (a truncated one can still yield a few entries).
 */
function decompressed(file: string): { stream: Readable; checked: Promise<void> } {
  const head = Buffer.alloc(6);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const tool = head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) ? 'xz'
    : head.subarray(0, 3).toString('latin1') === 'BZh' ? 'bzip2'
      : head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])) ? 'zstd' : null;
  if (!tool) return { stream: createReadStream(file), checked: Promise.resolve() };
  const child = spawn(tool, ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const out = child.stdout;
  const checked = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => {
      const error = new RuntimeError(`cannot run ${tool} to decompress ${file}: ${e.message}`);
      out.destroy(error);
      reject(error);
    });
    child.on('close', (code) => {
      if (code === 0) return resolve();
      const error = new UsageError(`${file} is not a readable tar archive: ${tool}: ${stderr.trim().split('\n')[0] || `exit ${code}`}`);
      out.destroy(error);
      reject(error);
    });
  });
  checked.catch(() => undefined);  // Awaited after the pipeline; a failure may come first.
  return { stream: out, checked };
}

/** An archive path as a relative path inside the target, or null when it would leave it. */
function insidePath(entryPath: string): string | null {
  const parts = entryPath.split('/').filter((p) => p !== '' && p !== '.');
  if (!parts.length || parts.includes('..')) return null;
  return parts.join('/');
}

/**
 * Makes the symlinks, last: each one's parent directories must be real
 * directories inside the target (never another symlink), and a symlink
 * never replaces a directory.
 */
function makeSymlinks(root: string, links: Map<string, string>, skip: (why: SkipReason, p: string) => void): void {
  for (const [relative, target] of links) {
    const parts = relative.split('/');
    let dir = root;
    let ok = true;
    for (const part of parts.slice(0, -1)) {
      dir = path.join(dir, part);
      const st = lstatIfAny(dir);
      if (!st) mkdirSync(dir, { mode: 0o755 });
      else if (!st.isDirectory()) {
        ok = false;
        break;
      }
    }
    if (!ok) {
      skip('symlinkBelow', relative);
      continue;
    }
    const full = path.join(root, relative);
    const existing = lstatIfAny(full);
    if (existing?.isDirectory()) {
      skip('symlinkOver', relative);
      continue;
    }
    if (existing) unlinkSync(full);
    symlinkSync(target, full);
  }
}

function lstatIfAny(p: string) {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** Unpacks a rootfs tarball (plain, gzip, xz, bzip2 or zstd) into the library, as described above. */
export async function importRootfs(file: string, name = nameFromTarball(file)): Promise<Imported> {
  if (!namePattern.test(name)) {
    throw new UsageError(`invalid rootfs name "${name}": use letters, digits, '.', '_' and '-' (--name NAME)`);
  }
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`no such file: ${file}`);
  // Before anything is made: node-tar calls a file of no bytes an unrecognised archive.
  if (statSync(file).size === 0) throw new UsageError(`${file} is empty`);
  const target = path.join(rootfsLibrary, name);
  if (existsSync(target)) throw new UsageError(`a rootfs named ${name} is already imported: remove ${target} or pick --name`);
  mkdirSync(rootfsLibrary, { recursive: true, mode: 0o700 });
  chmodSync(rootfsLibrary, 0o700);
  const staging = path.join(rootfsLibrary, `.${name}.importing-${process.pid}`);
  mkdirSync(staging, { mode: 0o700 });
  const skipped: Skipped = new Map();
  const skip = (why: SkipReason, p: string) => skipped.set(why, [...(skipped.get(why) ?? []), p]);
  const links = new Map<string, string>();
  let entries = 0;
  let unreadable: string | null = null;
  const filter = (entryPath: string, read: Stats | ReadEntry): boolean => {
    const entry = read as ReadEntry;  // extracting: always a ReadEntry
    entries++;
    const relative = insidePath(entryPath);
    const special = specialTypes[entry.type];
    if (special) {
      skip(special, entryPath);
      return false;
    }
    if (relative === null && entry.type !== 'Directory') {
      skip('outside', entryPath);
      return false;
    }
    if (relative !== null) links.delete(relative);  // a later entry of the same path wins, as in tar
    if (entry.type === 'SymbolicLink') {
      links.set(relative!, entry.linkpath ?? '');
      return false;
    }
    if (entry.type === 'Link') {
      const linked = insidePath(entry.linkpath ?? '');
      if (linked !== null && links.has(linked)) {
        // A hard link to a symlink not made yet: the same symlink.
        links.set(relative!, links.get(linked)!);
        return false;
      }
    }
    if (typeof entry.mode === 'number') entry.mode &= ~0o6000;  // no setuid, no setgid
    return true;
  };
  const onwarn: TarOptionsWithAliases['onwarn'] = (code, message, data) => {
    const where = String((data.entry as ReadEntry | undefined)?.path ?? data.path ?? '');
    if (code === 'TAR_ENTRY_INFO') return;  // "stripping / from an absolute path": as tar does
    if (code === 'TAR_BAD_ARCHIVE' || data.tarCode === 'TAR_BAD_ARCHIVE' || /invalid|truncated|unexpected end/i.test(message)) {
      unreadable ??= message;
      return;
    }
    if (/symbolic link|symlink/i.test(message)) skip('through', where);
    else if (/\.\.|escapes/.test(message)) skip('outside', where);
    else skip('failed', `${where}: ${String(data.code ?? code)}`);
  };
  // A tar of no files is zero blocks, which node-tar calls unrecognised: tell it from junk.
  let head = Buffer.alloc(0);
  const empty = () => entries === 0 && head.length === 1024 && head.every((b) => b === 0);
  const oldUmask = process.umask(0);  // the tarball's own modes (a sticky 1777 /tmp), in a root-only library
  try {
    const { stream: source, checked } = decompressed(file);
    source.on('data', (chunk: Buffer) => {
      if (head.length < 1024) head = Buffer.concat([head, chunk.subarray(0, 1024 - head.length)]);
    });
    await pipeline(source, extract({
      cwd: staging, preserveOwner: false, strict: false, filter, onwarn, maxDepth: 256, dmode: 0o755, fmode: 0o644,
    }));
    await checked;
    if (empty()) throw new UsageError(`${file} is empty`);
    if (unreadable) throw new UsageError(`${file} is not a readable tar archive: ${unreadable}`);
    if (entries === 0) throw new UsageError(`${file} is empty`);
    makeSymlinks(staging, links, skip);
    if (!existsInRootfs(staging, '/bin/sh') && !existsInRootfs(staging, '/usr/bin/sh')) {
      throw new UsageError(`${file} does not look like a root filesystem (no /bin/sh in it)`);
    }
    chmodSync(staging, 0o755);
    renameSync(staging, target);
    return { target, skipped };
  } catch (error) {
    if (error instanceof UsageError || error instanceof RuntimeError) throw error;
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'TAR_BAD_ARCHIVE' && empty()) throw new UsageError(`${file} is empty`);
    if (e.code === 'TAR_BAD_ARCHIVE' || e.code === 'Z_DATA_ERROR' || /zlib|gzip|header/i.test(e.message)) {
      throw new UsageError(`${file} is not a readable tar archive: ${e.message.replace(/^[A-Z_]+: /, '')}`);
    }
    throw new RuntimeError(`cannot import ${file} into ${staging}: ${e.message}`);
  } finally {
    process.umask(oldUmask);
    rmSync(staging, { recursive: true, force: true });
  }
}
