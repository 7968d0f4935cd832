import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import si from 'systeminformation';
import type { HostView } from '../ui/model.js';

interface Counters {
  at: number;
  busy: number;
  total: number;
  net: Map<string, { rx: number; tx: number }>;
}

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/** Byte counters per interface, from this network namespace's /proc/net/dev. */
function netCounters(): Map<string, { rx: number; tx: number }> {
  const counters = new Map<string, { rx: number; tx: number }>();
  for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest) continue;
    const fields = rest.trim().split(/\s+/);
    counters.set(name.trim(), { rx: Number(fields[0]), tx: Number(fields[8]) });
  }
  return counters;
}

/** MemAvailable: free memory plus what the kernel can reclaim (caches). */
function availableMemory(): number {
  const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

const interfacesRefreshMs = 5 * 60_000;

/**
 * The host panel's figures. CPU, memory and traffic come from the kernel's
 * counters each tick, without spawning anything; the list of interfaces and
 * their addresses comes from systeminformation, which runs helper programs
 * (about half a second of CPU on this machine), so it is read only when an interface
 * comes or goes, and every 5 minutes for changed addresses.
 */
export class HostSampler {
  private previous: Counters | null = null;
  private interfaces: { iface: string; ip4: string }[] = [];
  private interfacesAt = 0;
  /** The host's interface names (containers' veths left out) when they were last read. */
  private interfacesKey = '';
  private loading = false;

  sample(): HostView | null {
    const now = Date.now();
    const { busy, total } = cpuTimes();
    const net = netCounters();
    this.refreshInterfaces([...net.keys()]);
    const previous = this.previous;
    this.previous = { at: now, busy, total, net };
    if (!previous) return null;
    const seconds = Math.max(0.001, (now - previous.at) / 1000);
    const rate = (name: string, key: 'rx' | 'tx') => Math.max(0, ((net.get(name)?.[key] ?? 0) - (previous.net.get(name)?.[key] ?? 0)) / seconds);
    const [l1, l5, l15] = loadavg();
    const names = this.interfaces.length ? this.interfaces : [...net.keys()].map((iface) => ({ iface, ip4: '' }));
    return {
      cpuPercent: total > previous.total ? (100 * (busy - previous.busy)) / (total - previous.total) : 0,
      memUsed: totalmem() - availableMemory(),
      memTotal: totalmem(),
      load: [l1, l5, l15],
      interfaces: names
        .filter((i) => !i.iface.startsWith('ctr-'))
        .map((i) => ({ name: i.iface, ipv4: i.ip4 || null, rxRate: rate(i.iface, 'rx'), txRate: rate(i.iface, 'tx') })),
    };
  }

  private refreshInterfaces(names: string[]): void {
    const key = names.filter((name) => !name.startsWith('ctr-')).sort().join(' ');
    if (this.loading || (key === this.interfacesKey && Date.now() - this.interfacesAt < interfacesRefreshMs)) return;
    this.interfacesKey = key;
    this.loading = true;
    si.networkInterfaces()
      .then((found) => {
        this.interfaces = (Array.isArray(found) ? found : [found]).map((i) => ({ iface: i.iface, ip4: i.ip4 }));
      }, () => undefined)
      .finally(() => {
        this.interfacesAt = Date.now();
        this.loading = false;
      });
  }
}
