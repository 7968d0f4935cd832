/**
 * Pure text graphs: each returns plain strings (no colour) so it can be tested exactly.
 *
 * brailleGraph draws 2 samples per cell horizontally and 4 dot rows per cell vertically
 * (Unicode braille, U+2800 + dot bits), newest sample in the rightmost dot column. An empty cell
 * is a plain space, not the blank braille pattern U+2800: some fonts draw that one as a faint
 * dot grid, and a space costs Ink less to measure on every frame.
 */

const BRAILLE_BASE = 0x2800;
/** Dot bits by [column][row from the top] within a cell. */
const DOT_BITS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
] as const;

export interface BrailleGraphOptions {
  /** Cells across; the graph shows the last width*2 values. */
  width: number;
  /** Cells down; the graph has height*4 dot rows. */
  height: number;
  /** The value drawn at the very top; larger values are clamped to it. */
  max: number;
  /** Draw a dotted horizontal line at this value (e.g. the memory limit). */
  limitLine?: number | null;
}

/** How many dot rows (0..height*4) a value fills. Any value above 0 shows at least one dot. */
export function dotLevel(value: number, max: number, height: number): number {
  const rows = height * 4;
  if (!(value > 0) || !(max > 0)) return 0;
  const level = Math.round((Math.min(value, max) / max) * rows);
  return Math.max(1, Math.min(rows, level));
}

/** The cell row (0 = top) that holds the limit line, or null when there is none. */
export function limitRow(limit: number | null | undefined, max: number, height: number): number | null {
  if (limit === null || limit === undefined || !(limit > 0) || height <= 0) return null;
  const level = dotLevel(limit, max, height);
  return height - 1 - Math.floor((level - 1) / 4);
}

/** An area graph of the last width*2 values, right-aligned, as `height` strings of `width` cells. */
export function brailleGraph(values: readonly number[], options: BrailleGraphOptions): string[] {
  const width = Math.max(0, Math.floor(options.width));
  const height = Math.max(0, Math.floor(options.height));
  const slots = width * 2;
  const dotRows = height * 4;
  // bits[cellRow][cellColumn]
  const bits: number[][] = Array.from({ length: height }, () => new Array<number>(width).fill(0));
  const setDot = (x: number, levelFromBottom: number) => {
    // levelFromBottom: 0 is the lowest dot row.
    const fromTop = dotRows - 1 - levelFromBottom;
    const row = bits[Math.floor(fromTop / 4)];
    if (row) row[Math.floor(x / 2)] = (row[Math.floor(x / 2)] ?? 0) | DOT_BITS[(x % 2) as 0 | 1][fromTop % 4];
  };

  const shown = values.slice(Math.max(0, values.length - slots));
  const offset = slots - shown.length;
  shown.forEach((value, i) => {
    const level = dotLevel(value, options.max, height);
    for (let y = 0; y < level; y++) setDot(offset + i, y);
  });

  if (options.limitLine !== undefined && options.limitLine !== null && options.limitLine > 0 && dotRows > 0) {
    const y = dotLevel(options.limitLine, options.max, height) - 1;
    for (let x = 0; x < slots; x++) setDot(x, y);
  }

  return bits.map((row) => row.map((b) => (b === 0 ? ' ' : String.fromCodePoint(BRAILLE_BASE + b))).join(''));
}

const SPARKS = '▁▂▃▄▅▆▇█';

/**
 * One line of block characters for the last `width` values, right-aligned (spaces on the left).
 * Scaled to `max`, or to the largest shown value; zero is the baseline "▁".
 */
export function sparkline(values: readonly number[], width: number, max?: number): string {
  const w = Math.max(0, Math.floor(width));
  const shown = values.slice(Math.max(0, values.length - w));
  const top = max ?? Math.max(0, ...shown);
  const chars = shown.map((v) => {
    if (!(top > 0) || !(v > 0)) return SPARKS[0];
    const index = Math.round((Math.min(v, top) / top) * (SPARKS.length - 1));
    return SPARKS[Math.max(0, Math.min(SPARKS.length - 1, index))];
  });
  return ' '.repeat(w - shown.length) + chars.join('');
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal meter of `width` cells for a fraction 0..1: "██▌░░". */
export function meterBar(fraction: number, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const f = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
  const eighths = Math.round(f * w * 8);
  const full = Math.floor(eighths / 8);
  const part = EIGHTHS[eighths % 8] ?? '';
  return ('█'.repeat(full) + part).padEnd(w, '░');
}
