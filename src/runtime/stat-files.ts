// Low-level helpers for the stats sampler: pseudo-files held open and re-read
// from position 0 into one preallocated buffer, and numbers parsed straight
// from its ASCII bytes (no strings, no per-read allocation).
import { closeSync, openSync, readSync } from 'node:fs';
import { isGone } from './cgroup/common.js';

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const PIPE = 0x7c;

/** The error codes a read or open gets once a cgroup or a link is gone. */
export const isVanished = isGone;

/** Opens read-only (libuv adds O_CLOEXEC); null when the file does not exist. */
export function openIfPresent(path: string): number | null {
  try {
    return openSync(path, 'r');
  } catch (err) {
    if (isVanished(err)) return null;
    throw err;
  }
}

/** Opens `leaf` in the first of `dirs` that has it. */
export function openInDirs(dirs: readonly string[], leaf: string): { fd: number; dir: string } | null {
  for (const dir of dirs) {
    const fd = openIfPresent(`${dir}/${leaf}`);
    if (fd !== null) return { fd, dir };
  }
  return null;
}

export function closeQuietly(fd: number): void {
  if (fd < 0) return;
  try {
    closeSync(fd);
  } catch {
    // Already closed or never valid: nothing to release.
  }
}

/**
 * One read of up to `length` bytes from position 0. Ask for little: a read of
 * 64 KiB costs about 0.8 µs more than one of 64 bytes, for the same few bytes.
 */
export function readOnce(fd: number, buf: Buffer, length: number): number {
  return readSync(fd, buf, 0, length, 0);
}

/**
 * Unsigned decimal at the start of buf[start, end), after blanks; NaN when there
 * is none. Values above 2^53 lose precision, as Number(text) would.
 */
export function parseUint(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && (buf[i] === SPACE || buf[i] === TAB)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i];
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
    digits++;
  }
  return digits === 0 ? Number.NaN : value;
}

/** The text of buf[0, len) equals `word` once trailing whitespace is dropped (e.g. "max\n"). */
export function holdsWord(buf: Uint8Array, len: number, word: string): boolean {
  let end = len;
  while (end > 0 && (buf[end - 1] === NEWLINE || buf[end - 1] === SPACE)) end--;
  if (end !== word.length) return false;
  for (let i = 0; i < end; i++) if (buf[i] !== word.charCodeAt(i)) return false;
  return true;
}

/** The key as bytes, for keyedValue. */
export function keyBytes(key: string): Uint8Array {
  return Buffer.from(key, 'latin1');
}

/**
 * Value of the `key N` line in buf[0, len) (memory.events, memory.oom_control,
 * cpu.stat); 0 when the key is absent, as the cgroup drivers' readKeyed does.
 */
export function keyedValue(buf: Uint8Array, len: number, key: Uint8Array): number {
  let line = 0;
  while (line < len) {
    let match = len - line > key.length;
    for (let k = 0; match && k < key.length; k++) match = buf[line + k] === key[k];
    if (match && (buf[line + key.length] === SPACE || buf[line + key.length] === TAB)) {
      const value = parseUint(buf, line + key.length, len);
      return Number.isNaN(value) ? 0 : value;
    }
    while (line < len && buf[line] !== NEWLINE) line++;
    line++;
  }
  return 0;
}

export function countLines(buf: Uint8Array, len: number): number {
  let lines = 0;
  for (let i = 0; i < len; i++) if (buf[i] === NEWLINE) lines++;
  return lines;
}

/**
 * A reusable read buffer that grows when a file does not fit. readAll loops
 * until a read returns 0, for seq_files such as /proc/net/dev and cgroup.procs,
 * which hand out at most a page per read.
 */
export class ReadBuffer {
  buf: Buffer;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  readAll(fd: number): number {
    let len = 0;
    for (;;) {
      if (len === this.buf.length) {
        const bigger = Buffer.allocUnsafe(this.buf.length * 2);
        this.buf.copy(bigger, 0, 0, len);
        this.buf = bigger;
      }
      const n = readSync(fd, this.buf, len, this.buf.length - len, len);
      if (n === 0) return len;
      len += n;
    }
  }
}

/** One interface's byte counters, as the host sees them. */
export interface LinkCounters {
  readonly name: string;
  rxBytes: number;
  txBytes: number;
  /** Whether the last refresh found the link. */
  present: boolean;
}

interface Slot {
  readonly bytes: Uint8Array;
  readonly counters: LinkCounters[];
}

function hashName(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

function sameName(buf: Uint8Array, start: number, end: number, name: Uint8Array): boolean {
  if (end - start !== name.length) return false;
  for (let i = 0; i < name.length; i++) if (buf[start + i] !== name[i]) return false;
  return true;
}

function findSlot(list: Slot[] | undefined, buf: Uint8Array, start: number, end: number): Slot | undefined {
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) if (sameName(buf, start, end, list[i].bytes)) return list[i];
  return undefined;
}

/** Skips blanks, then parses the digits at i; returns the index after them (the value goes to `parsed`). */
let parsed = 0;
function fieldAt(buf: Uint8Array, i: number, end: number): number {
  while (i < end && buf[i] === SPACE) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = buf[i];
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
  }
  parsed = value;
  return i;
}

/**
 * Byte counters of chosen links, from one held /proc/net/dev.
 *
 * Measured here with 100 veths: one /proc/net/dev (about 12 KiB, 4 reads of
 * up to a page) costs 150-370 µs a tick, 200 sysfs files
 * (/sys/class/net/<veth>/statistics/{rx,tx}_bytes) about 1000 µs. It also
 * shows the links of the sampling process's own network namespace, where the
 * runtime made the host ends, whereas /sys/class/net shows those of the
 * namespace that mounted /sys (the host's, inside `unshare --net`).
 */
export class NetDevTable {
  private fd = -1;
  private readonly slots = new Map<number, Slot[]>();
  private readonly all: LinkCounters[] = [];

  constructor(private readonly path = '/proc/net/dev') {}

  get tracked(): number {
    return this.all.length;
  }

  track(name: string): LinkCounters {
    const bytes = Buffer.from(name, 'latin1');
    const hash = hashName(bytes, 0, bytes.length);
    let list = this.slots.get(hash);
    if (list === undefined) this.slots.set(hash, (list = []));
    let slot = findSlot(list, bytes, 0, bytes.length);
    if (slot === undefined) list.push((slot = { bytes, counters: [] }));
    const counters: LinkCounters = { name, rxBytes: 0, txBytes: 0, present: false };
    slot.counters.push(counters);
    this.all.push(counters);
    return counters;
  }

  untrack(counters: LinkCounters): void {
    const index = this.all.indexOf(counters);
    if (index < 0) return;
    this.all.splice(index, 1);
    const bytes = Buffer.from(counters.name, 'latin1');
    const hash = hashName(bytes, 0, bytes.length);
    const list = this.slots.get(hash);
    const slot = findSlot(list, bytes, 0, bytes.length);
    if (list === undefined || slot === undefined) return;
    slot.counters.splice(slot.counters.indexOf(counters), 1);
    if (slot.counters.length === 0) list.splice(list.indexOf(slot), 1);
    if (list.length === 0) this.slots.delete(hash);
  }

  /** Reads the file once and updates every tracked link; links not listed are marked absent. */
  refresh(reader: ReadBuffer): void {
    const all = this.all;
    for (let i = 0; i < all.length; i++) all[i].present = false;
    if (all.length === 0) return;
    if (this.fd < 0) this.fd = openSync(this.path, 'r');
    const len = reader.readAll(this.fd);
    const buf = reader.buf;
    // Lines look like "  name: rxBytes rxPackets ... (8 receive fields) txBytes ...";
    // the two header lines have a '|' before any colon.
    let i = 0;
    while (i < len) {
      while (i < len && buf[i] === SPACE) i++;
      const start = i;
      while (i < len && buf[i] !== COLON && buf[i] !== NEWLINE && buf[i] !== PIPE) i++;
      if (i < len && buf[i] === COLON) {
        const slot = findSlot(this.slots.get(hashName(buf, start, i)), buf, start, i);
        if (slot !== undefined) {
          i = fieldAt(buf, i + 1, len);
          const rx = parsed;
          for (let field = 1; field <= 8; field++) i = fieldAt(buf, i, len);
          const tx = parsed;
          const counters = slot.counters;
          for (let k = 0; k < counters.length; k++) {
            counters[k].rxBytes = rx;
            counters[k].txBytes = tx;
            counters[k].present = true;
          }
        }
      }
      while (i < len && buf[i] !== NEWLINE) i++;
      i++;
    }
  }

  close(): void {
    closeQuietly(this.fd);
    this.fd = -1;
  }
}
