// Writes asciicast v2 recordings in the format `ctr-tui record` writes (header with
// "ctr_tui":{"state_track":1}, o/i/r/m lines and "s" state lines), for the player's, the
// exporter's and the bench's inputs. dashboardCast() draws frames the way Ink's incremental
// renderer does (cursor up, erase line, redraw the lines) so that nothing ever clears the screen:
// the hard case for seeking.
import type { RuntimeEvent } from '../../src/runtime/events.js';
import { describeOomKill } from '../../src/runtime/oom-watch.js';

const MiB = 1024 * 1024;

export type CastLine = [number, string, unknown];

export function castText(header: Record<string, unknown>, lines: readonly CastLine[]): string {
  return [JSON.stringify({ version: 2, ...header }), ...lines.map((l) => JSON.stringify([Number(l[0].toFixed(6)), l[1], l[2]]))].join('\n') + '\n';
}

export interface DashboardCastOptions {
  /** Seconds of recording. */
  seconds?: number;
  width?: number;
  height?: number;
  /** Frames per second (the dashboard samples at 1 Hz; more is a busier recording). */
  fps?: number;
  /** When the container "hungry-lab" is OOM-killed, in seconds (it then restarts 5 s later). */
  oomAt?: number[];
  /** Adds `"ctr_tui":{"state_track":1}` and the s lines (default true). */
  stateTrack?: boolean;
  /** Unix time of the start. */
  timestamp?: number;
}

export interface DashboardCast {
  text: string;
  /** The banner shown after each OOM kill. */
  banners: string[];
  markers: { time: number; label: string }[];
  duration: number;
}

const CSI = '\x1b[';
const fg = (n: number, s: string) => `${CSI}${n}m${s}${CSI}39m`;

function bar(used: number, limit: number, width: number): string {
  const filled = Math.round((Math.min(used, limit) / limit) * width);
  return fg(used >= limit * 0.9 ? 31 : 32, '█'.repeat(filled)) + '░'.repeat(width - filled);
}

/** A dashboard-like recording: a title, a container table with memory bars, a banner, an event log. */
export function dashboardCast(options: DashboardCastOptions = {}): DashboardCast {
  const seconds = options.seconds ?? 60;
  const width = options.width ?? 120;
  const height = options.height ?? 40;
  const fps = options.fps ?? 1;
  const oomAt = options.oomAt ?? [seconds / 2];
  const withState = options.stateTrack ?? true;
  const start = options.timestamp ?? 1_764_620_000;
  const lines: CastLine[] = [];
  const banners: string[] = [];
  const markers: { time: number; label: string }[] = [];
  const names = ['hungry-lab', 'web', 'db', 'cache'];
  const limits = [32 * MiB, 64 * MiB, 128 * MiB, 48 * MiB];
  const log: string[] = [];
  let banner = '';
  let drawn = 0; // rows drawn by the previous frame
  let oomCount = 0;
  let hungryBase = 0;

  const event = (t: number, e: RuntimeEvent, label: string) => {
    markers.push({ time: t, label });
    lines.push([t, 'm', label]);
    if (withState) lines.push([t, 's', { type: 'event', event: e }]);
    log.push(`${new Date(e.at).toISOString().slice(11, 19)}  ${label}`);
  };
  const at = (t: number) => Math.round((start + t) * 1000);
  names.forEach((name, i) => {
    const t = 0.05 + i * 0.01;
    event(t, { kind: 'created', name, at: at(t) }, `${name} created`);
    event(t + 0.005, { kind: 'started', name, pid: 4000 + i, at: at(t + 0.005) }, `${name} started (pid ${4000 + i})`);
  });

  const frames = Math.floor(seconds * fps);
  let nextOom = 0;
  for (let f = 0; f <= frames; f++) {
    const t = 0.1 + f / fps;
    if (t > seconds) break;
    // Memory: hungry grows until its limit, then is killed and restarts.
    if (nextOom < oomAt.length && t >= oomAt[nextOom]!) {
      oomCount++;
      const kill = { comm: 'hungry', hostPid: 4100 + oomCount, pid: 2, limit: limits[0]!, count: oomCount, at: at(t) };
      const label = describeOomKill('hungry-lab', kill);
      event(t, { kind: 'oom-kill', name: 'hungry-lab', kill, at: at(t) }, label);
      banner = label;
      banners.push(label);
      hungryBase = t;
      nextOom++;
    }
    const mem = names.map((_, i) => {
      if (i === 0) return Math.min(limits[0]!, Math.round(2 * MiB + ((t - hungryBase) / 8) * limits[0]!));
      return Math.round(limits[i]! * (0.3 + 0.1 * Math.sin(t / (10 + i * 7))));
    });
    if (withState && f % Math.max(1, Math.round(fps)) === 0) {
      lines.push([t, 's', {
        type: 'sample',
        containers: names.map((name, i) => ({
          name,
          state: 'running',
          memory: { current: mem[i], peak: Math.max(mem[i]!, limits[i]! / 3), limit: limits[i] },
          pids: 1 + i,
          cpuPercent: (i * 7 + f) % 40,
          net: { rxRate: 1000 * i, txRate: 500 * i },
        })),
        host: { cpuPercent: 12 + (f % 10), memory: { used: 2048 * MiB, total: 8192 * MiB } },
      }]);
    }
    const rows: string[] = [];
    const clock = new Date(at(t)).toISOString().slice(11, 19);
    rows.push(`${CSI}1;44m ctr-tui ${CSI}0m  ${names.length} containers  host cpu ${12 + (f % 10)}%  ${clock}`);
    rows.push('');
    rows.push(`${CSI}1m NAME          STATE     MEMORY                                     LIMIT     PIDS  OOM${CSI}0m`);
    names.forEach((name, i) => {
      const row = ` ${name.padEnd(13)} ${fg(32, 'running')}   ${bar(mem[i]!, limits[i]!, 30)} ${(mem[i]! / MiB).toFixed(1).padStart(6)} MiB ${String(limits[i]! / MiB).padStart(4)} MiB  ${String(1 + i).padStart(4)}  ${i === 0 ? oomCount : 0}`;
      rows.push(i === 0 && banner ? `${CSI}41m${row}${CSI}0m` : row);
    });
    rows.push('');
    rows.push(banner ? `${CSI}1;37;41m ${banner} ${CSI}0m` : '');
    rows.push('');
    rows.push(`${CSI}1m Events${CSI}0m`);
    for (const entry of log.slice(-Math.max(0, height - rows.length - 3))) rows.push(`  ${entry}`.slice(0, width));
    rows.push('');
    rows.push(`${CSI}7m j/k move  n new  a attach  ? help  q quit ${CSI}0m`);
    let out = f === 0 ? `${CSI}?25l` : '';
    // Ink (log-update): erase the previous frame's lines going up, then write the new ones.
    if (drawn > 0) out += `${CSI}2K${CSI}1A`.repeat(drawn - 1) + `${CSI}2K${CSI}G`;
    out += rows.join('\r\n');
    drawn = rows.length;
    lines.push([t, 'o', out]);
  }
  lines.sort((a, b) => a[0] - b[0]);
  const header: Record<string, unknown> = { width, height, timestamp: start, title: 'ctr-tui dashboard (generated)', env: { TERM: 'xterm-256color', SHELL: '/bin/sh' } };
  if (withState) header.ctr_tui = { state_track: 1 };
  return { text: castText(header, lines), banners, markers, duration: lines.at(-1)![0] };
}

/** A short plain recording: numbered lines, two markers, an unknown code and a resize. */
export function simpleCast(): string {
  return castText({ width: 40, height: 10, timestamp: 1_764_620_000 }, [
    [0.2, 'o', 'hello from a recording\r\n'],
    [0.5, 'x', 'an unknown code, to be skipped'],
    [0.8, 'm', 'first chapter'],
    [1.0, 'o', 'line two\r\n'],
    [1.5, 'i', 'typed'],
    [2.0, 'm', 'second chapter'],
    [2.1, 'r', '50x12'],
    [2.2, 'o', 'line three, chapter two\r\n'],
    [2.5, 's', { type: 'unknown-type', x: 1 }],
    [3.0, 'o', 'the end\r\n'],
  ]);
}
