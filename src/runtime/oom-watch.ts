import { closeSync, readFileSync } from 'node:fs';
import type { Cgroup } from './cgroup/types.js';
import { kernelLog, type OomRecord } from './kernel-log.js';
import { formatBytes } from './cgroup/size.js';
import { native } from './native.js';

export interface OomKill {
  /** The killed process's name, as the kernel log gives it (null if unseen). */
  comm: string | null;
  /** Its pid on the host, and inside the container when it was seen alive. */
  hostPid: number | null;
  pid: number | null;
  /** The memory limit it hit, in bytes. */
  limit: number | null;
  /** The cgroup's OOM kill count after this one. */
  count: number;
  at: Date;
}

function inCgroup(pid: number, cgroup: Cgroup): boolean {
  try {
    return cgroup.processes().includes(pid);
  } catch {
    return false;
  }
}

/** One line for people: "OOM kill in lab: hungry (pid 5) hit the 64 MiB memory limit". */
export function describeOomKill(container: string, kill: OomKill): string {
  const who = kill.comm ? `${kill.comm} (pid ${kill.pid ?? kill.hostPid ?? '?'})` : 'a process';
  const limit = kill.limit === null ? 'its memory limit' : `the ${formatBytes(kill.limit)} memory limit`;
  return `OOM kill in ${container}: ${who} hit ${limit}`;
}

/** The pid as the container sees it (the last NSpid field). */
function containerPid(hostPid: number): number | null {
  try {
    const line = readFileSync(`/proc/${hostPid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:'));
    const ids = line?.split(/\s+/).slice(1).map(Number) ?? [];
    return ids.length ? ids[ids.length - 1] : null;
  } catch {
    return null;
  }
}

/**
 * Tells of each OOM kill in one cgroup as it happens. The cgroup's notifier
 * (v1: eventfd on memory.oom_control; v2: inotify on memory.events) fires
 * when memory runs out, and /dev/kmsg when the kernel has picked its victim;
 * the kill counter decides what counts as a kill.
 */
export class OomWatch {
  private reported: number;
  private limit: number | null;
  private readonly victims: OomRecord[] = [];
  private readonly nsPids = new Map<number, number>();
  private readonly victimPids = new Set<number>();
  private readonly fd: number;
  private readonly watchId: number;
  private readonly unsubscribe: () => void;

  constructor(private readonly cgroup: Cgroup, private readonly onKill: (kill: OomKill) => void) {
    const start = cgroup.memory();
    this.reported = start.oomKills;
    this.limit = start.limit;
    const memcg = `/ctr-tui/${cgroup.name}`;
    this.unsubscribe = kernelLog.subscribe((record) => {
      // A kill shows as a summary naming the cgroup and, after it, a line naming
      // only the victim; the summary may be rate-limited away.
      const ours = record.memcg === memcg || (record.memcg === null && (this.nsPids.has(record.pid) || inCgroup(record.pid, cgroup)));
      if (!ours || this.victimPids.has(record.pid)) return;
      this.victimPids.add(record.pid);
      this.victims.push(record);
      this.check();
    });
    const watch = cgroup.files.oomWatch;
    this.fd = watch.kind === 'v1-eventfd'
      ? native.oomEventfd(watch.oomControl, watch.eventControl)
      : native.inotifyModify(watch.memoryEvents);
    this.watchId = native.watchReadable(this.fd, () => this.onNotified(), false);
  }

  /**
   * Looks one last time, then stops. finalCount, the count recorded at the
   * container's exit, covers kills that happened as the cgroup went away.
   */
  close(finalCount?: number): void {
    kernelLog.drain();
    this.check(finalCount);
    native.unwatch(this.watchId);
    closeSync(this.fd);
    this.unsubscribe();
  }

  private onNotified(): void {
    native.drain(this.fd);
    // Memory ran out and the victim is not yet chosen: note who is alive now.
    for (const pid of this.cgroup.processes()) {
      if (!this.nsPids.has(pid)) {
        const nsPid = containerPid(pid);
        if (nsPid !== null) this.nsPids.set(pid, nsPid);
      }
    }
    kernelLog.drain();
    this.check();
  }

  private check(finalCount?: number): void {
    let memory: { oomKills: number; limit: number | null };
    try {
      memory = this.cgroup.memory();
    } catch {
      // The cgroup is gone: only the count recorded at exit can say more.
      if (finalCount === undefined) return;
      memory = { oomKills: finalCount, limit: this.limit };
    }
    this.limit = memory.limit;
    while (this.reported < Math.max(memory.oomKills, finalCount ?? 0)) {
      this.reported++;
      const victim = this.victims.shift();
      this.onKill({
        comm: victim?.comm ?? null,
        hostPid: victim?.pid ?? null,
        pid: victim ? this.nsPids.get(victim.pid) ?? containerPid(victim.pid) : null,
        limit: memory.limit,
        count: this.reported,
        at: new Date(),
      });
    }
  }
}
