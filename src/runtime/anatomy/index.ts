/**
 * The anatomy of a running container, read live from the kernel: its namespaces next to the
 * host's, its cgroup's limit files, its mount table, its network (over netlink, from inside its
 * namespace), its processes and its confinement; and how it was born (its record's trace).
 */
import type { BirthTrace } from '../birth-trace.js';
import type { CgroupDriver, CgroupLimitFile } from '../cgroup/types.js';
import type { ContainerRecord } from '../record.js';
import { readDeviceNodes, readMounts, type DeviceNode, type MountEntry } from './mounts.js';
import { readNamespaces, type NamespaceEntry } from './namespaces.js';
import { readNetwork, type NetworkAnatomy } from './network.js';
import { readProcessTree, type ProcessEntry } from './processes.js';
import { readSecurity, type SecurityAnatomy } from './security.js';

export type { DeviceNode, MountEntry } from './mounts.js';
export type { NamespaceEntry } from './namespaces.js';
export type { AddressEntry, LinkEntry, NetworkAnatomy, RouteEntry } from './network.js';
export type { ProcessEntry } from './processes.js';
export type { SecurityAnatomy } from './security.js';

export interface CgroupAnatomy {
  version: 1 | 2;
  paths: string[];
  files: CgroupLimitFile[];
}

export interface ContainerAnatomy {
  name: string;
  /** Its init's host pid. */
  pid: number;
  sampledAt: number;
  namespaces: NamespaceEntry[];
  cgroup: CgroupAnatomy | null;
  mounts: MountEntry[];
  devices: DeviceNode[];
  network: NetworkAnatomy | null;
  processes: ProcessEntry[];
  security: SecurityAnatomy | null;
  trace: BirthTrace | null;
  /** Sections that could not be read, each "section: why" (it exited meanwhile, say). */
  problems: string[];
}

/** Reads every section; one that fails is left empty and named in problems. */
export function readAnatomy(record: ContainerRecord, driver: CgroupDriver): ContainerAnatomy {
  const pid = record.pid!;
  const problems: string[] = [];
  const section = <T>(name: string, read: () => T, empty: T): T => {
    try {
      return read();
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      return empty;
    }
  };
  const cgroup = driver.open(record.name);
  return {
    name: record.name,
    pid,
    sampledAt: Date.now(),
    namespaces: section('namespaces', () => readNamespaces(pid), []),
    cgroup: cgroup ? section('cgroup', () => ({ version: cgroup.version, paths: [...cgroup.paths], files: cgroup.limitFiles() }), null) : null,
    mounts: section('mounts', () => readMounts(pid, record.spec.shares, record.spec.rootfs), []),
    devices: section('devices', () => readDeviceNodes(pid), []),
    network: section('network', () => readNetwork(pid, record.hostVeth), null),
    processes: section('processes', () => readProcessTree(cgroup ? cgroup.processes() : [pid]), []),
    security: section('security', () => readSecurity(pid), null),
    trace: record.trace ?? null,
    problems,
  };
}
