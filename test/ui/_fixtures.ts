import type { ContainerView, DashboardState, EventView, HostView } from '../../src/ui/model.js';

export const MiB = 1024 * 1024;
/** A fixed "now": 2024-03-05 14:03:07 local time. */
export const NOW = new Date(2024, 2, 5, 14, 3, 7).getTime();

const ramp = (n: number, from: number, to: number) => Array.from({ length: n }, (_, i) => Math.round(from + ((to - from) * i) / Math.max(1, n - 1)));

export function container(overrides: Partial<ContainerView> & { name: string }): ContainerView {
  return {
    state: 'running',
    pid: 4242,
    ip: '10.0.0.2',
    hostIp: '10.0.0.1',
    hostVeth: 'veth0a1b',
    command: ['sh'],
    createdAt: NOW - 200_000,
    startedAt: NOW - 192_000,
    exitCode: null,
    memory: { current: 12.3 * MiB, peak: 20 * MiB, limit: 64 * MiB, history: ramp(60, 2 * MiB, 12.3 * MiB) },
    cpuPercent: 12,
    pids: 3,
    oomKills: 0,
    lastOom: null,
    net: { rxBytes: 1000, txBytes: 2000, rxRate: 1200, txRate: 3400, rxHistory: ramp(30, 0, 1200), txHistory: ramp(30, 3400, 0) },
    ...overrides,
  };
}

export const web = container({ name: 'web', ip: '10.0.0.2', hostVeth: 'veth0a1b', command: ['/programs/server', '8080'] });
export const hungry = container({
  name: 'hungry',
  state: 'oom-killed',
  pid: null,
  ip: '10.0.0.3',
  hostIp: '10.0.0.1',
  hostVeth: 'veth9f8e',
  command: ['/programs/hungry'],
  exitCode: 137,
  memory: { current: 0, peak: 64 * MiB, limit: 64 * MiB, history: [...ramp(50, 1 * MiB, 64 * MiB), 0, 0] },
  cpuPercent: 0,
  pids: 0,
  oomKills: 1,
  lastOom: { comm: 'hungry', pid: 7, limit: 64 * MiB, at: NOW - 5_000 },
});
export const old = container({ name: 'old', state: 'exited', pid: null, ip: '10.0.0.4', exitCode: 0, memory: { current: 0, peak: 3 * MiB, limit: null, history: [] } });

export const host: HostView = {
  cpuPercent: 23,
  memUsed: 1.2 * 1024 * MiB,
  memTotal: 3.8 * 1024 * MiB,
  load: [0.52, 0.48, 0.4],
  interfaces: [
    { name: 'eth0', ipv4: '192.168.1.20', rxRate: 2500, txRate: 800 },
    { name: 'veth0a1b', ipv4: '10.0.0.1', rxRate: 3400, txRate: 1200 },
  ],
};

export const events: EventView[] = [
  { at: NOW - 60_000, container: 'web', kind: 'created', text: 'created' },
  { at: NOW - 59_000, container: 'web', kind: 'started', text: 'started /programs/server 8080' },
  { at: NOW - 30_000, container: 'hungry', kind: 'started', text: 'started /programs/hungry' },
  { at: NOW - 5_000, container: 'hungry', kind: 'oom-kill', text: 'OOM kill: hungry (pid 7) at 64 MiB' },
  { at: NOW - 4_990, container: 'hungry', kind: 'exited', text: 'exited: SIGKILL (137)' },
];

export const state: DashboardState = {
  containers: [web, hungry, old],
  host,
  events,
  banner: null,
  cgroupVersion: 1,
};

/** Remove ANSI escape sequences. */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}
