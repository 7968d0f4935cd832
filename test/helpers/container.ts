// Helpers for the end-to-end tests: they run real containers (real
// namespaces, cgroups and veths), so they must run as root inside the
// throwaway namespaces of scripts/test-sandbox.sh.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import { buildSpec, type RunRequest } from '../../src/runtime/build-spec.js';
import { cgroupDriver, startContainer, type RunningContainer } from '../../src/runtime/container.js';
import { hostVethName } from '../../src/runtime/network.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultRootfs = path.join(repoRoot, 'rootfs');
export const sharedFolder = path.join(repoRoot, 'shared_folder');
export const hostClient = path.join(sharedFolder, 'client');
export const hostServer = path.join(sharedFolder, 'server');
const cliEntry = path.join(repoRoot, 'test/helpers/cli-entry.ts');

/**
 * The CLI the tests run: src/cli/main.ts, bundled afresh by esbuild (the
 * compiler tsx uses) when this module loads, so never a stale dist/. A
 * bundle starts 4-5 times faster than tsx compiling src/ in every process,
 * and a test file starts dozens. It lives two levels below the package root,
 * as src/runtime/paths.ts expects of the module that holds it. Set
 * CTR_TUI_TEST_CLI=tsx to run src/ through tsx instead.
 */
function cliCommand(): string[] {
  if (process.env.CTR_TUI_TEST_CLI === 'tsx') return ['--import=tsx', cliEntry];
  const dir = path.join(repoRoot, 'test/.cli-build');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitignore'), '*\n');
  const outfile = path.join(dir, `cli-${process.pid}.mjs`);
  buildSync({
    entryPoints: [cliEntry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  process.on('exit', () => rmSync(outfile, { force: true }));
  return [outfile];
}
const cli = cliCommand();

/** The command line that runs `ctr-tui ARGS`: node and its arguments. */
export function cliArgv(args: string[]): string[] {
  return [process.execPath, ...cli, ...args];
}

const cgroupRoot = '/sys/fs/cgroup';
/** Where ctr-tui keeps container records (the default --state-dir). */
export const stateDir = '/run/ctr-tui';

/**
 * Refuses to run outside the sandbox, since the tests add mounts and links:
 * a fresh network namespace has only lo (and the veths of running tests).
 */
export function assertSandboxed(): void {
  if (process.getuid?.() !== 0) throw new Error('these tests need root: run them with "npm test" as root');
  const foreign = hostLinks().filter((link) => link !== 'lo' && !link.startsWith('ctr-'));
  if (foreign.length) {
    throw new Error(`these tests must run in their own network namespace (found ${foreign.join(', ')}): run them with "npm test" (scripts/test-sandbox.sh)`);
  }
}

// ---------------------------------------------------------------- names and addresses

let counter = 0;
/** A short name (so that the host veth is plainly ctr-NAME), unique across test processes. */
export function uniqueName(prefix: string): string {
  counter++;
  // 3 characters of pid, then the counter: no two (pid, counter) pairs give the same tag.
  const tag = `${(process.pid % 46656).toString(36).padStart(3, '0')}${counter.toString(36)}`;
  const name = `${prefix}${tag}`;
  if (`ctr-${name}`.length >= 16) throw new Error(`uniqueName: ${name} is too long for a plain veth name`);
  return name;
}

/**
 * Hands out 10.0.0.n from a range owned by one test file, so that files
 * running side by side never ask for the same address. Owned ranges:
 * isolation 10-39, network 40-89, bad-input 90-109, cleanup 110-149,
 * lifecycle 150-169, survival 170-184, exec 185-199, lifecycle-bad-input
 * 200-209, churn 210-249, robustness-sigkill 250-251, robustness-cycles
 * 252-253, lessons 254 (and the seed's 2 and 3, which the shipped lessons
 * use); network-lock uses 10.0.3.2 of its own subnet. (The
 * benchmark runs in a sandbox of its own.)
 */
export function ipRange(first: number, last: number): () => number {
  let next = first;
  return () => {
    if (next > last) throw new Error(`ipRange ${first}-${last} is used up: widen it`);
    return next++;
  };
}

// ---------------------------------------------------------------- polling

/** Polls `check` until it returns something truthy, at most `timeoutMs`. */
export async function waitUntil<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(delay);
  }
}

// ---------------------------------------------------------------- the CLI

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
}

export interface CliProcess {
  readonly pid: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once `pattern` has shown on stdout (rejects if the CLI exits first or on timeout). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  write(text: string): void;
  endInput(): void;
  signal(signal: NodeJS.Signals): void;
  readonly result: Promise<CliResult>;
}

/**
 * At most this many CLI processes of one test file start at once (a whole
 * file's tests start together, on 2 cores). A slot is held until the CLI prints
 * something (the container is running) or exits.
 */
const maxStarting = 3;
let starting = 0;
const queue: Array<() => void> = [];
function acquireSlot(): Promise<() => void> {
  return new Promise((resolve) => {
    const grant = () => {
      starting++;
      let released = false;
      resolve(() => {
        if (released) return;
        released = true;
        starting--;
        queue.shift()?.();
      });
    };
    if (starting < maxStarting) grant();
    else queue.push(grant);
  });
}

/**
 * Starts `ctr-tui ARGS` built from src/ (never a stale dist/),
 * with pipes for stdio, as a user would from a script. The timeouts count
 * from when the process really starts.
 */
export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  let stdout = '';
  let stderr = '';
  let exited = false;
  let child: ChildProcess | undefined;
  let pendingInput: Array<string | null> = [];
  let pendingSignal: NodeJS.Signals | undefined;
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const waiter of waiters) waiter();
  };
  const started = acquireSlot();
  const result = started.then((release) => new Promise<CliResult>((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    };
    if (options.uid !== undefined) spawnOptions.uid = options.uid;
    if (options.gid !== undefined) spawnOptions.gid = options.gid;
    const proc = spawn(process.execPath, [...cli, ...args], spawnOptions);
    child = proc;
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      release();
      stdout += chunk;
      poke();
    });
    proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    proc.stdin!.on('error', () => undefined);  // EPIPE when the CLI has already gone
    if (options.input !== undefined) proc.stdin!.end(options.input);
    for (const text of pendingInput) {
      if (text === null) proc.stdin!.end();
      else proc.stdin!.write(text);
    }
    pendingInput = [];
    if (pendingSignal) proc.kill(pendingSignal);
    // SIGTERM is forwarded to the container; SIGKILL after a grace period, if the CLI hangs.
    const timer = setTimeout(() => {
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
    }, options.timeoutMs ?? 30_000);
    proc.on('error', (error) => {
      release();
      reject(error);
    });
    proc.on('close', (code, signal) => {
      release();
      clearTimeout(timer);
      exited = true;
      poke();
      resolve({ code, signal, stdout, stderr });
    });
  }));
  return {
    get pid() {
      return child?.pid ?? -1;
    },
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStdout(pattern, waitMs = 30_000) {
      await started;
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = stdout.match(pattern);
          if (match) return done(() => resolve(match));
          if (exited) return done(() => reject(new Error(`ctr-tui exited before printing ${pattern}: stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out after ${waitMs} ms waiting for ${pattern} on stdout: stdout ${JSON.stringify(stdout)}, stderr ${JSON.stringify(stderr)}`))), waitMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    write: (text) => {
      if (child) child.stdin!.write(text);
      else pendingInput.push(text);
    },
    endInput: () => {
      if (child) child.stdin!.end();
      else pendingInput.push(null);
    },
    signal: (signal) => {
      if (exited) return;
      if (child) child.kill(signal);
      else pendingSignal = signal;
    },
    result,
  };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const cli = startCli(args, options);
  if (options.input === undefined) cli.endInput();
  return cli.result;
}

/** The lines of a stream, without the empty last one. */
export function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

// ---------------------------------------------------------------- the in-process API

export interface ApiContainer {
  container: RunningContainer;
  stdout(): string;
  stderr(): string;
}

/**
 * Starts a container through the API with its stdout and stderr going to
 * temp files (stdin is /dev/null). Killed in teardown if still running.
 */
export async function startApi(t: ExecutionContext, request: RunRequest): Promise<ApiContainer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-test-'));
  const outPath = path.join(dir, 'stdout');
  const errPath = path.join(dir, 'stderr');
  const fds: [number, number, number] = [openSync('/dev/null', 'r'), openSync(outPath, 'w'), openSync(errPath, 'w')];
  let container: RunningContainer;
  try {
    container = await startContainer(buildSpec(request), { console: 'inherit', stdio: fds });
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  t.teardown(async () => {
    container.kill('SIGKILL');
    await container.exited;
    rmSync(dir, { recursive: true, force: true });
    if (leftovers(container.spec.name).length) await forceCleanup(container.spec.name);
  });
  return {
    container,
    stdout: () => readFileSync(outPath, 'utf8'),
    stderr: () => readFileSync(errPath, 'utf8'),
  };
}

// ---------------------------------------------------------------- what a container leaves behind

/**
 * The hierarchies a container's cgroups are made in, as the runtime's driver
 * finds them: v2, the one unified tree; v1, every mounted controller's
 * hierarchy (and the controller-less v2 one), by directory.
 */
export function cgroupHierarchies(): string[] {
  const driver = cgroupDriver();
  if (driver.version === 2) return [driver.containersDir.parent];
  return readdirSync(cgroupRoot).map((entry) => path.join(cgroupRoot, entry));
}

/** The cgroup directories that exist for container `name`, in any hierarchy. */
export function cgroupDirsOf(name: string): string[] {
  return cgroupHierarchies().map((dir) => path.join(dir, 'ctr-tui', name)).filter((dir) => existsSync(dir));
}

/** The memory and pids limits in container NAME's cgroup files, as the kernel reads them back (v1 or v2). */
export function cgroupLimits(name: string): { memory: string; pids: string } {
  const read = (...files: string[]) => {
    for (const dir of cgroupDirsOf(name)) {
      for (const file of files) if (existsSync(path.join(dir, file))) return readFileSync(path.join(dir, file), 'utf8').trim();
    }
    throw new Error(`no ${files.join(' or ')} for ${name} in ${JSON.stringify(cgroupDirsOf(name))}`);
  };
  return { memory: read('memory.limit_in_bytes', 'memory.max'), pids: read('pids.max') };
}

/** Host pids whose cgroup (in any hierarchy) is the container's. */
export function processesIn(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
    } catch {
      continue;
    }
    if (text.split('\n').some((line) => line.endsWith(`/ctr-tui/${name}`))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * The network interfaces of this process's network namespace. (Not
 * /sys/class/net: that shows the namespace sysfs was mounted in.)
 */
export function hostLinks(): string[] {
  return readFileSync('/proc/self/net/dev', 'utf8').split('\n').slice(2)
    .map((line) => line.split(':')[0].trim())
    .filter(Boolean);
}

export function linkExists(ifname: string): boolean {
  return hostLinks().includes(ifname);
}

/** /32 routes of this namespace, as dotted address -> interface. */
export function hostRoutes(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (!iface || mask !== 'FFFFFFFF') continue;
    const address = (destination.match(/../g) ?? []).reverse().map((hex) => Number.parseInt(hex, 16)).join('.');
    routes.set(address, iface);
  }
  return routes;
}

/**
 * What is left of container `name` on the host: cgroup directories,
 * processes, its host veth, a route to its address, a state directory, and
 * mounts of this mount namespace that mention its rootfs. Empty when all is gone.
 */
export function leftovers(name: string, options: { ip?: string; rootfs?: string } = {}): string[] {
  const found: string[] = [];
  for (const dir of cgroupDirsOf(name)) found.push(`cgroup ${dir}`);
  for (const pid of processesIn(name)) found.push(`process ${pid}`);
  const veth = hostVethName(name);
  if (linkExists(veth)) found.push(`link ${veth}`);
  if (linkExists(`ctr-${name}`)) found.push(`link ctr-${name}`);
  if (options.ip) {
    const owner = hostRoutes().get(options.ip);
    if (owner) found.push(`route to ${options.ip} via ${owner}`);
  }
  const state = path.join(stateDir, name);
  if (existsSync(state)) found.push(`state ${state}`);
  const rootfs = options.rootfs ?? defaultRootfs;
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    if (line.includes(rootfs) || line.includes(`ctr-tui/${name}`)) found.push(`mount ${line}`);
  }
  return found;
}

/** Kills whatever still runs in container `name`'s cgroup (a teardown safety net). */
export function killCgroup(name: string): void {
  for (const pid of processesIn(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Removes whatever container `name` left on the host (a teardown safety net,
 * for when ctr-tui itself did not, e.g. a CLI killed before it could clean up):
 * kills its processes, then removes its cgroup directories and its record.
 */
export async function forceCleanup(name: string): Promise<void> {
  killCgroup(name);
  const deadline = Date.now() + 5000;
  while (processesIn(name).length && Date.now() < deadline) {
    killCgroup(name);
    await sleep(20);
  }
  for (const dir of cgroupDirsOf(name)) {
    try {
      rmdirSync(dir);  // a cgroup directory holds only kernel files: rmdir(2) removes it
    } catch {
      // still busy: nothing more to do here
    }
  }
  rmSync(path.join(stateDir, name), { recursive: true, force: true });
}

/** Makes sure a CLI-started container is gone at the end of a test, even a failed one. */
export function cleanupCli(t: ExecutionContext, cli: CliProcess, name: string): void {
  t.teardown(async () => {
    cli.signal('SIGTERM');
    const timer = setTimeout(() => killCgroup(name), 3000);
    await cli.result.catch(() => undefined);
    clearTimeout(timer);
    if (leftovers(name).length) await forceCleanup(name);
  });
}

/**
 * Waits until the CLI has recorded container `name` (its state.json): it has
 * then finished starting it. (A SIGTERM any earlier once killed the CLI and
 * orphaned the container; cleanup.test.ts checks that race on its own.)
 */
export async function waitForRecord(name: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(() => existsSync(path.join(stateDir, name, 'state.json')), `the record of ${name}`, timeoutMs);
}

/**
 * A shell script that runs COMMANDS, prints READY, then waits until the
 * container is sent SIGTERM (which the CLI forwards), and exits 0. (PID 1
 * ignores signals it has no handler for, hence the trap.)
 */
export function holdAfter(commands: string, status = 0): string {
  return `trap "exit ${status}" TERM; ${commands}; echo READY; sleep 60 & wait`;
}

/** Stops a container held by holdAfter, through the CLI's SIGTERM forwarding. */
export async function stop(cli: CliProcess, name: string): Promise<CliResult> {
  await waitForRecord(name);
  cli.signal('SIGTERM');
  return cli.result;
}

/** Runs a host program and collects its output (no shell). */
export function runHost(file: string, args: string[], timeoutMs = 10_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * The containers an end-to-end test file makes through the CLI: each removed in its test's
 * teardown whatever happened (rm -f, then a kill of its cgroup), and all of them checked gone
 * once the file is done.
 */
export class TestContainers {
  private readonly names = new Set<string>();

  /** Removes container `name` whatever happened: rm -f through the CLI, then a kill of its cgroup. */
  static async remove(name: string, stateDir: string): Promise<void> {
    await runCli(['--state-dir', stateDir, 'rm', '-f', name], { timeoutMs: 20_000 }).catch(() => undefined);
    if (processesIn(name).length) {
      killCgroup(name);
      await runCli(['--state-dir', stateDir, 'rm', '-f', name], { timeoutMs: 20_000 }).catch(() => undefined);
    }
  }

  /** A container name for this test, removed in teardown (even when the test fails). */
  name(t: ExecutionContext, stateDir: string, prefix: string): string {
    const name = this.track(uniqueName(prefix));
    t.teardown(() => TestContainers.remove(name, stateDir));
    return name;
  }

  /** A name whose removal the test sees to itself, checked gone at the end all the same. */
  track(name: string): string {
    this.names.add(name);
    return name;
  }

  /** Throws naming every cgroup and process of these containers still there (after up to 10 s each). */
  async checkNothingLeft(): Promise<void> {
    const left: string[] = [];
    for (const name of this.names) {
      await waitUntil(() => cgroupDirsOf(name).length === 0 && processesIn(name).length === 0, `${name}'s cgroups gone`, 10_000).catch(() => undefined);
      left.push(...cgroupDirsOf(name).map((dir) => `cgroup ${dir}`), ...processesIn(name).map((pid) => `process ${pid} of ${name}`));
    }
    if (left.length) throw new Error(`left behind: ${left.join(', ')}`);
  }
}
