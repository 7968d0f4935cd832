// Writes the dashboard's key table into README.md, between the keys markers,
// from the same table that drives the keys (src/ui/keys.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { KEYS, markdownKeyTable } from '../src/ui/keys.js';

export const readmePath = new URL('../README.md', import.meta.url);
const start = '<!-- keys:start -->';
const end = '<!-- keys:end -->';

export function withKeyTable(readme: string): string {
  const before = readme.slice(0, readme.indexOf(start) + start.length);
  const after = readme.slice(readme.indexOf(end));
  return `${before}\n${markdownKeyTable(KEYS).trim()}\n${after}`;
}

export const uiReadmePath = new URL('../src/ui/README.md', import.meta.url);

/** src/ui/README.md's key table (no markers there): from its header row to the first line that is not a row. */
export function withUiKeyTable(readme: string): string {
  const from = readme.indexOf('| Key | Action | Where |');
  if (from < 0) return readme;
  let to = from;
  while (to < readme.length && readme.startsWith('|', to)) {
    const nl = readme.indexOf('\n', to);
    to = nl < 0 ? readme.length : nl + 1;
  }
  return readme.slice(0, from) + markdownKeyTable(KEYS) + readme.slice(to);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(readmePath, withKeyTable(readFileSync(readmePath, 'utf8')));
  writeFileSync(uiReadmePath, withUiKeyTable(readFileSync(uiReadmePath, 'utf8')));
}
