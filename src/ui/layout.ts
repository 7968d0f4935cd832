/**
 * Where every panel goes, as plain numbers, for a terminal of columns x rows. Pure, so that the
 * runtime can size a split-view pty exactly like the pane that shows it (terminalScreen).
 *
 * The root is rows-1 high (a root as high as the terminal makes Ink 6 clear the screen on every
 * frame): one top line (title or banner), the body, one footer line.
 *
 *   normal                              split (t)
 *   ┌ top line ─────────────────────┐   ┌ top line ─────────────────────┐
 *   │ containers     │ memory graph │   │ containers │ terminal         │
 *   │                │ network      │   │ memory     │                  │
 *   │ events         │ host         │   │            │                  │
 *   └ footer ───────────────────────┘   └ footer ───────────────────────┘
 */

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export interface Size {
  columns: number;
  rows: number;
}

export interface DashboardLayout {
  width: number;
  /** The root's height: rows - 1. */
  height: number;
  bodyHeight: number;
  left: { width: number; list: number; events: number; memory: number };
  right: { width: number; memory: number; network: number; host: number; terminal: number };
  /** The inner size of the terminal pane (what the pty should be resized to), in split view. */
  terminalScreen: Size | null;
}

export function isTooSmall(size: Size): boolean {
  return size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
}

const clamp = (n: number, low: number, high: number) => Math.max(low, Math.min(high, n));

/** null when the terminal is below 80x24. */
export function computeLayout(size: Size, options: { split?: boolean } = {}): DashboardLayout | null {
  if (isTooSmall(size)) return null;
  const width = Math.floor(size.columns);
  const height = Math.floor(size.rows) - 1;
  const bodyHeight = height - 2;
  const list = Math.round(bodyHeight * 0.55);

  if (options.split) {
    const leftWidth = clamp(Math.floor(width * 0.4), 32, 60);
    const rightWidth = width - leftWidth;
    return {
      width,
      height,
      bodyHeight,
      left: { width: leftWidth, list, events: 0, memory: bodyHeight - list },
      right: { width: rightWidth, memory: 0, network: 0, host: 0, terminal: bodyHeight },
      terminalScreen: { columns: rightWidth - 2, rows: bodyHeight - 2 },
    };
  }

  const leftWidth = clamp(Math.floor(width * 0.5), 44, 72);
  const host = 4;
  const network = 6 + clamp(Math.floor((bodyHeight - 21) / 3), 0, 6);
  return {
    width,
    height,
    bodyHeight,
    left: { width: leftWidth, list, events: bodyHeight - list, memory: 0 },
    right: { width: width - leftWidth, memory: bodyHeight - network - host, network, host, terminal: 0 },
    terminalScreen: null,
  };
}
