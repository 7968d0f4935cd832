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
  private readonly victims: OomRecord[] = [];
  private readonly nsPids = new Map<number, number>();
  private readonly fd: number;
  private readonly watchId: number;
  private readonly unsubscribe: () => void;

  constructor(private readonly cgroup: Cgroup, private readonly onKill: (kill: OomKill) => void) {
    this.reported = cgroup.memory().oomKills;
    const memcg = `/ctr-tui/${cgroup.name}`;
    this.unsubscribe = kernelLog.subscribe((record) => {
      if (record.memcg !== memcg) return;
      this.victims.push(record);
      this.check();
    });
    const watch = cgroup.files.oomWatch;
    this.fd = watch.kind === 'v1-eventfd'
      ? native.oomEventfd(watch.oomControl, watch.eventControl)
      : native.inotifyModify(watch.memoryEvents);
    this.watchId = native.watchReadable(this.fd, () => this.onNotified(), false);
  }

  /** Looks one last time (the cgroup is about to go), then stops. */
  close(): void {
    kernelLog.drain();
    this.check();
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

  private check(): void {
    let memory;
    try {
      memory = this.cgroup.memory();
    } catch {
      return;  // the cgroup is gone
    }
    while (this.reported < memory.oomKills) {
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
