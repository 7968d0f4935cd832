import test from 'ava';
import { brailleGraph, dotLevel, limitRow, meterBar, sparkline } from '../../src/ui/graph.js';

test('brailleGraph: an area graph, 2 samples per cell, newest on the right', (t) => {
  // 4 dot columns, 8 dot rows; [0, 4, 8] right-aligned: an empty column, 0, half, full.
  t.deepEqual(brailleGraph([0, 4, 8], { width: 2, height: 2, max: 8 }), [' ⢸', ' ⣿']);
});

test('brailleGraph: the limit line is a dotted row across the whole width', (t) => {
  // 6 of 8 rows: the third dot row from the top of the upper cells (dots 3 and 6).
  t.deepEqual(brailleGraph([0, 4, 8], { width: 2, height: 2, max: 8, limitLine: 6 }), ['⠤⢼', ' ⣿']);
  t.deepEqual(brailleGraph([], { width: 3, height: 1, max: 4, limitLine: 4 }), ['⠉⠉⠉']);
});

test('brailleGraph: values clamp at max, tiny values show one dot, only the last width*2 show', (t) => {
  t.deepEqual(brailleGraph([100], { width: 1, height: 1, max: 8 }), ['⢸']);
  t.deepEqual(brailleGraph([0.1], { width: 1, height: 1, max: 8 }), ['⢀']);
  t.deepEqual(brailleGraph([8, 8, 8, 0], { width: 1, height: 1, max: 8 }), ['⡇']);
});

test('brailleGraph: exact shape of a ramp', (t) => {
  // Levels 1, 2 | 3, 4 dots from the bottom: dots 7+8+6 = ⣠, then 7+3+2 and 8+6+5+4 = ⣾.
  t.deepEqual(brailleGraph([1, 2, 3, 4], { width: 2, height: 1, max: 4 }), ['⣠⣾']);
});

test('brailleGraph: degenerate sizes', (t) => {
  t.deepEqual(brailleGraph([1, 2, 3], { width: 0, height: 2, max: 3 }), ['', '']);
  t.deepEqual(brailleGraph([1, 2, 3], { width: 2, height: 0, max: 3 }), []);
  t.deepEqual(brailleGraph([5, 5], { width: 1, height: 1, max: 0 }), [' ']);
});

test('dotLevel and limitRow', (t) => {
  t.is(dotLevel(0, 8, 2), 0);
  t.is(dotLevel(8, 8, 2), 8);
  t.is(dotLevel(80, 8, 2), 8);
  t.is(dotLevel(0.01, 8, 2), 1);
  t.is(limitRow(64, 80, 6), 1);
  t.is(limitRow(null, 80, 6), null);
  t.is(limitRow(80, 80, 6), 0);
  t.is(limitRow(1, 80, 6), 5);
});

test('sparkline: block characters, right-aligned, scaled to the largest value or max', (t) => {
  t.is(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8), '▁▂▃▄▅▆▇█');
  t.is(sparkline([1, 2], 4), '  ▅█');
  t.is(sparkline([], 3), '   ');
  t.is(sparkline([0, 0, 0], 3), '▁▁▁');
  t.is(sparkline([5], 1, 10), '▅');
  t.is(sparkline([20], 1, 10), '█');
  t.is(sparkline([1, 2, 3, 4, 5, 6], 3), '▆▇█', 'the last 3, scaled to 6');
});

test('meterBar: eighth blocks, then shade', (t) => {
  t.is(meterBar(0.5, 4), '██░░');
  t.is(meterBar(0.3, 5), '█▌░░░');
  t.is(meterBar(1, 3), '███');
  t.is(meterBar(2, 3), '███');
  t.is(meterBar(0, 3), '░░░');
  t.is(meterBar(Number.NaN, 2), '░░');
});
