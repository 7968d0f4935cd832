import test from 'ava';
import { computeLayout, isTooSmall } from '../../src/ui/layout.js';

test('80x24 is the minimum', (t) => {
  t.true(isTooSmall({ columns: 79, rows: 24 }));
  t.true(isTooSmall({ columns: 80, rows: 23 }));
  t.false(isTooSmall({ columns: 80, rows: 24 }));
  t.is(computeLayout({ columns: 60, rows: 20 }), null);
});

test('at 80x24 the panels tile the rows-1 high root exactly', (t) => {
  const l = computeLayout({ columns: 80, rows: 24 });
  if (!l) return t.fail();
  t.is(l.height, 23);
  t.is(l.bodyHeight, 21);
  t.is(l.left.width + l.right.width, 80);
  t.is(l.left.list + l.left.events, 21);
  t.is(l.right.memory + l.right.network + l.right.host, 21);
  t.is(l.terminalScreen, null);
});

test('the split view gives the terminal the right column, and says its pty size', (t) => {
  for (const size of [{ columns: 80, rows: 24 }, { columns: 200, rows: 50 }]) {
    const l = computeLayout(size, { split: true });
    if (!l) return t.fail();
    t.is(l.left.width + l.right.width, size.columns);
    t.is(l.left.list + l.left.memory, l.bodyHeight);
    t.is(l.right.terminal, l.bodyHeight);
    t.deepEqual(l.terminalScreen, { columns: l.right.width - 2, rows: l.bodyHeight - 2 });
  }
  t.deepEqual(computeLayout({ columns: 80, rows: 24 }, { split: true })?.terminalScreen, { columns: 46, rows: 19 });
});

test('bigger terminals give the room to the graphs', (t) => {
  const l = computeLayout({ columns: 160, rows: 50 });
  if (!l) return t.fail();
  t.true(l.right.width > 80);
  t.true(l.right.memory > 20);
  t.is(l.right.memory + l.right.network + l.right.host, l.bodyHeight);
});
