import { closeSync, constants, existsSync, fchownSync, fdatasyncSync, fstatSync, fsyncSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { RuntimeError, UsageError } from '../runtime/errors.js';
import { STATE_TRACK_VERSION, type CtrTuiHeader } from './state-track.js';

export interface CastHeaderOptions {
  width: number;
  height: number;
  title?: string;
  /** Whether the file holds a state track (then the header says so: "ctr_tui":{"state_track":1}). */
  stateTrack?: boolean;
}

export interface CastOpenOptions {
  /** Replace an existing file; without it an existing file is an error and is left alone. */
  force?: boolean;
}

/**
 * Refuses, before anything else is done, a target that exists (without `force`) or whose
 * directory does not: the same lines as open() would give, with nothing made yet.
 */
export function checkRecordingTarget(file: string, options: CastOpenOptions = {}): void {
  if (!options.force && existsSync(file)) throw new UsageError(`${file} already exists: give another file name, or -f to overwrite it`);
  if (!existsSync(path.dirname(path.resolve(file)))) throw new UsageError(`cannot record to ${file}: the directory ${path.dirname(path.resolve(file))} does not exist`);
}

/** How often written lines are flushed to the disk (fdatasync) while recording. */
const syncEveryMs = 5000;

/**
 * An asciicast v2 file being written. Every line (the header, each event) is written whole
 * with one write(2) on an O_APPEND descriptor (close-on-exec, as Node opens every file), so a recorder killed at any moment, or a power
 * loss after the last fdatasync, leaves a valid file up to its last complete line. Written lines
 * are fdatasync'ed every 5 s while something was written, and fsync'ed on close.
 */
export class CastWriter {
  readonly path: string;
  private fd: number | null;
  private readonly started: number;
  private dirty = false;
  private readonly syncTimer: NodeJS.Timeout;
  private readonly onExit = () => this.close();
  /** Bytes written so far. */
  bytes = 0;

  private constructor(file: string, fd: number, header: CastHeaderOptions) {
    this.path = file;
    this.fd = fd;
    this.started = performance.now();
    const line: Record<string, unknown> = {
      version: 2,
      width: header.width,
      height: header.height,
      timestamp: Math.floor(Date.now() / 1000),
      ...(header.title ? { title: header.title } : {}),
      env: { TERM: process.env.TERM ?? 'xterm-256color', SHELL: process.env.SHELL ?? '/bin/sh' },
    };
    if (header.stateTrack) line.ctr_tui = { state_track: STATE_TRACK_VERSION } satisfies CtrTuiHeader;
    this.writeLine(JSON.stringify(line));
    this.syncTimer = setInterval(() => this.sync(), syncEveryMs);
    this.syncTimer.unref();
    // A process.exit (a signal, a crash) still flushes what was recorded.
    process.once('exit', this.onExit);
  }

  /** Creates `file` (never over an existing one unless `force`) and writes the header line. */
  static open(file: string, header: CastHeaderOptions, options: CastOpenOptions = {}): CastWriter {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | (options.force ? constants.O_TRUNC : constants.O_EXCL);
    let fd: number;
    try {
      fd = openSync(file, flags, 0o644);
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') throw new UsageError(`${file} already exists: give another file name, or -f to overwrite it`);
      if (e.code === 'ENOENT') throw new UsageError(`cannot record to ${file}: the directory ${path.dirname(path.resolve(file))} does not exist`);
      if (e.code === 'EISDIR') throw new UsageError(`cannot record to ${file}: it is a directory (give a file name with -o FILE.cast)`);
      throw new RuntimeError(`cannot record to ${file}: open failed: ${e.message}`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new UsageError(`cannot record to ${file}: not a regular file`);
      // Under sudo the file is the teacher's, as if they had made it.
      const uid = Number(process.env.SUDO_UID);
      const gid = Number(process.env.SUDO_GID);
      if (Number.isInteger(uid) && uid > 0 && Number.isInteger(gid) && process.getuid?.() === 0) fchownSync(fd, uid, gid);
      return new CastWriter(file, fd, header);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Seconds since the header was written. */
  elapsed(): number {
    return (performance.now() - this.started) / 1000;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  /** One event line: [seconds, code, data]. Ignored once closed. */
  event(code: string, data: unknown): void {
    if (this.fd === null) return;
    const t = Math.round(this.elapsed() * 1e6) / 1e6;
    this.writeLine(JSON.stringify([t, code, data]));
  }

  output(data: string): void {
    if (data.length) this.event('o', data);
  }

  input(data: string): void {
    if (data.length) this.event('i', data);
  }

  resize(cols: number, rows: number): void {
    this.event('r', `${cols}x${rows}`);
  }

  marker(label: string): void {
    this.event('m', label);
  }

  /** fsync and close; returns the bytes written. Safe to call twice. */
  close(): number {
    if (this.fd === null) return this.bytes;
    const fd = this.fd;
    this.fd = null;
    clearInterval(this.syncTimer);
    process.off('exit', this.onExit);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return this.bytes;
  }

  private sync(): void {
    if (this.fd === null || !this.dirty) return;
    this.dirty = false;
    fdatasyncSync(this.fd);
  }

  private writeLine(line: string): void {
    const buffer = Buffer.from(`${line}\n`, 'utf8');
    // One write(2) for the line: on a regular file it is written whole (short only when the disk is full).
    let done = 0;
    while (done < buffer.length) done += writeSync(this.fd as number, buffer, done, buffer.length - done);
    this.bytes += buffer.length;
    this.dirty = true;
  }
}
