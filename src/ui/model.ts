/**
 * The view model: what the runtime publishes and the dashboard draws.
 *
 * The runtime fills a DashboardState and publishes it through a store (see store.ts), one update
 * per sampling tick. Everything in src/ui reads these types only; nothing here imports the runtime.
 *
 * Units: bytes for sizes, bytes per second for rates, milliseconds since the epoch for times,
 * percent (0..100 per core, so 2 busy cores is 200) for CPU.
 */

export type ContainerState = 'created' | 'running' | 'exited' | 'oom-killed';

export interface OomView {
  /** The killed task's name, from the kernel log ("Killed process 7 (hungry)"), when known. */
  comm: string | null;
  pid: number | null;
  /** The memory limit in force when it was killed, in bytes. */
  limit: number | null;
  at: number;
}

export interface MemoryView {
  current: number;
  peak: number;
  /** null: no limit. */
  limit: number | null;
  /** The last N usage samples in bytes, oldest first. Keep at least 240 for wide terminals. */
  history: number[];
}

export interface NetView {
  rxBytes: number;
  txBytes: number;
  /** Bytes per second, as seen from the container's eth0. */
  rxRate: number;
  txRate: number;
  rxHistory: number[];
  txHistory: number[];
}

export interface ContainerView {
  name: string;
  state: ContainerState;
  pid: number | null;
  /** The container's address on its eth0. */
  ip: string | null;
  /** The host end's address (the container's gateway). */
  hostIp: string | null;
  /** The host end's interface name; null when the container has no network (lo only). */
  hostVeth: string | null;
  command: string[];
  createdAt: number;
  startedAt: number | null;
  exitCode: number | null;
  memory: MemoryView;
  cpuPercent: number;
  pids: number;
  oomKills: number;
  lastOom: OomView | null;
  net: NetView;
}

export interface HostInterfaceView {
  name: string;
  ipv4: string | null;
  rxRate: number;
  txRate: number;
}

export interface HostView {
  cpuPercent: number;
  memUsed: number;
  memTotal: number;
  load: [number, number, number];
  interfaces: HostInterfaceView[];
}

export type EventKind = 'created' | 'started' | 'exited' | 'oom-kill' | 'removed' | 'error';

export interface EventView {
  at: number;
  container: string;
  kind: EventKind;
  text: string;
}

export interface BannerView {
  text: string;
  level: 'error' | 'info';
  at: number;
}

/** One section of the anatomy view (i): its tab's title and its lines, already formatted. */
export interface AnatomySectionView {
  id: string;
  title: string;
  lines: string[];
}

/** The anatomy of the container the view is open on, as last sampled. */
export interface AnatomyPanelView {
  container: string;
  sampledAt: number;
  sections: AnatomySectionView[];
  /** Why it could not be read (it is not running, say); the sections are then the last ones read, or none. */
  error: string | null;
}

export interface DashboardState {
  containers: ContainerView[];
  host: HostView | null;
  /** Oldest first; the log shows the tail. */
  events: EventView[];
  /** Shown on the top line in place of the title bar; the runtime clears it (e.g. after 10 s). */
  banner: BannerView | null;
  cgroupVersion: 1 | 2;
  /** Filled only while the anatomy view is open (DashboardActions.anatomy). */
  anatomy?: AnatomyPanelView | null;
  /** A recording of this session is running (the title bar shows ● REC and its length); null or absent: none. */
  recording?: RecordingView | null;
}

export interface RecordingView {
  /** ms since the epoch. */
  startedAt: number;
}

export const emptyDashboardState: DashboardState = {
  containers: [],
  host: null,
  events: [],
  banner: null,
  cgroupVersion: 2,
};

/** A split-view terminal screen, e.g. read from an @xterm/headless buffer (translateToString). */
export interface TerminalView {
  title: string;
  lines: string[];
  /** Cursor cell, 0-based, shown when the terminal has focus. */
  cursor: { x: number; y: number } | null;
}
