// Bad invocations of every command, as a table: each prints exactly one
// line on stderr ("ctr-tui: ..."), exits non-zero, and leaves nothing: no
// cgroup in any hierarchy, no veth, no mount, no state file, no rootfs in
// the library, no process. (bad-input.test.ts and lifecycle-bad-input.test.ts
// check the wording of many of these one by one; this is the sweep.)
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertSandboxed, cgroupDirsOf, lines, uniqueName } from './helpers/container.js';
import { newLab, residue, snapshot } from './helpers/lifecycle.js';
import { addedHoldings, containerMount, hostHoldings, markVariable } from './helpers/robustness.js';

assertSandboxed();

const lab = newLab();
test.after.always(() => lab.cleanup());
const tag = uniqueName('mark');
const pidTag = tag.slice(4, 7);
const work = mkdtempSync(path.join(tmpdir(), 'ctr-tui-robust-'));
const library = path.join(work, 'library');
mkdirSync(library);
test.after.always(() => rmSync(work, { recursive: true, force: true }));
const env = { [markVariable]: tag, CTR_TUI_ROOTFS_DIR: library };

// Files to hand the commands: not a tarball, an empty file, a tarball that is no root filesystem, a rootfs without a shell.
const notATarball = path.join(work, 'notes.tar');
writeFileSync(notATarball, 'these are notes, not a tar archive\n'.repeat(40));
const emptyFile = path.join(work, 'empty.tar.gz');
writeFileSync(emptyFile, '');
const noShell = path.join(work, 'no-shell.tar');
mkdirSync(path.join(work, 'tree/etc'), { recursive: true });
writeFileSync(path.join(work, 'tree/etc/hostname'), 'box\n');
const tar = spawnSync('tar', ['-cf', noShell, '-C', path.join(work, 'tree'), '.']);
if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
const shellless = path.join(work, 'shellless');
mkdirSync(path.join(shellless, 'bin'), { recursive: true });
const aFile = path.join(work, 'a-file');
writeFileSync(aFile, 'a file\n');

/** A name no container has; bad names carry this file's tag so that anything made of them can be found. */
const ghost = `ghost${pidTag}`;
const dotdot = `../x${pidTag}`;
const spaced = `a b${pidTag}`;
const long = `n${pidTag}${'x'.repeat(64)}`;

interface Row {
  /** The arguments after --state-dir; NAME stands for a fresh valid name, given where the name is not what is wrong. */
  args: string[];
  /** What the one line must say. */
  says: RegExp;
}

const cmd = ['--', '/bin/true'];
const rows: Row[] = [
  // run (foreground)
  { args: ['run', '--bogus', ...cmd], says: /unknown option '--bogus'/ },
  { args: ['run', '--name'], says: /option '--name <name>' argument missing/ },
  { args: ['run', '--name', dotdot, ...cmd], says: /invalid container name "\.\.\/x/ },
  { args: ['run', '--name', spaced, ...cmd], says: /invalid container name "a b/ },
  { args: ['run', '--name', `.x${pidTag}`, ...cmd], says: /invalid container name "\.x/ },
  { args: ['run', '--name', long, ...cmd], says: /invalid container name "n/ },
  { args: ['run', '--name', '', ...cmd], says: /invalid container name ""/ },
  { args: ['run', '--name', 'NAME', '--memory', '64Q', ...cmd], says: /--memory: invalid size "64Q"/ },
  { args: ['run', '--name', 'NAME', '--memory', '-5M', ...cmd], says: /--memory: invalid size "-5M"/ },
  { args: ['run', '--name', 'NAME', '--memory', '1.5', ...cmd], says: /--memory: invalid size "1\.5"/ },
  { args: ['run', '--name', 'NAME', '--memory', '99999999999T', ...cmd], says: /--memory: invalid size "99999999999T": too large/ },
  { args: ['run', '--name', 'NAME', '--memory', '1M', ...cmd], says: /memory limit 1M is too small to start a shell/ },
  { args: ['run', '--name', 'NAME', '--pids', '1', ...cmd], says: /--pids 1 is too small to start a shell/ },
  { args: ['run', '--name', 'NAME', '--pids', 'many', ...cmd], says: /invalid --pids "many"/ },
  { args: ['run', '--name', 'NAME', '--pids', '-3', ...cmd], says: /invalid --pids "-3"/ },
  { args: ['run', '--name', 'NAME', '--pids', '2.5', ...cmd], says: /invalid --pids "2\.5"/ },
  { args: ['run', '--name', 'NAME', '--cpus', 'abc', ...cmd], says: /invalid --cpus "abc"/ },
  { args: ['run', '--name', 'NAME', '--cpus', '0', ...cmd], says: /--cpus 0 is out of range: give 0\.01 to \d+/ },
  { args: ['run', '--name', 'NAME', '--cpus', '-1', ...cmd], says: /invalid --cpus "-1"/ },
  { args: ['run', '--name', 'NAME', '--ip', '10.0.0.300', ...cmd], says: /invalid address "10\.0\.0\.300"/ },
  { args: ['run', '--name', 'NAME', '--ip', 'abc', ...cmd], says: /invalid address "abc"/ },
  { args: ['run', '--name', 'NAME', '--ip', '10.0.0.5/33', ...cmd], says: /invalid address "10\.0\.0\.5\/33"/ },
  { args: ['run', '--name', 'NAME', '--ip', '10.0.0.5/', ...cmd], says: /invalid address "10\.0\.0\.5\/"/ },
  { args: ['run', '--name', 'NAME', '--ip', '127.0.0.2', ...cmd], says: /loopback, multicast and reserved/ },
  { args: ['run', '--name', 'NAME', '--ip', '224.0.0.1', ...cmd], says: /loopback, multicast and reserved/ },
  { args: ['run', '--name', 'NAME', '--ip', '10.0.0.5', '--host-ip', '10.0.0', ...cmd], says: /invalid host address "10\.0\.0"/ },
  { args: ['run', '--name', 'NAME', '--ip', '10.9.9.5', '--host-ip', '10.9.9.5', ...cmd], says: /are both 10\.9\.9\.5: give two different addresses/ },
  { args: ['run', '--name', 'NAME', '--hostname', 'under_score', ...cmd], says: /invalid hostname "under_score"/ },
  { args: ['run', '--name', 'NAME', '--hostname', '-lead', ...cmd], says: /invalid hostname "-lead"/ },
  { args: ['run', '--name', 'NAME', '--hostname', 'h'.repeat(65), ...cmd], says: /is 65 characters: the limit is 64/ },
  { args: ['run', '--name', 'NAME', '--rootfs', `/nonexistent/${ghost}`, ...cmd], says: /rootfs "\/nonexistent\/ghost\w+" not found/ },
  { args: ['run', '--name', 'NAME', '--rootfs', ghost, ...cmd], says: /rootfs "ghost\w+" not found.*rootfs ls/ },
  { args: ['run', '--name', 'NAME', '--rootfs', aFile, ...cmd], says: /rootfs ".*a-file" is not a directory/ },
  { args: ['run', '--name', 'NAME', '--rootfs', '/', ...cmd], says: /the host's own \/ cannot be a container's rootfs/ },
  { args: ['run', '--name', 'NAME', '--rootfs', shellless], says: /has no \/bin\/sh: give a command to run/ },
  { args: ['run', '--name', 'NAME', '--share', `/nonexistent-${ghost}:/x`, ...cmd], says: /--share: \/nonexistent-ghost\w+ does not exist/ },
  { args: ['run', '--name', 'NAME', '--share', `${work}:relative`, ...cmd], says: /must be absolute/ },
  { args: ['run', '--name', 'NAME', '--share', `${work}:/a/../b`, ...cmd], says: /must be absolute, without "\.\."/ },
  { args: ['run', '--name', 'NAME', '--share', `${work}:/x:rx`, ...cmd], says: /invalid --share/ },
  { args: ['run', '--name', 'NAME', '--share', work, ...cmd], says: /invalid --share/ },
  { args: ['run', 'under_score', '5', '6'], says: /invalid hostname "under_score"/ },
  // run -d
  { args: ['run', '-d', '--bogus', ...cmd], says: /unknown option '--bogus'/ },
  { args: ['run', '-d', '--name', dotdot, ...cmd], says: /invalid container name "\.\.\/x/ },
  { args: ['run', '-d', '--name', 'NAME', '--memory', '64Q', ...cmd], says: /--memory: invalid size "64Q"/ },
  { args: ['run', '-d', '--name', 'NAME', '--ip', 'abc', ...cmd], says: /invalid address "abc"/ },
  { args: ['run', '-d', '--name', 'NAME', '--ip', '10.9.9.6', '--host-ip', '10.9.9.6', ...cmd], says: /are both 10\.9\.9\.6/ },
  { args: ['run', '-d', '--name', 'NAME', '--rootfs', shellless], says: /has no \/bin\/sh/ },
  { args: ['run', '-d', '--name', 'NAME', '--no-net', '--', '/nonexistent'], says: /exec \/nonexistent: No such file or directory/ },
  { args: ['run', '-d', '--name', 'NAME', '--no-net', '--share', `${aFile}:/x`, '--', 'true'], says: /bind mount .*a-file: Not a directory/ },
  // ps
  { args: ['ps', '--bogus'], says: /unknown option '--bogus'/ },
  { args: ['ps', 'extra'], says: /too many arguments/ },
  // exec
  { args: ['exec'], says: /missing required argument 'name'/ },
  { args: ['exec', '-T', ghost, 'true'], says: /no such container: ghost/ },
  { args: ['exec', '-T', dotdot, 'true'], says: /invalid container name/ },
  { args: ['exec', '--bogus', ghost], says: /unknown option '--bogus'/ },
  // logs
  { args: ['logs'], says: /missing required argument 'name'/ },
  { args: ['logs', ghost], says: /no such container: ghost/ },
  { args: ['logs', '-f', ghost], says: /no such container: ghost/ },
  { args: ['logs', '-n', 'many', ghost], says: /invalid --tail "many"/ },
  { args: ['logs', '-n', '-5', ghost], says: /invalid --tail "-5"/ },
  { args: ['logs', spaced], says: /invalid container name "a b/ },
  // stop
  { args: ['stop'], says: /missing required argument 'names'/ },
  { args: ['stop', ghost], says: /no such container: ghost/ },
  { args: ['stop', '-t', 'soon', ghost], says: /invalid --time "soon"/ },
  { args: ['stop', '-t', '-1', ghost], says: /invalid --time "-1"/ },
  { args: ['stop', dotdot], says: /invalid container name/ },
  // rm
  { args: ['rm'], says: /missing required argument 'names'/ },
  { args: ['rm', ghost], says: /no such container: ghost/ },
  { args: ['rm', '-f', ghost], says: /no such container: ghost/ },
  { args: ['rm', spaced], says: /invalid container name "a b/ },
  { args: ['rm', '--bogus', ghost], says: /unknown option '--bogus'/ },
  // kill
  { args: ['kill'], says: /missing required argument 'names'/ },
  { args: ['kill', ghost], says: /no such container: ghost/ },
  { args: ['kill', ghost, 'NOPE'], says: /unknown signal "NOPE"/ },
  { args: ['kill', ghost, '65'], says: /unknown signal "65"/ },
  { args: ['kill', '-s', 'NOSUCHSIG', ghost], says: /NOSUCHSIG/ },
  { args: ['kill', dotdot], says: /invalid container name/ },
  // stats
  { args: ['stats', '--no-stream', ghost], says: /no such container: ghost/ },
  { args: ['stats', '--no-stream', dotdot], says: /invalid container name/ },
  { args: ['stats', '--bogus'], says: /unknown option '--bogus'/ },
  // inspect
  { args: ['inspect'], says: /missing required argument 'name'/ },
  { args: ['inspect', ghost], says: /no such container: ghost/ },
  { args: ['inspect', dotdot], says: /invalid container name/ },
  { args: ['inspect', ghost, 'extra'], says: /too many arguments/ },
  // events
  { args: ['events', '--since', 'yesterday'], says: /invalid --since "yesterday"/ },
  { args: ['events', '--since', '10x'], says: /invalid --since "10x"/ },
  { args: ['events', '--until', 'soon'], says: /invalid --until "soon"/ },
  { args: ['events', '--since'], says: /option '--since <time>' argument missing/ },
  { args: ['events', '--filter', 'colour=red'], says: /invalid --filter "colour=red": use name=NAME or event=/ },
  { args: ['events', '--filter', 'event=nope'], says: /invalid --filter "event=nope": the events are/ },
  { args: ['events', '--filter', `name=${dotdot}`], says: /invalid container name/ },
  { args: ['events', '--bogus'], says: /unknown option '--bogus'/ },
  // rootfs import
  { args: ['rootfs', 'import'], says: /missing required argument 'file'/ },
  { args: ['rootfs', 'import', path.join(work, `${ghost}.tar`)], says: /no such file: .*ghost\w+\.tar/ },
  { args: ['rootfs', 'import', work], says: /no such file: / },
  { args: ['rootfs', 'import', notATarball, '--name', `notes${pidTag}`], says: /notes\.tar is not a tar archive/ },
  { args: ['rootfs', 'import', emptyFile, '--name', `empty${pidTag}`], says: /empty\.tar\.gz is empty/ },
  { args: ['rootfs', 'import', noShell, '--name', `noshell${pidTag}`], says: /no-shell\.tar does not look like a root filesystem \(no \/bin\/sh in it\)/ },
  { args: ['rootfs', 'import', noShell, '--name', dotdot], says: /invalid rootfs name "\.\.\/x/ },
  { args: ['rootfs', 'import', noShell, '--name', spaced], says: /invalid rootfs name "a b/ },
  { args: ['rootfs', 'bogus'], says: /unknown command 'bogus'/ },
  // the dashboard and the program's own flags
  { args: ['dashboard', '--bogus'], says: /unknown option '--bogus'/ },
  { args: ['dashboard', 'extra'], says: /unknown command "extra"/ },
  { args: ['launch'], says: /unknown command "launch"/ },
  { args: ['--bogus'], says: /unknown option '--bogus'/ },
];

let checked = 0;
let leftovers = 0;

for (const [i, row] of rows.entries()) {
  const title = row.args.map((a) => a.replace(work, '$WORK')).map((a) => (a.length > 32 ? `${a.slice(0, 29)}...` : a)).join(' ');
  test.serial(`${i + 1}. refused, one line, nothing left: ctr-tui ${title}`, async (t) => {
    const name = uniqueName('bi');
    lab.track(name);
    const args = row.args.map((a) => (a === 'NAME' ? name : a));
    const stateBefore = snapshot(lab.dir);
    const libraryBefore = readdirSync(library);
    const before = await hostHoldings(tag);
    const result = await lab.cli(args, { env });
    t.not(result.code, 0, `exit status (stderr ${JSON.stringify(result.stderr)})`);
    t.is(result.signal, null);
    const errorLines = lines(result.stderr);
    t.is(errorLines.length, 1, `one line on stderr: ${JSON.stringify(result.stderr)}`);
    t.regex(errorLines[0] ?? '', /^ctr-tui: \S/);
    t.regex(errorLines[0] ?? '', row.says);
    t.is(result.stdout, '', 'nothing on stdout');
    // Nothing left: a started container is cleaned up by its own monitor, at once or nearly.
    const left: string[] = [];
    left.push(...addedHoldings(before, await hostHoldings(tag), (entry) => entry.includes(pidTag) || containerMount(entry, lab.dir)));
    left.push(...residue(lab.dir, name), ...cgroupDirsOf(dotdot).map((d) => `cgroup ${d}`));
    const stateAfter = snapshot(lab.dir);
    if (JSON.stringify(stateAfter) !== JSON.stringify(stateBefore)) left.push(`state dir changed: ${JSON.stringify(stateAfter)}`);
    const libraryAfter = readdirSync(library);
    if (JSON.stringify(libraryAfter) !== JSON.stringify(libraryBefore)) left.push(`rootfs library changed: ${JSON.stringify(libraryAfter)}`);
    const outside = readdirSync(path.dirname(lab.dir)).filter((entry) => entry.includes(pidTag));
    left.push(...outside.map((entry) => `outside the state dir: ${entry}`));
    t.deepEqual(left, []);
    checked++;
    leftovers += left.length;
    if (i === rows.length - 1) t.log(`robustness: ${checked} bad invocations, ${leftovers} leftovers`);
  });
}

test.serial('the table covers every command, with at least 60 rows', (t) => {
  const commands = new Set(rows.map((r) => (r.args[0] === 'run' && r.args[1] === '-d' ? 'run -d' : r.args[0] === 'rootfs' ? `rootfs ${r.args[1]}` : r.args[0])));
  for (const command of ['run', 'run -d', 'ps', 'exec', 'logs', 'stop', 'rm', 'kill', 'stats', 'inspect', 'events', 'rootfs import', 'dashboard']) {
    t.true(commands.has(command), `a row for ${command}`);
  }
  t.true(rows.length >= 60, `${rows.length} rows`);
  t.log(`robustness: ${checked} of ${rows.length} bad invocations checked, ${leftovers} leftovers`);
});
