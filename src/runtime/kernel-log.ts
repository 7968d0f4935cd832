import { closeSync } from 'node:fs';
import { native } from './native.js';

/** What the kernel log says of one OOM kill. */
export interface OomRecord {
  /**
   * The memory cgroup that hit its limit, as the kernel names it: /ctr-tui/NAME;
   * null from the "Killed process" line, which does not name it.
   */
  memcg: string | null;
  pid: number;
  comm: string;
}

/**
 * The kernel's "oom-kill:" summary line names the cgroup and the victim:
 * oom-kill:constraint=CONSTRAINT_MEMCG,...,oom_memcg=/ctr-tui/lab,task_memcg=/ctr-tui/lab,task=hungry,pid=5,uid=0
 */
export function parseOomRecord(record: string): OomRecord | null {
  const text = record.slice(record.indexOf(';') + 1);
  // The summary line is rate-limited (10 per 5 s); this one always comes:
  // "Memory cgroup out of memory: Killed process 5 (hungry) total-vm:..."
  const killed = /^Memory cgroup out of memory: Killed process (\d+) \((.*?)\)/.exec(text);
  if (killed) return { memcg: null, pid: Number(killed[1]), comm: killed[2] };
  if (!text.startsWith('oom-kill:')) return null;
  const fields = new Map(text.slice('oom-kill:'.length).trim().split(',').map((kv) => {
    const at = kv.indexOf('=');
    return [kv.slice(0, at), kv.slice(at + 1)] as const;
  }));
  const memcg = fields.get('oom_memcg');
  const pid = Number(fields.get('pid'));
  const comm = fields.get('task');
  if (!memcg || !comm || !Number.isInteger(pid)) return null;
  return { memcg, pid, comm };
}

type Listener = (record: OomRecord) => void;

/**
 * One reader of /dev/kmsg for the whole process, opened when the first
 * container subscribes and closed after the last one leaves.
 */
class KernelLog {
  private fd = -1;
  private watchId = 0;
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    if (this.fd < 0) {
      this.fd = native.openKmsg();
      this.watchId = native.watchReadable(this.fd, () => this.drain(), false);
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Reads the records pending now and hands the OOM ones to the listeners. */
  drain(): void {
    if (this.fd < 0) return;
    for (const line of native.readKmsg(this.fd)) {
      const record = parseOomRecord(line);
      if (record) for (const listener of this.listeners) listener(record);
    }
  }

  private close(): void {
    native.unwatch(this.watchId);
    closeSync(this.fd);
    this.fd = -1;
  }
}

export const kernelLog = new KernelLog();
