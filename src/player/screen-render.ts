/**
 * Draws a headless terminal's screen onto a real one, cropped: each row as text with SGR
 * colours and attributes, at most `cols` cells. The player never passes the recording's bytes
 * straight through, so a recording cannot scroll, clear or resize the real terminal, and the
 * status line stays where it is whatever the recording does.
 */
import type xterm from '@xterm/headless';

type Terminal = InstanceType<typeof xterm.Terminal>;
type Cell = NonNullable<ReturnType<NonNullable<ReturnType<Terminal['buffer']['active']['getLine']>>['getCell']>>;

function colour(mode: 'fg' | 'bg', cell: Cell): string {
  const isDefault = mode === 'fg' ? cell.isFgDefault() : cell.isBgDefault();
  if (isDefault) return '';
  const value = mode === 'fg' ? cell.getFgColor() : cell.getBgColor();
  const base = mode === 'fg' ? 30 : 40;
  if (mode === 'fg' ? cell.isFgRGB() : cell.isBgRGB()) return `;${base + 8};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`;
  if (value < 8) return `;${base + value}`;
  if (value < 16) return `;${base + 60 + value - 8}`;
  return `;${base + 8};5;${value}`;
}

function sgr(cell: Cell): string {
  let s = '0';
  if (cell.isBold()) s += ';1';
  if (cell.isDim()) s += ';2';
  if (cell.isItalic()) s += ';3';
  if (cell.isUnderline()) s += ';4';
  if (cell.isBlink()) s += ';5';
  if (cell.isInverse()) s += ';7';
  if (cell.isInvisible()) s += ';8';
  if (cell.isStrikethrough()) s += ';9';
  return s + colour('fg', cell) + colour('bg', cell);
}

/** The visible rows of `term`, each cropped to `cols` cells, with SGR; each ends in SGR 0. */
export function renderRows(term: Terminal, cols: number, rows: number): string[] {
  const buffer = term.buffer.active;
  const out: string[] = [];
  const width = Math.min(cols, term.cols);
  let cell: Cell | undefined;
  for (let y = 0; y < Math.min(rows, term.rows); y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    if (!line) {
      out.push('');
      continue;
    }
    let text = '';
    let pen = '0';
    for (let x = 0; x < width; x++) {
      cell = line.getCell(x, cell);
      if (!cell) break;
      const w = cell.getWidth();
      if (w === 0) continue; // the second half of a wide character
      const style = sgr(cell);
      if (style !== pen) {
        text += `\x1b[${style}m`;
        pen = style;
      }
      // A wide character that the crop would cut in half is shown as a space.
      text += w === 2 && x + 1 >= width ? ' ' : cell.getChars() || ' ';
    }
    out.push(pen === '0' ? text.replace(/ +$/, '') : `${text}\x1b[0m`);
  }
  return out;
}
