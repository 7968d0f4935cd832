import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseEvent, type RuntimeEvent } from './events.js';
import { native } from './native.js';

/**
 * The host's event journal: one JSON line per event, in the state dir,
 * appended by whoever makes the event happen (ctr-tui creating, starting or
 * removing a container, ctr-monitor recording an exit, a foreground run
 * telling its own container's end) and read by every watcher. There is no
 * daemon to hold the stream, so the stream is this file: every ctr-tui on
 * the host sees the same events in the same order, and `--since` can look
 * back. Kept to about 1 MiB: the older half moves to events.jsonl.1.
 */
export const journalFile = 'events.jsonl';
const journalMaxBytes = 1 << 20;

export function journalPath(stateDir: string): string {
  return path.join(stateDir, journalFile);
}

/** Appends one event: a single write to an O_APPEND file, so lines from several processes never mix. */
export function appendEvent(stateDir: string, event: RuntimeEvent): void {
  const file = journalPath(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    if (statSync(file).size > journalMaxBytes) renameSync(file, `${file}.1`);
  } catch {
    // No journal yet.
  }
  appendFileSync(file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/** How far back a writer looks for the same event, and how long it waits for the lock. */
const lookBackBytes = 65536;
const lockWaitMs = 200;

/**
 * Appends an event that several processes may see (an OOM kill, which every
 * watcher notices), unless one of them already put it in: under flock(2) on
 * the journal, the recent lines are searched for one that `same` matches.
 */
export function appendEventOnce(stateDir: string, event: RuntimeEvent, same: (other: RuntimeEvent) => boolean): void {
  const file = journalPath(stateDir);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const fd = openSync(file, 'a+', 0o600);
  try {
    for (let waited = 0; !native.tryLockExclusive(fd, file); waited++) {
      if (waited >= lockWaitMs) return; // A writer stuck holding it: the event was told live all the same.
      Atomics.wait(pause, 0, 0, 1);
    }
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - lookBackBytes);
    const recent = Buffer.alloc(size - start);
    readSync(fd, recent, 0, recent.length, start);
    if (parseLines(recent.toString('utf8')).some(same)) return;
    appendFileSync(fd, `${JSON.stringify(event)}\n`);
  } finally {
    closeSync(fd);
  }
}

function parseLines(text: string): RuntimeEvent[] {
  const events: RuntimeEvent[] = [];
  for (const line of text.split('\n')) {
    const event = line ? parseEvent(line) : null;
    if (event) events.push(event);
  }
  return events;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Follows the journal from where it ends now (or from its start, with the
 * older file first): inotify on the state dir says when it grew or was
 * rotated, and nothing runs while nothing happens.
 */
export class JournalTail {
  private fd = -1;
  private closed = false;
  private offset = 0;
  private partial: Buffer = Buffer.alloc(0);
  private readonly inotify: number;
  private readonly watchId: number;

  /** With history, `history` holds what the journal already said. */
  readonly history: RuntimeEvent[] = [];

  constructor(private readonly stateDir: string, private readonly onEvents: (events: RuntimeEvent[]) => void, withHistory = false) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.inotify = native.inotifyInit();
    const { modify, create, movedTo } = native.inotifyFlags;
    native.inotifyAdd(this.inotify, stateDir, modify | create | movedTo);
    this.watchId = native.watchReadable(this.inotify, () => this.onNotified(), false);
    if (withHistory) this.history.push(...parseLines(readText(`${journalPath(stateDir)}.1`)));
    this.open(withHistory);
    if (withHistory) this.history.push(...this.readNew());
  }

  /** Reads what was appended since the last look, at once (an inotify event may still be queued). */
  poll(): void {
    if (this.closed) return;
    const events = this.readNew();
    if (events.length) this.onEvents(events);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    native.unwatch(this.watchId);
    closeSync(this.inotify);
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private onNotified(): void {
    if (this.closed) return;
    native.inotifyRead(this.inotify);
    const events = this.readNew();
    // Rotated: the rest of the old file is read above, the new one from its start.
    if (this.fd >= 0 && this.replaced()) {
      this.open(true);
      events.push(...this.readNew());
    }
    if (events.length) this.onEvents(events);
  }

  /** The journal's path names another file than the one being read. */
  private replaced(): boolean {
    try {
      return statSync(journalPath(this.stateDir)).ino !== fstatSync(this.fd).ino;
    } catch {
      return false;
    }
  }

  private open(fromStart: boolean): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.partial = Buffer.alloc(0);
    try {
      this.fd = openSync(journalPath(this.stateDir), 'r');
      this.offset = fromStart ? 0 : fstatSync(this.fd).size;
    } catch {
      // Not written yet: its creation is watched.
      this.fd = -1;
      this.offset = 0;
    }
  }

  private readNew(): RuntimeEvent[] {
    if (this.fd < 0) {
      this.open(true);
      if (this.fd < 0) return [];
    }
    const chunks: Buffer[] = [this.partial];
    for (;;) {
      const buf = Buffer.allocUnsafe(65536);
      const got = readSync(this.fd, buf, 0, buf.length, this.offset);
      if (got <= 0) break;
      this.offset += got;
      chunks.push(buf.subarray(0, got));
    }
    if (chunks.length === 1) return [];
    // Split at the last newline as bytes, so that no character is cut in two.
    const bytes = Buffer.concat(chunks);
    const end = bytes.lastIndexOf(0x0a);
    this.partial = bytes.subarray(end + 1);
    return parseLines(bytes.toString('utf8', 0, end + 1));
  }
}
