import { Text } from 'ink';
import { truncate } from './format.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { theme } from './theme.js';

export interface LogViewProps {
  container: string;
  /** The container's output, one line each; the tail is shown. */
  lines: readonly string[];
  width: number;
  height: number;
}

/** The l overlay: the last lines a container wrote. */
export function LogView({ container, lines, width, height }: LogViewProps) {
  const inner = panelInnerWidth(width);
  const rows = panelInnerHeight(height);
  const shown = rows > 0 ? lines.slice(-rows) : [];
  return (
    <Panel title={`Logs · ${container}`} right="Esc closes" rightColor={theme.muted} width={width} height={height} color={theme.focusBorder}>
      {shown.length === 0 && <Text color={theme.muted}>no output yet</Text>}
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate-end">{truncate(line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''), inner)}</Text>
      ))}
    </Panel>
  );
}
