import test from 'ava';
import { formatBytes, parseSize } from '../src/runtime/cgroup/size.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const goodSizes: Array<[string, number]> = [
  ['64M', 64 * MiB],
  ['64m', 64 * MiB],
  ['64MiB', 64 * MiB],
  ['64MB', 64 * MiB],
  ['1g', GiB],
  ['1.5G', 1.5 * GiB],
  ['512k', 512 * KiB],
  ['2T', 2 * 1024 ** 4],
  ['1048576', 1048576],
  ['100B', 100],
  ['0', 0],
  [' 32M ', 32 * MiB],
  ['64 MiB', 64 * MiB],
];

for (const [text, bytes] of goodSizes) {
  test(`parseSize(${JSON.stringify(text)}) = ${bytes}`, (t) => {
    t.is(parseSize(text), bytes);
  });
}

const badSizes = ['64Q', '-1', '', '1.2.3', 'M', '1.5', 'abc', '6 4M', '0x10', '1e6', '99999999999T'];

for (const text of badSizes) {
  test(`parseSize(${JSON.stringify(text)}) throws one clear line`, (t) => {
    const error = t.throws(() => parseSize(text));
    t.true(error.message.startsWith(`invalid size ${JSON.stringify(text)}: `));
    t.false(error.message.includes('\n'));
  });
}

test('parseSize names the accepted units', (t) => {
  t.throws(() => parseSize('64Q'), {
    message: 'invalid size "64Q": use a number with an optional unit K, M, G or T (e.g. 64M)',
  });
});

const formatted: Array<[number, string]> = [
  [0, '0 B'],
  [100, '100 B'],
  [1023, '1023 B'],
  [1024, '1 KiB'],
  [512 * KiB, '512 KiB'],
  [64 * MiB, '64 MiB'],
  [1.5 * GiB, '1.5 GiB'],
  [1.25 * GiB, '1.3 GiB'],
  [MiB - 1, '1 MiB'],
  [3 * 1024 ** 4, '3 TiB'],
  [-2 * MiB, '-2 MiB'],
];

for (const [bytes, text] of formatted) {
  test(`formatBytes(${bytes}) = ${JSON.stringify(text)}`, (t) => {
    t.is(formatBytes(bytes), text);
  });
}

test('formatBytes and parseSize round-trip whole units', (t) => {
  for (const text of ['64M', '512K', '2G']) {
    const bytes = parseSize(text);
    t.is(parseSize(formatBytes(bytes)), bytes);
  }
});
