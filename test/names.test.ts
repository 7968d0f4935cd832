// Random container names: a docker-sized space, every pick a valid name and
// hostname, and picked again when taken instead of failing "already exists".
import test from 'ava';
import { buildSpec } from '../src/runtime/build-spec.js';
import { RuntimeError } from '../src/runtime/errors.js';
import { adjectives, scientists } from '../src/runtime/name-words.js';
import { checkHostname, checkName, freeRandomName } from '../src/runtime/names.js';
import { assertSandboxed } from './helpers/container.js';
import { makeLab } from './helpers/lifecycle.js';

assertSandboxed();

test('the random names come from at least 25,000 combinations, each a valid name and hostname', (t) => {
  t.is(new Set(adjectives).size, adjectives.length, 'no adjective twice');
  t.is(new Set(scientists).size, scientists.length, 'no scientist twice');
  t.true(adjectives.length * scientists.length >= 25_000, `${adjectives.length} x ${scientists.length}`);
  for (const word of [...adjectives, ...scientists]) t.regex(word, /^[a-z]+$/);
  const longest = `${[...adjectives].sort((a, b) => b.length - a.length)[0]}-${[...scientists].sort((a, b) => b.length - a.length)[0]}`;
  t.notThrows(() => checkName(longest));
  t.notThrows(() => checkHostname(longest));
});

test('a taken random name is picked again; only when every try collides is that an error', (t) => {
  let asked = 0;
  const seen: string[] = [];
  const name = freeRandomName((candidate) => {
    seen.push(candidate);
    return ++asked <= 5;
  });
  t.is(asked, 6, 'five collisions, then a free name');
  t.is(name, seen[5]);
  const error = t.throws(() => freeRandomName(() => true));
  t.true(error instanceof RuntimeError);
  t.regex(error!.message, /no free random container name .*--name/);
  // buildSpec takes the same predicate; a given name is never replaced.
  const spec = buildSpec({ command: ['true'], network: false }, (candidate) => seen.includes(candidate));
  t.false(seen.includes(spec.name));
  t.is(buildSpec({ name: 'given', command: ['true'], network: false }, () => true).name, 'given');
});

test('sequential run -d without --name never fails on a name', async (t) => {
  const lab = makeLab(t, { timeoutMs: 240_000 });
  const names = new Set<string>();
  for (let i = 0; i < 15; i++) {
    const result = await lab.cli(['run', '-d', '--no-net', '--', 'true']);
    t.is(result.code, 0, result.stderr);
    const name = result.stdout.trim();
    lab.track(name);
    t.regex(name, /^[a-z]+-[a-z]+$/);
    names.add(name);
  }
  t.is(names.size, 15, 'fifteen different names');
});
