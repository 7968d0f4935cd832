import { readFileSync } from 'node:fs';

/** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null if it is gone. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    if (state === 'Z' || state === 'X') return null;
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** True when pid is still the very process that started at startTime. */
export function isSameProcess(pid: number | null, startTime: number | null): boolean {
  return pid !== null && startTime !== null && processStartTime(pid) === startTime;
}
