// Helpers for the robustness harness (test/robustness-*.test.ts): a seeded
// PRNG, a mark that follows every process a CLI starts, and checks that what
// the host holds is what the records say.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { journalFile } from '../../src/runtime/event-journal.js';
import type { ContainerInfo } from '../../src/runtime/runtime.js';
import { processStartTime } from '../../src/runtime/process-identity.js';
import { cgroupDirsOf, defaultRootfs, hostRoutes, linkExists, processesIn } from './container.js';
import { alive, cgroupNames, monitorsOf, pidsOfProc, residue, veths } from './lifecycle.js';

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** CTR_TUI_ROBUSTNESS_SEED when set (to replay a run), else a fresh one. */
export function harnessSeed(): number {
  const given = process.env.CTR_TUI_ROBUSTNESS_SEED;
  if (given !== undefined && /^\d+$/.test(given)) return Number(given) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

/**
 * The environment variable that marks the processes a test started: the CLI
 * passes its environment on to ctr-monitor and ctr-exec, so a process left
 * behind by a CLI run with the mark carries it in /proc/PID/environ. (A
 * container's own processes get the spec's environment: they are found by
 * their cgroup instead.)
 */
export const markVariable = 'CTR_TUI_ROBUSTNESS_MARK';

/** Host processes whose environment carries the mark `tag` (this process excepted). */
export function markedProcesses(tag: string): number[] {
  const needle = `\0${markVariable}=${tag}\0`;
  const found: number[] = [];
  for (const pid of pidsOfProc()) {
    if (Number(pid) === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue;
    }
    if (`\0${environ}`.includes(needle) && alive(Number(pid))) found.push(Number(pid));
  }
  return found;
}

/** What the host holds that a container could leave: cgroups (every hierarchy), veths, mounts, marked processes. */
export interface HostHoldings {
  cgroups: string[];
  veths: string[];
  mounts: string[];
  processes: string[];
}

export async function hostHoldings(tag: string): Promise<HostHoldings> {
  return {
    cgroups: cgroupNames(),
    veths: await veths(),
    mounts: readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).map((line) => line.split(' ').slice(3).join(' ')),
    processes: markedProcesses(tag).map((pid) => `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ').trim()}`),
  };
}

/**
 * What `after` holds that `before` did not, of what `mine` says is this
 * file's (other test files run beside it and make their own containers).
 * Marked processes are this file's by construction.
 */
export function addedHoldings(before: HostHoldings, after: HostHoldings, mine: (entry: string) => boolean): string[] {
  const added: string[] = [];
  for (const key of ['cgroups', 'veths', 'mounts'] as const) {
    const had = new Set(before[key]);
    for (const entry of after[key]) if (!had.has(entry) && mine(entry)) added.push(`${key.slice(0, -1)} ${entry}`);
  }
  for (const entry of after.processes) added.push(`process ${entry}`);
  return added;
}

/** A mount line that points at a container's rootfs or a state dir: the kind a container could leak. */
export function containerMount(line: string, stateDir: string): boolean {
  return line.includes(defaultRootfs) || line.includes(stateDir) || line.includes('/ctr-tui/');
}

/**
 * How a record differs from the host's truth. Running: its init is alive,
 * is the process that started at pidStart, and sits in the container's
 * cgroup in every hierarchy; its monitor (or, for a foreground run, its
 * ctr-tui) is alive and the one recorded. Exited or created: nothing runs in
 * its cgroup. Empty when the record is truthful.
 */
export function recordProblems(record: ContainerInfo): string[] {
  const problems: string[] = [];
  const name = record.name;
  if (record.state === 'running') {
    if (record.pid === null || processStartTime(record.pid) !== record.pidStart) {
      problems.push(`${name}: recorded running as pid ${record.pid} (start ${record.pidStart}), but that process is gone or another`);
      return problems;
    }
    const dirs = cgroupDirsOf(name);
    if (!dirs.length) problems.push(`${name}: running, but it has no cgroup`);
    for (const dir of dirs) {
      const procs = readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
      if (!procs.includes(record.pid)) problems.push(`${name}: its init ${record.pid} is not in ${dir}`);
    }
    if (record.monitorPid === null || processStartTime(record.monitorPid) !== record.monitorStart) {
      problems.push(`${name}: running, but its monitor ${record.monitorPid} is gone or another`);
    }
  } else {
    const inside = processesIn(name);
    if (inside.length) problems.push(`${name}: recorded ${record.state}, but processes ${inside.join(', ')} run in its cgroup`);
  }
  if (record.state === 'exited' && record.hostVeth && linkExists(record.hostVeth)) problems.push(`${name}: exited, but its veth ${record.hostVeth} is still there`);
  return problems;
}

/** residue() of every name, and routes to `ips`, and monitors of `dir`: all that a removed container must not leave. */
export function removedResidue(dir: string, names: string[], ips: string[] = []): string[] {
  const found = names.flatMap((name) => residue(dir, name));
  const routes = hostRoutes();
  for (const ip of ips) if (routes.has(ip)) found.push(`route to ${ip} via ${routes.get(ip)}`);
  for (const pid of monitorsOf(dir)) found.push(`monitor ${pid}`);
  return found;
}

/** Entries of the state dir beside the event journal. */
export function stateEntries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((entry) => !entry.startsWith(journalFile));
}

/** The open fds of this process. */
export function openFds(): string[] {
  return readdirSync('/proc/self/fd');
}
