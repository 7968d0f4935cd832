import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { readmePath, withKeyTable } from '../scripts/readme-keys.js';
import { buildProgram } from '../src/cli/main.js';

const repoRoot = path.dirname(fileURLToPath(readmePath));

test('the README\'s key table is the one the dashboard dispatches on (npm run docs rewrites it)', (t) => {
  const readme = readFileSync(readmePath, 'utf8');
  t.is(readme, withKeyTable(readme));
  t.regex(readme, /\| `a` \| attach a full-screen shell \|/);
});

test('the README\'s quick start is the two commands', (t) => {
  const readme = readFileSync(readmePath, 'utf8');
  t.regex(readme, /^npm ci && npx ctr-tui\b/m);
  t.regex(readme, /^npm test\b/m);
});

/** The lines of the README's code blocks, without their comments. */
function codeLines(readme: string): string[] {
  const out: string[] = [];
  for (const block of readme.matchAll(/^```[a-z]*\n([\s\S]*?)^```$/gm)) {
    for (const line of block[1].split('\n')) out.push(line.replace(/\s+#.*$/, '').trimEnd());
  }
  return out.filter(Boolean);
}

// A minimal Debian has no sudo, and root needs none: the commands are written
// as root types them, and the Quick start says once how a user with sudo runs them.
test('the README\'s commands are written as root types them, with the one line for users with sudo', (t) => {
  const readme = readFileSync(readmePath, 'utf8');
  const withSudo = codeLines(readme).filter((line) => /(^|[\s;&|(])sudo\s/.test(line));
  t.deepEqual(withSudo, [], 'no command in a code block needs sudo');
  const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1));
  t.regex(quickStart, /As a user with sudo, put `sudo` in front of each\s+`npx ctr-tui`, `npm test` and `sh scripts\/\.\.\.`/);
  t.regex(quickStart, /`npm ci && sudo npx ctr-tui`/);
});

/** Splits a shell line into words (single and double quotes kept together). */
function words(line: string): string[] {
  return [...line.matchAll(/'[^']*'|"[^"]*"|\S+/g)].map((m) => m[0]);
}

// "Work as written": every `npx ctr-tui ...` line names a command the CLI
// has, and only options that command takes.
test('every ctr-tui command in the README names a real command and its real options', (t) => {
  const readme = readFileSync(readmePath, 'utf8');
  const program = buildProgram();
  const lines = codeLines(readme).filter((line) => line.startsWith('npx ctr-tui'));
  t.true(lines.length > 15, `${lines.length} ctr-tui lines`);
  for (const line of lines) {
    const args = words(line.replace(/\s*&$/, '')).slice(2);
    let command: Command = program;
    let rest = args;
    for (;;) {
      const sub = command.commands.find((c) => c.name() === rest[0]);
      if (!sub) break;
      command = sub;
      rest = rest.slice(1);
    }
    // No command is the default command, the dashboard, which takes only options.
    if (command === program) {
      command = program.commands.find((c) => c.name() === 'dashboard')!;
      t.true(rest.every((w, i) => w.startsWith('-') || rest[i - 1]?.startsWith('--')), `${line}: no command means the dashboard`);
    }
    const end = rest.indexOf('--');
    for (const word of (end < 0 ? rest : rest.slice(0, end)).filter((w) => w.startsWith('-'))) {
      const flag = word.split('=')[0];
      t.true(command.options.some((o) => o.long === flag || o.short === flag || o.negate && o.long === flag), `${line}: ${command.name()} takes ${flag}`);
    }
  }
});

test('every file of this repository the Security section names exists', (t) => {
  const readme = readFileSync(readmePath, 'utf8');
  const start = readme.indexOf('## Security');
  t.true(start > 0, 'a Security section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  t.regex(section, /What is not isolated:/);
  const named = [...section.matchAll(/`((?:addon|src|scripts|programs|test)\/[^`\s]+)`/g)].map((m) => m[1]);
  t.true(named.length >= 2, named.join(', '));
  for (const file of named) t.true(existsSync(path.join(repoRoot, file)), file);
});
