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

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(readmePath, withKeyTable(readFileSync(readmePath, 'utf8')));
}
