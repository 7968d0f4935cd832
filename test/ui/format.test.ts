import test from 'ava';
import {
  center,
  displayWidth,
  formatBytes,
  formatBytesLong,
  formatClock,
  formatCommand,
  formatDuration,
  formatPercent,
  formatRate,
  formatUptime,
  formatClockMinutes,
  oomBannerText,
  padEnd,
  padStart,
  truncate,
  truncateMiddle,
} from '../../src/ui/format.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

test('formatBytes is compact: one decimal below 100, at most 5 cells', (t) => {
  t.is(formatBytes(0), '0B');
  t.is(formatBytes(512), '512B');
  t.is(formatBytes(1023), '1023B');
  t.is(formatBytes(1024), '1K');
  t.is(formatBytes(1536), '1.5K');
  t.is(formatBytes(12.3 * MiB), '12.3M');
  t.is(formatBytes(64 * MiB), '64M');
  t.is(formatBytes(63.94 * MiB), '63.9M');
  t.is(formatBytes(123.4 * MiB), '123M');
  t.is(formatBytes(1.5 * GiB), '1.5G');
  t.is(formatBytes(-2048), '-2K');
  t.is(formatBytes(Number.NaN), '?');
  for (const n of [1023.97 * KiB, 99.96 * MiB, 1023.99 * MiB]) t.true(formatBytes(n).length <= 5, formatBytes(n));
  t.is(formatBytes(1023.97 * KiB), '1M', 'rounding up to 1024 carries into the next unit');
});

test('formatBytesLong spells out binary units', (t) => {
  t.is(formatBytesLong(64 * MiB), '64 MiB');
  t.is(formatBytesLong(512), '512 B');
  t.is(formatBytesLong(1.25 * GiB), '1.3 GiB');
});

test('formatRate uses decimal units, long or compact', (t) => {
  t.is(formatRate(0), '0 B/s');
  t.is(formatRate(1200), '1.2 kB/s');
  t.is(formatRate(1_234_567), '1.2 MB/s');
  t.is(formatRate(-5), '0 B/s');
  t.is(formatRate(1200, { compact: true }), '1.2k/s');
  t.is(formatRate(800, { compact: true }), '800B/s');
  t.is(formatRate(250_000_000, { compact: true }), '250M/s');
});

test('formatDuration: seconds, then m+s, h+m, d+h', (t) => {
  t.is(formatDuration(0), '0s');
  t.is(formatDuration(999), '0s');
  t.is(formatDuration(45_000), '45s');
  t.is(formatDuration(65_000), '1m05s');
  t.is(formatDuration(192_000), '3m12s');
  t.is(formatDuration((2 * 60 + 5) * 60_000), '2h05m');
  t.is(formatDuration((4 * 24 + 3) * 3_600_000), '4d3h');
  t.is(formatDuration(-5000), '0s');
  t.is(formatUptime(null, 1000), '-');
  t.is(formatUptime(1000, 42_000), '41s');
  // Minutes only from one minute to an hour: an idle dashboard has nothing to redraw each second.
  t.is(formatUptime(1000, 61_000), '1m');
  t.is(formatUptime(0, 59 * 60_000 + 59_000), '59m');
  t.is(formatUptime(0, (2 * 60 + 5) * 60_000 + 7_000), '2h05m');
});

test('formatClock shows local wall-clock time', (t) => {
  t.is(formatClock(new Date(2024, 2, 5, 14, 3, 7).getTime()), '14:03:07');
  t.is(formatClock(new Date(2024, 2, 5, 0, 0, 0).getTime()), '00:00:00');
  t.is(formatClockMinutes(new Date(2024, 2, 5, 14, 3, 7).getTime()), '14:03');
});

test('formatPercent: one decimal below 10', (t) => {
  t.is(formatPercent(0), '0%');
  t.is(formatPercent(5.34), '5.3%');
  t.is(formatPercent(9.96), '10%');
  t.is(formatPercent(12.4), '12%');
  t.is(formatPercent(180), '180%');
});

test('truncate and pad work in terminal cells', (t) => {
  t.is(truncate('hello world', 5), 'hell…');
  t.is(truncate('hi', 5), 'hi');
  t.is(truncate('abc', 1), '…');
  t.is(truncate('abc', 0), '');
  t.is(truncate('a very long title', 8), 'a very…', 'no space before the ellipsis');
  t.is(truncate('漢字漢字', 5), '漢字…');
  t.is(padEnd('ab', 4), 'ab  ');
  t.is(padEnd('abcdef', 4), 'abc…');
  t.is(padStart('ab', 4), '  ab');
  t.is(center('ab', 6), '  ab  ');
  t.is(center('ab', 5), ' ab  ');
  t.is(truncateMiddle('container-with-a-long-name-29', 9), 'cont…e-29');
  t.is(truncateMiddle('short', 9), 'short');
  t.is(truncateMiddle('abcdef', 1), '…');
  t.is(truncateMiddle('漢字漢字漢字', 5), '漢…字');
  t.is(displayWidth('漢字'), 4);
  t.is(displayWidth('⣿⠀▁█…'), 5);
});

test('formatCommand quotes words as a shell would need', (t) => {
  t.is(formatCommand(['sh', '-c', 'echo hi']), "sh -c 'echo hi'");
  t.is(formatCommand(['/programs/hungry', '100M']), '/programs/hungry 100M');
  t.is(formatCommand(['echo', "it's"]), "echo 'it'\\''s'");
});

test('oomBannerText says who was killed and at which limit', (t) => {
  t.is(oomBannerText('lab', { comm: 'hungry', pid: 7, limit: 64 * MiB }), 'OOM KILL in lab: hungry (pid 7) hit the 64 MiB limit');
  t.is(oomBannerText('lab', { comm: null, pid: null, limit: null }), 'OOM KILL in lab: a process hit its memory limit');
  t.is(oomBannerText('lab', { comm: null, pid: 9, limit: null }), 'OOM KILL in lab: pid 9 hit its memory limit');
});
