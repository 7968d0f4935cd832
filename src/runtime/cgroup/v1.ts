import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  CPU_PERIOD_US,
  assertValidLimits,
  assertValidName,
  cpuQuotaUs,
  isValidName,
  limitFile,
  listCgroupNames,
  makeCgroupDir,
  makeParentDir,
  readKeyed,
  readNumber,
  readPids,
  removeCgroupDirs,
  signalCgroup,
  writeCgroupFile,
  withCgroupTracer,
  writeOptionalCgroupFile,
  type WriteHint,
} from './common.js';
import { allowedDevices, deviceRuleLine } from './devices.js';
import { formatBytes } from './size.js';
import type { Cgroup, CgroupDriver, CgroupLimitFile, CgroupTracer, CgroupView, MemorySample, ResourceLimits } from './types.js';

type OptionalController = 'pids' | 'cpu' | 'cpuacct';
const OPTIONAL_CONTROLLERS: readonly OptionalController[] = ['pids', 'cpu', 'cpuacct'];

/** The kernel reports "no limit" as PAGE_COUNTER_MAX pages, about 2^63 bytes. */
const UNLIMITED_THRESHOLD = 2 ** 60;

type ControllerMounts = { memory: string; devices: string } & Partial<Record<OptionalController, string>>;
/** devices may be missing only in a cgroup made before ctr-tui confined devices (open() tolerates it). */
type ControllerDirs = { memory: string; devices?: string } & Partial<Record<OptionalController, string>>;

/** Follows symlinks and combined mounts such as `cpu,cpuacct`. */
function findControllerMount(root: string, controller: string): string | undefined {
  const direct = join(root, controller);
  if (existsSync(direct)) return realpathSync(direct);
  const combined = readdirSync(root).find((entry) => entry.split(',').includes(controller));
  return combined === undefined ? undefined : realpathSync(join(root, combined));
}

function resolveMounts(root: string): ControllerMounts {
  const memory = findControllerMount(root, 'memory');
  if (memory === undefined) throw new Error(`cgroup v1: the memory controller is not mounted under ${root}`);
  // Without it a container's root could open any device node it makes.
  const devices = findControllerMount(root, 'devices');
  if (devices === undefined) throw new Error(`cgroup v1: the devices controller is not mounted under ${root}`);
  const mounts: ControllerMounts = { memory, devices };
  for (const controller of OPTIONAL_CONTROLLERS) {
    const mount = findControllerMount(root, controller);
    if (mount !== undefined) mounts[controller] = mount;
  }
  return mounts;
}

function uniqueDirs(dirs: ControllerDirs): string[] {
  return [...new Set(Object.values(dirs))];
}

function assertControllersFor(limits: ResourceLimits, mounts: ControllerMounts, root: string): void {
  const missing: string[] = [];
  if (limits.pids !== undefined && mounts.pids === undefined) missing.push('pids');
  if (limits.cpus !== undefined && mounts.cpu === undefined) missing.push('cpu');
  if (missing.length > 0) {
    throw new Error(`cgroup v1: cannot apply the limits: the ${missing.join(' and ')} controller is not mounted under ${root}`);
  }
}

function memoryLimitHint(memoryDir: string, bytes: number): WriteHint {
  return (code) => {
    if (code !== 'EBUSY' && code !== 'EINVAL') return undefined;
    const usage = readNumber(join(memoryDir, 'memory.usage_in_bytes'));
    if (usage > bytes) return `the limit ${formatBytes(bytes)} is below the current usage of ${formatBytes(usage)}`;
    if (code === 'EINVAL') return 'memory.limit_in_bytes may not exceed memory.memsw.limit_in_bytes';
    return undefined;
  };
}

function cpuQuotaHint(cpus: number): WriteHint {
  return (code) =>
    code === 'EINVAL' ? `cpus ${cpus} is outside what the kernel accepts (the quota must be at least 1 ms per period)` : undefined;
}

/** Deny every device, then allow the few a container may use (a new cgroup inherits its parent's "a *:* rwm"). */
function confineDevices(dir: string): void {
  writeCgroupFile(join(dir, 'devices.deny'), 'a');
  for (const rule of allowedDevices) writeCgroupFile(join(dir, 'devices.allow'), deviceRuleLine(rule));
}

function applyLimits(dirs: ControllerDirs, limits: ResourceLimits): void {
  if (dirs.devices === undefined) throw new Error('cgroup v1: no devices cgroup to confine the container with');
  confineDevices(dirs.devices);
  writeCgroupFile(join(dirs.memory, 'memory.oom_control'), '0');
  if (limits.memoryBytes !== undefined) {
    const value = String(limits.memoryBytes);
    writeCgroupFile(join(dirs.memory, 'memory.limit_in_bytes'), value, memoryLimitHint(dirs.memory, limits.memoryBytes));
    writeOptionalCgroupFile(join(dirs.memory, 'memory.memsw.limit_in_bytes'), value);
  }
  if (limits.pids !== undefined && dirs.pids !== undefined) {
    writeCgroupFile(join(dirs.pids, 'pids.max'), String(limits.pids));
  }
  if (limits.cpus !== undefined && dirs.cpu !== undefined) {
    writeCgroupFile(join(dirs.cpu, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
    writeCgroupFile(join(dirs.cpu, 'cpu.cfs_quota_us'), String(cpuQuotaUs(limits.cpus)), cpuQuotaHint(limits.cpus));
  }
}

/** v1's limit files, as the kernel names them: memory, then pids, then cpu. */
function v1LimitFiles(dirs: ControllerDirs): CgroupLimitFile[] {
  const files: CgroupLimitFile[] = ['memory.limit_in_bytes', 'memory.usage_in_bytes', 'memory.max_usage_in_bytes', 'memory.memsw.limit_in_bytes',
    'memory.oom_control'].map((file) => limitFile('memory', join(dirs.memory, file)));
  if (dirs.pids !== undefined) files.push(...['pids.max', 'pids.current'].map((file) => limitFile('pids', join(dirs.pids!, file))));
  if (dirs.cpu !== undefined) files.push(...['cpu.cfs_quota_us', 'cpu.cfs_period_us'].map((file) => limitFile('cpu', join(dirs.cpu!, file))));
  return files;
}

/**
 * Each hierarchy the container is in, mounted inside as the host mounts it: the directory's name
 * (cpu,cpuacct) is the hierarchy's controller list, and each controller of a combined one gets
 * the host's symlink (cpu -> cpu,cpuacct).
 */
function v1InsideView(paths: readonly string[], parent: string, name: string): CgroupView {
  const view: CgroupView = { version: 1, dirs: [], options: [], links: [] };
  const suffix = `/${parent}/${name}`;
  for (const dir of paths) {
    if (!dir.endsWith(suffix)) continue;
    const hierarchy = basename(dir.slice(0, -suffix.length));
    view.dirs.push(`sys/fs/cgroup/${hierarchy}`);
    view.options.push(hierarchy);
    const controllers = hierarchy.split(',');
    if (controllers.length > 1) for (const c of controllers) view.links.push(hierarchy, `sys/fs/cgroup/${c}`);
  }
  return view;
}

function openV1Cgroup(name: string, dirs: ControllerDirs, parent: string): Cgroup {
  const paths = uniqueDirs(dirs);
  const memoryFile = (file: string): string => join(dirs.memory, file);
  const processes = (): number[] => readPids(memoryFile('cgroup.procs'));

  return {
    name,
    version: 1,
    paths,
    files: {
      memoryCurrent: memoryFile('memory.usage_in_bytes'),
      procs: memoryFile('cgroup.procs'),
      oomWatch: {
        kind: 'v1-eventfd',
        oomControl: memoryFile('memory.oom_control'),
        eventControl: memoryFile('cgroup.event_control'),
      },
    },
    addProcess(pid: number): void {
      for (const dir of paths) writeCgroupFile(join(dir, 'cgroup.procs'), String(pid));
    },
    memory(): MemorySample {
      const limit = readNumber(memoryFile('memory.limit_in_bytes'));
      return {
        current: readNumber(memoryFile('memory.usage_in_bytes')),
        peak: readNumber(memoryFile('memory.max_usage_in_bytes')),
        limit: limit >= UNLIMITED_THRESHOLD ? null : limit,
        oomKills: readKeyed(memoryFile('memory.oom_control'), 'oom_kill'),
      };
    },
    pids(): number {
      return dirs.pids === undefined ? processes().length : readNumber(join(dirs.pids, 'pids.current'));
    },
    cpuUsageNs(): number {
      return dirs.cpuacct === undefined ? 0 : readNumber(join(dirs.cpuacct, 'cpuacct.usage'));
    },
    processes,
    limitFiles: () => v1LimitFiles(dirs),
    insideView: () => v1InsideView(paths, parent, name),
    killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
      signalCgroup(processes, signal);
    },
    remove(): void {
      removeCgroupDirs(paths);
    },
  };
}

export function createV1Driver(root = '/sys/fs/cgroup', parent = 'ctr-tui'): CgroupDriver {
  const mounts = resolveMounts(root);

  const dirsFor = (name: string): ControllerDirs => {
    const dirs: ControllerDirs = { memory: join(mounts.memory, parent, name), devices: join(mounts.devices, parent, name) };
    for (const controller of OPTIONAL_CONTROLLERS) {
      const mount = mounts[controller];
      if (mount !== undefined) dirs[controller] = join(mount, parent, name);
    }
    return dirs;
  };

  const createNow = (name: string, limits: ResourceLimits): Cgroup => {
    assertValidName(name);
    assertValidLimits(limits);
    assertControllersFor(limits, mounts, root);
    const dirs = dirsFor(name);
    const paths = uniqueDirs(dirs);
    const existing = paths.find((dir) => existsSync(dir));
    if (existing !== undefined) throw new Error(`cgroup: "${name}" already exists (${existing})`);

    const made: string[] = [];
    try {
      for (const dir of paths) {
        makeParentDir(join(dir, '..'));
        makeCgroupDir(dir, name);
        made.push(dir);
      }
      applyLimits(dirs, limits);
    } catch (err) {
      try {
        removeCgroupDirs(made);
      } catch {
        // The original failure is the one worth reporting.
      }
      throw err;
    }
    return openV1Cgroup(name, dirs, parent);
  };

  return {
    version: 1,
    containersDir: { dir: join(mounts.memory, parent), parent: mounts.memory },
    create(name: string, limits: ResourceLimits, tracer?: CgroupTracer): Cgroup {
      return withCgroupTracer(tracer, () => createNow(name, limits));
    },
    open(name: string): Cgroup | null {
      if (!isValidName(name)) return null;
      const dirs = dirsFor(name);
      if (!existsSync(dirs.memory)) return null;
      for (const controller of [...OPTIONAL_CONTROLLERS, 'devices'] as const) {
        const dir = dirs[controller];
        if (dir !== undefined && !existsSync(dir)) delete dirs[controller];
      }
      return openV1Cgroup(name, dirs, parent);
    },
    list(): string[] {
      return listCgroupNames(join(mounts.memory, parent));
    },
  };
}
