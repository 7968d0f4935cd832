import { Text } from 'ink';
import type { HostView } from './model.js';
import { formatBytes, formatPercent, padStart } from './format.js';
import { meterBar } from './graph.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { levelColor, theme } from './theme.js';

export interface HostPanelProps {
  host: HostView | null;
  width: number;
  height: number;
}

function Meter({ label, fraction, detail, width }: { label: string; fraction: number; detail: string; width: number }) {
  const pct = padStart(formatPercent(fraction * 100), 4);
  const barWidth = Math.max(0, width - label.length - 1 - pct.length - 1 - (detail ? detail.length + 1 : 0));
  return (
    <Text wrap="truncate-end">
      <Text color={theme.muted}>{label} </Text>
      <Text bold>{pct}</Text> <Text color={levelColor(fraction)}>{meterBar(fraction, barWidth)}</Text>
      {detail ? <Text color={theme.muted}> {detail}</Text> : ''}
    </Text>
  );
}

/** The host's CPU and memory meters; the load average sits in the top border. */
export function HostPanel({ host, width, height }: HostPanelProps) {
  const inner = panelInnerWidth(width);
  const lines = panelInnerHeight(height);
  if (!host) {
    return (
      <Panel title="Host" width={width} height={height}>
        <Text color={theme.muted}>host stats unavailable</Text>
      </Panel>
    );
  }
  const load = host.load.map((n) => n.toFixed(2)).join(' ');
  const memFraction = host.memTotal > 0 ? host.memUsed / host.memTotal : 0;
  const rows = [
    <Meter key="cpu" label="cpu" fraction={host.cpuPercent / 100} detail="" width={inner} />,
    <Meter key="mem" label="mem" fraction={memFraction} detail={`${formatBytes(host.memUsed)}/${formatBytes(host.memTotal)}`} width={inner} />,
  ];
  return (
    <Panel title="Host" right={`load ${load}`} rightColor={theme.muted} width={width} height={height}>
      {rows.slice(0, lines)}
    </Panel>
  );
}
