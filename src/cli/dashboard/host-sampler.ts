import { loadavg } from 'node:os';
import si from 'systeminformation';
import type { HostView } from '../../ui/model.js';

/**
 * The host panel's figures from systeminformation. Its calls are async, so
 * sample() returns the latest finished reading and starts the next one.
 */
export class HostSampler {
  private latest: HostView | null = null;
  private busy = false;
  // si.networkInterfaces() runs helper programs: read it rarely.
  private interfaces: { iface: string; ip4: string }[] = [];
  private interfacesAt = 0;

  sample(): HostView | null {
    if (!this.busy) {
      this.busy = true;
      this.refresh().finally(() => {
        this.busy = false;
      });
    }
    return this.latest;
  }

  private async refresh(): Promise<void> {
    try {
      if (Date.now() - this.interfacesAt > 30_000) {
        const found = await si.networkInterfaces();
        this.interfaces = Array.isArray(found) ? found : [found];
        this.interfacesAt = Date.now();
      }
      const [load, mem, stats] = await Promise.all([si.currentLoad(), si.mem(), si.networkStats('*')]);
      const list = this.interfaces;
      const rates = new Map(stats.map((s) => [s.iface, s]));
      const [l1, l5, l15] = loadavg();
      this.latest = {
        cpuPercent: load.currentLoad,
        memUsed: mem.active,
        memTotal: mem.total,
        load: [l1, l5, l15],
        interfaces: list
          .filter((i) => !i.iface.startsWith('ctr-'))
          .map((i) => ({ name: i.iface, ipv4: i.ip4 || null, rxRate: Math.max(0, rates.get(i.iface)?.rx_sec ?? 0), txRate: Math.max(0, rates.get(i.iface)?.tx_sec ?? 0) })),
      };
    } catch {
      // The host panel is a nicety; a failed reading keeps the last one.
    }
  }
}
