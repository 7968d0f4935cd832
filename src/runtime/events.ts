import { describeOomKill, type OomKill } from './oom-watch.js';
import type { ExitRecord } from './record.js';

/**
 * What happens to containers, for every container on the host. The JSON form
 * (`ctr-tui events --json`, the journal, recordings) is this object as it is:
 *
 *   {"kind":"created","name":"lab","at":1764620000123}
 *   {"kind":"started","name":"lab","at":...,"pid":4242}
 *   {"kind":"oom-kill","name":"lab","at":...,"kill":{"comm":"hungry","hostPid":4250,"pid":2,"limit":33554432,"count":1,"at":...}}
 *   {"kind":"exited","name":"lab","at":...,"exit":{"code":null,"signal":9,"oomKills":1,"finishedAt":...}}
 *   {"kind":"removed","name":"lab","at":...}
 *
 * `at` is milliseconds since the epoch. Fields are only ever added.
 */
export type RuntimeEvent =
  | { kind: 'created'; name: string; at: number }
  | { kind: 'started'; name: string; pid: number; at: number }
  | { kind: 'exited'; name: string; exit: ExitRecord; at: number }
  | { kind: 'oom-kill'; name: string; kill: OomKill; at: number }
  | { kind: 'removed'; name: string; at: number };

export type EventKind = RuntimeEvent['kind'];
export const eventKinds: readonly EventKind[] = ['created', 'started', 'exited', 'oom-kill', 'removed'];

/** What happened, in a few words, without the container's name in front: "started (pid 4242)". */
export function describeEvent(event: RuntimeEvent): string {
  switch (event.kind) {
    case 'created': return 'created';
    case 'started': return `started (pid ${event.pid})`;
    case 'removed': return 'removed';
    case 'oom-kill': return describeOomKill(event.name, event.kill);
    case 'exited': {
      const { code, signal, oomKills } = event.exit;
      const how = code !== null ? `code ${code}` : `signal ${signal}`;
      return `exited (${how})${oomKills ? `, ${oomKills} OOM kill${oomKills > 1 ? 's' : ''}` : ''}`;
    }
  }
}

/** An event read back from JSON, or null when the line is not one. */
export function parseEvent(line: string): RuntimeEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const event = value as Partial<RuntimeEvent>;
  if (typeof event.name !== 'string' || typeof event.at !== 'number' || !eventKinds.includes(event.kind as EventKind)) return null;
  return event as RuntimeEvent;
}
