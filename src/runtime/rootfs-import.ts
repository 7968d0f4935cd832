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
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
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

type Compression = 'gzip' | 'xz' | 'bzip2' | 'zstd';

/** The compression a file's first bytes name, if any. */
function compressionOf(file: string): Compression | null {
  const head = Buffer.alloc(6);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'zstd';
  return null;
}

/**
 * The tarball's bytes, decompressed: gzip by zlib, xz, bzip2 and zstd by
 * their own tools; `checked` settles once the tool has said whether the
 * whole file was good (a truncated one can still yield a few entries).
 */
function decompressed(file: string, compression: Compression | null): { source: Readable; gunzip: Duplex | null; checked: Promise<void> } {
  if (compression === null) return { source: createReadStream(file), gunzip: null, checked: Promise.resolve() };
  if (compression === 'gzip') return { source: createReadStream(file), gunzip: createGunzip(), checked: Promise.resolve() };
  const child = spawn(compression, ['-dc', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const out = child.stdout;
  const checked = new Promise<void>((resolve, reject) => {
    child.on('error', (e) => {
      const error = new RuntimeError(`cannot run ${compression} to decompress ${file}: ${e.message}`);
      out.destroy(error);
      reject(error);
    });
    child.on('close', (code) => {
      if (code === 0) return resolve();
      // "xz: /path/f.tar.xz: Unexpected end of input": what is wrong, without the path.
      const said = stderr.trim().split('\n')[0]?.split(': ').pop() || `exit ${code}`;
      const error = new UsageError(`${file} is a damaged or truncated ${compression} file (${compression}: ${said})`);
      out.destroy(error);
      reject(error);
    });
  });
  checked.catch(() => undefined);  // Awaited after the pipeline; a failure may come first.
  return { source: out, gunzip: null, checked };
}

/** zlib's failures as what is wrong with the file (gzip's own words: "unexpected end of file" is a truncated one). */
function gzipProblem(file: string, error: NodeJS.ErrnoException): UsageError | null {
  if (error.code === 'Z_BUF_ERROR') return new UsageError(`${file} is truncated: its gzip stream ends early`);
  if (error.code?.startsWith('Z_')) return new UsageError(`${file} is a damaged gzip file (${error.message})`);
  return null;
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
  const filter = (entryPath: string, read: Stats | ReadEntry): boolean => {
    const entry = read as ReadEntry;  // extracting: always a ReadEntry
    entries++;
    lastGood = entryPath;
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
  // What node-tar found wrong with the archive itself, said in our own words below.
  let notTar = false;
  let truncatedIn: string | null = null;
  let damagedAfter: string | null = null;
  let unreadable: string | null = null;
  let lastGood = '';
  const onwarn: TarOptionsWithAliases['onwarn'] = (code, message, data) => {
    const where = String((data.entry as ReadEntry | undefined)?.path ?? data.path ?? '');
    if (code === 'TAR_ENTRY_INFO') return;  // "stripping / from an absolute path": as tar does
    if (code === 'TAR_BAD_ARCHIVE' || data.tarCode === 'TAR_BAD_ARCHIVE') {
      if (/^Truncated input/.test(message)) truncatedIn ??= where || 'an entry';
      else if (/Unrecognized archive format/.test(message)) notTar = true;
      else unreadable ??= message;
      return;
    }
    if (code === 'TAR_ENTRY_INVALID') {
      damagedAfter ??= lastGood;  // a header that fails its checksum, has no path or bad numbers: the archive is damaged
      return;
    }
    if (/invalid|truncated|unexpected end/i.test(message)) {
      unreadable ??= message;
      return;
    }
    if (/symbolic link|symlink/i.test(message)) skip('through', where);
    else if (/\.\.|escapes/.test(message)) skip('outside', where);
    else skip('failed', `${where}: ${String(data.code ?? code)}`);
  };
  // The archive's own bytes (decompressed), counted, with the first two blocks kept:
  // a tar of no files is zero blocks, which node-tar calls unrecognised; tell it from junk.
  let head = Buffer.alloc(0);
  let size = 0;
  const zeroBlocks = () => head.length > 0 && head.every((b) => b === 0);
  const compression = compressionOf(file);
  const held = compression ? `what its ${compression} stream holds` : 'it';
  /** The one line for what is wrong with the archive, or null when nothing is. */
  const problem = (): UsageError | null => {
    if (size === 0) return new UsageError(compression ? `${file} is empty: its ${compression} stream holds nothing` : `${file} is empty (0 bytes)`);
    if (entries === 0 && zeroBlocks()) return new UsageError(`${file} is empty: a tar archive of no files`);
    if (truncatedIn) return new UsageError(`${file} is truncated: it ends inside ${truncatedIn}`);
    if (damagedAfter) return new UsageError(`${file} is damaged: the tar header after ${damagedAfter} is not a valid one`);
    if (notTar || damagedAfter === '') return new UsageError(`${file} is not a tar archive: ${held} has no tar header at its start`);
    if (unreadable) return new UsageError(`${file} is not a readable tar archive: ${unreadable}`);
    if (size % 512 !== 0 && entries > 0) return new UsageError(`${file} is truncated: it ends inside a tar header (${size} bytes, not whole 512-byte blocks)`);
    if (entries === 0) return new UsageError(`${file} is empty: a tar archive of no files`);
    return null;
  };
  const oldUmask = process.umask(0);  // the tarball's own modes (a sticky 1777 /tmp), in a root-only library
  let checked = Promise.resolve();
  try {
    const { source, gunzip, checked: toolChecked } = decompressed(file, compression);
    checked = toolChecked;
    const tarBytes = gunzip ?? source;
    tarBytes.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (head.length < 1024) head = Buffer.concat([head, chunk.subarray(0, 1024 - head.length)]);
    });
    const unpack = extract({
      cwd: staging, preserveOwner: false, strict: false, filter, onwarn, maxDepth: 256, dmode: 0o755, fmode: 0o644,
    });
    await (gunzip ? pipeline(source, gunzip, unpack) : pipeline(source, unpack));
    await checked;
    const wrong = problem();
    if (wrong) throw wrong;
    makeSymlinks(staging, links, skip);
    if (!existsInRootfs(staging, '/bin/sh') && !existsInRootfs(staging, '/usr/bin/sh')) {
      throw new UsageError(`${file} does not look like a root filesystem (no /bin/sh in it)`);
    }
    chmodSync(staging, 0o755);
    renameSync(staging, target);
    return { target, skipped };
  } catch (error) {
    if (error instanceof UsageError || error instanceof RuntimeError) throw error;
    await checked;  // a tool that failed says so first: what tar made of its output follows from that
    const e = error as NodeJS.ErrnoException & { entry?: ReadEntry };
    const gzip = compression === 'gzip' ? gzipProblem(file, e) : null;
    if (gzip) throw gzip;
    if (e.code === 'TAR_BAD_ARCHIVE') {
      // Not recoverable, so thrown rather than warned: a truncated entry, or no tar at all.
      if (/^(TAR_BAD_ARCHIVE: )?Truncated input/.test(e.message)) truncatedIn ??= e.entry?.path ?? 'an entry';
      else if (/Unrecognized archive format/.test(e.message)) notTar = true;
      throw problem() ?? new UsageError(`${file} is not a readable tar archive: ${e.message.replace(/^[A-Z_]+: /, '')}`);
    }
    throw new RuntimeError(`cannot import ${file} into ${staging}: ${e.message}`);
  } finally {
    process.umask(oldUmask);
    rmSync(staging, { recursive: true, force: true });
  }
}
