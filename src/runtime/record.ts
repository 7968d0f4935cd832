import type { BirthTrace } from './birth-trace.js';
import type { ContainerSpec } from './spec.js';

export interface ExitRecord {
  code: number | null;
  signal: number | null;
  /** null: ctr-monitor could not read the count (its monitor.log says why). */
  oomKills: number | null;
  finishedAt: number;
}

/** What the state store keeps of one container (state.json). */
export interface ContainerRecord {
  name: string;
  spec: ContainerSpec;
  createdAt: number;
  /** The init's host pid and its start time (guards against pid reuse). */
  pid: number | null;
  pidStart: number | null;
  monitorPid: number | null;
  monitorStart: number | null;
  hostVeth: string | null;
  startedAt: number | null;
  /** Written by the monitor (exit.json), or by reconciliation when it died first. */
  exit: ExitRecord | null;
  /**
   * Removed when it exits (a foreground run): when the process that was to
   * remove it died first, reconciliation removes it, record and all.
   */
  autoRemove?: boolean;
  /** How it was born, step by step (birth-trace.ts); absent when made with the trace off, or before there was one. */
  trace?: BirthTrace | null;
}

export type ContainerState = 'created' | 'running' | 'exited';

export function stateOf(record: ContainerRecord): ContainerState {
  if (record.exit) return 'exited';
  return record.pid === null ? 'created' : 'running';
}
