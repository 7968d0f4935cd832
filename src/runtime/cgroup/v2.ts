import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CPU_PERIOD_US,
  assertValidLimits,
  assertValidName,
  cpuQuotaUs,
  errorCode,
  isValidName,
  limitFile,
  listCgroupNames,
  makeCgroupDir,
  makeParentDir,
  readKeyed,
  readNumber,
  readPids,
  readText,
  removeCgroupDirs,
  signalCgroup,
  withCgroupTracer,
  writeCgroupFile,
  writeOptionalCgroupFile,
} from './common.js';
import { allowedDevices, attachDeviceProgram, type DeviceFilterAttacher } from './devices.js';
import type { Cgroup, CgroupDriver, CgroupLimitFile, CgroupTracer, MemorySample, ResourceLimits } from './types.js';

type V2Controller = 'memory' | 'pids' | 'cpu';
const WANTED_CONTROLLERS: readonly V2Controller[] = ['memory', 'pids', 'cpu'];

function readControllerList(file: string): string[] {
  try {
    return readText(file)
      .split(/\s+/)
      .filter((word) => word !== '')
      .map((word) => word.replace(/^\+/, ''));
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return [];
    throw err;
  }
}

function controllersFor(limits: ResourceLimits): V2Controller[] {
  const needed: V2Controller[] = [];
  if (limits.memoryBytes !== undefined) needed.push('memory');
  if (limits.pids !== undefined) needed.push('pids');
  if (limits.cpus !== undefined) needed.push('cpu');
  return needed;
}

function enableControllers(dir: string, controllers: readonly V2Controller[]): void {
  const enabled = readControllerList(join(dir, 'cgroup.subtree_control'));
  const toEnable = controllers.filter((controller) => !enabled.includes(controller));
  if (toEnable.length === 0) return;
  writeCgroupFile(join(dir, 'cgroup.subtree_control'), toEnable.map((c) => `+${c}`).join(' '), (code) =>
    code === 'EBUSY'
      ? `${dir} has processes of its own, and cgroup v2 only hands controllers down from cgroups without processes`
      : undefined,
  );
}

function applyLimits(dir: string, limits: ResourceLimits): void {
  if (limits.memoryBytes !== undefined) {
    writeCgroupFile(join(dir, 'memory.max'), String(limits.memoryBytes));
    writeOptionalCgroupFile(join(dir, 'memory.swap.max'), '0');
  }
  if (limits.pids !== undefined) writeCgroupFile(join(dir, 'pids.max'), String(limits.pids));
  if (limits.cpus !== undefined) {
    writeCgroupFile(join(dir, 'cpu.max'), `${cpuQuotaUs(limits.cpus)} ${CPU_PERIOD_US}`);
  }
}

function readOptionalNumber(file: string): number | null {
  try {
    return readNumber(file);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return null;
    throw err;
  }
}

const V2_LIMIT_FILES: ReadonlyArray<[string, string]> = [
  ['memory', 'memory.max'], ['memory', 'memory.current'], ['memory', 'memory.peak'], ['memory', 'memory.swap.max'], ['memory', 'memory.events'],
  ['pids', 'pids.max'], ['pids', 'pids.current'], ['cpu', 'cpu.max'],
];

function openV2Cgroup(name: string, dir: string): Cgroup {
  const file = (leaf: string): string => join(dir, leaf);
  const processes = (): number[] => readPids(file('cgroup.procs'));
  let peakSeen = 0;

  return {
    name,
    version: 2,
    paths: [dir],
    files: {
      memoryCurrent: file('memory.current'),
      procs: file('cgroup.procs'),
      oomWatch: { kind: 'v2-inotify', memoryEvents: file('memory.events') },
    },
    addProcess(pid: number): void {
      writeCgroupFile(file('cgroup.procs'), String(pid));
    },
    memory(): MemorySample {
      const current = readNumber(file('memory.current'));
      peakSeen = Math.max(peakSeen, current);
      const limit = readText(file('memory.max')).trim();
      return {
        current,
        peak: readOptionalNumber(file('memory.peak')) ?? peakSeen,
        limit: limit === 'max' ? null : readNumber(file('memory.max')),
        oomKills: readKeyed(file('memory.events'), 'oom_kill'),
      };
    },
    pids(): number {
      return readOptionalNumber(file('pids.current')) ?? processes().length;
    },
    cpuUsageNs(): number {
      return readKeyed(file('cpu.stat'), 'usage_usec') * 1000;
    },
    processes,
    limitFiles: (): CgroupLimitFile[] => V2_LIMIT_FILES.map(([controller, leaf]) => limitFile(controller, file(leaf))),
    insideView: () => ({ version: 2, dirs: [], options: [], links: [] }),
    killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
      if (signal === 'SIGKILL' && existsSync(file('cgroup.kill'))) {
        writeCgroupFile(file('cgroup.kill'), '1');
      } else {
        signalCgroup(processes, signal);
      }
    },
    remove(): void {
      removeCgroupDirs([dir]);
    },
  };
}

/** attachDevices: how the device rules reach the kernel (a fixture tree has no cgroups to attach to). */
export function createV2Driver(
  root = '/sys/fs/cgroup',
  parent = 'ctr-tui',
  attachDevices: DeviceFilterAttacher = attachDeviceProgram,
): CgroupDriver {
  const parentDir = join(root, parent);
  const dirFor = (name: string): string => join(parentDir, name);

  return {
    version: 2,
    containersDir: { dir: parentDir, parent: root },
    create(name: string, limits: ResourceLimits, tracer?: CgroupTracer): Cgroup {
      return withCgroupTracer(tracer, () => createNow(name, limits));
    },
    open(name: string): Cgroup | null {
      if (!isValidName(name) || !existsSync(dirFor(name))) return null;
      return openV2Cgroup(name, dirFor(name));
    },
    list(): string[] {
      return listCgroupNames(parentDir);
    },
  };

  function createNow(name: string, limits: ResourceLimits): Cgroup {
    assertValidName(name);
    assertValidLimits(limits);
    const available = readControllerList(join(root, 'cgroup.controllers'));
    const missing = controllersFor(limits).filter((controller) => !available.includes(controller));
    if (missing.length > 0) {
      throw new Error(
        `cgroup v2: cannot apply the limits: the ${missing.join(' and ')} controller is not available in ${join(root, 'cgroup.controllers')} (it lists: ${available.join(' ') || 'nothing'})`,
      );
    }
    const dir = dirFor(name);
    if (existsSync(dir)) throw new Error(`cgroup: "${name}" already exists (${dir})`);

    const toEnable = WANTED_CONTROLLERS.filter((controller) => available.includes(controller));
    enableControllers(root, toEnable);
    makeParentDir(parentDir);
    enableControllers(parentDir, toEnable);
    makeCgroupDir(dir, name);
    try {
      applyLimits(dir, limits);
      attachDevices(dir, allowedDevices);
    } catch (err) {
      try {
        removeCgroupDirs([dir]);
      } catch {
        // The original failure is the one worth reporting.
      }
      throw err;
    }
    return openV2Cgroup(name, dir);
  }
}
