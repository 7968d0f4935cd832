// A DashboardSource for view tests: no runtime, no kernel; the test says what
// the containers are, what their counters read and what happened, and the
// store is fed by the same code (src/dashboard/store-feed.ts) as from the live
// source. Only for tests of what the views draw from a source.
import type { RuntimeEvent } from '../../src/runtime/events.js';
import { SourceListeners, type ContainerFacts, type ContainerSample, type DashboardSource, type SourceListener } from '../../src/dashboard/source.js';
import type { ContainerView, HostView } from '../../src/ui/model.js';

export class FakeSource implements DashboardSource {
  private readonly listeners = new SourceListeners();
  readonly cgroupVersion: 1 | 2 = 1;
  started = false;
  facts: ContainerFacts[] = [];

  subscribe(listener: SourceListener): () => void {
    return this.listeners.subscribe(listener);
  }

  start(): void {
    this.started = true;
  }

  stop(): void {
    this.started = false;
  }

  refresh(): void {
    this.tick([]);
  }

  tick(samples: ContainerSample[], host: HostView | null = null, at = Date.now()): void {
    this.listeners.tick({ at, containers: this.facts, samples, host });
  }

  event(event: RuntimeEvent): void {
    this.listeners.event(event);
  }
}

/** A fixture's record facts, as a live source would read them from its record. */
export function factsOf(view: ContainerView): ContainerFacts {
  return {
    name: view.name,
    state: view.state === 'oom-killed' ? 'exited' : view.state,
    pid: view.pid,
    ip: view.ip,
    hostIp: view.hostIp,
    hostVeth: view.hostVeth,
    command: view.command,
    createdAt: view.createdAt,
    startedAt: view.startedAt,
    exit: view.exitCode === null ? null : { code: view.exitCode < 128 ? view.exitCode : null, signal: view.exitCode >= 128 ? view.exitCode - 128 : null, oomKills: view.oomKills },
    memoryLimit: view.memory.limit,
  };
}

/** A fixture's counters, as the stats sampler would read them. */
export function sampleOf(view: ContainerView): ContainerSample {
  return {
    name: view.name,
    memory: { current: view.memory.current, peak: view.memory.peak, limit: view.memory.limit },
    pids: view.pids,
    cpuPercent: view.cpuPercent,
    oomKills: view.oomKills,
    net: { rxBytes: view.net.rxBytes, txBytes: view.net.txBytes, rxRate: view.net.rxRate, txRate: view.net.txRate },
  };
}
