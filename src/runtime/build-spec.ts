import { existsSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { formatBytes, parseSize } from './cgroup/size.js';
import { UsageError } from './errors.js';
import { fromNumber, isIpv4, parseIpv4, toNumber } from './ipv4.js';
import { checkHostname, checkName, freeRandomName, namePattern } from './names.js';
import { allocateNetwork, type NetworkSpec } from './network.js';
import { sharedFolder, sharedFolderTarget } from './paths.js';
import { defaultShell, resolveInRootfs, resolveRootfs } from './rootfs.js';
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

/** Kernel filesystems every container gets: a share over one (or below it) would hide or replace it. */
const kernelMounts = ['/proc', '/sys', '/dev'];

/** The kernel's PATH_MAX, less its NUL: the native side makes a share's mountpoint in a buffer of PATH_MAX (addon/core/container_child.cc) and refuses a longer one. */
const maximumTargetLength = 4095;

/** A container path a share may not cover: the root, or a kernel filesystem's mount point or anything below it. */
function refuseTarget(text: string, target: string, via = ''): void {
  if (target === '/') {
    throw new UsageError(`--share "${text}": the container path${via} is the container's root: give a directory below it, such as /mnt/data`);
  }
  const kernel = kernelMounts.find((m) => target === m || target.startsWith(`${m}/`));
  if (kernel) {
    throw new UsageError(`--share "${text}": the container path${via} ${target} is ${target === kernel ? '' : 'under '}${kernel}, a kernel filesystem every container gets: pick another path`);
  }
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
  const normal = path.posix.normalize(target).replace(/(.)\/+$/, '$1');
  refuseTarget(text, normal);
  return { source: absolute, target: normal, readonly: mode !== 'rw' };
}

/**
 * A share's target as the mount will reach it: its mountpoint is made and
 * mounted on before pivot_root, relative to the rootfs, so every symlink on
 * the way is followed here as the container would (/var/run -> /run stays
 * inside the rootfs) and the share is given the resolved path, which never
 * leads to the host's own directories.
 */
function resolveShareTarget(share: ShareSpec, rootfs: string, text: string): ShareSpec {
  const where = resolveInRootfs(rootfs, share.target);
  if (!where) throw new UsageError(`--share "${text}": the container path ${share.target} has too many levels of symlinks in the rootfs`);
  if (where.belowFile) throw new UsageError(`--share "${text}": ${where.belowFile} is a file in the rootfs, so ${share.target} cannot be a directory`);
  if (where.resolved !== share.target) refuseTarget(text, where.resolved, ` (through a symlink in the rootfs, ${share.target})`);
  if (where.resolved.length > maximumTargetLength) {
    throw new UsageError(`--share "${text}": the container path is ${where.resolved.length} characters: the limit is ${maximumTargetLength}`);
  }
  return { ...share, target: where.resolved };
}

/** The host kernel's largest pid: more processes than that can never exist (the kernel's PID_MAX_LIMIT if unreadable). */
function pidMax(): number {
  try {
    const n = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    if (Number.isSafeInteger(n) && n > 0) return n;
  } catch {
    // Below: the kernel's own bound.
  }
  return 4 * 1024 * 1024;
}

function parseCount(text: string, what: string, minimum: number, maximum: number, bound: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`invalid ${what} "${text}": use a whole number`);
  const n = Number(text);
  if (n < minimum) throw new UsageError(`${what} ${n} is too small to start a shell: give at least ${minimum}`);
  if (n > maximum) throw new UsageError(`${what} ${text} is more than ${bound}: give ${minimum} to ${maximum}`);
  return n;
}

/** The least CPU quota the kernel takes: 1 ms in each 100 ms period. */
const minimumCpus = 0.01;

function parseCpus(text: string): number {
  const n = Number(text);
  if (!/^\d*\.?\d+$/.test(text)) throw new UsageError(`invalid --cpus "${text}": use a number of cores such as 0.5 or 2`);
  const cores = availableParallelism();
  if (n < minimumCpus || n > cores) {
    throw new UsageError(`--cpus ${text} is out of range: give ${minimumCpus} to ${cores} (${cores} CPU${cores === 1 ? '' : 's'} available here)`);
  }
  return n;
}

/** The network and broadcast addresses of ADDR/PREFIX's subnet, and its first and last host addresses. */
function subnetOf(address: string, prefix: number) {
  const size = 2 ** (32 - prefix);
  const network = Math.floor(toNumber(address) / size) * size;
  return {
    network: fromNumber(network),
    broadcast: fromNumber(network + size - 1),
    first: fromNumber(network + 1),
    last: fromNumber(network + size - 2),
    contains: (other: string) => Math.floor(toNumber(other) / size) * size === network,
  };
}

/** Refuses the subnet's network and broadcast addresses, and a host end outside the container's subnet. */
function checkSubnet(address: string, prefix: number, hostAddress: string | undefined, given: { ip?: string; hostIp?: string }): void {
  const subnet = subnetOf(address, prefix);
  const cidr = `${subnet.network}/${prefix}`;
  const range = `${subnet.first} to ${subnet.last}`;
  for (const [option, value, text] of [['--ip', address, given.ip], ['--host-ip', hostAddress, given.hostIp]] as const) {
    if (value === undefined || text === undefined) continue;
    if (value === subnet.network || value === subnet.broadcast) {
      const which = value === subnet.network ? 'network' : 'broadcast';
      throw new UsageError(`${option} ${text}: ${value} is the ${which} address of ${cidr}, not a host's: give one of ${range}`);
    }
  }
  if (hostAddress !== undefined && !subnet.contains(hostAddress)) {
    throw new UsageError(`--host-ip ${given.hostIp}: ${hostAddress} is outside the container's subnet ${cidr}: give one of ${range}`);
  }
}

function network(request: RunRequest): NetworkSpec | null {
  if (request.network === false) return null;
  const hostAddress = request.hostIp ? parseIpv4(request.hostIp, 'host address').address : undefined;
  if (!request.ip) {
    const auto = { ...allocateNetwork(hostAddress), auto: true };
    checkSubnet(auto.address, auto.prefix, hostAddress, request);
    return hostAddress ? { ...auto, hostAddress } : auto;
  }
  const inside = parseIpv4(request.ip, 'address');
  checkSubnet(inside.address, inside.prefix, hostAddress, request);
  return { address: inside.address, prefix: inside.prefix, hostAddress: hostAddress ?? defaultGateway(inside.address, inside.prefix) };
}

function memorySize(text: string): number {
  try {
    return parseSize(text);
  } catch (error) {
    throw new UsageError(`--memory: ${(error as Error).message}`);
  }
}

/**
 * The .1 of the container's /24, or .254 when the container is .1 itself;
 * in a subnet smaller than a /24, which those may be outside of, its first
 * host address (its last when the container holds the first).
 */
function defaultGateway(address: string, prefix: number): string {
  const parts = address.split('.');
  parts[3] = parts[3] === '1' ? '254' : '1';
  const candidate = parts.join('.');
  const subnet = subnetOf(address, prefix);
  if (subnet.contains(candidate) && candidate !== subnet.network && candidate !== subnet.broadcast) return candidate;
  return address === subnet.first ? subnet.last : subnet.first;
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
  const pids = request.pids === undefined ? undefined : parseCount(request.pids, '--pids', minimumPids, pidMax(), 'the kernel\'s pid_max');
  const cpus = request.cpus === undefined ? undefined : parseCpus(request.cpus);
  const rootfs = resolveRootfs(request.rootfs);
  const requested = (request.share ?? []).map((text) => ({ text, share: parseShare(text) }));
  const shares = requested.map(({ text, share }) => resolveShareTarget(share, rootfs, text));
  if (!requested.some(({ share }) => share.target === sharedFolderTarget) && existsSync(sharedFolder) && statSync(sharedFolder).isDirectory()) {
    const share = { source: sharedFolder, target: sharedFolderTarget, readonly: true };
    shares.push(resolveShareTarget(share, rootfs, `${sharedFolder}:${sharedFolderTarget}`));
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
