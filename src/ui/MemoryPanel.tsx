import { Box, Text } from 'ink';
import type { ContainerView } from './model.js';
import { formatBytes, formatClock, formatCommand, formatPercent, formatUptime, padStart, truncate } from './format.js';
import { brailleGraph, limitRow } from './graph.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { STATE_COLOR, STATE_LABEL, theme } from './theme.js';

export interface MemoryPanelProps {
  container: ContainerView | null;
  width: number;
  height: number;
  now: number;
}

const AXIS = 6;
const MiB = 1024 * 1024;

/**
 * Without a limit, the graph's scale starts here. The kernel charges memory to a cgroup in
 * per-CPU batches (64 pages, 256 KiB, per CPU), and hands a batch back when another cgroup
 * charges on that CPU: an idle container's usage moves by tens or hundreds of KiB with nothing
 * running in it. On a 1 MiB scale that drew a new step (and a redraw) every few seconds.
 */
const MIN_SCALE = 16 * MiB;

/**
 * The graph's top value. With a limit, 5/4 of it, so the limit line sits below the top and the
 * usage visibly runs into it; without, the next power of two above the peak (at least 16 MiB).
 */
export function graphMax(memory: ContainerView['memory']): number {
  if (memory.limit !== null && memory.limit > 0) return memory.limit * 1.25;
  const highest = Math.max(memory.peak, memory.current, ...memory.history);
  let top = MIN_SCALE;
  while (top < highest * 1.1) top *= 2;
  return top;
}

/** The axis labels, one per graph row: the top value, the limit, and 0 at the bottom. */
export function axisLabels(height: number, max: number, limit: number | null): string[] {
  const labels = new Array<string>(height).fill('');
  if (height <= 0) return labels;
  labels[0] = formatBytes(max);
  labels[height - 1] = '0';
  const row = limitRow(limit, max, height);
  if (row !== null && limit !== null) labels[row] = formatBytes(limit);
  return labels;
}

function statusLine(c: ContainerView, now: number): { text: string; color?: string } {
  switch (c.state) {
    case 'running':
      return { text: `cpu ${formatPercent(c.cpuPercent)}  pids ${c.pids}  up ${formatUptime(c.startedAt, now)}` };
    case 'created':
      return { text: 'created, not started yet', color: STATE_COLOR.created };
    case 'exited':
      return { text: `exited${c.exitCode === null ? '' : ` with code ${c.exitCode}`}`, color: theme.muted };
    case 'oom-killed':
      return { text: `OOM-killed${c.exitCode === null ? '' : ` (exit ${c.exitCode})`}`, color: theme.danger };
  }
}

/** The selected container's memory over time, with its limit as a dotted red line. */
export function MemoryPanel({ container: c, width, height, now }: MemoryPanelProps) {
  const inner = panelInnerWidth(width);
  const lines = panelInnerHeight(height);
  if (!c) {
    return (
      <Panel title="Memory" width={width} height={height}>
        <Text color={theme.muted}>no container selected</Text>
      </Panel>
    );
  }
  const extra = lines >= 9 ? 1 : 0;
  const graphHeight = Math.max(1, lines - 2 - extra);
  const max = graphMax(c.memory);
  const graphWidth = Math.max(1, inner - AXIS);
  const graph = brailleGraph(c.memory.history, { width: graphWidth, height: graphHeight, max, limitLine: c.memory.limit });
  const labels = axisLabels(graphHeight, max, c.memory.limit);
  const lineRow = limitRow(c.memory.limit, max, graphHeight);
  const status = statusLine(c, now);
  const oom = c.lastOom;
  return (
    <Panel
      title={`Memory · ${c.name}`}
      right={STATE_LABEL[c.state]}
      rightColor={STATE_COLOR[c.state]}
      width={width}
      height={height}
      color={c.state === 'oom-killed' ? theme.danger : theme.border}
    >
      <Text wrap="truncate-end">
        <Text bold>{formatBytes(c.memory.current)}</Text>
        <Text color={theme.muted}> used  peak </Text>
        <Text>{formatBytes(c.memory.peak)}</Text>
        <Text color={theme.muted}>  limit </Text>
        <Text color={c.memory.limit === null ? theme.muted : theme.danger}>{c.memory.limit === null ? 'none' : formatBytes(c.memory.limit)}</Text>
      </Text>
      {graph.map((line, row) => {
        const color = lineRow === null ? theme.ok : row <= lineRow ? theme.danger : theme.ok;
        // The axis and the plot are separate Texts: Ink measures every Text on every frame, and
        // a line with any non-ASCII character in it takes the slow path for all of it; an empty
        // plot row is plain spaces.
        return (
          <Box key={row}>
            <Text color={row === lineRow ? theme.danger : theme.muted}>{padStart(labels[row] ?? '', AXIS - 1)}{labels[row] ? '┤' : '│'}</Text>
            <Text wrap="truncate-end" color={color}>{line}</Text>
          </Box>
        );
      })}
      <Text wrap="truncate-end" color={status.color}>{truncate(status.text, inner)}</Text>
      {extra > 0 &&
        (oom ? (
          <Text wrap="truncate-end" color={theme.danger}>
            {truncate(`OOM ${formatClock(oom.at)}: killed ${oom.comm ?? 'a process'}${oom.pid === null ? '' : ` (pid ${oom.pid})`}${c.oomKills > 1 ? `, ${c.oomKills} kills` : ''}`, inner)}
          </Text>
        ) : (
          <Text wrap="truncate-end" color={theme.muted}>{truncate(`$ ${formatCommand(c.command)}`, inner)}</Text>
        ))}
    </Panel>
  );
}
