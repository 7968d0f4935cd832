/** Colours with a meaning, in one place: green running, gray exited, red OOM. */

import type { ContainerState, EventKind } from './model.js';

export const theme = {
  accent: 'cyan',
  border: 'gray',
  focusBorder: 'cyan',
  danger: 'red',
  warn: 'yellow',
  ok: 'green',
  muted: 'gray',
} as const;

export const STATE_COLOR: Record<ContainerState, string> = {
  running: 'green',
  created: 'yellow',
  exited: 'gray',
  'oom-killed': 'red',
};

export const STATE_LABEL: Record<ContainerState, string> = {
  running: 'running',
  created: 'created',
  exited: 'exited',
  'oom-killed': 'OOM',
};

export const EVENT_COLOR: Record<EventKind, string> = {
  created: 'yellow',
  started: 'green',
  exited: 'gray',
  'oom-kill': 'red',
  removed: 'gray',
  error: 'red',
};

/** Green below 70 %, yellow below 90 %, red above. */
export function levelColor(fraction: number): string {
  if (fraction >= 0.9) return 'red';
  if (fraction >= 0.7) return 'yellow';
  return 'green';
}
