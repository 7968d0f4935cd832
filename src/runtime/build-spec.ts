import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatBytes, parseSize } from './cgroup/size.js';
import { UsageError } from './errors.js';
import { isIpv4, parseIpv4 } from './ipv4.js';
import { checkHostname, checkName, freeRandomName, namePattern } from './names.js';
import { allocateNetwork, type NetworkSpec } from './network.js';
import { sharedFolder, sharedFolderTarget } from './paths.js';
import { defaultShell, resolveRootfs } from './rootfs.js';
import { containerPath, type ContainerSpec, type ShareSpec } from './spec.js';

/** What a user asks for, as typed: every field a string, none checked yet. */
export interface RunRequest {
  name?: string;
  hostname?: string;
  ip?: string;
  hostIp?: string;
  memory?: string;
  pids?: string;
  cpus?: string;
  rootfs?: string;
  share?: string[];
  /** false: no network namespace link (lo only). */
  network?: boolean;
  command: string[];
  term?: string;
  /** The seed's form: the seed's limits apply where memory or pids is not given (see seedLimitsLine). */
  seed?: boolean;
}

/** Below these a shell cannot start: the limit would only ever OOM-kill it. */
export const minimumMemory = 4 * 1024 * 1024;
export const minimumPids = 2;

/**
 * The seed's own limits, which its form applies unless --memory or --pids
 * says otherwise. 10 MiB, not 10 MB: a "10M" in a cgroup file (the kernel's
 * memparse) and in --memory both mean 10 MiB, and 10,000,000 bytes is no
 * whole number of pages, so the kernel would round it down and report it back
 * as 9.5 MiB. A login shell (one process; its profile runs no other) and
 * hungry fit in 8 processes with room for a pipeline, and the shell survives
 * hungry's OOM kill: the kernel kills the biggest task.
 */
export const seedLimits = { memory: '10M', pids: '8' } as const;

/** The line that says which of the seed's limits a request gets (null: none, both were given, or not the seed's form). */
export function seedLimitsLine(request: RunRequest): string | null {
  if (!request.seed) return null;
  const applied: string[] = [];
  const options: string[] = [];
  if (request.memory === undefined) {
    applied.push(`memory ${formatBytes(parseSize(seedLimits.memory))}`);
    options.push('--memory');
  }
  if (request.pids === undefined) {
    applied.push(`${seedLimits.pids} processes`);
    options.push('--pids');
  }
  if (!applied.length) return null;
  return `the seed's limits: ${applied.join(', ')} (${options.join(' and ')} ${options.length > 1 ? 'change them' : 'changes it'})`;
}

/** The seed's form: run <hostname> <ip_in> <ip_out>, where n means 10.0.0.n. */
export function seedForm(args: string[]): { hostname: string; ip: string; hostIp: string } | null {
  const looksLikeIp = (s: string) => isIpv4(s.split('/')[0]) || /^\d{1,3}$/.test(s);
  if (args.length !== 3 || !looksLikeIp(args[1]) || !looksLikeIp(args[2]) || args[0].includes('/')) return null;
  return { hostname: args[0], ip: args[1], hostIp: args[2] };
}

function parseShare(text: string): ShareSpec {
  const [source, target, mode, ...rest] = text.split(':');
  if (!source || !target || rest.length || (mode !== undefined && mode !== 'rw' && mode !== 'ro')) {
    throw new UsageError(`invalid --share "${text}": use HOSTDIR:CTRDIR or HOSTDIR:CTRDIR:rw`);
  }
  const absolute = path.resolve(source);
  if (!existsSync(absolute)) throw new UsageError(`--share: ${absolute} does not exist`);
  if (!target.startsWith('/') || target.split('/').includes('..')) {
    throw new UsageError(`--share: the container path "${target}" must be absolute, without ".."`);
  }
  return { source: absolute, target, readonly: mode !== 'rw' };
}

function parseCount(text: string, what: string, minimum: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new UsageError(`invalid ${what} "${text}": use a whole number`);
  if (n < minimum) throw new UsageError(`${what} ${n} is too small to start a shell: give at least ${minimum}`);
  return n;
}

function parseCpus(text: string): number {
  const n = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || n < 0.01) throw new UsageError(`invalid --cpus "${text}": use a number of cores such as 0.5 or 2`);
  return n;
}

function network(request: RunRequest): NetworkSpec | null {
  if (request.network === false) return null;
  if (!request.ip) {
    const auto = { ...allocateNetwork(), auto: true };
    return request.hostIp ? { ...auto, hostAddress: parseIpv4(request.hostIp, 'host address').address } : auto;
  }
  const inside = parseIpv4(request.ip, 'address');
  const hostAddress = request.hostIp ? parseIpv4(request.hostIp, 'host address').address : defaultGateway(inside.address);
  return { address: inside.address, prefix: inside.prefix, hostAddress };
}

function memorySize(text: string): number {
  try {
    return parseSize(text);
  } catch (error) {
    throw new UsageError(`--memory: ${(error as Error).message}`);
  }
}

/** The .1 of the container's /24, or .254 when the container is .1 itself. */
function defaultGateway(address: string): string {
  const parts = address.split('.');
  parts[3] = parts[3] === '1' ? '254' : '1';
  return parts.join('.');
}

/**
 * Turns a request into a complete, checked spec, or throws one clear
 * UsageError. `taken` says which names are in use, so that a random name
 * is picked again rather than collide.
 */
export function buildSpec(given: RunRequest, taken: (name: string) => boolean = () => false): ContainerSpec {
  const request = given.seed ? { ...given, memory: given.memory ?? seedLimits.memory, pids: given.pids ?? seedLimits.pids } : given;
  const name = checkName(request.name ?? (request.hostname && namePattern.test(request.hostname) ? request.hostname : freeRandomName(taken)));
  const hostname = checkHostname(request.hostname ?? name.replace(/[^a-zA-Z0-9-]/g, '-'));
  const memoryBytes = request.memory === undefined ? undefined : memorySize(request.memory);
  if (memoryBytes !== undefined && memoryBytes < minimumMemory) {
    throw new UsageError(`memory limit ${request.memory} is too small to start a shell: give at least 4M`);
  }
  const pids = request.pids === undefined ? undefined : parseCount(request.pids, '--pids', minimumPids);
  const cpus = request.cpus === undefined ? undefined : parseCpus(request.cpus);
  const rootfs = resolveRootfs(request.rootfs);
  const shares = (request.share ?? []).map(parseShare);
  if (!shares.some((s) => s.target === sharedFolderTarget) && existsSync(sharedFolder) && statSync(sharedFolder).isDirectory()) {
    shares.push({ source: sharedFolder, target: sharedFolderTarget, readonly: true });
  }
  const command = request.command.length ? request.command : [defaultShell(rootfs), '-l'];
  const spec: ContainerSpec = {
    name,
    hostname,
    rootfs,
    command,
    env: { PATH: containerPath, TERM: request.term ?? 'xterm-256color', HOME: '/root', HOSTNAME: hostname },
    limits: { memoryBytes, pids, cpus },
    network: network(request),
    shares,
  };
  return spec;
}
