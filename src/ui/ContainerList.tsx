import { Box, Text } from 'ink';
import type { ContainerView } from './model.js';
import type { SortKey } from './ui-state.js';
import { displayWidth, formatBytes, padEnd, padStart, truncateMiddle } from './format.js';
import { meterBar } from './graph.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { STATE_COLOR, STATE_LABEL, levelColor, theme } from './theme.js';

export interface ContainerListProps {
  /** The rows as shown: already filtered and sorted (visibleContainers). */
  containers: readonly ContainerView[];
  /** How many containers exist before filtering. */
  total: number;
  selected: string | null;
  filter: string;
  filtering: boolean;
  sort: SortKey;
  width: number;
  height: number;
  focused?: boolean;
}

export interface ListColumns {
  name: number;
  state: number;
  mem: number;
  bar: number;
  oom: number;
  /** 0: the IP column is left out (the network panel shows it). */
  ip: number;
}

const MARKER = 2;
const SORT_LABEL: Record<SortKey, string> = { name: 'name ▲', state: 'state ▲', memory: 'memory ▼', oom: 'OOM kills ▼' };

/**
 * Column widths for an inner width. The name takes what is left; when it would be narrower than
 * 8, columns go in this order: the IP (the network panel shows it), the bar, the limit, OOM kills.
 */
export function listColumns(width: number, ipWidth: number): ListColumns {
  const cols: ListColumns = { name: 0, state: 7, mem: 11, bar: 5, oom: 3, ip: ipWidth > 0 ? ipWidth : 0 };
  const used = (c: ListColumns) => MARKER + c.state + 1 + c.mem + 1 + (c.bar ? c.bar + 1 : 0) + (c.oom ? c.oom + 1 : 0) + (c.ip ? c.ip + 1 : 0);
  const drops: Array<(c: ListColumns) => void> = [
    (c) => (c.ip = 0),
    (c) => (c.bar = 0),
    (c) => (c.mem = 5),
    (c) => (c.oom = 0),
  ];
  // The IP column also needs a roomy name (12) to be worth it.
  if (cols.ip > 0 && width - used(cols) < 12) cols.ip = 0;
  for (const drop of drops) {
    if (width - used(cols) >= 8) break;
    drop(cols);
  }
  cols.name = Math.max(4, width - used(cols));
  return cols;
}

/** The first row to show so that the selected row is visible. */
export function scrollOffset(selected: number, count: number, rows: number): number {
  if (rows <= 0 || count <= rows || selected < 0) return 0;
  return Math.max(0, Math.min(count - rows, selected - rows + 1));
}

function memText(c: ContainerView, width: number): string {
  const used = formatBytes(c.memory.current);
  return width < 11 ? used : `${used}/${c.memory.limit === null ? '∞' : formatBytes(c.memory.limit)}`;
}

function Row({ c, cols, selected }: { c: ContainerView; cols: ListColumns; selected: boolean }) {
  const oom = c.state === 'oom-killed';
  const dim = c.state === 'exited';
  const rowColor = oom ? theme.danger : dim ? theme.muted : undefined;
  const fraction = c.memory.limit ? c.memory.current / c.memory.limit : 0;
  const bar = c.memory.limit ? meterBar(fraction, cols.bar) : ' '.repeat(cols.bar);
  return (
    <Text wrap="truncate-end" inverse={selected} color={rowColor} bold={selected}>
      {selected ? '▸ ' : '  '}
      {padEnd(truncateMiddle(c.name, cols.name), cols.name)}{' '}
      <Text color={STATE_COLOR[c.state]}>{padEnd(STATE_LABEL[c.state], cols.state)}</Text>{' '}
      {padEnd(memText(c, cols.mem), cols.mem)}
      {cols.bar > 0 && <Text color={oom ? theme.danger : dim ? theme.muted : levelColor(fraction)}>{' ' + bar}</Text>}
      {cols.oom > 0 && <Text color={c.oomKills > 0 ? theme.danger : theme.muted}>{' ' + padStart(String(c.oomKills), cols.oom)}</Text>}
      {cols.ip > 0 ? ' ' + padEnd(c.ip ?? '-', cols.ip) : ''}
    </Text>
  );
}

function Header({ cols, sort }: { cols: ListColumns; sort: SortKey }) {
  const mark = (label: string, key: SortKey) => (sort === key ? `${label}${key === 'memory' || key === 'oom' ? '▼' : '▲'}` : label);
  return (
    <Text wrap="truncate-end" color={theme.muted} bold>
      {'  '}
      {padEnd(mark('NAME', 'name'), cols.name)}{' '}
      {padEnd(mark('STATE', 'state'), cols.state)}{' '}
      {padEnd(mark(cols.mem < 11 ? 'MEM' : 'MEM/LIMIT', 'memory'), cols.mem + (cols.bar ? cols.bar + 1 : 0))}
      {cols.oom > 0 ? ' ' + padStart(mark('OOM', 'oom'), cols.oom) : ''}
      {cols.ip > 0 ? ' ' + padEnd('IP', cols.ip) : ''}
    </Text>
  );
}

/** The containers table: one row each, the selected row inverse, OOM-killed rows red. */
export function ContainerList({ containers, total, selected, filter, filtering, sort, width, height, focused = true }: ContainerListProps) {
  const inner = panelInnerWidth(width);
  const ipWidth = Math.max(2, ...containers.map((c) => displayWidth(c.ip ?? '-')));
  const cols = listColumns(inner, ipWidth);
  const showFilter = filtering || filter !== '';
  const rows = Math.max(0, panelInnerHeight(height) - 1 - (showFilter ? 1 : 0));
  const index = containers.length === 0 ? -1 : Math.max(0, containers.findIndex((c) => c.name === selected));
  const offset = scrollOffset(index, containers.length, rows);
  const shown = containers.slice(offset, offset + rows);
  const count = containers.length === total ? `${total}` : `${containers.length}/${total}`;
  const more = containers.length - offset - shown.length;
  const title = `Containers (${count})`;
  const sortText = `${SORT_LABEL[sort]}${more > 0 ? ` · ${more} more ↓` : ''}`;
  const roomy = width - 4 - (displayWidth(title) + 2) - 3 >= displayWidth(sortText) + 8;
  return (
    <Panel
      title={title}
      right={roomy ? `sort: ${sortText}` : sortText}
      rightColor={theme.muted}
      width={width}
      height={height}
      color={focused ? theme.focusBorder : theme.border}
    >
      <Header cols={cols} sort={sort} />
      {shown.map((c) => (
        <Row key={c.name} c={c} cols={cols} selected={c.name === containers[index]?.name} />
      ))}
      {containers.length === 0 && (
        <Text wrap="truncate-end" color={theme.muted}>
          {total === 0 ? '  no containers yet: press n' : `  no container matches "${filter}"`}
        </Text>
      )}
      {showFilter && <Filler rows={rows - Math.max(shown.length, containers.length === 0 ? 1 : 0)} />}
      {showFilter && (
        <Text wrap="truncate-end" color={filtering ? theme.accent : theme.muted}>
          {`/${filter}`}
          {filtering ? <Text inverse> </Text> : ''}
          <Text color={theme.muted}>{filtering ? '  Enter keep · Esc clear' : '  (Esc clears)'}</Text>
        </Text>
      )}
    </Panel>
  );
}

/** Empty lines, to push what follows to the bottom of a panel. */
export function Filler({ rows }: { rows: number }) {
  return rows > 0 ? <Box height={rows} flexShrink={0} /> : null;
}
