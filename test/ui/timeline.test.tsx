// @jsxRuntime automatic
// @jsxImportSource react
// The live view's timeline (src/ui/Timeline.tsx): a pure view of the player's clock and markers.
import test from 'ava';
import { Timeline, isOomMarker, timelineCells } from '../../src/ui/Timeline.js';
import { KEYS, footerHints } from '../../src/ui/keys.js';
import { renderSized } from './_render.js';
import { stripAnsi } from './_fixtures.js';

const markers = [
  { time: 10, label: 'lab created' },
  { time: 30, label: 'OOM kill in lab: hungry (pid 2) hit the 32 MiB memory limit' },
  { time: 31, label: 'lab exited (signal 9), 1 OOM kill' },
];

test('the bar: played and to come, the head at the position, markers where they fall, an OOM kill winning its cell', (t) => {
  const cells = timelineCells(20, 100, markers, 50);
  t.is(cells.length, 50);
  t.is(cells[10]!.kind, 'head', '20 s of 100 at 50 cells');
  t.is(cells[5]!.kind, 'marker');
  t.is(cells[15]!.kind, 'oom', 'the kill and the exit share a cell: the kill is shown');
  t.true(cells.slice(0, 10).every((c) => c.kind === 'played' || c.kind === 'marker'));
  t.true(cells.slice(16).every((c) => c.kind === 'left'));
  t.true(isOomMarker(markers[1]!));
  t.false(isOomMarker(markers[2]!));
});

test('the status row: paused or playing, position / duration, speed, the chapter, the player keys', (t) => {
  const hints = footerHints(KEYS, 40, 'player');
  const draw = (playing: boolean, time: number) => {
    const r = renderSized(<Timeline time={time} duration={125} playing={playing} speed={2} markers={markers} chapter={markers[1]!} hints={hints} width={99} />, { columns: 100, rows: 5 });
    const frame = stripAnsi(r.lastFrame() ?? '').split('\n');
    r.unmount();
    return frame;
  };
  const paused = draw(false, 65);
  t.is(paused.length, 2);
  t.regex(paused[1]!, /^ ❚❚ 1:05 \/ 2:05 {2}2x {2}OOM kill in lab: hungry/);
  t.regex(paused[1]!, /q quit\s*$/);
  t.regex(draw(true, 65)[1]!, /^ ▶ 1:05/);
  t.regex(draw(false, 125)[1]!, /^ ■ 2:05 \/ 2:05/, 'at the end');
});
