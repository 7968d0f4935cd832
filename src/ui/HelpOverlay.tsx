import { Box, Text } from 'ink';
import { helpSections, type HelpSection, type KeyTable } from './keys.js';
import { displayWidth, padEnd, truncate } from './format.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { theme } from './theme.js';

export interface HelpOverlayProps {
  table: KeyTable;
  width: number;
  height: number;
}

type HelpLine = { kind: 'title'; text: string } | { kind: 'row'; key: string; description: string } | { kind: 'blank' };

function sectionLines(section: HelpSection): HelpLine[] {
  return [{ kind: 'title', text: section.title }, ...section.rows.map((r) => ({ kind: 'row' as const, ...r }))];
}

/**
 * Sections split into columns that fit the height, never splitting a section if avoidable: each
 * goes into the first column with room for it (first fit), so a short section fills the gap a
 * long one left, and the help takes as few columns, as wide, as it can.
 */
export function helpColumns(sections: readonly HelpSection[], rows: number): HelpLine[][] {
  const columns: HelpLine[][] = [];
  for (const section of sections) {
    const lines = sectionLines(section);
    let column = columns.find((c) => c.length + 1 + lines.length <= rows);
    if (!column) {
      column = [];
      columns.push(column);
    }
    if (column.length > 0) column.push({ kind: 'blank' });
    column.push(...lines);
  }
  return columns.length ? columns : [[]];
}

/** Each section's widest key, so a long key in one section does not squeeze the others. */
export function keyWidths(lines: readonly HelpLine[]): number[] {
  const widths = new Array<number>(lines.length).fill(0);
  let start = 0;
  const close = (end: number) => {
    const w = Math.max(0, ...lines.slice(start, end).map((l) => (l.kind === 'row' ? displayWidth(l.key) : 0)));
    widths.fill(w, start, end);
    start = end;
  };
  lines.forEach((line, i) => {
    if (line.kind === 'title' && i > start) close(i);
  });
  close(lines.length);
  return widths;
}

function Column({ lines, width }: { lines: HelpLine[]; width: number }) {
  const widths = keyWidths(lines);
  return (
    <Box flexDirection="column" width={width} flexShrink={0}>
      {lines.map((line, i) => {
        const keyWidth = widths[i] ?? 0;
        return line.kind === 'title' ? (
          <Text key={i} bold color={theme.accent} wrap="truncate-end">{truncate(line.text, width)}</Text>
        ) : line.kind === 'blank' ? (
          <Text key={i}> </Text>
        ) : (
          <Text key={i} wrap="truncate-end">
            {'  '}
            <Text bold color="white">{padEnd(line.key, keyWidth)}</Text>
            <Text color={theme.muted}>{'  ' + truncate(line.description, Math.max(0, width - keyWidth - 4))}</Text>
          </Text>
        );
      })}
    </Box>
  );
}

/** The ? overlay: every key binding, generated from the key table. */
export function HelpOverlay({ table, width, height }: HelpOverlayProps) {
  const inner = panelInnerWidth(width);
  const rows = panelInnerHeight(height);
  const columns = helpColumns(helpSections(table), rows);
  const gap = 2;
  const columnWidth = Math.floor((inner - gap * (columns.length - 1)) / Math.max(1, columns.length));
  return (
    <Panel title="Keys" right="? or Esc closes" rightColor={theme.muted} width={width} height={height} color={theme.focusBorder}>
      <Box flexDirection="row" columnGap={gap}>
        {columns.map((lines, i) => (
          <Column key={i} lines={lines.slice(0, rows)} width={columnWidth} />
        ))}
      </Box>
    </Panel>
  );
}
