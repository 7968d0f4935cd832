// The asciicast v2 reader, the seek index, the player's clock and key parsing, and bad
// recordings through the real CLI (play and export): one line naming the file, the line and
// what is wrong, a non-zero exit, nothing written.
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import xterm from '@xterm/headless';
import { CastFormatError, limitIdle, markerAt, parseCast, readCast, sampleAt, stateUntil } from '../src/recording/asciicast-reader.js';
import { ScreenIndex, VirtualScreen } from '../src/recording/screen-index.js';
import { Playback } from '../src/player/playback.js';
import { parseKeys } from '../src/player/key-input.js';
import { KEYS, dispatchKey } from '../src/ui/keys.js';
import { runCli } from './helpers/container.js';
import { castText, dashboardCast, simpleCast } from './helpers/cast-generator.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ctr-rec-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

test('parses o, i, r and m events, skips unknown codes and unknown state types', (t) => {
  const cast = parseCast(simpleCast(), 'simple.cast');
  t.is(cast.header.width, 40);
  t.is(cast.header.height, 10);
  t.false(cast.header.stateTrack);
  t.deepEqual(cast.events.map((e) => e.code), ['o', 'm', 'o', 'i', 'm', 'r', 'o', 'o']);
  t.deepEqual(cast.markers, [{ time: 0.8, label: 'first chapter' }, { time: 2, label: 'second chapter' }]);
  t.deepEqual(cast.state, [], 'an s line of an unknown type is skipped');
  t.is(cast.duration, 3);
  t.deepEqual(cast.warnings, []);
});

test('the state track: events and samples, and what was known at time t', (t) => {
  const generated = dashboardCast({ seconds: 30, oomAt: [12] });
  const cast = parseCast(generated.text);
  t.true(cast.header.stateTrack);
  const samples = cast.state.filter((s) => s.record.type === 'sample');
  t.is(samples.length, 30);
  const ooms = cast.state.filter((s) => s.record.type === 'event' && s.record.event.kind === 'oom-kill');
  t.is(ooms.length, 1);
  t.is(ooms[0]!.time, 12.1);
  const until = stateUntil(cast, 12.1);
  t.is(until.at(-1)!.record.type === 'event' || until.at(-1)!.record.type === 'sample', true);
  t.true(until.some((s) => s.record.type === 'event' && s.record.event.kind === 'oom-kill'), 'the kill is known at its own time');
  t.false(stateUntil(cast, 12.09).some((s) => s.record.type === 'event' && s.record.event.kind === 'oom-kill'));
  const sample = sampleAt(cast, 5.5)!;
  t.is(sample.time, 5.1);
  t.is(sample.record.containers.find((c) => c.name === 'hungry-lab')!.memory!.limit, 32 * 1024 * 1024);
  t.is(sampleAt(cast, 0.01), null);
  t.is(markerAt(cast, 12.1)!.label, generated.banners[0]);
  t.is(markerAt(cast, 0.01), null);
});

test('idle time limit: long pauses are cut, markers and state lines move with the output', (t) => {
  const text = castText({ width: 10, height: 2, idle_time_limit: 2 }, [
    [1, 'o', 'a'],
    [11, 'm', 'after a pause'],
    [11, 'o', 'b'],
    [12.5, 's', { type: 'sample', containers: [] }],
    [20, 'o', 'c'],
  ]);
  const cast = limitIdle(parseCast(text));
  t.deepEqual(cast.events.map((e) => e.time), [1, 3, 3, 5]);
  t.deepEqual(cast.markers, [{ time: 3, label: 'after a pause' }]);
  t.is(cast.state[0]!.time, 4.5);
  t.is(cast.duration, 5);
});

test('seeking through keyframes shows exactly what playing straight through shows', async (t) => {
  const cast = parseCast(dashboardCast({ seconds: 60, oomAt: [17, 44] }).text);
  const index = await ScreenIndex.build(cast, { interval: 5 });
  t.true(index.keyframes.length >= 10, `${index.keyframes.length} keyframes`);
  const seeker = new VirtualScreen(index);
  const screenOf = (term: InstanceType<typeof xterm.Terminal>) => {
    const lines: string[] = [];
    for (let y = 0; y < term.rows; y++) lines.push(term.buffer.active.getLine(y)?.translateToString(true) ?? '');
    return `${lines.join('\n')}\ncursor ${term.buffer.active.cursorX},${term.buffer.active.cursorY}`;
  };
  // Out of order on purpose: backwards, forwards, onto keyframes, between them.
  for (const at of [33.3, 7.1, 44.1, 44.05, 59, 0, 12.6, 25.1, 3]) {
    await seeker.seek(at);
    const straight = new xterm.Terminal({ cols: 120, rows: 40, scrollback: 0, allowProposedApi: true });
    await new Promise<void>((resolve) => straight.write(cast.events.filter((e) => e.code === 'o' && e.time <= at).map((e) => e.data).join(''), resolve));
    t.is(screenOf(seeker.term), screenOf(straight), `at ${at} s`);
    straight.dispose();
  }
  // A resize ("r") is replayed in order, and undone by a seek back before it.
  const small = new VirtualScreen(await ScreenIndex.build(parseCast(simpleCast()), { interval: 0.5 }));
  await small.seek(2.5);
  t.deepEqual([small.term.cols, small.term.rows], [50, 12]);
  await small.seek(1);
  t.deepEqual([small.term.cols, small.term.rows], [40, 10]);
  small.dispose();
  // Stepping: one frame at a time.
  await seeker.seek(10.1);
  t.is(await seeker.step(), 11.1);
  seeker.dispose();
});

test('the player clock: pause, seek, chapters, speed, the end', (t) => {
  let now = 0;
  const markers = [{ time: 10, label: 'a' }, { time: 20, label: 'b' }];
  const p = new Playback(30, markers, () => now);
  now = 4000;
  t.is(p.time, 4);
  p.togglePause();
  now = 9000;
  t.is(p.time, 4, 'paused');
  t.true(p.nextMarker());
  t.is(p.time, 10);
  t.true(p.nextMarker());
  t.is(p.time, 20);
  t.false(p.nextMarker(), 'no marker after the last');
  p.seekBy(3);
  p.prevMarker();
  t.is(p.time, 20, 'to the start of the current chapter first');
  p.prevMarker();
  t.is(p.time, 10, 'then the one before');
  p.faster();
  t.is(p.speed, 2);
  p.togglePause();
  now += 2000;
  t.is(p.time, 14, 'twice as fast');
  p.seekBy(-100);
  t.is(p.time, 0);
  p.seekBy(1000);
  t.is(p.time, 30);
  t.true(p.ended);
  p.pause();
  p.togglePause();
  t.is(p.time, 0, 'play at the end starts again');
});

test('raw key input reaches the player context of the key table', (t) => {
  const actions = parseKeys(' \x1b[C\x1b[D[].+-q\x03x').map(({ input, key }) => dispatchKey(KEYS, input, key, 'player'));
  t.deepEqual(actions, ['play-pause', 'seek-forward', 'seek-back', 'prev-marker', 'next-marker', 'step', 'faster', 'slower', 'quit', 'quit', null]);
  t.deepEqual(parseKeys('\x1b[1;5C').length, 0, 'an unknown escape sequence is dropped whole');
  t.is(dispatchKey(KEYS, ' ', parseKeys(' ')[0]!.key, 'list'), null, 'the player keys are not the dashboard\'s');
});

// ---------------------------------------------------------------- bad recordings, through the CLI

const bad: { name: string; text: string; line: number; says: RegExp }[] = [
  { name: 'not-a-cast.txt', text: 'hello, this is a text file\nnot a recording\n', line: 1, says: /not an asciicast recording/ },
  { name: 'v1.cast', text: '{\n  "version": 1,\n  "width": 80,\n  "height": 24,\n  "stdout": [[0.1, "hi"]]\n}\n', line: 1, says: /asciicast v1/ },
  { name: 'v1-one-line.cast', text: '{"version": 1, "width": 80, "height": 24, "duration": 1, "stdout": [[0.1, "hi"]]}\n', line: 1, says: /asciicast v1 is not supported/ },
  { name: 'v3.cast', text: '{"version": 3, "term": {"cols": 80, "rows": 24}}\n[0.1, "o", "hi"]\n', line: 1, says: /asciicast v3 is not supported/ },
  { name: 'no-size.cast', text: '{"version": 2, "width": 0, "height": 24}\n', line: 1, says: /"width" must be a whole number/ },
  { name: 'bad-middle.cast', text: '{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "a"]\n[0.2, "o", "b"\n[0.3, "o", "c"]\n', line: 3, says: /not JSON/ },
  { name: 'not-an-array.cast', text: '{"version": 2, "width": 80, "height": 24}\n{"time": 1}\n', line: 2, says: /must be a JSON array \[time, code, data\]/ },
  { name: 'bad-time.cast', text: '{"version": 2, "width": 80, "height": 24}\n["soon", "o", "a"]\n', line: 2, says: /the time "soon"/ },
  { name: 'bad-resize.cast', text: '{"version": 2, "width": 80, "height": 24}\n[1, "r", "big"]\n', line: 2, says: /"COLSxROWS"/ },
  { name: 'empty.cast', text: '', line: 1, says: /empty file/ },
  { name: 'no-newline.bin', text: 'PNG'.padEnd(1_500_000, '\u0001'), line: 1, says: /no end of the header line in the first 1 MiB/ },
  // Cut mid-JSON but ending with a newline: not what a killed recorder leaves, so an error.
  { name: 'bad-last-line.cast', text: '{"version": 2, "width": 80, "height": 24}\n[0.1, "o", "a"]\n[0.2, "o", "b\n', line: 3, says: /not JSON/ },
];

for (const { name, text, line, says } of bad) {
  // Serial: each starts two CLI processes, and the machine has 2 cores.
  test.serial(`bad recording ${name}: one line naming the file, line ${line} and what is wrong; play and export exit 2, nothing written`, async (t) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const error = await readCast(file).catch((e: unknown) => e);
    t.true(error instanceof CastFormatError, String(error));
    t.is((error as CastFormatError).line, line);
    for (const args of [['play', file], ['export', file, '-o', `${file}.html`]]) {
      const result = await runCli(args, { timeoutMs: 20_000 });
      t.is(result.code, 2, `${args[0]}: ${result.stderr}`);
      const lines = result.stderr.trimEnd().split('\n');
      t.is(lines.length, 1, result.stderr);
      t.true(lines[0]!.startsWith(`ctr-tui: ${file}:${line}: `), lines[0]);
      t.regex(lines[0]!, says);
      t.is(result.stdout, '');
    }
    t.false(existsSync(`${file}.html`), 'no page half-made');
  });
}

test('a missing file and a directory: one line each', async (t) => {
  const missing = await runCli(['play', path.join(dir, 'nope.cast')], { timeoutMs: 20_000 });
  t.is(missing.code, 2);
  t.is(missing.stderr, `ctr-tui: no such file: ${path.join(dir, 'nope.cast')}\n`);
  const sub = path.join(dir, 'a-dir.cast');
  mkdirSync(sub, { recursive: true });
  const isDir = await runCli(['export', sub], { timeoutMs: 20_000 });
  t.is(isDir.code, 2);
  t.is(isDir.stderr, `ctr-tui: ${sub} is a directory, not a recording\n`);
});

test('a last line cut short (a recorder killed mid-write) plays with one warning line', async (t) => {
  const text = simpleCast() + '[3.5, "o", "cut of';
  const cast = parseCast(text, 'cut.cast');
  t.is(cast.events.length, 8, 'everything before the cut');
  t.deepEqual(cast.warnings, ['cut.cast:12: the last line is cut short (the recorder stopped mid-write): played up to 3.0 s']);
  // export: the page is written, the warning said once.
  const file = path.join(dir, 'cut.cast');
  writeFileSync(file, text);
  const result = await runCli(['export', file], { timeoutMs: 30_000 });
  t.is(result.code, 0, result.stderr);
  t.is(result.stderr, `ctr-tui: warning: ${file}:12: the last line is cut short (the recorder stopped mid-write): played up to 3.0 s\n`);
  t.is(result.stdout, `${path.join(dir, 'cut.html')}\n`);
  t.false(readFileSync(path.join(dir, 'cut.html'), 'utf8').includes('cut of'), 'the cut line is left out of the page');
});

test('play without a terminal says so', async (t) => {
  const file = path.join(dir, 'ok.cast');
  writeFileSync(file, simpleCast());
  const result = await runCli(['play', file], { timeoutMs: 20_000 });
  t.is(result.code, 2);
  t.regex(result.stderr, /^ctr-tui: ctr-tui play needs a terminal \(stdin and stdout\); to see .* as text, use: asciinema cat .*\n$/);
});

test('export never overwrites without -f', async (t) => {
  const file = path.join(dir, 'keep.cast');
  const page = path.join(dir, 'keep.html');
  writeFileSync(file, simpleCast());
  writeFileSync(page, 'mine');
  const refused = await runCli(['export', file, '-o', page], { timeoutMs: 30_000 });
  t.is(refused.code, 2);
  t.is(refused.stderr, `ctr-tui: ${page} already exists: pass -f to overwrite it, or choose another name with -o\n`);
  t.is(readFileSync(page, 'utf8'), 'mine');
  const forced = await runCli(['export', file, '-o', page, '-f'], { timeoutMs: 30_000 });
  t.is(forced.code, 0, forced.stderr);
  t.true(readFileSync(page, 'utf8').startsWith('<!doctype html>'));
  const noDir = await runCli(['export', file, '-o', path.join(dir, 'no/such/dir/x.html')], { timeoutMs: 30_000 });
  t.is(noDir.code, 2);
  t.regex(noDir.stderr, /^ctr-tui: no such directory: .*no\/such\/dir \(for -o .*\)\n$/);
});

test('the player draws a screen with its colours and attributes, cropped to the terminal', async (t) => {
  const { renderRows } = await import('../src/player/screen-render.js');
  const write = (term: InstanceType<typeof xterm.Terminal>, data: string) => new Promise<void>((resolve) => term.write(data, resolve));
  const source = new xterm.Terminal({ cols: 30, rows: 3, allowProposedApi: true });
  await write(source, '\x1b[1;31mred bold\x1b[0m \x1b[38;5;200m256\x1b[0m \x1b[48;2;1;2;3mrgb\x1b[0m 漢字\r\n\x1b[7minverse\x1b[0m\r\nwide at the edge: 漢');
  const rows = renderRows(source, 19, 3);
  const copy = new xterm.Terminal({ cols: 19, rows: 3, allowProposedApi: true });
  await write(copy, rows.join('\r\n'));
  const line = (term: typeof copy, y: number) => term.buffer.active.getLine(y)!.translateToString(true);
  t.is(line(copy, 0), 'red bold 256 rgb 漢');
  t.is(line(copy, 1), 'inverse');
  t.is(line(copy, 2), 'wide at the edge:', 'a wide character cut by the crop is a (trimmed) space');
  t.is(copy.buffer.active.getLine(2)!.translateToString(false), 'wide at the edge:  ');
  const cell = (x: number, y: number) => copy.buffer.active.getLine(y)!.getCell(x)!;
  t.true(cell(0, 0).isBold() !== 0);
  t.is(cell(0, 0).getFgColor(), 1);
  t.is(cell(9, 0).getFgColor(), 200);
  t.true(cell(13, 0).isBgRGB());
  t.is(cell(13, 0).getBgColor(), 0x010203);
  t.true(cell(0, 1).isInverse() !== 0);
  t.is(cell(8, 0).isFgDefault(), true, 'attributes end where they ended');
  source.dispose();
  copy.dispose();
});
