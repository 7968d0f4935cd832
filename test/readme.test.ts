import test from 'ava';
import { readFileSync } from 'node:fs';
import { readmePath, withKeyTable } from '../scripts/readme-keys.js';

test('the README\'s key table is the one the dashboard dispatches on (npm run docs rewrites it)', (t) => {
  const readme = readFileSync(readmePath, 'utf8');
  t.is(readme, withKeyTable(readme));
  t.regex(readme, /\| `a` \| attach a full-screen shell \|/);
});

test('the README\'s quick start is the two commands', (t) => {
  const readme = readFileSync(readmePath, 'utf8');
  t.regex(readme, /npm ci && sudo npx ctr-tui/);
  t.regex(readme, /^npm test\b/m);
});
