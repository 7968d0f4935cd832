import type { ReactElement } from 'react';
import { Text } from 'ink';
import type { ContainerView, HostView } from './model.js';
import { displayWidth, formatRate, padEnd, padStart, truncate } from './format.js';
import { sparkline } from './graph.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { theme } from './theme.js';

export interface NetworkPanelProps {
  container: ContainerView | null;
  host: HostView | null;
  width: number;
  height: number;
}

/** "veth1 ◀────▶ eth0", exactly `width` cells: the host end on the left, the container's on the right. */
export function vethPairLine(hostEnd: string, containerEnd: string, width: number): string {
  const room = width - displayWidth(hostEnd) - displayWidth(containerEnd) - 2;
  if (room < 3) return padEnd(`${hostEnd}⇄${containerEnd}`, width);
  return `${hostEnd} ◀${'─'.repeat(room - 2)}▶ ${containerEnd}`;
}

/** Two ends of a line, exactly `width` cells, the gap in between. */
export function spread(left: string, right: string, width: number): string {
  const gap = width - displayWidth(left) - displayWidth(right);
  return gap >= 1 ? left + ' '.repeat(gap) + right : padEnd(`${left} ${right}`, width);
}

function RateLine({ label, rate, history, width, color }: { label: string; rate: number; history: number[]; width: number; color: string }) {
  const value = padStart(formatRate(rate, { compact: true }), 7);
  const sparkWidth = Math.max(0, width - label.length - 1 - value.length - 1);
  return (
    <Text wrap="truncate-end">
      <Text color={theme.muted}>{label} </Text>
      <Text bold>{value}</Text> <Text color={color}>{sparkline(history, sparkWidth)}</Text>
    </Text>
  );
}

/** The selected container's veth pair, its traffic, and (when there is room) the host's interfaces. */
export function NetworkPanel({ container: c, host, width, height }: NetworkPanelProps) {
  const inner = panelInnerWidth(width);
  const lines = panelInnerHeight(height);
  const body: ReactElement[] = [];
  if (!c) {
    body.push(<Text key="none" color={theme.muted}>no container selected</Text>);
  } else if (c.hostVeth === null) {
    body.push(<Text key="none" color={theme.muted} wrap="truncate-end">{truncate('no network: loopback only', inner)}</Text>);
  } else {
    body.push(
      <Text key="pair" wrap="truncate-end" color={theme.accent}>{vethPairLine(c.hostVeth, 'eth0', inner)}</Text>,
      <Text key="ips" wrap="truncate-end">{spread(c.hostIp ?? '-', c.ip ?? '-', inner)}</Text>,
      <RateLine key="rx" label="rx" rate={c.net.rxRate} history={c.net.rxHistory} width={inner} color={theme.ok} />,
      <RateLine key="tx" label="tx" rate={c.net.txRate} history={c.net.txHistory} width={inner} color={theme.accent} />,
    );
  }
  const room = lines - body.length;
  const interfaces = host?.interfaces ?? [];
  if (room >= 2 && interfaces.length > 0) {
    body.push(<Text key="ifh" color={theme.muted} wrap="truncate-end">host interfaces</Text>);
    for (const i of interfaces.slice(0, room - 1)) {
      const rates = `↓${formatRate(i.rxRate, { compact: true })} ↑${formatRate(i.txRate, { compact: true })}`;
      body.push(
        <Text key={`if-${i.name}`} wrap="truncate-end">
          {spread(`${padEnd(i.name, 8)} ${i.ipv4 ?? '-'}`, rates, inner)}
        </Text>,
      );
    }
  }
  return (
    <Panel title={c ? `Network · ${c.name}` : 'Network'} width={width} height={height}>
      {body.slice(0, lines)}
    </Panel>
  );
}
