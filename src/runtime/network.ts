import { createHash } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeSync, constants, ftruncateSync, openSync, readFileSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { RuntimeError, UsageError } from './errors.js';
import { fromNumber, toNumber } from './ipv4.js';
import type { TraceRecorder } from './birth-trace.js';
import { native } from './native.js';

export interface NetworkSpec {
  /** The container's address, on its eth0. */
  address: string;
  /** Picked by ctr-tui (not given with --ip): picked again, under the network lock, at start. */
  auto?: boolean;
  prefix: number;
  /** The host end's address, the container's gateway. */
  hostAddress: string;
}

export interface Veth {
  host: string;
  container: 'eth0';
}

const IFNAMSIZ = 16;

/** The host end's name: ctr-NAME, or a hash of the name when that is too long. */
export function hostVethName(containerName: string): string {
  const plain = `ctr-${containerName}`;
  if (plain.length < IFNAMSIZ) return plain;
  return `ctr-${createHash('sha1').update(containerName).digest('hex').slice(0, IFNAMSIZ - 5)}`;
}

/** Host routes to single addresses (/32): each one is a container's address. */
function hostRoutes(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (!iface || mask !== 'FFFFFFFF') continue;
    // /proc/net/route prints addresses as little-endian hex: 0200000A is 10.0.0.2.
    const bytes = destination.match(/../g) ?? [];
    routes.set(bytes.reverse().map((hex) => Number.parseInt(hex, 16)).join('.'), iface);
  }
  return routes;
}

function hostAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') addresses.add(a.address);
  }
  return addresses;
}

/** Refuses addresses that the host or another container already holds. */
export function checkAddresses(spec: NetworkSpec): void {
  if (spec.address === spec.hostAddress) {
    throw new UsageError(`the container's address and the host's address are both ${spec.address}: give two different addresses`);
  }
  const routes = hostRoutes();
  const owner = routes.get(spec.address);
  if (owner) throw new UsageError(`address ${spec.address} is already in use by ${owner}: pick another with --ip`);
  if (hostAddresses().has(spec.address)) {
    throw new UsageError(`address ${spec.address} is already in use on this host: pick another with --ip`);
  }
  const hostOwner = routes.get(spec.hostAddress);
  if (hostOwner) {
    throw new UsageError(`host address ${spec.hostAddress} is a container's address (${hostOwner}): pick another with --host-ip`);
  }
}

/** The first free 10.0.0.n for the container, with the host at 10.0.0.1, as in the seed (or at `hostAddress`, never picked). */
export function allocateNetwork(hostAddress?: string): NetworkSpec {
  const taken = new Set([...hostRoutes().keys(), ...hostAddresses(), ...(hostAddress ? [hostAddress] : [])]);
  const base = toNumber('10.0.0.0');
  for (let n = 2; n < 255; n++) {
    const address = fromNumber(base + n);
    if (!taken.has(address)) return { address, prefix: 24, hostAddress: '10.0.0.1' };
  }
  throw new RuntimeError('no free address left in 10.0.0.0/24: give one with --ip');
}

/**
 * No IPv6 on the host end, as docker does for an IPv4-only network (the container turns it
 * off on eth0 too): the link then carries no router solicitations or MLD reports, and the
 * network panel shows only the container's own traffic. A kernel without IPv6 has no file.
 */
function disableIpv6(ifname: string): void {
  try {
    writeFileSync(`/proc/sys/net/ipv6/conf/${ifname}/disable_ipv6`, '1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Creates the veth pair with eth0 already inside the namespace of `pid`, and
 * configures the host end. The container configures its own end.
 */
export function attachVeth(containerName: string, pid: number, spec: NetworkSpec, trace?: TraceRecorder): Veth {
  const host = hostVethName(containerName);
  const step = <T>(name: string, detail: string, work: () => T): T => (trace ? trace.step(name, detail, work) : work());
  try {
    step('netlink RTM_NEWLINK: create veth pair', `${host} here, its peer eth0 in the child's network namespace (pid ${pid})`,
      () => native.createVeth(host, 'eth0', pid));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new RuntimeError(`a network interface named ${host} already exists: is a container named ${containerName} running?`);
    }
    throw error;
  }
  try {
    step('write 1 to', `/proc/sys/net/ipv6/conf/${host}/disable_ipv6`, () => disableIpv6(host));
    step('netlink RTM_NEWADDR: add address', `${spec.hostAddress}/32 on ${host}`, () => native.addAddress(host, spec.hostAddress, 32));
    step('netlink RTM_NEWLINK: set link up', host, () => native.linkUp(host));
    step('netlink RTM_NEWROUTE: add route', `${spec.address}/32 dev ${host}`, () => native.addRoute(host, spec.address, 32, null));
  } catch (error) {
    native.deleteLink(host);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`address ${spec.address} is already in use by another container: pick another with --ip`);
    }
    throw error;
  }
  return { host, container: 'eth0' };
}

/**
 * The kernel removes the veth pair once the container's network namespace is
 * gone, after an RCU grace period. Wait for that without blocking; delete it
 * ourselves if it lingers.
 */
export async function awaitVethGone(host: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 1; native.linkExists(host); delay = Math.min(delay * 2, 50)) {
    if (Date.now() > deadline) {
      native.deleteLink(host);
      return;
    }
    await sleep(delay);
  }
}

/** The host-wide lock file (CTR_TUI_NETWORK_LOCK to change it), read at each use. */
const networkLockFile = () => process.env.CTR_TUI_NETWORK_LOCK ?? '/run/ctr-tui.network.flock';

/** Who holds the lock, as its holder wrote it (for the message only: the kernel decides). */
function lockHolder(fd: number): string {
  try {
    const text = Buffer.alloc(24);
    const pid = text.subarray(0, readSync(fd, text, 0, text.length, 0)).toString().trim();
    return /^\d+$/.test(pid) ? `pid ${pid}` : 'another process';
  } catch {
    return 'another process';
  }
}

/**
 * Serialises picking an address and claiming it (the /32 route), across
 * every ctr-tui process on the host, so that two containers started at once
 * never pick the same free address. The lock is flock(2) on a file: the
 * kernel drops it when its holder closes the file or dies, however it dies,
 * so a stale lock cannot exist. The file itself stays; it holds the last
 * holder's pid, for the message when the lock is busy.
 */
export async function withNetworkLock<T>(work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const lockFile = networkLockFile();
  let fd: number;
  try {
    fd = openSync(lockFile, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    throw new RuntimeError(`cannot open the network lock ${lockFile}: ${(error as Error).message}`);
  }
  try {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 1; !native.tryLockExclusive(fd, lockFile); delay = Math.min(delay * 2, 20)) {
      if (Date.now() > deadline) throw new RuntimeError(`the network lock ${lockFile} is held by ${lockHolder(fd)}: try again when it has finished starting its container`);
      await sleep(delay);
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return await work();
  } finally {
    closeSync(fd);
  }
}

/** Under the network lock: the address to use now, re-picked when it was picked automatically. */
export function claimableNetwork(spec: NetworkSpec): NetworkSpec {
  const network = spec.auto ? { ...spec, address: allocateNetwork(spec.hostAddress).address } : spec;
  checkAddresses(network);
  return network;
}
