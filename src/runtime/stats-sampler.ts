// Samples every container's statistics in one synchronous tick, without
// spawning anything and without opening files per tick: each container's
// cgroup files are opened once (at add) and re-read with pread at position 0
// into one preallocated buffer, and numbers are parsed from its ASCII bytes.
//
// A tick costs about one syscall per file read: 1.3 µs back to back, 2-4 µs
// when ticks are apart or the machine is busy; parsing is under 1% of a
// tick (CPU profile). So what matters is how many files are read per tick:
// - CPU time (v1 cpuacct.usage, v2 cpu.stat): every tick.
// - usage, peak and pids: every tick for a container whose CPU time moved;
//   for one whose CPU time did not (nothing in it ran, so they cannot have
//   changed, but for kernel reclaim or a stopped process moved in), every
//   `idleRefreshEvery` (5) ticks, staggered. An idle container costs 1 read
//   a tick instead of 4.
// - the memory limit: once, at add (limits are not changed after creation).
// - the OOM kill count (v1 memory.oom_control, v2 memory.events, a few
//   keyed lines, about 1.2x a single number): on the first sample and then
//   every `oomEvery` (10) ticks, staggered so each tick reads a tenth of them.
//   Every tick it would add 25% to a busy tick for a number that changes a
//   few times in a container's life; OomWatch (oom-watch.ts) reports kills
//   as they happen.
// - the network: ONE /proc/net/dev for all host veths (see NetDevTable in
//   stat-files.ts), 3-4x cheaper than the 2 sysfs files per veth, and it
//   shows this process's own network namespace.
// bench/stats-tick.ts measures a tick for 10 and 100 containers.
import { performance } from 'node:perf_hooks';
import type { Cgroup } from './cgroup/types.js';
import {
  NetDevTable,
  ReadBuffer,
  closeQuietly,
  countLines,
  holdsWord,
  isVanished,
  keyBytes,
  keyedValue,
  openIfPresent,
  openInDirs,
  parseUint,
  readOnce,
  type LinkCounters,
} from './stat-files.js';

export interface StatTarget {
  name: string;
  cgroup: Cgroup;
  /** The host end of the container's veth, in the sampler's network namespace. */
  hostVeth: string | null;
}

export interface StatSample {
  name: string;
  /** performance.now() when the container was read, in ms. */
  at: number;
  memory: { current: number; peak: number; limit: number | null };
  pids: number;
  /** Cumulative CPU time, ns. */
  cpuNs: number;
  /** Since the previous sample, of one core (100 = one core busy); 0 on the first sample. */
  cpuPercent: number;
  oomKills: number;
  /**
   * From the container's point of view: its rx is the host veth's tx, its tx the
   * host veth's rx. Rates in bytes per second (0 on the first sample). Null
   * without a veth, or while the veth is not (or no longer) there.
   */
  net: { rxBytes: number; txBytes: number; rxRate: number; txRate: number } | null;
}

export interface StatsSamplerOptions {
  /** Read the OOM kill count every this many ticks (staggered across containers). Default 10; 1 = every tick. */
  oomEvery?: number;
  /**
   * A container whose CPU time has not moved since the previous tick ran
   * nothing, so its usage, peak and pids are not re-read, except every this
   * many ticks (staggered), which catches what changes without it running
   * (reclaim by the kernel, a process moved in while stopped). Default 5;
   * 1 = read everything every tick.
   */
  idleRefreshEvery?: number;
  /** Where the links' counters are read; default /proc/net/dev (of this process's network namespace). */
  procNetDev?: string;
}

/** The kernel reports "no limit" as about 2^63 bytes (v1). */
const UNLIMITED_THRESHOLD = 2 ** 62;

/** A single number: 2^64 has 20 digits, plus a newline. */
const NUMBER_READ = 32;
/** memory.oom_control, memory.events, cpu.stat: a few short lines. */
const KEYED_READ = 1024;

const OOM_KILL = keyBytes('oom_kill');
const USAGE_USEC = keyBytes('usage_usec');

interface Entry {
  readonly name: string;
  readonly target: StatTarget;
  readonly pathsKey: string;
  readonly version: 1 | 2;
  readonly memCurrentFd: number;
  /** v1 memory.max_usage_in_bytes, v2 memory.peak; -1 when absent (then the max of what was seen). */
  readonly memPeakFd: number;
  /** pids.current, or -1 to count cgroup.procs (procsFd) instead. */
  readonly pidsFd: number;
  readonly procsFd: number;
  /** v1 cpuacct.usage (ns, one number); v2 cpu.stat (usage_usec line); -1 when absent. */
  readonly cpuFd: number;
  /** v1 memory.oom_control, v2 memory.events; -1 when absent. */
  readonly oomFd: number;
  readonly limit: number | null;
  readonly link: LinkCounters | null;
  /** Stagger of the OOM count reads. */
  readonly slot: number;
  current: number;
  /** The highest usage seen or read from the peak file. */
  peakSeen: number;
  pids: number;
  oomKills: number;
  sampled: boolean;
  prevAt: number;
  prevCpuNs: number;
  netPrev: boolean;
  prevNetAt: number;
  prevRx: number;
  prevTx: number;
}

function tickCount(option: string, value: number): number {
  if (!(Number.isSafeInteger(value) && value >= 1)) throw new Error(`stats: ${option} must be a whole number of ticks >= 1, not ${value}`);
  return value;
}

function fdsOf(entry: Entry): number[] {
  return [entry.memCurrentFd, entry.memPeakFd, entry.pidsFd, entry.procsFd, entry.cpuFd, entry.oomFd];
}

export class StatsSampler {
  private readonly entries = new Map<string, Entry>();
  private readonly reader = new ReadBuffer();
  private readonly links: NetDevTable;
  private readonly oomEvery: number;
  private readonly idleRefreshEvery: number;
  private tick = 0;
  private nextSlot = 0;

  constructor(options: StatsSamplerOptions = {}) {
    this.oomEvery = tickCount('oomEvery', options.oomEvery ?? 10);
    this.idleRefreshEvery = tickCount('idleRefreshEvery', options.idleRefreshEvery ?? 5);
    this.links = new NetDevTable(options.procNetDev);
  }

  get size(): number {
    return this.entries.size;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * Opens the container's files. Adding a name that is already there with the
   * same cgroup directories and veth does nothing; with others (or when its
   * cgroup was removed and made again) it replaces it. Returns false, adding
   * nothing, when the cgroup is already gone (its container exited meanwhile):
   * a listing never fails because one container left.
   */
  add(target: StatTarget): boolean {
    const pathsKey = target.cgroup.paths.join('\0');
    const existing = this.entries.get(target.name);
    if (existing !== undefined) {
      if (existing.pathsKey === pathsKey && existing.target.hostVeth === target.hostVeth && this.alive(existing)) return true;
      this.remove(target.name);
    }
    let entry: Entry | null;
    try {
      entry = this.open(target, pathsKey);
    } catch (err) {
      if (isVanished(err)) return false;
      throw err;
    }
    if (entry === null) return false;
    this.entries.set(target.name, entry);
    return true;
  }

  remove(name: string): void {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    for (const fd of fdsOf(entry)) closeQuietly(fd);
    if (entry.link !== null) this.links.untrack(entry.link);
  }

  /** One tick. Containers whose cgroup has gone are dropped (and closed) silently. */
  sampleAll(): StatSample[] {
    const tick = this.tick++;
    const samples: StatSample[] = [];
    if (this.entries.size === 0) return samples;
    let netAt = 0;
    if (this.links.tracked > 0) {
      this.links.refresh(this.reader);
      netAt = performance.now();
    }
    let gone: string[] | null = null;
    for (const entry of this.entries.values()) {
      let sample: StatSample;
      try {
        sample = this.sampleOne(entry, tick, netAt);
      } catch (err) {
        if (!isVanished(err)) throw new Error(`stats: sampling ${entry.name} (${entry.target.cgroup.paths.join(', ')}) failed: ${(err as Error).message}`, { cause: err });
        (gone ??= []).push(entry.name);
        continue;
      }
      samples.push(sample);
    }
    if (gone !== null) for (const name of gone) this.remove(name);
    return samples;
  }

  close(): void {
    for (const name of [...this.entries.keys()]) this.remove(name);
    this.links.close();
  }

  private alive(entry: Entry): boolean {
    try {
      readOnce(entry.memCurrentFd, this.reader.buf, NUMBER_READ);
      return true;
    } catch (err) {
      if (isVanished(err)) return false;
      throw err;
    }
  }

  /** The container's files, held open; null when its cgroup is gone. */
  private open(target: StatTarget, pathsKey: string): Entry | null {
    const { cgroup } = target;
    const dirs = cgroup.paths;
    const v1 = cgroup.version === 1;
    const opened: number[] = [];
    const keep = (fd: number | null): number => {
      if (fd === null) return -1;
      opened.push(fd);
      return fd;
    };
    const find = (leaf: string): number => keep(openInDirs(dirs, leaf)?.fd ?? null);
    try {
      const memCurrentFd = keep(openIfPresent(cgroup.files.memoryCurrent));
      if (memCurrentFd < 0) return null;
      const memoryDir = cgroup.files.memoryCurrent.slice(0, cgroup.files.memoryCurrent.lastIndexOf('/'));
      const memPeakFd = keep(openIfPresent(`${memoryDir}/${v1 ? 'memory.max_usage_in_bytes' : 'memory.peak'}`));
      const pidsFd = find('pids.current');
      const procsFd = pidsFd < 0 ? keep(openIfPresent(`${memoryDir}/cgroup.procs`)) : -1;
      const cpuFd = find(v1 ? 'cpuacct.usage' : 'cpu.stat');
      const watch = cgroup.files.oomWatch;
      const oomFd = keep(openIfPresent(watch.kind === 'v1-eventfd' ? watch.oomControl : watch.memoryEvents));
      const limit = this.readLimit(memoryDir, v1);
      const link = target.hostVeth === null ? null : this.links.track(target.hostVeth);
      return {
        name: target.name,
        target,
        pathsKey,
        version: cgroup.version,
        memCurrentFd,
        memPeakFd,
        pidsFd,
        procsFd,
        cpuFd,
        oomFd,
        limit,
        link,
        slot: this.nextSlot++,
        current: 0,
        peakSeen: 0,
        pids: 0,
        oomKills: 0,
        sampled: false,
        prevAt: 0,
        prevCpuNs: 0,
        netPrev: false,
        prevNetAt: 0,
        prevRx: 0,
        prevTx: 0,
      };
    } catch (err) {
      for (const fd of opened) closeQuietly(fd);
      throw err;
    }
  }

  private readLimit(memoryDir: string, v1: boolean): number | null {
    const fd = openIfPresent(`${memoryDir}/${v1 ? 'memory.limit_in_bytes' : 'memory.max'}`);
    if (fd === null) return null;
    try {
      const buf = this.reader.buf;
      const len = readOnce(fd, buf, NUMBER_READ);
      if (holdsWord(buf, len, 'max')) return null;
      const limit = parseUint(buf, 0, len);
      return Number.isNaN(limit) || limit >= UNLIMITED_THRESHOLD ? null : limit;
    } finally {
      closeQuietly(fd);
    }
  }

  /** A single number, read from a held fd. */
  private number(fd: number): number {
    const buf = this.reader.buf;
    const value = parseUint(buf, 0, readOnce(fd, buf, NUMBER_READ));
    return Number.isNaN(value) ? 0 : value;
  }

  private keyed(fd: number, key: Uint8Array): number {
    const buf = this.reader.buf;
    const len = readOnce(fd, buf, KEYED_READ);
    if (len < KEYED_READ) return keyedValue(buf, len, key);
    // Longer than expected (a newer kernel's cpu.stat?): read it whole.
    return keyedValue(this.reader.buf, this.reader.readAll(fd), key);
  }

  private sampleOne(entry: Entry, tick: number, netAt: number): StatSample {
    // CPU first: when it has not moved since the last tick, nothing in the
    // cgroup ran, so usage, peak and pids are as they were (see idleRefreshEvery).
    let cpuNs = 0;
    if (entry.cpuFd >= 0) cpuNs = entry.version === 1 ? this.number(entry.cpuFd) : this.keyed(entry.cpuFd, USAGE_USEC) * 1000;
    const at = performance.now();
    const phase = tick + entry.slot;
    const idle = entry.sampled && entry.cpuFd >= 0 && cpuNs === entry.prevCpuNs && phase % this.idleRefreshEvery !== 0;

    if (!idle) {
      // Usage before peak, so that peak >= current even while memory grows.
      const current = this.number(entry.memCurrentFd);
      if (current > entry.peakSeen) entry.peakSeen = current;
      entry.current = current;
      if (entry.memPeakFd >= 0) {
        const peak = this.number(entry.memPeakFd);
        if (peak > entry.peakSeen) entry.peakSeen = peak;
      }
      if (entry.pidsFd >= 0) entry.pids = this.number(entry.pidsFd);
      else if (entry.procsFd >= 0) entry.pids = countLines(this.reader.buf, this.reader.readAll(entry.procsFd));
    }
    if (entry.oomFd >= 0 && (!entry.sampled || phase % this.oomEvery === 0)) {
      entry.oomKills = this.keyed(entry.oomFd, OOM_KILL);
    }

    let cpuPercent = 0;
    if (entry.sampled && at > entry.prevAt && cpuNs > entry.prevCpuNs) {
      // ns / (ms * 1e6) * 100
      cpuPercent = (cpuNs - entry.prevCpuNs) / ((at - entry.prevAt) * 1e4);
    }
    entry.sampled = true;
    entry.prevAt = at;
    entry.prevCpuNs = cpuNs;

    return {
      name: entry.name,
      at,
      memory: { current: entry.current, peak: entry.peakSeen, limit: entry.limit },
      pids: entry.pids,
      cpuNs,
      cpuPercent,
      oomKills: entry.oomKills,
      net: this.net(entry, netAt),
    };
  }

  private net(entry: Entry, netAt: number): StatSample['net'] {
    const link = entry.link;
    if (link === null || !link.present) {
      entry.netPrev = false;
      return null;
    }
    // The container receives what the host end transmits, and the reverse.
    const rxBytes = link.txBytes;
    const txBytes = link.rxBytes;
    let rxRate = 0;
    let txRate = 0;
    if (entry.netPrev && netAt > entry.prevNetAt) {
      const seconds = (netAt - entry.prevNetAt) / 1000;
      rxRate = rxBytes >= entry.prevRx ? (rxBytes - entry.prevRx) / seconds : 0;
      txRate = txBytes >= entry.prevTx ? (txBytes - entry.prevTx) / seconds : 0;
    }
    entry.netPrev = true;
    entry.prevNetAt = netAt;
    entry.prevRx = rxBytes;
    entry.prevTx = txBytes;
    return { rxBytes, txBytes, rxRate, txRate };
  }
}
