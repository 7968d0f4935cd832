import { Text } from 'ink';
import type { DashboardState } from './model.js';
import { displayWidth, formatClockMinutes, truncate } from './format.js';
import { recordingText, TITLE_NAME } from './recording.js';
import { theme } from './theme.js';

export interface TitleBarProps {
  state: DashboardState;
  width: number;
  now: number;
}

/** The top line when there is no banner: name, counts, cgroup version, clock. */
export function TitleBar({ state, width, now }: TitleBarProps) {
  const count = (s: string) => state.containers.filter((c) => c.state === s).length;
  const name = TITLE_NAME;
  const running = count('running');
  const oom = count('oom-killed');
  const n = state.containers.length;
  const summary = ` ${n} container${n === 1 ? '' : 's'} · ${running} running`;
  const oomText = oom > 0 ? ` · ${oom} OOM-killed` : '';
  const right = `cgroup v${state.cgroupVersion} · ${formatClockMinutes(now)} `;
  const rec = state.recording ? ` ${recordingText(state.recording, now)} ` : '';
  const room = width - displayWidth(name) - displayWidth(rec) - displayWidth(right);
  const middle = truncate(summary, Math.max(0, room - 1));
  const alarm = truncate(oomText, Math.max(0, room - 1 - displayWidth(middle)));
  const gap = Math.max(0, room - displayWidth(middle) - displayWidth(alarm));
  return (
    <Text wrap="truncate-end">
      <Text inverse bold color={theme.accent}>{name}</Text>
      {rec ? <Text bold color={theme.danger}>{rec}</Text> : null}
      <Text>{middle}</Text>
      <Text color={theme.danger} bold>{alarm}</Text>
      <Text>{' '.repeat(gap)}</Text>
      <Text color={theme.muted}>{right}</Text>
    </Text>
  );
}
