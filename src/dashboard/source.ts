import type { RuntimeEvent } from '../runtime/events.js';
import type { HostView } from '../ui/model.js';

/**
 * Where the dashboard's data comes from. A source tells three things, and nothing else:
 * the containers (their records, at every tick), samples of their counters (one pass over all of
 * them per tick) and the host's, and runtime events the moment they happen. store-feed.ts turns
 * them into the DashboardState the views draw; a recorder (src/recording/) listens to the same
 * source, so a recording holds what the screen was drawn from. The views (src/ui) know none of
 * this: they read the store.
 *
 * Implementations: LiveSource (live-source.ts: the runtime's records, its event stream, the stats
 * and host samplers) and, for view tests, a fake one fed by fixtures (test/ui/_fake-source.ts).
 */
export interface DashboardSource {
  readonly cgroupVersion: 1 | 2;
  /** Tells `listener` of every tick and event from now on; returns the way to stop. */
  subscribe(listener: SourceListener): () => void;
  start(): void;
  stop(): void;
  /** A tick now, e.g. once the user has made a container, instead of at the next timer. */
  refresh(): void;
}

export interface SourceListener {
  tick?(tick: SourceTick): void;
  event?(event: RuntimeEvent): void;
}

/** What one container's record says, as the dashboard needs it. */
export interface ContainerFacts {
  name: string;
  state: 'created' | 'running' | 'exited';
  /** The init's host pid while it runs. */
  pid: number | null;
  ip: string | null;
  hostIp: string | null;
  hostVeth: string | null;
  command: string[];
  createdAt: number;
  startedAt: number | null;
  exit: { code: number | null; signal: number | null; oomKills: number | null } | null;
  /** The memory limit it was made with, bytes; null: none. */
  memoryLimit: number | null;
}

/** One container's counters at a tick. */
export interface ContainerSample {
  name: string;
  memory: { current: number; peak: number; limit: number | null };
  pids: number;
  /** Of one core (100 = one core busy) since the previous tick. */
  cpuPercent: number;
  oomKills: number;
  /** From the container's side; null without a veth. Rates in bytes per second. */
  net: { rxBytes: number; txBytes: number; rxRate: number; txRate: number } | null;
}

/** One sampling tick: every container, the running ones' samples, the host when it was sampled. */
export interface SourceTick {
  /** ms since the epoch. */
  at: number;
  containers: ContainerFacts[];
  samples: ContainerSample[];
  /** null when the host was not sampled at this tick (every 3 s). */
  host: HostView | null;
}

/** The listeners of a source, for implementations. */
export class SourceListeners {
  private readonly listeners = new Set<SourceListener>();

  subscribe(listener: SourceListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  tick(tick: SourceTick): void {
    for (const l of [...this.listeners]) l.tick?.(tick);
  }

  event(event: RuntimeEvent): void {
    for (const l of [...this.listeners]) l.event?.(event);
  }
}
