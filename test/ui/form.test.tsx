// @jsxRuntime automatic
// @jsxImportSource react
import test from 'ava';
import { render } from 'ink-testing-library';
import { NewContainerForm, NEW_CONTAINER_FORM_HEIGHT } from '../../src/ui/NewContainerForm.js';
import { NEW_CONTAINER_DEFAULTS, splitCommand, validateNewContainer, type NewContainerValues } from '../../src/ui/new-container.js';
import { displayWidth } from '../../src/ui/format.js';
import { stripAnsi } from './_fixtures.js';

import { tick, until } from './_render.js';
const KEY = { tab: '\t', shiftTab: '\u001b[Z', down: '\u001b[B', up: '\u001b[A', enter: '\r', backspace: '\u007f', esc: '\u001b' };

function setup(props: { error?: string | null; busy?: boolean } = {}) {
  const submitted: NewContainerValues[] = [];
  let cancelled = 0;
  const r = render(<NewContainerForm width={60} {...props} onSubmit={(v) => submitted.push(v)} onCancel={() => cancelled++} />);
  const type = async (...chunks: string[]) => {
    for (const chunk of chunks) {
      r.stdin.write(chunk);
      await tick();
    }
  };
  /** The first frame is drawn and the input handler attached. */
  const ready = async () => {
    await until(() => (r.lastFrame() ?? '') !== '');
    await tick(30);
  };
  return { ...r, submitted, cancelled: () => cancelled, type, ready, text: () => stripAnsi(r.lastFrame() ?? '') };
}

test.serial('the form shows every field with working defaults', async (t) => {
  const f = setup();
  await until(() => f.text().includes('rootfs'));
  const text = f.text();
  const lines = text.split('\n');
  t.is(lines.length, NEW_CONTAINER_FORM_HEIGHT);
  t.true(lines.every((l) => displayWidth(l) === 60), text);
  t.regex(text, /New container/);
  t.regex(text, /▸ name +random/);
  t.regex(text, /memory +64M/);
  t.regex(text, /pids +64/);
  t.regex(text, /cpus +no limit/);
  t.regex(text, /command +sh/);
  t.regex(text, /rootfs +built-in/);
  t.regex(text, /Tab\/↓ next .*Enter create .*Esc cancel/);
  f.unmount();
});

test.serial('Enter submits the defaults plus what was typed', async (t) => {
  const f = setup();
  await f.ready();
  await f.type('lab', KEY.enter);
  await until(() => f.submitted.length > 0);
  t.deepEqual(f.submitted, [{ ...NEW_CONTAINER_DEFAULTS, name: 'lab' }]);
  f.unmount();
});

test.serial('Tab, Shift-Tab and the arrows move between fields; Backspace edits', async (t) => {
  const f = setup();
  await f.ready();
  await f.type(KEY.tab);
  t.true(await until(() => /▸ memory/.test(f.text())), f.text());
  await f.type(KEY.backspace, KEY.backspace, KEY.backspace, '128M');
  await f.type(KEY.down, KEY.down, KEY.down, KEY.backspace, KEY.backspace);
  t.true(await until(() => /▸ command/.test(f.text())), f.text());
  await f.type("sh -c 'echo hi'");
  await f.type(KEY.shiftTab, KEY.up);
  t.true(await until(() => /▸ pids/.test(f.text())), f.text());
  await f.type('0');
  await f.type(KEY.up, KEY.up, KEY.up, 'web');
  t.true(await until(() => /▸ rootfs +web/.test(f.text())), 'moving up from the first field wraps to the last');
  await f.type(KEY.enter);
  await until(() => f.submitted.length > 0);
  t.deepEqual(f.submitted, [{ name: '', memory: '128M', pids: '640', cpus: '', command: "sh -c 'echo hi'", rootfs: 'web' }]);
  f.unmount();
});

test.serial('Esc cancels', async (t) => {
  const f = setup();
  await f.ready();
  await f.type(KEY.esc);
  t.true(await until(() => f.cancelled() === 1));
  t.deepEqual(f.submitted, []);
  f.unmount();
});

test.serial('an error is shown inline; busy ignores keys', async (t) => {
  const f = setup({ error: 'memory "abc": use a size such as 64M or 1G', busy: true });
  await f.ready();
  t.regex(f.text(), /✗ memory "abc": use a size such as 64M or 1G/);
  t.regex(f.text(), /starting…/);
  await f.type('x', KEY.enter);
  await tick(100);
  t.deepEqual(f.submitted, []);
  f.unmount();
});

test('validateNewContainer catches what the runtime would refuse', (t) => {
  t.is(validateNewContainer(NEW_CONTAINER_DEFAULTS), null);
  t.is(validateNewContainer({ ...NEW_CONTAINER_DEFAULTS, name: 'lab-1', memory: '1.5G', cpus: '0.5', pids: '' }), null);
  t.regex(validateNewContainer({ ...NEW_CONTAINER_DEFAULTS, name: '-x' }) ?? '', /^name "-x"/);
  t.regex(validateNewContainer({ ...NEW_CONTAINER_DEFAULTS, memory: 'abc' }) ?? '', /^memory "abc"/);
  t.regex(validateNewContainer({ ...NEW_CONTAINER_DEFAULTS, pids: '6.5' }) ?? '', /^pids/);
  t.regex(validateNewContainer({ ...NEW_CONTAINER_DEFAULTS, cpus: '0' }) ?? '', /^cpus/);
  t.regex(validateNewContainer({ ...NEW_CONTAINER_DEFAULTS, command: "sh -c 'oops" }) ?? '', /unbalanced '/);
});

test('splitCommand splits like a shell, quotes and backslashes included', (t) => {
  t.deepEqual(splitCommand('sh'), ['sh']);
  t.deepEqual(splitCommand("  sh -c 'echo hi; ls'  "), ['sh', '-c', 'echo hi; ls']);
  t.deepEqual(splitCommand('echo "a \\"b\\"" c\\ d'), ['echo', 'a "b"', 'c d']);
  t.deepEqual(splitCommand("echo ''"), ['echo', '']);
  t.deepEqual(splitCommand(''), []);
  t.throws(() => splitCommand('echo "x'), { message: /unbalanced "/ });
});
