import { Text } from 'ink';
import type { EventView } from './model.js';
import { displayWidth, formatClock, padEnd, truncate } from './format.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { EVENT_COLOR, theme } from './theme.js';

export interface EventLogProps {
  /** Oldest first; the newest fit at the bottom. */
  events: readonly EventView[];
  width: number;
  height: number;
}

/** The tail of the event log: time, container, what happened. OOM kills in bold red. */
export function EventLog({ events, width, height }: EventLogProps) {
  const inner = panelInnerWidth(width);
  const rows = panelInnerHeight(height);
  const shown = rows > 0 ? events.slice(-rows) : [];
  const nameWidth = Math.min(10, Math.max(4, ...shown.map((e) => displayWidth(e.container))));
  return (
    <Panel title="Events" right={events.length > shown.length ? `last ${shown.length} of ${events.length}` : ''} rightColor={theme.muted} width={width} height={height}>
      {shown.length === 0 && <Text color={theme.muted}>no events yet</Text>}
      {shown.map((e, i) => {
        const loud = e.kind === 'oom-kill' || e.kind === 'error';
        const textWidth = Math.max(0, inner - 9 - nameWidth - 1);
        return (
          <Text key={`${e.at}-${i}`} wrap="truncate-end">
            <Text color={theme.muted}>{formatClock(e.at)} </Text>
            <Text bold={loud} color={loud ? theme.danger : undefined}>{padEnd(e.container, nameWidth)} </Text>
            <Text color={EVENT_COLOR[e.kind]} bold={loud}>{truncate(e.text, textWidth)}</Text>
          </Text>
        );
      })}
    </Panel>
  );
}
