import { Text } from 'ink';
import type { TerminalView } from './model.js';
import { padEnd } from './format.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { theme } from './theme.js';

export interface TerminalPanelProps {
  terminal: TerminalView | null;
  width: number;
  height: number;
  focused: boolean;
  /** The border's right-hand text, when not the split view's (e.g. a lesson's). */
  hint?: string;
}

/**
 * The split view's shell, drawn from a screen the runtime keeps (e.g. @xterm/headless). Its
 * inner size, width-2 by height-2, is layout's terminalScreen: resize the pty to it.
 */
export function TerminalPanel({ terminal, width, height, focused, hint }: TerminalPanelProps) {
  const inner = panelInnerWidth(width, 0);
  const rows = panelInnerHeight(height);
  const lines = terminal?.lines.slice(0, rows) ?? [];
  const cursor = focused ? terminal?.cursor ?? null : null;
  return (
    <Panel
      title={terminal?.title ?? 'Terminal'}
      right={hint ?? (focused ? 'Ctrl-] back to the list' : 'Tab to type here')}
      rightColor={focused ? theme.accent : theme.muted}
      width={width}
      height={height}
      paddingX={0}
      color={focused ? theme.focusBorder : theme.border}
    >
      {terminal === null && <Text color={theme.muted}>starting a shell…</Text>}
      {lines.map((raw, y) => {
        const line = Array.from(padEnd(raw.replace(/[\u0000-\u001f\u007f]/g, ''), inner));
        if (!cursor || cursor.y !== y || cursor.x >= inner) return <Text key={y} wrap="truncate-end">{line.join('')}</Text>;
        return (
          <Text key={y} wrap="truncate-end">
            {line.slice(0, cursor.x).join('')}
            <Text inverse>{line[cursor.x] ?? ' '}</Text>
            {line.slice(cursor.x + 1).join('')}
          </Text>
        );
      })}
    </Panel>
  );
}
