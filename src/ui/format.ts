/** Pure text formatters for the dashboard. No Ink, no React, no clock: `now` is always passed in. */

import type { OomView } from './model.js';

const BINARY_UNITS = ['B', 'K', 'M', 'G', 'T', 'P'] as const;
const LONG_BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
const RATE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;
const COMPACT_RATE_UNITS = ['B', 'k', 'M', 'G', 'T'] as const;

/** Scale n by base until it is below base; then one decimal below 100, none at or above. */
function scale(n: number, base: number, units: readonly string[]): { text: string; unit: string } {
  let value = Math.abs(n);
  let unit = 0;
  while (value >= base && unit < units.length - 1) {
    value /= base;
    unit++;
  }
  let text: string;
  if (unit === 0) text = String(Math.round(value));
  else if (value >= 99.95) text = String(Math.round(value));
  else text = String(Math.round(value * 10) / 10);
  // Rounding can reach the base (1023.96 KiB -> "1024"): carry into the next unit.
  if (Number(text) >= base && unit < units.length - 1) {
    text = '1';
    unit++;
  }
  return { text: (n < 0 ? '-' : '') + text, unit: units[unit] ?? '' };
}

/** Compact binary size, at most 5 characters for sizes below 1000 PiB: "512B", "12.3M", "64M", "1.5G". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const { text, unit } = scale(n, 1024, BINARY_UNITS);
  return text + unit;
}

/** Long binary size for sentences: "512 B", "64 MiB", "1.5 GiB". */
export function formatBytesLong(n: number): string {
  if (!Number.isFinite(n)) return '?';
  const { text, unit } = scale(n, 1024, LONG_BINARY_UNITS);
  return `${text} ${unit}`;
}

/**
 * A network rate in bytes per second, decimal units as network tools show them:
 * "0 B/s", "1.2 MB/s"; compact: "1.2M/s", "512B/s".
 */
export function formatRate(bytesPerSecond: number, options: { compact?: boolean } = {}): string {
  if (!Number.isFinite(bytesPerSecond)) return '?';
  const n = Math.max(0, bytesPerSecond);
  if (options.compact) {
    const { text, unit } = scale(n, 1000, COMPACT_RATE_UNITS);
    return `${text}${unit}/s`;
  }
  const { text, unit } = scale(n, 1000, RATE_UNITS);
  return `${text} ${unit}/s`;
}

/** A duration in milliseconds: "0s", "45s", "3m12s", "2h05m", "4d3h". Negative counts as 0. */
export function formatDuration(ms: number): string {
  const seconds = Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : 0;
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${hours % 24}h`;
}

/**
 * How long since `since`; "-" when it never started. Seconds only in the first minute, then
 * minutes ("5m", like docker ps and k9s), so that an idle dashboard has nothing to redraw.
 */
export function formatUptime(since: number | null, now: number): string {
  if (since === null) return '-';
  const ms = now - since;
  if (ms >= 60_000 && ms < 3_600_000) return `${Math.floor(ms / 60_000)}m`;
  return formatDuration(ms);
}

/** Local wall-clock time to the minute, for the title bar: "14:03". */
export function formatClockMinutes(at: number): string {
  return formatClock(at).slice(0, 5);
}

/** Local wall-clock time for the event log: "14:03:07". */
export function formatClock(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** A percentage: "0%", "5.3%", "12%", "180%". */
export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '?%';
  const v = Math.max(0, p);
  if (v > 0 && v < 9.95) return `${Math.round(v * 10) / 10}%`;
  return `${Math.round(v)}%`;
}

/** Display width in terminal cells: East Asian wide characters count 2, combining marks 0. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0) ?? 0);
  return width;
}

function charWidth(cp: number): number {
  if (cp === 0 || cp < 32 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Cut text to at most `width` cells, ending with "…" when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0) ?? 0);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return out.trimEnd() + '…';
}

/** Cut the middle out: "container-…name-29", so names that share a prefix stay distinct. */
export function truncateMiddle(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const chars = Array.from(text);
  const tail = Math.floor((width - 1) / 2);
  let head = width - 1 - tail;
  let start = '';
  for (const ch of chars) {
    const w = displayWidth(ch);
    if (w > head) break;
    start += ch;
    head -= w;
  }
  let end = '';
  let room = tail + head;
  for (let i = chars.length - 1; i >= 0; i--) {
    const ch = chars[i] ?? '';
    const w = displayWidth(ch);
    if (w > room) break;
    end = ch + end;
    room -= w;
  }
  return `${start}…${end}`;
}

/** Exactly `width` cells: truncated with "…" if too long, padded with spaces if too short. */
export function padEnd(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** Exactly `width` cells, right-aligned. */
export function padStart(text: string, width: number): string {
  const cut = truncate(text, width);
  return ' '.repeat(Math.max(0, width - displayWidth(cut))) + cut;
}

/** Exactly `width` cells, centred (extra space on the right). */
export function center(text: string, width: number): string {
  const cut = truncate(text, width);
  const room = Math.max(0, width - displayWidth(cut));
  const left = Math.floor(room / 2);
  return ' '.repeat(left) + cut + ' '.repeat(room - left);
}

/** A command line as a shell would show it: words with spaces or quotes get single quotes. */
export function formatCommand(argv: readonly string[]): string {
  return argv
    .map((word) => (word === '' || /[^\w@%+=:,./-]/.test(word) ? `'${word.replace(/'/g, `'\\''`)}'` : word))
    .join(' ');
}

/** The OOM banner: "OOM KILL in lab: hungry (pid 7) hit the 64 MiB limit". */
export function oomBannerText(container: string, oom: Pick<OomView, 'comm' | 'pid' | 'limit'>): string {
  const who = oom.comm ? `${oom.comm}${oom.pid === null ? '' : ` (pid ${oom.pid})`}` : oom.pid === null ? 'a process' : `pid ${oom.pid}`;
  const limit = oom.limit === null ? 'its memory limit' : `the ${formatBytesLong(oom.limit)} limit`;
  return `OOM KILL in ${container}: ${who} hit ${limit}`;
}

/** A position in a recording: "1:05" or "1:02:03". */
export function clockTime(seconds: number): string {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
