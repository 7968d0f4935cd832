import { closeSync, existsSync, openSync } from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Cgroup, CgroupDriver } from './cgroup/types.js';
import { appendEvent, JournalTail } from './event-journal.js';
import type { RuntimeEvent } from './events.js';
import { native } from './native.js';
import { OomWatch, type OomKill } from './oom-watch.js';
import { isSameProcess } from './process-identity.js';
import { stateOf } from './record.js';
import type { StateStore } from './state-store.js';

/**
 * Puts an OOM kill in the journal once, whichever of the processes that saw
 * it gets there first: each claims the kill with a file in the container's
 * state dir (O_EXCL), and only the one that made it writes the line.
 */
export function journalOomKill(store: StateStore, name: string, kill: OomKill): void {
  const claim = path.join(store.containerDir(name), `.oom-${kill.hostPid ?? `n${kill.count}`}`);
  try {
    closeSync(openSync(claim, 'wx', 0o600));
  } catch {
    return; // Told already, or the container's record is gone.
  }
  appendEvent(store.dir, { kind: 'oom-kill', name, kill, at: kill.at });
}

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
    this.tell({ kind: 'oom-kill', name, kill, at: kill.at });
    try {
      journalOomKill(this.store, name, kill);
    } catch {
      // The journal is for looking back: a kill told live is not lost without it.
    }
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
      told.count++;
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
        this.running.delete(event.name);
        this.stopWatching(event.name, event.exit.oomKills);
        break;
      case 'removed':
        this.running.delete(event.name);
        this.stopWatching(event.name);
        this.told.delete(event.name);
        break;
      case 'oom-kill':
        break;
    }
    this.tell(event);
  }

  private stopWatching(name: string, finalCount?: number): void {
    this.oomWatches.get(name)?.close(finalCount);
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
