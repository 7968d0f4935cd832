// Helpers for the detached-container tests (run -d, ps, exec, logs, kill,
// stop, rm, inspect, stats): a throwaway state dir per test, the CLI bound
// to it, and checks that nothing a container held is left on the host.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import type { PsRow } from '../../src/cli/ps-command.js';
import { journalFile } from '../../src/runtime/event-journal.js';
import { Runtime, type ContainerInfo } from '../../src/runtime/runtime.js';
import { cgroupDriver } from '../../src/runtime/container.js';
import {
  cgroupHierarchies, killCgroup, leftovers, repoRoot, runCli, startCli, type CliOptions, type CliProcess, type CliResult,
} from './container.js';

/** Where the runtime's driver makes containers' cgroups: v2 /sys/fs/cgroup/ctr-tui, v1 the memory hierarchy's ctr-tui. */
export const containersCgroupDir = (): string => cgroupDriver().containersDir.dir;

/** A writable place for state dirs: the sandbox's tmpfs /run, else the temp dir. */
function stateParent(): string {
  try {
    const dir = mkdtempSync('/run/ctr-tui-lt-');
    rmSync(dir, { recursive: true });
    return '/run';
  } catch {
    return tmpdir();
  }
}
const parent = stateParent();

export interface Lab {
  /** This test's own state dir. */
  readonly dir: string;
  /** `ctr-tui --state-dir DIR ARGS` to completion. */
  cli(args: string[], options?: CliOptions): Promise<CliResult>;
  /** `ctr-tui --state-dir DIR ARGS`, still running. */
  start(args: string[], options?: CliOptions): CliProcess;
  /** `ps [-a] --json`, parsed (fails the test's promise on a non-zero status). */
  ps(all?: boolean): Promise<PsRow[]>;
  /** `inspect NAME`, parsed. */
  inspect(name: string): Promise<ContainerInfo>;
  /** Names used by the test, for the teardown's safety net. */
  track(...names: string[]): void;
}

/**
 * A state dir of the test's own; at teardown every container in it is
 * force-removed (through the API), stray monitors and cgroup members are
 * killed, and the dir is deleted. Assertions about leftovers belong in the
 * test itself: this is only the safety net for failed tests. Also sets the
 * test's timeout (default 3 minutes).
 */
export function makeLab(t: ExecutionContext, options: { timeoutMs?: number } = {}): Lab {
  // Generous: these tests start many CLI processes, slow on a loaded machine.
  t.timeout(options.timeoutMs ?? 180_000);
  const lab = newLab((line) => t.log(line));
  t.teardown(() => lab.cleanup());
  return lab;
}

/**
 * A bug in src/runtime/runtime.ts (reported): every command's reconcile()
 * sweeps all containers' cgroups (removeAbandonedCgroups), and stat()s each
 * without allowing for one that its monitor removes meanwhile, so any
 * command can fail with this when some container, of any state dir, exits
 * at that moment. It has nothing to do with what these tests check: retry.
 */
const sweepRace = /^ctr-tui: ENOENT: no such file or directory, stat '\/sys\/fs\/cgroup\/[^']*\/ctr-tui\/[^']*'\n$/;

/** A lab without a test to tear it down with (for before/after hooks): call cleanup() yourself. */
export function newLab(log: (line: string) => void = () => undefined): Lab & { cleanup(): Promise<void> } {
  const dir = mkdtempSync(path.join(parent, 'ctr-tui-lt-'));
  const names = new Set<string>();
  const withDir = (args: string[]) => ['--state-dir', dir, ...args];
  // A loaded machine (several suites at once on 2 cores) can take many seconds per CLI process.
  const patient = (options: CliOptions = {}): CliOptions => ({ timeoutMs: 90_000, ...options });
  const lab = {
    dir,
    async cli(args: string[], options?: CliOptions): Promise<CliResult> {
      for (let attempt = 1; ; attempt++) {
        const result = await runCli(withDir(args), patient(options));
        if (result.code !== 1 || !sweepRace.test(result.stderr) || attempt === 3) return result;
        log(`ctr-tui ${args.join(' ')}: retried after the reconcile sweep race: ${result.stderr.trim()}`);
      }
    },
    start: (args: string[], options?: CliOptions) => startCli(withDir(args), patient(options)),
    async ps(all = false) {
      const result = await lab.cli(['ps', ...(all ? ['-a'] : []), '--json']);
      if (result.code !== 0) throw new Error(`ps failed (${result.code}): ${result.stderr}`);
      return JSON.parse(result.stdout) as PsRow[];
    },
    async inspect(name: string) {
      const result = await lab.cli(['inspect', name]);
      if (result.code !== 0) throw new Error(`inspect ${name} failed (${result.code}): ${result.stderr}`);
      return JSON.parse(result.stdout) as ContainerInfo;
    },
    track(...more: string[]) {
      for (const name of more) names.add(name);
    },
    cleanup: () => cleanStateDir(dir, [...names]),
  };
  return lab;
}

/** Force-removes everything recorded in `dir`, kills what is left of `names`, deletes `dir`. */
export async function cleanStateDir(dir: string, names: string[] = []): Promise<void> {
  const runtime = new Runtime(dir);
  const all = new Set([...names, ...runtime.store.names()]);
  for (const name of runtime.store.names()) {
    try {
      await runtime.remove(name, true);
    } catch {
      // half-created or already gone: the kills below take care of it
    }
  }
  runtime.close();
  for (const pid of monitorsOf(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const name of all) killCgroup(name);
  // Let the monitors (which remove the cgroups) and the kernel (veths) finish.
  await settle(() => [...all].flatMap((name) => leftovers(name)), 5000);
  rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------- processes

function readProc(pid: string | number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

export function pidsOfProc(): string[] {
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
}

/** A process's command line, as its argv. */
export function cmdline(pid: number | string): string[] | null {
  const text = readProc(pid, 'cmdline');
  return text === null ? null : text.split('\0').slice(0, -1);
}

export function comm(pid: number | string): string | null {
  return readProc(pid, 'comm')?.trim() ?? null;
}

/** True while pid exists and is not a zombie. */
export function alive(pid: number): boolean {
  const stat = readProc(pid, 'stat');
  if (stat === null) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

/** ctr-monitor processes working for containers of state dir `dir`. */
export function monitorsOf(dir: string): number[] {
  return pidsOfProc().filter((pid) => {
    if (comm(pid) !== 'ctr-monitor') return false;
    const argv = cmdline(pid) ?? [];
    const at = argv.indexOf('--state-dir');
    return at >= 0 && (argv[at + 1] ?? '').startsWith(`${dir}/`);
  }).map(Number);
}

/** The last field of NSpid: the pid as the innermost pid namespace sees it. */
export function namespacePid(pid: number): number | null {
  const line = readProc(pid, 'status')?.split('\n').find((l) => l.startsWith('NSpid:'));
  const ids = line?.split(/\s+/).slice(1).filter(Boolean).map(Number) ?? [];
  return ids.length ? ids[ids.length - 1] : null;
}

export function parentPid(pid: number): number | null {
  const stat = readProc(pid, 'stat');
  if (stat === null) return null;
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

// ---------------------------------------------------------------- what is left

/** Container names that have a cgroup directory under ctr-tui/ in any hierarchy. */
export function cgroupNames(): string[] {
  const found = new Set<string>();
  for (const hierarchy of cgroupHierarchies()) {
    const dir = path.join(hierarchy, 'ctr-tui');
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) found.add(`${path.basename(hierarchy)}/${entry.name}`);
  }
  return [...found].sort();
}

/** veth interfaces of this network namespace (ip -o link show type veth), by name. */
export async function veths(): Promise<string[]> {
  const result = await new Promise<string>((resolve, reject) => {
    const child = spawn('ip', ['-o', 'link', 'show', 'type', 'veth'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ip link show exited ${code}`))));
  });
  return result.split('\n').filter(Boolean).map((line) => line.split(':')[1].trim().split('@')[0]);
}

/**
 * Polls `find` (a list of problems) until it is empty or `timeoutMs` has
 * passed; returns the last list, so that a test can deepEqual it with [].
 */
export async function settle<T>(find: () => T[] | Promise<T[]>, timeoutMs = 10_000): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const found = await find();
    if (found.length === 0 || Date.now() > deadline) return found;
    await sleep(delay);
  }
}

/** Polls an async check until it returns something truthy (at most timeoutMs). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(delay);
  }
}

/**
 * Everything of container `name` of state dir `dir` still on the host:
 * leftovers() (cgroups, processes, links, route, mounts), its monitor,
 * its state directory.
 */
export function residue(dir: string, name: string, ip?: string): string[] {
  const found = leftovers(name, { ip });
  for (const pid of monitorsOf(dir)) {
    const argv = cmdline(pid) ?? [];
    if (argv[argv.indexOf('--state-dir') + 1] === path.join(dir, name)) found.push(`monitor ${pid}`);
  }
  if (existsSync(path.join(dir, name))) found.push(`state dir ${path.join(dir, name)}`);
  return found;
}

// ---------------------------------------------------------------- state dir snapshots

/**
 * Every file and directory under `dir` with its size, mtime and a hash of
 * its content: equal snapshots mean nothing was written, renamed or removed.
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      // The event journal grows with every test that shares the dir: not a container's state.
      if (at === dir && entry.name.startsWith(journalFile)) continue;
      const full = path.join(at, entry.name);
      const rel = path.relative(dir, full);
      const st = statSync(full);
      if (entry.isDirectory()) {
        out[`${rel}/`] = `dir mtime=${st.mtimeMs}`;
        walk(full);
      } else {
        const hash = createHash('sha1').update(readFileSync(full)).digest('hex').slice(0, 12);
        out[rel] = `size=${st.size} mtime=${st.mtimeMs} sha1=${hash}`;
      }
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

// ---------------------------------------------------------------- a creator that is killed

/**
 * Writes a script that creates and starts container(s) through the API in
 * state dir `dir`, prints "started NAME PID" for each, then blocks forever
 * (until someone kills it). Returns the script's path (.mts, so that tsx
 * reads it as an ES module wherever it lives).
 */
export function creatorScript(t: ExecutionContext, dir: string, requests: Array<{ name: string; ip?: string; command: string[]; memory?: string }>): string {
  const scriptDir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-creator-'));
  t.teardown(() => rmSync(scriptDir, { recursive: true, force: true }));
  const file = path.join(scriptDir, 'creator.mts');
  const runtimeUrl = pathToFileURL(path.join(repoRoot, 'src/runtime/runtime.ts')).href;
  const specUrl = pathToFileURL(path.join(repoRoot, 'src/runtime/build-spec.ts')).href;
  writeFileSync(file, `
import { Runtime } from ${JSON.stringify(runtimeUrl)};
import { buildSpec } from ${JSON.stringify(specUrl)};
const runtime = new Runtime(${JSON.stringify(dir)});
for (const request of ${JSON.stringify(requests)}) {
  const info = await runtime.run(buildSpec(request));
  process.stdout.write(\`started \${info.name} \${info.pid}\\n\`);
}
setInterval(() => undefined, 1 << 30);
`);
  return file;
}

export interface Creator {
  readonly pid: number;
  /** Resolves with "started" lines' names and pids once all are there. */
  readonly started: Promise<Array<{ name: string; pid: number }>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
}

export function startCreator(script: string, count: number, timeoutMs = 20_000): Creator {
  const child = spawn(process.execPath, ['--import=tsx', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  const started = new Promise<Array<{ name: string; pid: number }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`creator: timed out; stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`)), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const found = [...stdout.matchAll(/^started (\S+) (\d+)$/gm)].map((m) => ({ name: m[1], pid: Number(m[2]) }));
      if (found.length >= count) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`creator exited (${code ?? signal}) early: stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`));
    });
  });
  started.catch(() => undefined);
  return {
    pid: child.pid!,
    started,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** One line on stderr, "ctr-tui: ...". */
export function isOneErrorLine(stderr: string): boolean {
  return /^ctr-tui: [^\n]+\n$/.test(stderr);
}
