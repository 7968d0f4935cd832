import { Box, Text } from 'ink';
import type { FooterHint } from './keys.js';
import { Footer } from './Footer.js';
import { clockTime } from './format.js';
import { theme } from './theme.js';

export interface TimelineMarker {
  time: number;
  label: string;
}

export interface TimelineProps {
  /** Seconds. */
  time: number;
  duration: number;
  playing: boolean;
  speed: number;
  markers: readonly TimelineMarker[];
  /** The current chapter (the last marker at or before `time`), or null. */
  chapter: TimelineMarker | null;
  hints: readonly FooterHint[];
  width: number;
}

/** Its two rows. */
export const TIMELINE_HEIGHT = 2;

/** An OOM kill's marker (the marker label of an oom-kill event, src/recording/state-track.ts). */
export function isOomMarker(marker: TimelineMarker): boolean {
  return marker.label.startsWith('OOM kill');
}

type Cell = { ch: string; kind: 'played' | 'left' | 'marker' | 'oom' | 'head' };

/** The bar's cells: played ━, to come ─, a marker ┃ (an OOM kill's in red), the head ●. */
export function timelineCells(time: number, duration: number, markers: readonly TimelineMarker[], width: number): Cell[] {
  const at = (t: number) => (duration > 0 ? Math.min(width - 1, Math.floor((t / duration) * width)) : 0);
  const cells: Cell[] = Array.from({ length: Math.max(0, width) }, (_, i) => (i <= at(time) ? { ch: '━', kind: 'played' } : { ch: '─', kind: 'left' }));
  for (const m of markers) {
    const i = at(m.time);
    if (!cells[i]) continue;
    // An OOM kill wins the cell over another marker.
    if (cells[i]!.kind !== 'oom') cells[i] = { ch: '┃', kind: isOomMarker(m) ? 'oom' : 'marker' };
  }
  if (cells.length > 0) cells[at(time)] = { ch: '●', kind: 'head' };
  return cells;
}

const CELL_COLOR: Record<Cell['kind'], string> = { played: theme.accent, left: theme.muted, marker: theme.warn, oom: theme.danger, head: 'white' };

/**
 * A recording's timeline, two rows under the dashboard it was rebuilt into: the bar (the
 * markers on it, OOM kills in red), then ▶/❚❚, the position and length, the speed, the
 * chapter, and the player's keys.
 */
export function Timeline({ time, duration, playing, speed, markers, chapter, hints, width }: TimelineProps) {
  const cells = timelineCells(time, duration, markers, width);
  // Runs of one kind, one Text each.
  const runs: { kind: Cell['kind']; text: string }[] = [];
  for (const c of cells) {
    const last = runs.at(-1);
    if (last && last.kind === c.kind) last.text += c.ch;
    else runs.push({ kind: c.kind, text: c.ch });
  }
  const ended = !playing && time >= duration;
  const status = ` ${ended ? '■' : playing ? '▶' : '❚❚'} ${clockTime(time)} / ${clockTime(duration)}  ${speed}x `;
  return (
    <Box flexDirection="column" width={width} height={TIMELINE_HEIGHT}>
      <Text wrap="truncate-end">
        {runs.map((r, i) => (
          <Text key={i} color={CELL_COLOR[r.kind]} bold={r.kind === 'head' || r.kind === 'oom'}>{r.text}</Text>
        ))}
      </Text>
      <Box width={width}>
        <Box flexShrink={0}>
          <Text inverse bold>{status}</Text>
        </Box>
        <Box flexGrow={1} flexShrink={1} marginLeft={1}>
          <Text wrap="truncate-end" color={chapter && isOomMarker(chapter) ? theme.danger : undefined}>{chapter ? chapter.label : 'no chapter yet'}</Text>
        </Box>
        <Box flexShrink={0} marginLeft={1}>
          <Footer hints={hints} />
        </Box>
      </Box>
    </Box>
  );
}
