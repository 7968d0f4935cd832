import { closeSync, existsSync } from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Cgroup, CgroupDriver } from './cgroup/types.js';
import { appendEventOnce, JournalTail } from './event-journal.js';
import type { RuntimeEvent } from './events.js';
import { native } from './native.js';
import { OomWatch, type OomKill } from './oom-watch.js';
import { isSameProcess } from './process-identity.js';
import { stateOf } from './record.js';
import type { StateStore } from './state-store.js';

/**
 * Puts an OOM kill in the journal once, whichever of the processes that saw
 * it gets there first: the same victim (or, unnamed, the same place in the
 * cgroup's count) already there is not written again.
 */
export function journalOomKill(store: StateStore, name: string, kill: OomKill): void {
  appendEventOnce(store.dir, { kind: 'oom-kill', name, kill, at: kill.at }, (other) => other.kind === 'oom-kill' && other.name === name
    && (kill.hostPid !== null ? other.kill.hostPid === kill.hostPid : other.kill.count === kill.count));
}

/** How long kills wait for their container's started line before they are told regardless. */
const heldMs = 1000;
/** How long a kill this process could not name waits for a named one in the journal. */
const unnamedWaitMs = 300;

export interface EventStreamOptions {
  /** Events the journal already holds from this time on (ms since the epoch) come first. */
  since?: number;
  /** Called when a running container's monitor died without telling of its end. */
  onOwnerGone?: (name: string) => void;
}

/**
 * The one event stream: every container of a state dir (the host's, by
 * default), whoever made it.
 *
 * - Lifecycle events (created, started, exited, removed) come from the host's
 *   journal, which every process that makes them writes to.
 * - OOM kills come from this process's own watchers, one per container's
 *   cgroup, attached the moment the cgroup is made (inotify on the directory
 *   that holds containers' cgroups), so before its init runs user code; and
 *   from the journal, for a kill some other process saw first and this one
 *   could not. Each kill is told once.
 * - A running container whose monitor dies without a word (kill -9) is
 *   handed to onOwnerGone, which reconciles it: its end is then journaled.
 */
export class EventStream extends EventEmitter<{ event: [RuntimeEvent] }> {
  private readonly oomWatches = new Map<string, OomWatch>();
  private readonly owners = new Map<string, { id: number; pidfd: number }>();
  /** Per container: the victims told (host pids), and how many kills were told. */
  private readonly told = new Map<string, { victims: Set<number>; count: number }>();
  private readonly running = new Set<string>();
  /**
   * Kills seen by this process's own watch before the journal has said the
   * container started (it was made elsewhere a moment ago): held, so that
   * every watcher tells created, started, then the kills.
   */
  private readonly unnamed = new Set<NodeJS.Timeout>();
  private stopping: string | null = null;
  private readonly held = new Map<string, { events: Extract<RuntimeEvent, { kind: 'oom-kill' }>[]; timer: NodeJS.Timeout }>();
  private tail: JournalTail | undefined;
  private inotify = -1;
  private inotifyWatch = 0;
  private containersWd = -1;
  private parentWd = -1;

  constructor(private readonly store: StateStore, private readonly driver: CgroupDriver, private readonly options: EventStreamOptions = {}) {
    super();
  }

  start(): void {
    if (this.tail) return;
    const since = this.options.since;
    this.tail = new JournalTail(this.store.dir, (events) => events.forEach((e) => this.onJournal(e)), since !== undefined);
    this.inotify = native.inotifyInit();
    this.inotifyWatch = native.watchReadable(this.inotify, () => this.onCgroupDirs(), false);
    this.watchCgroupDirs();
    for (const record of this.store.list()) {
      if (stateOf(record) !== 'running') continue;
      this.running.add(record.name);
      this.watchOwner(record.name, record.monitorPid, record.monitorStart);
    }
    for (const name of this.driver.list()) this.watchOom(name);
    for (const event of this.tail.history) if (event.at >= since!) this.tell(event);
  }

  close(): void {
    this.tail?.close();
    this.tail = undefined;
    if (this.inotify >= 0) {
      native.unwatch(this.inotifyWatch);
      closeSync(this.inotify);
      this.inotify = -1;
    }
    for (const watch of this.oomWatches.values()) watch.close();
    this.oomWatches.clear();
    for (const { timer } of this.held.values()) clearTimeout(timer);
    this.held.clear();
    for (const timer of this.unnamed) clearTimeout(timer);
    this.unnamed.clear();
    for (const { id, pidfd } of this.owners.values()) {
      native.unwatch(id);
      closeSync(pidfd);
    }
    this.owners.clear();
  }

  /**
   * Watches a container's cgroup for OOM kills (idempotent). The runtime
   * calls it for containers it makes before their init is let go.
   */
  watchOom(name: string, cgroup?: Cgroup): void {
    // Cgroups are the host's, records this state dir's: only containers recorded here are told of.
    if (!this.tail || this.oomWatches.has(name) || !existsSync(this.store.containerDir(name))) return;
    cgroup ??= this.driver.open(name) ?? undefined;
    if (!cgroup) return;
    try {
      this.oomWatches.set(name, new OomWatch(cgroup, (kill) => this.onKill(name, kill)));
    } catch {
      // The cgroup went away as it was found: nothing to watch.
    }
  }

  private onKill(name: string, kill: OomKill): void {
    const event: Extract<RuntimeEvent, { kind: 'oom-kill' }> = { kind: 'oom-kill', name, kill, at: kill.at };
    if (kill.comm === null && this.stopping !== name) {
      // No name: this watch came too late for its record (a container made
      // elsewhere a moment ago, on a loaded machine). Its owner may have
      // journaled it with the name: give that a moment to arrive first.
      const timer = setTimeout(() => {
        this.unnamed.delete(timer);
        this.tail?.poll();
        this.onKillNamedOrNot(event);
      }, unnamedWaitMs);
      this.unnamed.add(timer);
      return;
    }
    this.onKillNamedOrNot(event);
  }

  private onKillNamedOrNot(event: Extract<RuntimeEvent, { kind: 'oom-kill' }>): void {
    if (this.running.has(event.name)) this.tellOwn(event);
    else this.hold(event);
  }

  /** A kill this process saw: told, and put in the journal (after the container's started line). */
  private tellOwn(event: Extract<RuntimeEvent, { kind: 'oom-kill' }>): void {
    this.tell(event);
    try {
      journalOomKill(this.store, event.name, event.kill);
    } catch {
      // The journal is for looking back: a kill told live is not lost without it.
    }
  }

  private hold(event: Extract<RuntimeEvent, { kind: 'oom-kill' }>): void {
    const held = this.held.get(event.name);
    if (held) {
      held.events.push(event);
      return;
    }
    // Its journal lines are due at once; should they never come, tell anyway.
    const timer = setTimeout(() => this.release(event.name), heldMs);
    timer.unref();
    this.held.set(event.name, { events: [event], timer });
  }

  private release(name: string): void {
    const held = this.held.get(name);
    if (!held) return;
    this.held.delete(name);
    clearTimeout(held.timer);
    held.events.forEach((e) => this.tellOwn(e));
  }

  /**
   * A kill may reach this process twice (its own watch and the journal): a
   * named one is told once per victim, one without a name only while fewer
   * kills were told than its count says there were.
   */
  private tell(event: RuntimeEvent): void {
    if (event.kind === 'oom-kill') {
      let told = this.told.get(event.name);
      if (!told) this.told.set(event.name, (told = { victims: new Set(), count: 0 }));
      const { hostPid, count } = event.kill;
      if (hostPid !== null ? told.victims.has(hostPid) : told.count >= count) return;
      if (hostPid !== null) told.victims.add(hostPid);
      told.count = Math.max(told.count + 1, count);
    }
    this.emit('event', event);
  }

  private onJournal(event: RuntimeEvent): void {
    switch (event.kind) {
      case 'created':
        this.watchOom(event.name);
        break;
      case 'started': {
        this.running.add(event.name);
        this.watchOom(event.name);
        const record = this.store.read(event.name);
        if (record) this.watchOwner(event.name, record.monitorPid, record.monitorStart);
        break;
      }
      case 'exited':
        // Its last kills first, then its end.
        this.release(event.name);
        // An unknown count (null) leaves the watch's own count as the last word.
        this.stopWatching(event.name, event.exit.oomKills ?? undefined);
        this.release(event.name);
        this.running.delete(event.name);
        break;
      case 'removed':
        this.release(event.name);
        this.running.delete(event.name);
        this.stopWatching(event.name);
        this.told.delete(event.name);
        break;
      case 'oom-kill':
        if (!this.running.has(event.name)) return this.hold(event);
        break;
    }
    this.tell(event);
    if (event.kind === 'started') this.release(event.name);
  }

  private stopWatching(name: string, finalCount?: number): void {
    // Its last kills come before its end: none is kept waiting.
    this.stopping = name;
    this.oomWatches.get(name)?.close(finalCount);
    this.stopping = null;
    this.oomWatches.delete(name);
    const owner = this.owners.get(name);
    if (owner) {
      native.unwatch(owner.id);
      closeSync(owner.pidfd);
    }
    this.owners.delete(name);
  }

  /** The monitor (or foreground ctr-tui) of a running container: its death without an exit line is reconciled. */
  private watchOwner(name: string, pid: number | null, start: number | null): void {
    if (this.owners.has(name) || pid === null || pid === process.pid || !this.options.onOwnerGone) return;
    let pidfd: number;
    try {
      if (!isSameProcess(pid, start)) throw new Error('gone');
      pidfd = native.pidfdOpen(pid);
    } catch {
      queueMicrotask(() => this.ownerGone(name));
      return;
    }
    // A pidfd turns readable when its process ends; it is not waited for (it may be our own child).
    const id = native.watchReadable(pidfd, () => {
      // A call queued before the watch ended (its exit line came first) finds it gone.
      if (this.owners.get(name)?.id !== id) return;
      native.unwatch(id);
      closeSync(pidfd);
      this.owners.delete(name);
      this.ownerGone(name);
    });
    this.owners.set(name, { id, pidfd });
  }

  private ownerGone(name: string): void {
    // Its last words may be in the journal already, unread.
    this.tail?.poll();
    if (this.running.has(name)) this.options.onOwnerGone?.(name);
  }

  /** inotify on the containers' cgroup directory, and on its parent for when it is made again. */
  private watchCgroupDirs(): void {
    const { create, delete: deleted, deleteSelf, onlyDir } = native.inotifyFlags;
    const { dir, parent } = this.driver.containersDir;
    if (this.parentWd < 0) this.parentWd = native.inotifyAdd(this.inotify, parent, create | onlyDir);
    if (this.containersWd >= 0 || !existsSync(dir)) return;
    try {
      this.containersWd = native.inotifyAdd(this.inotify, dir, create | deleted | deleteSelf | onlyDir);
    } catch {
      // Removed with the last container just now: its making again is watched.
      return;
    }
    for (const name of this.driver.list()) this.watchOom(name);
  }

  private onCgroupDirs(): void {
    if (this.inotify < 0) return;
    const { create, delete: deleted, ignored } = native.inotifyFlags;
    const containers = path.basename(this.driver.containersDir.dir);
    for (const e of native.inotifyRead(this.inotify)) {
      if (e.wd === this.parentWd) {
        if (e.name === containers && e.mask & create) this.watchCgroupDirs();
      } else if (e.wd === this.containersWd) {
        if (e.mask & ignored) this.containersWd = -1;
        else if (e.mask & create) this.watchOom(e.name);
        else if (e.mask & deleted) this.cgroupGone(e.name);
      }
    }
    // Made again between two reads: look once more.
    if (this.containersWd < 0) this.watchCgroupDirs();
  }

  /** A cgroup went: a journaled container's watch ends with its exit line; any other's now. */
  private cgroupGone(name: string): void {
    this.tail?.poll();
    if (this.running.has(name)) return;
    this.oomWatches.get(name)?.close();
    this.oomWatches.delete(name);
  }
}
