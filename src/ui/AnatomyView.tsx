import { Text } from 'ink';
import type { AnatomyPanelView } from './model.js';
import { truncate } from './format.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { theme } from './theme.js';

export interface AnatomyViewProps {
  container: string;
  /** The last sample; null until the first one arrives. */
  anatomy: AnatomyPanelView | null;
  tab: number;
  scroll: number;
  width: number;
  height: number;
}

/** Rows left for a section's lines: the panel's inside less the tab row. */
export const anatomyContentRows = (height: number): number => Math.max(0, panelInnerHeight(height) - 1);

/** The tab row: every section's title, the shown one marked; cut to the width (the shown one kept in view). */
function tabRow(titles: string[], tab: number, width: number): { before: string; current: string; after: string } {
  const before = titles.slice(0, tab).join(' │ ') + (tab > 0 ? ' │ ' : '');
  const current = `[${titles[tab] ?? ''}]`;
  const after = (tab < titles.length - 1 ? ' │ ' : '') + titles.slice(tab + 1).join(' │ ');
  if (before.length + current.length + after.length <= width) return { before, current, after };
  // Too narrow: drop tabs before the shown one first.
  const room = Math.max(0, width - current.length);
  const keptBefore = before.length > room ? `…${before.slice(before.length - Math.max(0, room - 1 - Math.min(after.length, Math.floor(room / 2))))}` : before;
  return { before: keptBefore, current, after: truncate(after, Math.max(0, width - keptBefore.length - current.length)) };
}

/**
 * The i view: what the selected container is made of, a section at a time (←/→), scrolled with
 * ↑/↓ and PgUp/PgDn. Pure presentation over the sampled lines (the feed refreshes them while open).
 */
export function AnatomyView({ container, anatomy, tab, scroll, width, height }: AnatomyViewProps) {
  const inner = panelInnerWidth(width);
  const rows = anatomyContentRows(height);
  const sections = anatomy?.sections ?? [];
  const section = sections[Math.min(tab, Math.max(0, sections.length - 1))];
  const lines = section?.lines ?? [];
  const first = Math.max(0, Math.min(scroll, lines.length - rows));
  const shown = lines.slice(first, first + rows);
  const position = lines.length > rows ? `${first + 1}-${first + shown.length}/${lines.length}` : '';
  const tabs = tabRow(sections.map((s) => s.title), Math.min(tab, sections.length - 1), inner);
  return (
    <Panel title={`Inside ${container}`} right={position || 'Esc closes'} rightColor={theme.muted} width={width} height={height} color={theme.focusBorder}>
      {sections.length > 0 ? (
        <Text wrap="truncate-end">
          <Text color={theme.muted}>{tabs.before}</Text>
          <Text bold color={theme.accent}>{tabs.current}</Text>
          <Text color={theme.muted}>{tabs.after}</Text>
        </Text>
      ) : (
        <Text color={theme.muted}>{anatomy?.error ? truncate(anatomy.error, inner) : 'reading its anatomy…'}</Text>
      )}
      {anatomy?.error && sections.length > 0 ? <Text color={theme.warn} wrap="truncate-end">{truncate(anatomy.error, inner)}</Text> : null}
      {shown.slice(0, anatomy?.error && sections.length > 0 ? rows - 1 : rows).map((line, i) => (
        // An empty Text takes no row in Ink: a blank line is a space.
        <Text key={i} wrap="truncate-end">{truncate(line, inner) || ' '}</Text>
      ))}
    </Panel>
  );
}
