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

/** One file that enforces (or reports on) a limit, named as the kernel names it, and its live text. */
export interface CgroupLimitFile {
  controller: string;
  file: string;
  path: string;
  /** Trimmed; multi-line files (memory.oom_control, memory.events) keep their lines. null: absent here. */
  value: string | null;
}

/** How create() reports each step (a directory made, a file written) to a birth trace. */
export type CgroupTracer = <T>(step: string, detail: string, work: () => T) => T;

/**
 * What the container sees of its own cgroup at /sys/fs/cgroup (mounted read-only by its first
 * process, inside its cgroup namespace). Paths relative to its root; see addon/core/spawn_plan.h.
 */
export interface CgroupView {
  version: 1 | 2;
  /** v1: one directory per hierarchy, "sys/fs/cgroup/memory" */
  dirs: string[];
  /** v1, with dirs: the hierarchy's controllers, the mount's options: "memory", "cpu,cpuacct" */
  options: string[];
  /** v1: pairs target, link: "cpu,cpuacct", "sys/fs/cgroup/cpu" */
  links: string[];
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
  /** The files that enforce its limits (and report on them) with their live values, in a fixed order. */
  limitFiles(): CgroupLimitFile[];
  /** What its first process mounts read-only at /sys/fs/cgroup. */
  insideView(): CgroupView;
  /** Removes every directory, retrying briefly on EBUSY; idempotent; throws if still busy. */
  remove(): void;
}

export interface CgroupDriver {
  readonly version: 1 | 2;
  /** Throws if the cgroup exists; on failure removes whatever it made. tracer: each mkdir and write, timed. */
  create(name: string, limits: ResourceLimits, tracer?: CgroupTracer): Cgroup;
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
