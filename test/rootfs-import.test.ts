// rootfs import: a tarball becomes a named rootfs that --rootfs can run.
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertSandboxed, defaultRootfs, leftovers, lines, runCli, uniqueName } from './helpers/container.js';

assertSandboxed();

/** A temp dir for the library (CTR_TUI_ROOTFS_DIR) and one for tarballs, removed after the test. */
function workspace(t: ExecutionContext) {
  const root = mkdtempSync(path.join(tmpdir(), 'ctr-tui-import-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const library = path.join(root, 'library');
  const files = path.join(root, 'files');
  mkdirSync(files);
  return { library, files, env: { CTR_TUI_ROOTFS_DIR: library } };
}

function tar(args: string[]): void {
  const result = spawnSync('tar', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tar ${args.join(' ')}: ${result.stderr}`);
}

/** Every entry of the library dir, hidden ones included. */
const entries = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

// One gzip'd copy of the default rootfs plus a marker file, shared by the tests.
let tarball: Promise<{ file: string; marker: string }> | undefined;
function rootfsTarball(): Promise<{ file: string; marker: string }> {
  tarball ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-tarball-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const extra = path.join(dir, 'extra');
    mkdirSync(path.join(extra, 'etc'), { recursive: true });
    const marker = `imported-${process.pid}-${Date.now()}`;
    writeFileSync(path.join(extra, 'etc', 'ctr-tui-marker'), `${marker}\n`);
    const file = path.join(dir, 'debian-mini.tar.gz');
    tar(['-czf', file, '-C', defaultRootfs, '.', '-C', extra, './etc/ctr-tui-marker']);
    return { file, marker };
  })();
  return tarball;
}

test('an imported rootfs is listed and runs a command by its name', async (t) => {
  t.timeout(90_000);
  const ws = workspace(t);
  const { file, marker } = await rootfsTarball();
  const imported = await runCli(['rootfs', 'import', file, '--name', 'mini'], { env: ws.env, timeoutMs: 60_000 });
  t.is(imported.code, 0, imported.stderr);
  t.is(imported.stderr, '');
  t.regex(imported.stdout, /--rootfs mini/);
  t.deepEqual(entries(ws.library), ['mini'], 'no staging directory left');
  t.true(existsSync(path.join(ws.library, 'mini/bin/sh')));

  const listed = await runCli(['rootfs', 'ls'], { env: ws.env });
  t.is(listed.code, 0, listed.stderr);
  t.deepEqual(lines(listed.stdout), ['mini']);

  const name = uniqueName('imp');
  const run = await runCli(['run', '--name', name, '--no-net', '--rootfs', 'mini', '--', '/bin/sh', '-c', 'echo ok; cat /etc/ctr-tui-marker'], { env: ws.env });
  t.is(run.code, 0, run.stderr);
  t.deepEqual(lines(run.stdout), ['ok', marker], 'it ran in the imported copy, which has the marker');
  t.false(existsSync(path.join(defaultRootfs, 'etc/ctr-tui-marker')), 'the default rootfs has no marker');
  t.deepEqual(leftovers(name, { rootfs: path.join(ws.library, 'mini') }), []);
});

test('the name defaults to the tarball\'s file name without its extension', async (t) => {
  t.timeout(90_000);
  const ws = workspace(t);
  const { file } = await rootfsTarball();
  const imported = await runCli(['rootfs', 'import', file], { env: ws.env, timeoutMs: 60_000 });
  t.is(imported.code, 0, imported.stderr);
  t.deepEqual(entries(ws.library), ['debian-mini']);
  const name = uniqueName('impd');
  const run = await runCli(['run', '--name', name, '--no-net', '--rootfs', 'debian-mini', '--', 'hostname'], { env: ws.env });
  t.is(run.code, 0, run.stderr);
  t.is(run.stdout, `${name}\n`);
});

test('importing a file that is not a tarball: a clear error, and nothing in the library', async (t) => {
  const ws = workspace(t);
  const file = path.join(ws.files, 'notes.tar.gz');
  writeFileSync(file, 'these are not the bytes of a tar archive\n'.repeat(20));
  const result = await runCli(['rootfs', 'import', file, '--name', 'junk'], { env: ws.env });
  t.is(result.code, 2, result.stderr);
  const errorLines = lines(result.stderr);
  t.is(errorLines.length, 1, result.stderr);
  t.regex(errorLines[0], /^ctr-tui: .*notes\.tar\.gz is not a readable tar archive/);
  t.deepEqual(entries(ws.library), [], 'no rootfs and no staging directory');
  const listed = await runCli(['rootfs', 'ls'], { env: ws.env });
  t.is(listed.stdout, '');
});

test('a tarball without /bin/sh is not a root filesystem: refused, nothing left', async (t) => {
  const ws = workspace(t);
  const content = path.join(ws.files, 'content');
  mkdirSync(path.join(content, 'docs'), { recursive: true });
  writeFileSync(path.join(content, 'docs', 'README'), 'hello\n');
  const file = path.join(ws.files, 'docs.tar');
  tar(['-cf', file, '-C', content, '.']);
  const result = await runCli(['rootfs', 'import', file], { env: ws.env });
  t.is(result.code, 2);
  t.deepEqual(lines(result.stderr), [`ctr-tui: ${file} does not look like a root filesystem (no /bin/sh in it)`]);
  t.deepEqual(entries(ws.library), []);
});

test('an empty tarball: refused, nothing left', async (t) => {
  const ws = workspace(t);
  const empty = path.join(ws.files, 'empty');
  mkdirSync(empty);
  const file = path.join(ws.files, 'empty.tar');
  tar(['-cf', file, '-C', empty, '--files-from', '/dev/null']);
  const result = await runCli(['rootfs', 'import', file], { env: ws.env });
  t.is(result.code, 2);
  t.regex(result.stderr, /^ctr-tui: .*empty\.tar is empty\n$/);
  t.deepEqual(entries(ws.library), []);
});

test('a missing file, a bad name and a taken name are refused', async (t) => {
  t.timeout(90_000);
  const ws = workspace(t);
  const missing = await runCli(['rootfs', 'import', path.join(ws.files, 'nope.tar')], { env: ws.env });
  t.is(missing.code, 2);
  t.regex(missing.stderr, /^ctr-tui: no such file: .*nope\.tar\n$/);

  const { file } = await rootfsTarball();
  const badName = await runCli(['rootfs', 'import', file, '--name', '../escape'], { env: ws.env });
  t.is(badName.code, 2);
  t.regex(badName.stderr, /^ctr-tui: invalid rootfs name "\.\.\/escape"/);
  t.false(existsSync(path.join(ws.library, '..', 'escape')));

  const first = await runCli(['rootfs', 'import', file, '--name', 'taken'], { env: ws.env, timeoutMs: 60_000 });
  t.is(first.code, 0, first.stderr);
  const second = await runCli(['rootfs', 'import', file, '--name', 'taken'], { env: ws.env, timeoutMs: 60_000 });
  t.is(second.code, 2);
  t.regex(second.stderr, /^ctr-tui: a rootfs named taken is already imported/);
  t.deepEqual(entries(ws.library), ['taken']);
  t.true(readFileSync(path.join(ws.library, 'taken/etc/ctr-tui-marker'), 'utf8').length > 0);
});

test('rootfs import needs root', async (t) => {
  const ws = workspace(t);
  const { file } = await rootfsTarball();
  const result = await runCli(['rootfs', 'import', file, '--name', 'x'], { env: { ...ws.env, HOME: '/tmp' }, uid: 65534, gid: 65534 });
  t.is(result.code, 1);
  t.regex(result.stderr, /^ctr-tui: rootfs import needs root.*sudo/);
  t.deepEqual(entries(ws.library), []);
});
