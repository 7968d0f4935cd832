export interface ResourceLimits {
  memoryBytes?: number;
  pids?: number;
  /** Fraction of cores, e.g. 0.5. */
  cpus?: number;
}

export interface MemorySample {
  current: number;
  peak: number;
  limit: number | null;
  oomKills: number;
}

export interface CgroupFiles {
  memoryCurrent: string;
  /** The cgroup.procs that lists every process of the container (v1: the memory controller's). */
  procs: string;
  oomWatch:
    | { kind: 'v1-eventfd'; oomControl: string; eventControl: string }
    | { kind: 'v2-inotify'; memoryEvents: string };
}

export interface Cgroup {
  readonly name: string;
  readonly version: 1 | 2;
  /** Every directory created for this cgroup. */
  readonly paths: readonly string[];
  /** Files the sampler and the OOM watcher open. */
  readonly files: CgroupFiles;
  /** Writes to cgroup.procs (of every controller on v1). */
  addProcess(pid: number): void;
  memory(): MemorySample;
  pids(): number;
  /** Cumulative CPU time in nanoseconds. */
  cpuUsageNs(): number;
  processes(): number[];
  /** v2: cgroup.kill when present (SIGKILL only); otherwise signals every pid in cgroup.procs. */
  killAll(signal?: NodeJS.Signals): void;
  /** Removes every directory, retrying briefly on EBUSY; idempotent; throws if still busy. */
  remove(): void;
}

export interface CgroupDriver {
  readonly version: 1 | 2;
  /** Throws if the cgroup exists; on failure removes whatever it made. */
  create(name: string, limits: ResourceLimits): Cgroup;
  open(name: string): Cgroup | null;
  /** Names of the ctr-tui cgroups that exist. */
  list(): string[];
  /**
   * Where containers' cgroups are made (v1: in the memory hierarchy), and the
   * directory that holds it: a watcher learns of a new container's cgroup
   * from the first, and of the first being made again from the second.
   */
  readonly containersDir: { dir: string; parent: string };
}
