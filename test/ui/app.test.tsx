// @jsxRuntime automatic
// @jsxImportSource react
import test from 'ava';
import { App, type DashboardActions } from '../../src/ui/App.js';
import { createStore } from '../../src/ui/store.js';
import type { DashboardState, TerminalView } from '../../src/ui/model.js';
import type { NewContainerValues } from '../../src/ui/new-container.js';
import type { UiState } from '../../src/ui/ui-state.js';
import { renderSized, tick, until } from './_render.js';
import { NOW, hungry, state, stripAnsi } from './_fixtures.js';
import { oomBannerText } from '../../src/ui/format.js';
import { TERMINAL_ESCAPE } from '../../src/ui/keys.js';

const KEY = { tab: '\t', down: '\u001b[B', up: '\u001b[A', enter: '\r', backspace: '\u007f', esc: '\u001b' };

/** The app on a fake store, with actions that only record their calls. */
async function setup(options: { create?: (values: NewContainerValues) => Promise<void> | void; columns?: number; rows?: number } = {}) {
  const store = createStore<DashboardState>(state);
  const terminal = createStore<TerminalView | null>(null);
  const calls: string[] = [];
  const created: NewContainerValues[] = [];
  const uis: UiState[] = [];
  const actions: DashboardActions = {
    create: async (values) => {
      created.push(values);
      await options.create?.(values);
    },
    kill: (name) => calls.push(`kill ${name}`),
    stop: (name) => calls.push(`stop ${name}`),
    remove: (name) => calls.push(`remove ${name}`),
    attach: (name) => calls.push(`attach ${name}`),
    quit: () => calls.push('quit'),
    split: (name, screen) => calls.push(`split ${name} ${screen ? `${screen.columns}x${screen.rows}` : '-'}`),
    focusTerminal: (focused) => calls.push(`focus ${focused}`),
  };
  const size = { columns: options.columns ?? 80, rows: options.rows ?? 24 };
  const r = renderSized(
    <App store={store} terminal={terminal} actions={actions} clock={() => NOW} logs={(name) => [`output of ${name}`]} onUiChange={(ui) => uis.push(ui)} />,
    size,
  );
  const text = () => stripAnsi(r.lastFrame() ?? '');
  await until(() => text().includes('Containers'));
  await tick(30);
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      r.stdin.write(key);
      await tick(key === KEY.esc ? 60 : 25);
    }
  };
  /** Wait until the screen matches every pattern. */
  const shows = (...patterns: RegExp[]) => until(() => patterns.every((p) => p.test(text())));
  /** n, then wait for the form to be drawn and its input handler attached. */
  const openForm = async () => {
    await press('n');
    await shows(/New container/);
    await tick(60);
  };
  return { r, store, terminal, calls, created, uis, text, press, shows, openForm, stdout: r.stdout };
}

test.serial('j/k and arrows move the selection; the panels follow it', async (t) => {
  const app = await setup();
  t.true(await app.shows(/▸ hungry/, /Memory · hungry/), app.text());
  await app.press('j', 'j');
  t.true(await app.shows(/▸ web/, /Memory · web/), app.text());
  await app.press('k');
  t.true(await app.shows(/▸ old/), app.text());
  await app.press(KEY.up, KEY.down, KEY.down, KEY.down);
  t.true(await app.shows(/▸ web/), 'stops at the last row');
  t.is(app.uis.at(-1)?.selected, 'web');
  app.r.unmount();
});

test.serial('/ filters as you type; Enter keeps it, Esc clears it', async (t) => {
  const app = await setup();
  await app.press('/', 'o', 'l');
  t.true(await app.shows(/Containers \(1\/3\)[\s\S]*▸ old/), app.text());
  await app.press(KEY.backspace, KEY.backspace, 'w', 'e');
  t.true(await app.shows(/Containers \(1\/3\)[\s\S]*▸ web/), app.text());
  await app.press(KEY.enter);
  t.true(await app.shows(/\(Esc clears\)/), app.text());
  await app.press('j', 'q');
  t.deepEqual(app.calls, ['quit'], 'after Enter, keys are commands again');
  await app.press(KEY.esc);
  t.true(await app.shows(/Containers \(3\)/), app.text());
  app.r.unmount();
});

test.serial('K asks before killing, y kills the container it asked about; k never kills', async (t) => {
  const app = await setup();
  await app.press('j', 'j', 'k', 'j');
  t.false(/Kill/.test(app.text()));
  await app.press('K');
  t.true(await app.shows(/Kill web\?/), app.text());
  await app.press('j', 'q', 'K');
  t.deepEqual(app.calls, [], 'other keys do nothing in the dialog');
  await app.press('y');
  t.true(await until(() => app.calls.length > 0));
  t.deepEqual(app.calls, ['kill web']);
  t.false(/Kill web\?/.test(app.text()));
  await app.press('d');
  t.true(await app.shows(/Delete web\?/));
  await app.press('n');
  t.true(await until(() => !/Delete web\?/.test(app.text())));
  await app.press('d', KEY.esc);
  t.true(await until(() => !/Delete web\?/.test(app.text())));
  await app.press('d', 'Y');
  t.true(await until(() => app.calls.length === 2));
  t.deepEqual(app.calls, ['kill web', 'remove web']);
  app.r.unmount();
});

test.serial('s stops, a attaches, q quits, o sorts, ? shows help', async (t) => {
  const app = await setup();
  await app.press('s', 'a');
  t.deepEqual(app.calls, ['stop hungry', 'attach hungry']);
  await app.press('o', 'o');
  t.true(await app.shows(/memory ▼/), app.text());
  await app.press('?');
  t.true(await app.shows(/Keys[\s\S]*kill with SIGKILL \(confirms\)/), app.text());
  await app.press('q');
  t.true(await app.shows(/Containers \(3\)/), 'q closes the help');
  t.deepEqual(app.calls, ['stop hungry', 'attach hungry']);
  await app.press('l');
  t.true(await app.shows(/Logs · hungry[\s\S]*output of hungry/), 'the sort kept hungry selected');
  await app.press(KEY.esc, 'q');
  t.true(await until(() => app.calls.includes('quit')));
  app.r.unmount();
});

test.serial('n opens the form; Enter creates with the values, the form closes', async (t) => {
  const app = await setup();
  await app.openForm();
  await app.press('l', 'a', 'b', KEY.tab, KEY.backspace, KEY.backspace, KEY.backspace, '3', '2', 'M');
  t.deepEqual(app.calls, [], 'typing in the form runs no commands (l, a)');
  await app.press(KEY.enter);
  t.true(await until(() => app.created.length === 1));
  t.deepEqual(app.created[0], { name: 'lab', memory: '32M', pids: '64', cpus: '', command: 'sh', rootfs: '' });
  t.true(await until(() => !/New container/.test(app.text())), app.text());
  t.is(app.uis.at(-1)?.selected, 'lab');
  app.r.unmount();
});

test.serial('the form shows a validation error, and the error the runtime throws', async (t) => {
  const app = await setup({
    create: () => {
      throw new Error('a container named lab already exists');
    },
  });
  await app.openForm();
  await app.press(KEY.tab, KEY.backspace, KEY.backspace, KEY.backspace, 'a', 'b', 'c', KEY.enter);
  t.true(await app.shows(/memory "abc": use a size such as 64M or 1G/), app.text());
  t.is(app.created.length, 0);
  await app.press(KEY.backspace, KEY.backspace, KEY.backspace, '6', '4', 'M', KEY.enter);
  t.true(await app.shows(/a container named lab already exists/), app.text());
  t.true(/New container/.test(app.text()), 'the form stays open to fix it');
  await app.press(KEY.esc);
  t.true(await until(() => !/New container/.test(app.text())));
  app.r.unmount();
});

test.serial('t opens the split view with the pty size; Tab and Ctrl-] move the keyboard', async (t) => {
  const app = await setup();
  await app.press('j', 'j', 't');
  t.true(await until(() => app.calls.length > 0));
  t.deepEqual(app.calls, ['split web 46x19']);
  app.terminal.setState({ title: 'sh · web', lines: ['/ # echo hi', 'hi', '/ # '], cursor: { x: 4, y: 2 } });
  t.true(await app.shows(/sh · web[\s\S]*echo hi/), app.text());
  await app.press(KEY.tab);
  t.true(await until(() => app.calls.includes('focus true')));
  await app.press('q', 'K', KEY.tab);
  t.deepEqual(app.calls, ['split web 46x19', 'focus true'], 'keys belong to the shell while it has the focus');
  await app.press(TERMINAL_ESCAPE);
  t.true(await until(() => app.calls.includes('focus false')));
  await app.press('t');
  t.true(await until(() => app.calls.includes('split null -')));
  t.true(await app.shows(/Events/));
  app.r.unmount();
});

test.serial('store updates redraw: an OOM kill shows its banner', async (t) => {
  const app = await setup();
  app.store.setState((s) => ({ ...s, banner: { text: oomBannerText('hungry', hungry.lastOom!), level: 'error', at: NOW } }));
  t.true(await app.shows(/^ OOM KILL in hungry: hungry \(pid 7\) hit the 64 MiB limit/), app.text());
  app.store.setState((s) => ({ ...s, banner: null, containers: s.containers.filter((c) => c.name !== 'hungry') }));
  t.true(await app.shows(/^ ctr-tui {2}2 containers/), app.text());
  app.r.unmount();
});

test.serial('a sample that changes nothing on screen draws no frame; one that does, draws', async (t) => {
  const app = await setup();
  const frames = app.stdout.frames.length;
  // A new history array with the same values, the same figures: nothing shows.
  const same = (s: DashboardState) => ({ ...s, containers: s.containers.map((c) => ({ ...c, memory: { ...c.memory, history: [...c.memory.history] } })) });
  app.store.setState(same);
  app.store.setState(same);
  await tick(80);
  t.is(app.stdout.frames.length, frames, 'no frame for an invisible change');
  // The host's CPU moves: that shows.
  app.store.setState((s) => ({ ...s, host: s.host && { ...s.host, cpuPercent: 77 } }));
  t.true(await app.shows(/cpu {2}77%/), app.text());
  t.true(app.stdout.frames.length > frames);
  // A key redraws even when the store is still.
  const before = app.stdout.frames.length;
  await app.press('j');
  t.true(await until(() => app.stdout.frames.length > before));
  app.r.unmount();
});

test.serial('the app follows terminal resizes, down to the too-small notice', async (t) => {
  const app = await setup();
  app.stdout.resize(120, 40);
  t.true(await until(() => app.text().split('\n').length === 39), `${app.text().split('\n').length} lines`);
  app.stdout.resize(70, 20);
  t.true(await app.shows(/terminal too small: need 80x24, have 70x20/), app.text());
  app.r.unmount();
});
