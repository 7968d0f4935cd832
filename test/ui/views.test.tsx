// @jsxRuntime automatic
// @jsxImportSource react
import { RED, GREEN, INVERSE } from './_color.js';
import test from 'ava';
import type { ReactElement } from 'react';
import { render } from 'ink-testing-library';
import { ContainerList, listColumns, scrollOffset } from '../../src/ui/ContainerList.js';
import { MemoryPanel, axisLabels, graphMax } from '../../src/ui/MemoryPanel.js';
import { NetworkPanel, vethPairLine, spread } from '../../src/ui/NetworkPanel.js';
import { HostPanel } from '../../src/ui/HostPanel.js';
import { EventLog } from '../../src/ui/EventLog.js';
import { Banner } from '../../src/ui/Banner.js';
import { HelpOverlay } from '../../src/ui/HelpOverlay.js';
import { ConfirmDialog } from '../../src/ui/ConfirmDialog.js';
import { TooSmall } from '../../src/ui/TooSmall.js';
import { Footer } from '../../src/ui/Footer.js';
import { LogView } from '../../src/ui/LogView.js';
import { TerminalPanel } from '../../src/ui/TerminalPanel.js';
import { TitleBar } from '../../src/ui/TitleBar.js';
import { Panel, panelTopLine } from '../../src/ui/Panel.js';
import { KEYS, dashboardHelpTable, footerHints } from '../../src/ui/keys.js';
import { visibleContainers } from '../../src/ui/ui-state.js';
import { displayWidth, oomBannerText } from '../../src/ui/format.js';
import { Text } from 'ink';
import { MiB, NOW, container, events, host, hungry, old, state, stripAnsi, web } from './_fixtures.js';

const all = [web, hungry, old];
const frame = (el: ReactElement) => {
  const r = render(el);
  const raw = r.lastFrame() ?? '';
  r.unmount();
  return { raw, text: stripAnsi(raw), lines: stripAnsi(raw).split('\n'), rawLines: raw.split('\n') };
};
const fits = (lines: string[], width: number, height: number) =>
  lines.length === height && lines.every((l) => displayWidth(l) === width);

test('Panel: title in the round top border, exactly its size', (t) => {
  const f = frame(
    <Panel title="Memory" right="running" width={30} height={4}>
      <Text>hello</Text>
    </Panel>,
  );
  t.is(f.lines[0], '╭─ Memory ───────── running ─╮');
  t.is(f.lines[1], '│ hello                      │');
  t.is(f.lines[3], '╰' + '─'.repeat(28) + '╯');
  t.true(fits(f.lines, 30, 4));
  t.deepEqual(panelTopLine('a very long title indeed', 'right', 20), { title: 'a very long…', fill: 2, right: '' });
});

test('ContainerList: rows with name, state, memory used/limit, bar, OOM kills', (t) => {
  const f = frame(<ContainerList containers={visibleContainers(all, '', 'name')} total={3} selected="web" filter="" filtering={false} sort="name" width={44} height={8} />);
  t.true(fits(f.lines, 44, 8), f.text);
  t.regex(f.lines[0] ?? '', /Containers \(3\).*sort: name ▲/);
  t.regex(f.lines[1] ?? '', /NAME▲ +STATE +MEM\/LIMIT +OOM/);
  t.regex(f.text, /hungry +OOM +0B\/64M +░░░░░ +1/);
  t.regex(f.text, /old +exited +0B\/∞ +0/);
  t.regex(f.text, /▸ web +running +12\.3M\/64M +█░░░░ +0/);
});

test('ContainerList: the OOM-killed row is red, the running state green, the selected row inverse', (t) => {
  const f = frame(<ContainerList containers={visibleContainers(all, '', 'name')} total={3} selected="web" filter="" filtering={false} sort="name" width={44} height={8} />);
  const hungryRow = f.rawLines.find((l) => l.includes('hungry')) ?? '';
  const webRow = f.rawLines.find((l) => l.includes('web')) ?? '';
  t.true(hungryRow.includes(RED), 'OOM row in red');
  t.true(hungryRow.includes('OOM'), 'and says OOM in words');
  t.false(webRow.includes(RED));
  t.true(webRow.includes(GREEN));
  t.true(webRow.includes(INVERSE));
  t.false(hungryRow.includes(INVERSE));
});

test('ContainerList: filter text, narrowing, empty states, sort indicator', (t) => {
  const filtered = frame(<ContainerList containers={visibleContainers(all, 'hu', 'memory')} total={3} selected={null} filter="hu" filtering sort="memory" width={44} height={8} />);
  t.regex(filtered.lines[0] ?? '', /Containers \(1\/3\).*memory ▼/);
  t.regex(filtered.text, /MEM\/LIMIT▼/);
  t.regex(filtered.text, /▸ hungry/);
  t.notRegex(filtered.text, /web|old/);
  t.regex(filtered.lines[6] ?? '', /\/hu .*Enter keep/);
  t.true(fits(filtered.lines, 44, 8));
  const none = frame(<ContainerList containers={[]} total={3} selected={null} filter="zzz" filtering={false} sort="name" width={44} height={8} />);
  t.regex(none.text, /no container matches "zzz"/);
  const empty = frame(<ContainerList containers={[]} total={0} selected={null} filter="" filtering={false} sort="name" width={44} height={8} />);
  t.regex(empty.text, /no containers yet: press n/);
});

test('ContainerList: scrolls to keep the selection visible, says how many are below', (t) => {
  const many = Array.from({ length: 12 }, (_, i) => container({ name: `c${String(i).padStart(2, '0')}` }));
  const f = frame(<ContainerList containers={many} total={12} selected="c09" filter="" filtering={false} sort="name" width={44} height={8} />);
  t.true(fits(f.lines, 44, 8));
  t.regex(f.text, /▸ c09/);
  t.notRegex(f.text, /c00/);
  t.regex(f.lines[0] ?? '', /2 more ↓/);
  t.is(scrollOffset(0, 12, 5), 0);
  t.is(scrollOffset(9, 12, 5), 5);
  t.is(scrollOffset(11, 12, 5), 7);
  t.is(scrollOffset(3, 2, 5), 0);
});

test('listColumns drops the IP, then the bar, then the limit, then OOM, as the list narrows', (t) => {
  t.deepEqual(listColumns(80, 10), { name: 37, state: 7, mem: 11, bar: 5, oom: 3, ip: 10 });
  t.deepEqual(listColumns(40, 10), { name: 8, state: 7, mem: 11, bar: 5, oom: 3, ip: 0 });
  t.deepEqual(listColumns(28, 10), { name: 8, state: 7, mem: 5, bar: 0, oom: 3, ip: 0 });
  t.deepEqual(listColumns(20, 10), { name: 4, state: 7, mem: 5, bar: 0, oom: 0, ip: 0 });
});

test('MemoryPanel: braille graph with a labelled limit line, figures, CPU, pids, uptime, command', (t) => {
  const f = frame(<MemoryPanel container={web} width={36} height={11} now={NOW} />);
  t.true(fits(f.lines, 36, 11), f.text);
  t.regex(f.lines[0] ?? '', /Memory · web .* running/);
  t.regex(f.lines[1] ?? '', /12\.3M used {2}peak 20M {2}limit 64M/);
  t.regex(f.lines[2] ?? '', /80M┤ +│/, 'top of the scale: 5/4 of the limit');
  t.regex(f.lines[3] ?? '', /64M┤⠒{26}/, 'the limit line');
  t.regex(f.lines[7] ?? '', /0┤[⣀⣤⣴⣶⣿]+/);
  t.regex(f.text, /cpu 12% {2}pids 3 {2}up 3m /);
  t.regex(f.text, /\$ \/programs\/server 8080/);
  const limitLine = f.rawLines[3] ?? '';
  t.true(limitLine.includes(RED), 'the limit line is red');
});

test('MemoryPanel: an OOM-killed container shows the kill', (t) => {
  const f = frame(<MemoryPanel container={hungry} width={36} height={11} now={NOW} />);
  t.true(fits(f.lines, 36, 11));
  t.regex(f.text, /OOM-killed \(exit 137\)/);
  t.regex(f.text, /OOM 14:03:02: killed hungry/);
  t.true(f.rawLines[0]?.includes(RED), 'a red border');
});

test('MemoryPanel: no container, no limit, small heights', (t) => {
  t.regex(frame(<MemoryPanel container={null} width={36} height={11} now={NOW} />).text, /no container selected/);
  const f = frame(<MemoryPanel container={old} width={36} height={9} now={NOW} />);
  t.true(fits(f.lines, 36, 9));
  t.regex(f.text, /limit none/);
  t.regex(f.text, /exited with code 0/);
  // No limit: a power of two above the peak, from 16 MiB up (the kernel's per-CPU charge batches
  // move an idle container's usage by up to 256 KiB).
  t.is(graphMax({ current: 0, peak: 3 * MiB, limit: null, history: [] }), 16 * MiB);
  t.is(graphMax({ current: 0, peak: 20 * MiB, limit: null, history: [25 * MiB] }), 32 * MiB);
  t.is(graphMax({ current: 0, peak: 0, limit: 64 * MiB, history: [] }), 80 * MiB);
  t.deepEqual(axisLabels(6, 80 * MiB, 64 * MiB), ['80M', '64M', '', '', '', '0']);
  t.deepEqual(axisLabels(3, 4 * MiB, null), ['4M', '', '0']);
});

test('NetworkPanel: the veth pair, both addresses, rx/tx with sparklines, host interfaces', (t) => {
  const f = frame(<NetworkPanel container={web} host={host} width={36} height={6} />);
  t.true(fits(f.lines, 36, 6), f.text);
  t.regex(f.lines[0] ?? '', /Network · web/);
  t.is(f.lines[1], '│ veth0a1b ◀────────────────▶ eth0 │');
  t.is(f.lines[2], '│ 10.0.0.1                10.0.0.2 │');
  t.regex(f.lines[3] ?? '', /rx {2}1\.2k\/s [▁-█ ]+│/);
  t.regex(f.lines[4] ?? '', /tx {2}3\.4k\/s [▁-█ ]+│/);
  const tall = frame(<NetworkPanel container={web} host={host} width={50} height={10} />);
  t.true(fits(tall.lines, 50, 10));
  t.regex(tall.text, /host interfaces/);
  t.regex(tall.text, /eth0 +192\.168\.1\.20 +↓2\.5k\/s ↑800B\/s/);
  const noNet = frame(<NetworkPanel container={{ ...web, hostVeth: null, ip: null }} host={host} width={36} height={6} />);
  t.regex(noNet.text, /no network: loopback only/);
  t.is(vethPairLine('veth1', 'eth0', 20), 'veth1 ◀───────▶ eth0');
  t.is(spread('a', 'b', 5), 'a   b');
});

test('HostPanel: CPU and memory meters, load in the border', (t) => {
  const f = frame(<HostPanel host={host} width={36} height={4} />);
  t.true(fits(f.lines, 36, 4), f.text);
  t.regex(f.lines[0] ?? '', /Host .* load 0\.52 0\.48 0\.40/);
  t.regex(f.lines[1] ?? '', /cpu {2}23% █+/);
  t.regex(f.lines[2] ?? '', /mem {2}32% █+.* 1\.2G\/3\.8G/);
  t.regex(frame(<HostPanel host={null} width={36} height={4} />).text, /host stats unavailable/);
});

test('EventLog: the newest events with times, OOM kills in red', (t) => {
  const f = frame(<EventLog events={events} width={44} height={5} />);
  t.true(fits(f.lines, 44, 5), f.text);
  t.regex(f.lines[0] ?? '', /Events .* last 3 of 5/);
  t.notRegex(f.text, /14:02:07/, 'the oldest scrolled off');
  t.regex(f.text, /14:03:02 hungry OOM kill: hungry \(pid 7…/);
  const oomLine = f.rawLines.find((l) => l.includes('OOM kill')) ?? '';
  t.true(oomLine.includes(RED));
  t.regex(frame(<EventLog events={[]} width={44} height={5} />).text, /no events yet/);
});

test('Banner: the OOM banner, red and inverse, full width', (t) => {
  const text = oomBannerText('lab', { comm: 'hungry', pid: 7, limit: 64 * MiB });
  const f = frame(<Banner banner={{ text, level: 'error', at: NOW }} width={80} />);
  t.is(f.lines.length, 1);
  t.is(displayWidth(f.lines[0] ?? ''), 80, 'inverse spaces reach the right edge');
  t.regex(f.text, /^ OOM KILL in lab: hungry \(pid 7\) hit the 64 MiB limit +14:03:07 $/);
  t.true(f.raw.includes(RED) && f.raw.includes(INVERSE));
  const info = frame(<Banner banner={{ text: 'created lab', level: 'info', at: NOW }} width={40} />);
  t.false(info.raw.includes(RED));
});

test('TitleBar: counts, cgroup version, clock', (t) => {
  const f = frame(<TitleBar state={state} width={80} now={NOW} />);
  t.is(displayWidth(f.lines[0] ?? ''), 80);
  t.regex(f.text, /ctr-tui {2}3 containers · 1 running · 1 OOM-killed +cgroup v1 · 14:03 $/);
});

test('HelpOverlay: generated from the key table, in columns that fit', (t) => {
  const table = dashboardHelpTable(KEYS);
  const f = frame(<HelpOverlay table={table} width={80} height={21} />);
  t.true(fits(f.lines, 80, 21), f.text);
  for (const binding of table) t.true(f.text.includes(binding.key), binding.key);
  t.false(f.text.includes('Player'), "ctr-tui play's keys are not the dashboard's");
  // The anatomy view and the form show their keys in their own footers: two columns, whole descriptions.
  t.false(f.text.includes('Anatomy view') || f.text.includes('New container form'), f.text);
  t.regex(f.text, /K +kill with SIGKILL \(confirms\) +R +record/);
  t.regex(f.text, /Containers +View +│/);
});

test('ConfirmDialog asks y/n', (t) => {
  const f = frame(<ConfirmDialog title="Kill web?" message="SIGKILL every process in web" width={40} />);
  t.true(fits(f.lines, 40, 6));
  t.regex(f.lines[0] ?? '', /Kill web\?/);
  t.regex(f.text, /SIGKILL every process in web/);
  t.regex(f.text, /y +yes +n +no/);
});

test('TooSmall says what is needed', (t) => {
  const f = frame(<TooSmall columns={60} rows={20} />);
  t.regex(f.text, /terminal too small: need 80x24, have 60x20/);
  t.true(f.lines.length <= 19);
  t.true(f.lines.every((l) => displayWidth(l) <= 60));
});

test('Footer shows the hints', (t) => {
  const f = frame(<Footer hints={footerHints(KEYS, 79, 'confirm')} />);
  t.is(f.text, 'y yes  n/Esc no');
});

test('LogView shows the tail of the output', (t) => {
  const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
  const f = frame(<LogView container="web" lines={lines} width={40} height={6} />);
  t.true(fits(f.lines, 40, 6));
  t.regex(f.lines[0] ?? '', /Logs · web/);
  t.regex(f.text, /line 29/);
  t.notRegex(f.text, /line 25\b/);
});

test('TerminalPanel draws the screen it is given, with the cursor when focused', (t) => {
  const screen = { title: 'sh · web', lines: ['/ # ls', 'bin  etc', '/ # '], cursor: { x: 4, y: 2 } };
  const f = frame(<TerminalPanel terminal={screen} width={30} height={6} focused />);
  t.true(fits(f.lines, 30, 6), f.text);
  t.regex(f.lines[0] ?? '', /sh · web .*Ctrl-\]/);
  t.is(f.lines[1], '│/ # ls                      │');
  t.true(f.rawLines[3]?.includes(INVERSE));
  const unfocused = frame(<TerminalPanel terminal={screen} width={30} height={6} focused={false} />);
  t.regex(unfocused.lines[0] ?? '', /Tab/);
  t.false(unfocused.rawLines[3]?.includes(INVERSE));
});
