// rootfs import: a tarball becomes a named rootfs that --rootfs can run.
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
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
  t.regex(errorLines[0], /^ctr-tui: .*notes\.tar\.gz is not a tar archive: it has no tar header at its start$/);
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
  t.regex(result.stderr, /^ctr-tui: .*empty\.tar is empty: a tar archive of no files\n$/);
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

/** A hostile tarball, made with Python's tarfile (GNU tar cannot write such names): see the comments in it. */
function hostileTarball(file: string, victimDir: string): void {
  const script = String.raw`
import io, sys, tarfile
out, victim = sys.argv[1], sys.argv[2]
def add(t, name, kind=tarfile.REGTYPE, data=b'', mode=0o644, link='', dev=(0, 0)):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.uid, ti.gid, ti.linkname = kind, mode, 1000, 1000, link
    ti.devmajor, ti.devminor = dev
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
with tarfile.open(out, 'w:gz') as t:
    add(t, './', tarfile.DIRTYPE, mode=0o755)
    add(t, './bin', tarfile.DIRTYPE, mode=0o755)
    # An absolute symlink that exists only inside the rootfs, never on the host.
    add(t, './bin/sh', tarfile.SYMTYPE, link='/bin/ctr-tui-test-shell')
    add(t, './bin/ctr-tui-test-shell', data=b'#!fake\n', mode=0o755)
    add(t, './tmp', tarfile.DIRTYPE, mode=0o1777)
    add(t, './usr/bin/suid', data=b'\x7fELF', mode=0o4755)
    add(t, './usr/bin/sgid', data=b'\x7fELF', mode=0o2755)
    add(t, './srv', tarfile.DIRTYPE, mode=0o2775)
    add(t, './dev/sda', tarfile.BLKTYPE, mode=0o666, dev=(8, 0))
    add(t, './dev/null', tarfile.CHRTYPE, mode=0o666, dev=(1, 3))
    add(t, './run/fifo', tarfile.FIFOTYPE, mode=0o666)
    add(t, '../../escaped', data=b'out')
    add(t, '/absolute', data=b'in')
    # A symlink out of the rootfs, then a file written through it.
    add(t, './out', tarfile.SYMTYPE, link=victim)
    add(t, './out/written-through', data=b'out')
    add(t, './victim-link', tarfile.SYMTYPE, link=victim + '/victim')
    add(t, './victim-link', data=b'overwritten')
    add(t, './hardlink-out', tarfile.LNKTYPE, link='../../victim')
`;
  const result = spawnSync('python3', ['-c', script, file, victimDir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3: ${result.stderr}`);
}

/** Every entry under dir (not following symlinks), with its lstat. */
function walk(dir: string): Array<{ path: string; st: Stats }> {
  const out: Array<{ path: string; st: Stats }> = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const st = lstatSync(full);
    out.push({ path: full, st });
    if (st.isDirectory()) out.push(...walk(full));
  }
  return out;
}

test('a hostile tarball: no devices, fifos, setuid bits, foreign owners or paths outside on the host; said in one line', async (t) => {
  t.timeout(60_000);
  const ws = workspace(t);
  const victim = path.join(ws.files, 'victim');
  mkdirSync(victim);
  writeFileSync(path.join(victim, 'victim'), 'original\n');
  const file = path.join(ws.files, 'hostile.tar.gz');
  hostileTarball(file, victim);
  const result = await runCli(['rootfs', 'import', file, '--name', 'hostile'], { env: ws.env });
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /--rootfs hostile/);
  const said = lines(result.stderr);
  t.is(said.length, 1, result.stderr);
  t.regex(said[0], new RegExp(`^ctr-tui: ${file}: skipped \\d+ entries a rootfs may not bring to the host: `));
  for (const what of [/2 device nodes \(\.\/dev\/sda, \.\/dev\/null\)/, /1 fifo \(\.\/run\/fifo\)/, /paths outside the rootfs \([^)]*\.\.\/\.\.\/escaped/]) t.regex(said[0], what);

  const root = path.join(ws.library, 'hostile');
  const all = walk(root);
  t.deepEqual(all.filter(({ st }) => st.isBlockDevice() || st.isCharacterDevice() || st.isFIFO() || st.isSocket()).map((e) => e.path), [], 'no special files');
  t.deepEqual(all.filter(({ st }) => !st.isSymbolicLink() && (Number(st.mode) & 0o6000)).map((e) => e.path), [], 'no setuid or setgid bits');
  t.deepEqual(all.filter(({ st }) => st.uid !== 0 || st.gid !== 0).map((e) => e.path), [], 'everything owned by root');
  t.is(statSync(ws.library).mode & 0o777, 0o700, 'the library is root\'s only');
  t.is(statSync(path.join(root, 'tmp')).mode & 0o7777, 0o1777, 'a sticky /tmp stays');
  t.is(statSync(path.join(root, 'usr/bin/suid')).mode & 0o7777, 0o755);
  t.is(readlinkSync(path.join(root, 'bin/sh')), '/bin/ctr-tui-test-shell', 'an absolute symlink is kept as it is, for the container');
  t.is(readFileSync(path.join(root, 'absolute'), 'utf8'), 'in', 'an absolute path lands inside');

  t.deepEqual(readdirSync(victim), ['victim'], 'nothing written through the symlink');
  t.is(readFileSync(path.join(victim, 'victim'), 'utf8'), 'original\n');
  t.false(existsSync(path.join(ws.library, '..', 'escaped')));
  t.false(existsSync(path.join(ws.library, '..', '..', 'escaped')));
  t.false(existsSync(path.join(root, 'hardlink-out')));
  t.deepEqual(entries(ws.library), ['hostile'], 'no staging directory left');
});

test('xz, bzip2 and zstd tarballs import too', async (t) => {
  t.timeout(90_000);
  const ws = workspace(t);
  const content = path.join(ws.files, 'content');
  mkdirSync(path.join(content, 'bin'), { recursive: true });
  writeFileSync(path.join(content, 'bin', 'sh'), '#!fake\n', { mode: 0o755 });
  for (const [flag, ext] of [['-J', 'xz'], ['-j', 'bz2'], ['--zstd', 'zst']]) {
    const file = path.join(ws.files, `small.tar.${ext}`);
    tar([flag, '-cf', file, '-C', content, '.']);
    const result = await runCli(['rootfs', 'import', file], { env: ws.env });
    t.is(result.code, 0, `${ext}: ${result.stderr}`);
    t.is(result.stderr, '', ext);
    t.true(existsSync(path.join(ws.library, `small`, 'bin/sh')), ext);
    rmSync(path.join(ws.library, 'small'), { recursive: true });
  }
  const truncated = path.join(ws.files, 'cut.tar.xz');
  tar(['-J', '-cf', truncated, '-C', defaultRootfs, './bin']);
  writeFileSync(truncated, readFileSync(truncated).subarray(0, 300));
  const cut = await runCli(['rootfs', 'import', truncated], { env: ws.env });
  t.is(cut.code, 2, cut.stderr);
  t.regex(cut.stderr, /^ctr-tui: .*cut\.tar\.xz is a damaged or truncated xz file \(xz: [^\n]+\)\n$/);
  t.deepEqual(entries(ws.library), []);
});

/** A small tar of a fake rootfs: bin/sh, then a 64 KiB file (so a cut can land inside its data), then etc/. */
function smallTar(files: string): Buffer {
  const content = path.join(files, 'small-content');
  mkdirSync(path.join(content, 'bin'), { recursive: true });
  mkdirSync(path.join(content, 'etc'), { recursive: true });
  writeFileSync(path.join(content, 'bin', 'sh'), '#!fake\n', { mode: 0o755 });
  writeFileSync(path.join(content, 'big'), Buffer.alloc(64 * 1024, 7));
  writeFileSync(path.join(content, 'etc', 'hostname'), 'x\n');
  const file = path.join(files, 'small.tar');
  tar(['-cf', file, '--no-recursion', '-C', content, './bin', './bin/sh', './big', './etc']);
  return readFileSync(file);
}

/** `tool -c` of `input`, as the tool itself writes it. */
function compress(tool: string, input: Buffer): Buffer {
  const result = spawnSync(tool, ['-c', '-q'], { input });
  if (result.status !== 0) throw new Error(`${tool}: ${result.stderr}`);
  return result.stdout;
}

/** The offset of the tar header of `name` in an uncompressed tar. */
function headerOffset(archive: Buffer, name: string): number {
  for (let at = 0; at + 512 <= archive.length;) {
    const entryName = archive.subarray(at, at + 100).toString('latin1').replace(/\0.*$/s, '');
    if (entryName === name) return at;
    const size = Number.parseInt(archive.subarray(at + 124, at + 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no entry ${name}`);
}

// A bad tarball is one line naming the file and what is wrong with it, in
// our words (never node-tar's or zlib's warning text alone), exit 2, and
// nothing in the library: no rootfs, no staging directory.
test('bad tarballs: one line naming the file and what is wrong, nothing left in the library', async (t) => {
  t.timeout(180_000);
  const ws = workspace(t);
  const good = smallTar(ws.files);
  const junk = randomBytes(20_000);
  const text = Buffer.from('these are not the bytes of a tar archive\n'.repeat(40));
  const big = headerOffset(good, './big');
  const damagedHeader = Buffer.from(good);
  damagedHeader[headerOffset(good, './etc/') + 20] ^= 0xff;  // the header after ./big fails its checksum
  const gz = gzipSync(good);
  const damagedGz = Buffer.from(gz);
  for (let i = 30; i < 60; i++) damagedGz[i] ^= 0x5a;  // inside the deflate data, after gzip's own header
  const cases: Array<[string, Buffer, RegExp]> = [
    ['zero.tar', Buffer.alloc(0), /is empty \(0 bytes\)$/],
    ['nothing.tar.gz', gzipSync(Buffer.alloc(0)), /is empty: its gzip stream holds nothing$/],
    ['zeros.tar', Buffer.alloc(10240), /is empty: a tar archive of no files$/],
    ['text.tar', text, /is not a tar archive: it has no tar header at its start$/],
    ['random.tar', junk, /is not a tar archive: it has no tar header at its start$/],
    ['garbage.tar.gz', gzipSync(junk), /is not a tar archive: what its gzip stream holds has no tar header at its start$/],
    ['garbage.tar.xz', compress('xz', junk), /is not a tar archive: what its xz stream holds has no tar header at its start$/],
    ['garbage.tar.bz2', compress('bzip2', junk), /is not a tar archive: what its bzip2 stream holds has no tar header at its start$/],
    ['garbage.tar.zst', compress('zstd', junk), /is not a tar archive: what its zstd stream holds has no tar header at its start$/],
    ['cut-in-entry.tar', good.subarray(0, big + 512 + 8192), /is truncated: it ends inside \.\/big$/],
    ['cut-in-header.tar', good.subarray(0, big + 100), /is truncated: it ends inside a tar header \(\d+ bytes, not whole 512-byte blocks\)$/],
    ['damaged-header.tar', damagedHeader, /is damaged: the tar header after \.\/big is not a valid one$/],
    ['cut.tar.gz', gz.subarray(0, Math.floor(gz.length / 2)), /is truncated: its gzip stream ends early$/],
    ['damaged.tar.gz', damagedGz, /is a damaged gzip file \([^)]+\)$/],
    ['cut.tar.bz2', compress('bzip2', good).subarray(0, 200), /is a damaged or truncated bzip2 file \(bzip2: [^)]+\)$/],
  ];
  for (const [name, bytes, message] of cases) {
    const file = path.join(ws.files, name);
    writeFileSync(file, bytes);
    const result = await runCli(['rootfs', 'import', file, '--name', 'bad'], { env: ws.env });
    t.is(result.code, 2, `${name}: ${result.stderr}`);
    const said = lines(result.stderr);
    t.is(said.length, 1, `${name}: ${result.stderr}`);
    t.true(said[0]?.startsWith(`ctr-tui: ${file} `), `${name}: names the file: ${said[0]}`);
    t.regex(said[0] ?? '', message, name);
    t.notRegex(said[0] ?? '', /TAR_|Unrecognized archive format|Truncated input|zlib|Z_[A-Z]/, `${name}: in our words`);
    t.is(result.stdout, '', name);
    t.deepEqual(entries(ws.library), [], `${name}: nothing left in the library`);
  }
  // The same bytes, whole, do import: the cases fail for what was done to them.
  const whole = path.join(ws.files, 'whole.tar.gz');
  writeFileSync(whole, gz);
  const imported = await runCli(['rootfs', 'import', whole, '--name', 'whole'], { env: ws.env });
  t.is(imported.code, 0, imported.stderr);
  t.deepEqual(entries(ws.library), ['whole']);
});
