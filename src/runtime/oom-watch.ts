import { closeSync, readFileSync } from 'node:fs';
import type { Cgroup } from './cgroup/types.js';
import { kernelLog, type OomRecord } from './kernel-log.js';
import { formatBytes } from './cgroup/size.js';
import { native } from './native.js';

export interface OomKill {
  /** The killed process's name, as the kernel log gives it (null: the kernel's record never came). */
  comm: string | null;
  /** Its pid on the host, and inside the container (null when unknown). */
  hostPid: number | null;
  pid: number | null;
  /** The memory limit it hit, in bytes. */
  limit: number | null;
  /** The cgroup's OOM kill count after this one. */
  count: number;
  /** When it was told, in ms since the epoch. */
  at: number;
}

/** Who was killed, and why: "hungry (pid 5) hit the 64 MiB memory limit". */
export function describeVictim(kill: OomKill): string {
  const pid = kill.pid !== null ? `pid ${kill.pid}` : kill.hostPid !== null ? `host pid ${kill.hostPid}` : 'pid unknown';
  const who = kill.comm ? `${kill.comm} (${pid})` : 'a process';
  const limit = kill.limit === null ? 'its memory limit' : `the ${formatBytes(kill.limit)} memory limit`;
  return `${who} hit ${limit}`;
}

/** One line for people: "OOM kill in lab: hungry (pid 5) hit the 64 MiB memory limit". */
export function describeOomKill(container: string, kill: OomKill): string {
  return `OOM kill in ${container}: ${describeVictim(kill)}`;
}

/** The pid as the container sees it (the last NSpid field), while the process is alive. */
function containerPid(hostPid: number): number | null {
  try {
    const line = readFileSync(`/proc/${hostPid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:'));
    const ids = line?.split(/\s+/).slice(1).map(Number) ?? [];
    return ids.length ? ids[ids.length - 1] : null;
  } catch {
    return null;
  }
}

/** How long a "Killed process" record waits to be claimed, and how long a counted kill waits for its record. */
const recordKeptMs = 2000;
const recordGraceMs = 100;
const seenKept = 4096;

/**
 * Tells of each OOM kill in one cgroup, once, paired with its victim by
 * identity, never by order.
 *
 * - The cgroup's notifier (v1: eventfd on memory.oom_control; v2: inotify on
 *   memory.events) fires when memory runs out, before the kernel picks its
 *   victim. The addon's reactor thread then notes, at once and whatever
 *   JavaScript is doing, every process in the cgroup with its pid inside.
 * - The kernel's "Killed process PID (COMM)" record (never rate-limited)
 *   names the victim by its host pid: a kill is ours when that pid was seen
 *   in the cgroup, is in it still, or the "oom-kill:" summary (rate-limited)
 *   gave it to this cgroup.
 * - The cgroup's kill counter says how many kills there were: one counted
 *   whose record never comes is told as "a process", and no kill is told
 *   twice, nor more kills than the counter.
 */
export class OomWatch {
  private reported = 0;
  private limit: number | null = null;
  /** Host pid -> pid inside, for every process the notifier saw. */
  private readonly seen = new Map<number, number>();
  /** Pids the "oom-kill:" summary gave to this cgroup, and to others. */
  private readonly ours = new Set<number>();
  private readonly theirs = new Set<number>();
  /** "Killed process" records not yet known to be ours, with when they came. */
  private pending: { record: OomRecord; at: number }[] = [];
  private readonly told = new Set<number>();
  private graceTimer: NodeJS.Timeout | undefined;
  /** The count first seen ahead of what was told, and when. */
  private ahead: { count: number; since: number } | null = null;
  private readonly memcg: string;
  private readonly fd: number = -1;
  private readonly watchId: number = 0;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(private readonly cgroup: Cgroup, private readonly onKill: (kill: OomKill) => void) {
    this.memcg = `/ctr-tui/${cgroup.name}`;
    // Listening before the count is read: the record of any kill counted after
    // it is heard. Records already waiting are of kills before it: ignored.
    let ready = false;
    this.unsubscribe = kernelLog.subscribe((record) => (ready ? this.onRecord(record) : this.told.add(record.pid)));
    try {
      kernelLog.drain();
      const start = cgroup.memory();
      this.reported = start.oomKills;
      this.limit = start.limit;
      [this.fd, this.watchId] = this.openNotifier();
    } catch (error) {
      this.unsubscribe();
      throw error;
    }
    ready = true;
    // Attached while memory may already be running out (a container another
    // process made): note who is there now, as the notifier would have.
    for (const pid of this.safeProcesses()) {
      const inner = containerPid(pid);
      if (inner !== null) this.seen.set(pid, inner);
    }
  }

  /** The cgroup's OOM notifier, watched by the reactor thread, which notes who is in the cgroup each time it fires. */
  private openNotifier(): [number, number] {
    const { cgroup } = this;
    const watch = cgroup.files.oomWatch;
    let fd: number;
    if (watch.kind === 'v1-eventfd') {
      fd = native.oomEventfd(watch.oomControl, watch.eventControl);
      // Also when usage crosses half and nine tenths of the limit: who is there
      // is noted on the way up too, should the notifier's own moment be missed.
      const limit = this.limit;
      try {
        for (const part of limit === null ? [] : [0.5, 0.9]) {
          native.addCgroupEvent(fd, watch.eventControl, cgroup.files.memoryCurrent, String(Math.floor(limit! * part)));
        }
      } catch (error) {
        closeSync(fd);
        throw error;
      }
    } else {
      // v2: memory.events changes at every "max" (reclaim at the limit) on the way up, then at the OOM.
      fd = native.inotifyModify(watch.memoryEvents);
    }
    return [fd, native.watchSnapshot(fd, [cgroup.files.procs], () => this.onNotified())];
  }

  private safeProcesses(): number[] {
    try {
      return this.cgroup.processes();
    } catch {
      return [];
    }
  }

  /**
   * Looks one last time, then stops. finalCount, the count recorded at the
   * container's exit, covers kills that happened as the cgroup went away.
   */
  close(finalCount?: number): void {
    if (this.closed) return;
    kernelLog.drain();
    const count = this.settle(finalCount) ?? this.reported;
    while (this.reported < count) this.tell({ comm: null, hostPid: null, pid: null });
    this.closed = true;
    clearTimeout(this.graceTimer);
    native.unwatch(this.watchId);
    closeSync(this.fd);
    this.unsubscribe();
  }

  private onNotified(): void {
    if (this.closed) return;
    this.takeSnapshot();
    kernelLog.drain();
    this.settle();
    // v1 fires before the kill, v2 also after it: look at the counter again in a moment.
    this.scheduleCheck();
  }

  private takeSnapshot(): void {
    const pids = native.takeSnapshot(this.watchId);
    for (let i = 0; i < pids.length; i += 2) this.seen.set(pids[i], pids[i + 1]);
    // A shell loop makes many short-lived processes: forget the oldest.
    for (const pid of this.seen.keys()) {
      if (this.seen.size <= seenKept) break;
      this.seen.delete(pid);
    }
  }

  private onRecord(record: OomRecord): void {
    if (this.closed) return;
    if (record.memcg !== null) {
      (record.memcg === this.memcg ? this.ours : this.theirs).add(record.pid);
    } else if (!this.told.has(record.pid)) {
      this.pending.push({ record, at: Date.now() });
    }
    this.settle();
  }

  private isOurs(pid: number): boolean {
    if (this.theirs.has(pid)) return false;
    return this.ours.has(pid) || this.seen.has(pid) || this.safeProcesses().includes(pid);
  }

  /**
   * The cgroup's kill count now (at least finalCount); null once the cgroup is
   * gone (its container exited) and no final count was given: unknown.
   */
  private count(finalCount?: number): number | null {
    try {
      const memory = this.cgroup.memory();
      this.limit = memory.limit;
      return Math.max(memory.oomKills, finalCount ?? 0);
    } catch {
      return finalCount ?? null;
    }
  }

  /** Tells every kill whose record is here and ours; returns the count it went by (null: unknown). */
  private settle(finalCount?: number): number | null {
    const count = this.count(finalCount);
    // With the count unknown, the kernel's own record is trusted.
    const cap = count ?? Number.POSITIVE_INFINITY;
    if (!this.pending.length) return count;
    this.takeSnapshot();
    const now = Date.now();
    this.pending = this.pending.filter(({ record, at }) => {
      if (this.told.has(record.pid)) return false;
      if (!this.isOurs(record.pid)) return now - at < recordKeptMs;
      this.told.add(record.pid);
      // A kill counted and told as "a process" when its record was overdue is told once only.
      if (this.reported < cap) this.tell({ comm: record.comm, hostPid: record.pid, pid: this.seen.get(record.pid) ?? containerPid(record.pid) });
      return false;
    });
    return count;
  }

  private scheduleCheck(): void {
    if (this.closed) return;
    this.graceTimer ??= setTimeout(() => {
      this.graceTimer = undefined;
      this.check();
    }, recordGraceMs).unref();
  }

  /**
   * Kills counted a whole grace period ago whose records never came (the kmsg
   * ring overwritten, say) are told as "a process": never a wrong name.
   */
  private check(): void {
    if (this.closed) return;
    kernelLog.drain();
    const count = this.settle() ?? this.reported;
    if (this.ahead && this.reported >= this.ahead.count) this.ahead = null;
    if (this.ahead && Date.now() - this.ahead.since >= recordGraceMs) {
      while (this.reported < this.ahead.count) this.tell({ comm: null, hostPid: null, pid: null });
      this.ahead = null;
    }
    if (this.reported < count) {
      this.ahead ??= { count, since: Date.now() };
      this.scheduleCheck();
    }
  }

  private tell(victim: Pick<OomKill, 'comm' | 'hostPid' | 'pid'>): void {
    this.reported++;
    if (victim.hostPid !== null) this.seen.delete(victim.hostPid);
    this.onKill({ ...victim, limit: this.limit, count: this.reported, at: Date.now() });
  }
}
