import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { CgroupLimitFile, CgroupTracer, ResourceLimits } from './types.js';

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;
const REMOVE_TIMEOUT_MS = 1000;

export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

export function assertValidName(name: string): void {
  if (!isValidName(name)) {
    throw new Error(
      `cgroup: invalid name ${JSON.stringify(name)}: use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit`,
    );
  }
}

export function assertValidLimits(limits: ResourceLimits): void {
  const { memoryBytes, pids, cpus } = limits;
  if (memoryBytes !== undefined && !(Number.isSafeInteger(memoryBytes) && memoryBytes > 0)) {
    throw new Error(`cgroup: invalid memory limit ${memoryBytes}: must be a positive whole number of bytes`);
  }
  if (pids !== undefined && !(Number.isSafeInteger(pids) && pids > 0)) {
    throw new Error(`cgroup: invalid pids limit ${pids}: must be a positive whole number`);
  }
  if (cpus !== undefined && !(Number.isFinite(cpus) && cpus > 0)) {
    throw new Error(`cgroup: invalid cpus limit ${cpus}: must be a positive fraction of cores, e.g. 0.5`);
  }
}

export const CPU_PERIOD_US = 100_000;

export function cpuQuotaUs(cpus: number): number {
  return Math.round(cpus * CPU_PERIOD_US);
}

export function errorCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

export type WriteHint = (code: string | undefined) => string | undefined;

/** While a driver's create() runs with a tracer, each directory made and file written is one traced step. */
let activeTracer: CgroupTracer | undefined;

export function withCgroupTracer<T>(tracer: CgroupTracer | undefined, work: () => T): T {
  if (!tracer) return work();
  const previous = activeTracer;
  activeTracer = tracer;
  try {
    return work();
  } finally {
    activeTracer = previous;
  }
}

const traced = <T>(step: string, detail: string, work: () => T): T => (activeTracer ? activeTracer(step, detail, work) : work());

export function writeCgroupFile(path: string, value: string, hint?: WriteHint): void {
  if (activeTracer) return traced('write cgroup file', `${path} = ${value}`, () => writeCgroupFileNow(path, value, hint));
  writeCgroupFileNow(path, value, hint);
}

function writeCgroupFileNow(path: string, value: string, hint?: WriteHint): void {
  try {
    writeFileSync(path, value);
  } catch (err) {
    throw writeFailure(path, value, err, hint);
  }
}

/** Writes a file the kernel may not provide (e.g. swap accounting off); returns false if it is absent. */
export function writeOptionalCgroupFile(path: string, value: string): boolean {
  if (activeTracer) return traced('write cgroup file', `${path} = ${value}`, () => writeOptionalCgroupFileNow(path, value));
  return writeOptionalCgroupFileNow(path, value);
}

function writeOptionalCgroupFileNow(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch (err) {
    const code = errorCode(err);
    if ((code === 'ENOENT' || code === 'EACCES') && !existsSync(path)) return false;
    throw writeFailure(path, value, err);
  }
}

function writeFailure(path: string, value: string, err: unknown, hint?: WriteHint): Error {
  const code = errorCode(err);
  const reason = code ?? (err instanceof Error ? err.message : String(err));
  const extra = safeHint(hint, code);
  return new Error(`cgroup: writing "${value}" to ${path} failed: ${reason}${extra ? ` (${extra})` : ''}`, {
    cause: err,
  });
}

function safeHint(hint: WriteHint | undefined, code: string | undefined): string | undefined {
  try {
    return hint?.(code);
  } catch {
    return undefined;
  }
}

/**
 * A cgroup file's text. A failure names the file: a raw "ENODEV: no such
 * device, read" (the cgroup went away while it was read) says neither what
 * nor where. The errno stays as `code`, for callers that allow for a
 * container that left meanwhile.
 */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = errorCode(err);
    const gone = code === 'ENOENT' || code === 'ENODEV' ? ' (the cgroup is gone)' : '';
    throw Object.assign(new Error(`cgroup: reading ${path} failed: ${code ?? String(err)}${gone}`, { cause: err }), { code });
  }
}

/** Whether an error means the cgroup (or the file) went away while it was used. */
export function isGone(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENODEV' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'ESTALE';
}

export function readNumber(path: string): number {
  const text = readText(path).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new Error(`cgroup: ${path} holds "${text}", not a number`);
  return value;
}

/** Value of a `key N` line (memory.events, memory.oom_control, cpu.stat); 0 when the key is absent. */
export function readKeyed(path: string, key: string): number {
  for (const line of readText(path).split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name === key && value !== undefined) return Number(value);
  }
  return 0;
}

/** An absent cgroup.procs (cgroup already removed) holds no pids. */
export function readPids(procsFile: string): number[] {
  let text: string;
  try {
    text = readText(procsFile);
  } catch (err) {
    if (isGone(err)) return [];
    throw err;
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

export function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (err) {
      if (errorCode(err) !== 'ESRCH') throw err;
    }
  }
}

/** Signals until no new pids appear, so children forked meanwhile are caught too. */
export function signalCgroup(readProcesses: () => number[], signal: NodeJS.Signals): void {
  const signalled = new Set<number>();
  for (let round = 0; round < 5; round++) {
    const fresh = readProcesses().filter((pid) => !signalled.has(pid));
    if (fresh.length === 0) return;
    signalPids(fresh, signal);
    for (const pid of fresh) signalled.add(pid);
  }
}

export function makeCgroupDir(dir: string, name: string): void {
  traced('mkdir cgroup', dir, () => makeCgroupDirNow(dir, name));
}

function makeCgroupDirNow(dir: string, name: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = errorCode(err);
    // The shared parent went with the last container meanwhile: make it again.
    if (code === 'ENOENT') {
      makeParentDir(dirname(dir));
      mkdirSync(dir);
      return;
    }
    if (code === 'EEXIST') throw new Error(`cgroup: "${name}" already exists (${dir})`, { cause: err });
    throw new Error(`cgroup: creating ${dir} failed: ${code ?? String(err)}`, { cause: err });
  }
}

export function makeParentDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new Error(`cgroup: creating ${dir} failed: ${errorCode(err) ?? String(err)}`, { cause: err });
  }
}

export function listCgroupNames(parentDir: string): string[] {
  try {
    return readdirSync(parentDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isValidName(entry.name))
      .map((entry) => entry.name)
      .sort();
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** rmdir that tolerates an absent dir and waits until the deadline for exiting processes. */
function removeCgroupDir(dir: string, deadline: number): void {
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const code = errorCode(err);
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || Date.now() >= deadline) throw removeError(dir, code, err);
    }
    sleepSync(Math.max(1, Math.min(delay, deadline - Date.now())));
  }
}

/** Tries every dir within one shared deadline, then throws the first failure; later calls finish what is left. */
export function removeCgroupDirs(dirs: readonly string[]): void {
  const deadline = Date.now() + REMOVE_TIMEOUT_MS;
  let firstError: unknown;
  for (const dir of [...dirs].reverse()) {
    try {
      removeCgroupDir(dir, deadline);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError !== undefined) throw firstError;
  // The shared parent goes with the last container; while others are in it, rmdir fails and it stays.
  for (const parent of new Set(dirs.map((dir) => dirname(dir)))) {
    try {
      rmdirSync(parent);
    } catch {
      // in use (EBUSY, ENOTEMPTY) or gone already
    }
  }
}

function removeError(dir: string, code: string | undefined, cause: unknown): Error {
  if (code !== 'EBUSY') {
    return new Error(`cgroup: removing ${dir} failed: ${code ?? String(cause)}`, { cause });
  }
  let holders = '';
  try {
    const pids = readPids(`${dir}/cgroup.procs`);
    holders = pids.length > 0 ? `; processes still inside: ${pids.join(', ')}` : '; it may have child cgroups';
  } catch {
    holders = '';
  }
  return new Error(`cgroup: cannot remove ${dir}: still busy after ${REMOVE_TIMEOUT_MS} ms${holders}`, { cause });
}

/** A limit file and its live text (trimmed), or null when this kernel has no such file. */
export function limitFile(controller: string, path: string): CgroupLimitFile {
  try {
    return { controller, file: basename(path), path, value: readFileSync(path, 'utf8').trim() };
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return { controller, file: basename(path), path, value: null };
    throw err;
  }
}
