// The container's network: a veth to the host, its own address, its own ports.
import test, { type ExecutionContext } from 'ava';
import {
  assertSandboxed,
  cgroupDirsOf,
  cgroupLimits,
  cleanupCli,
  hostClient,
  hostRoutes,
  holdAfter,
  hostLinks,
  hostServer,
  ipRange,
  leftovers,
  linkExists,
  lines,
  runCli,
  runHost,
  startCli,
  stop,
  processesIn,
  uniqueName,
  waitForRecord,
  waitUntil,
} from './helpers/container.js';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';

assertSandboxed();
const nextIp = ipRange(40, 89);

/** Starts the seed server in a container (--verbose: it tells who connected) and waits until it listens. */
async function startServer(t: ExecutionContext, port: number, extra: string[] = []) {
  const name = uniqueName('net');
  const ip = `10.0.0.${nextIp()}`;
  const cli = startCli(['run', '--name', name, '--ip', ip, ...extra, '--', '/var/shared_folder/server', '--verbose', String(port)], { timeoutMs: 45_000 });
  cleanupCli(t, cli, name);
  await cli.waitForStdout(new RegExp(`^Listening on port ${port}\\n`));
  return { name, ip, cli };
}

/** The host's client: sends MESSAGE once and prints the reply. */
function sendOnce(ip: string, port: number, message: string) {
  return runHost(hostClient, ['--count', '1', '--message', message, ip, String(port)]);
}

/** The reply of the seed server in container NAME to MESSAGE. */
const reply = (name: string, message: string) => `Hello from ${name}, I got your message: ${message}\n`;

/** Stops a --verbose server container with SIGTERM (forwarded to the server) and checks it cleaned up. */
async function stopServer(t: ExecutionContext, server: { name: string; ip: string; cli: ReturnType<typeof startCli> }) {
  await waitForRecord(server.name);
  server.cli.signal('SIGTERM');
  const result = await server.cli.result;
  t.is(result.code, 0, `server container exit: ${result.stderr}`);
  t.regex(result.stdout, /server: shutting down/);
  t.deepEqual(leftovers(server.name, { ip: server.ip }), []);
  return result;
}

test('the host\'s client talks to the server in a container', async (t) => {
  const server = await startServer(t, 8080);
  const veth = `ctr-${server.name}`;
  t.true(linkExists(veth), `host end ${veth} exists`);
  t.is(hostRoutes().get(server.ip), veth, 'a /32 route to the container over its veth');
  const answer = await sendOnce(server.ip, 8080, 'ping from host');
  t.is(answer.code, 0, answer.stderr);
  t.is(answer.stdout, reply(server.name, 'ping from host'));
  await server.cli.waitForStdout(/^Connection accepted\nserver: connection from 10\.0\.0\.1:\d+\nHere is the message: ping from host\n/m);
  await stopServer(t, server);
});

test('the host end has 10.0.0.1/32 and the container eth0 its /24, with the host as gateway', async (t) => {
  const name = uniqueName('addr');
  const n = nextIp();
  const cli = startCli(['run', '--name', name, '--ip', `10.0.0.${n}`, '--', '/bin/sh', '-c',
    holdAfter('ip -4 -o addr show dev eth0; ip route')], { timeoutMs: 30_000 });
  cleanupCli(t, cli, name);
  const out = (await cli.waitForStdout(/READY\n/)).input!;
  t.regex(out, new RegExp(`eth0\\s+inet 10\\.0\\.0\\.${n}/24 `));
  t.regex(out, /^default via 10\.0\.0\.1 dev eth0/m);
  const host = await runHost('ip', ['-4', '-o', 'addr', 'show', 'dev', `ctr-${name}`]);
  t.regex(host.stdout, /inet 10\.0\.0\.1\/32 /, host.stderr);
  const link = await runHost('ip', ['-o', 'link', 'show', 'dev', `ctr-${name}`]);
  t.regex(link.stdout, /state UP/, link.stderr);
  const result = await stop(cli, name);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(leftovers(name, { ip: `10.0.0.${n}` }), []);
});

test('two containers serve the same port, each answering with its own hostname', async (t) => {
  const [a, b] = await Promise.all([startServer(t, 9090), startServer(t, 9090)]);
  const [replyA, replyB] = await Promise.all([sendOnce(a.ip, 9090, 'to a'), sendOnce(b.ip, 9090, 'to b')]);
  t.is(replyA.stdout, reply(a.name, 'to a'), replyA.stderr);
  t.is(replyB.stdout, reply(b.name, 'to b'), replyB.stderr);
  await a.cli.waitForStdout(/Here is the message: to a\n/);
  await b.cli.waitForStdout(/Here is the message: to b\n/);
  t.false(a.cli.stdout().includes('to b'));
  t.false(b.cli.stdout().includes('to a'));
  await Promise.all([stopServer(t, a), stopServer(t, b)]);
});

test('the veth pair carries IPv4 only, as docker sets it up: no IPv6 on either end', async (t) => {
  const name = uniqueName('v6');
  const n = nextIp();
  const cli = startCli(['run', '--name', name, '--ip', `10.0.0.${n}`, '--', '/bin/sh', '-c',
    holdAfter('echo "eth0 v6 off: $(cat /proc/sys/net/ipv6/conf/eth0/disable_ipv6)"; ip -6 -o addr show dev eth0 | wc -l')], { timeoutMs: 30_000 });
  cleanupCli(t, cli, name);
  const out = (await cli.waitForStdout(/READY\n/)).input!;
  t.regex(out, /^eth0 v6 off: 1\n0\n/m, 'no IPv6 address on eth0');
  t.is(readFileSync(`/proc/sys/net/ipv6/conf/ctr-${name}/disable_ipv6`, 'utf8').trim(), '1', 'none on the host end');
  const host = await runHost('ip', ['-6', '-o', 'addr', 'show', 'dev', `ctr-${name}`]);
  t.is(host.stdout.trim(), '', host.stderr);
  const result = await stop(cli, name);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(leftovers(name, { ip: `10.0.0.${n}` }), []);
});

test('a container reaches a server on the host through its gateway', async (t) => {
  const port = 7000 + (process.pid % 500);
  const server = spawn(hostServer, ['--verbose', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => server.kill('SIGKILL'));
  let serverOut = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout.setEncoding('utf8').on('data', (c: string) => {
      serverOut += c;
      if (serverOut.includes('Listening on port')) resolve();
    });
    server.on('exit', () => reject(new Error(`host server exited: ${serverOut}`)));
  });
  const name = uniqueName('gw');
  const ip = `10.0.0.${nextIp()}`;
  const result = await runCli(['run', '--name', name, '--ip', ip, '--', '/var/shared_folder/client', '--count', '1', '--message', 'up from the box', '10.0.0.1', String(port)]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^Hello from \S+, I got your message: up from the box\n$/);
  t.regex(serverOut, new RegExp(`server: connection from ${ip.replace(/\./g, '\\.')}:\\d+\nHere is the message: up from the box\n`));
  t.deepEqual(leftovers(name, { ip }), []);
});

test('an address already in use is refused with a clear error, and the first container keeps working', async (t) => {
  const first = await startServer(t, 8081);
  const name = uniqueName('dup');
  const result = await runCli(['run', '--name', name, '--ip', first.ip, '--', '/bin/true']);
  t.is(result.code, 2);
  t.deepEqual(lines(result.stderr), [`ctr-tui: address ${first.ip} is already in use by ctr-${first.name}: pick another with --ip`]);
  t.deepEqual(leftovers(name), [], 'nothing of the refused container');
  t.deepEqual(cgroupDirsOf(name), []);
  // The first one is untouched: its veth, its route, and it still answers.
  t.is(hostRoutes().get(first.ip), `ctr-${first.name}`);
  const answer = await sendOnce(first.ip, 8081, 'still there?');
  t.is(answer.stdout, reply(first.name, 'still there?'), answer.stderr);
  await stopServer(t, first);
});

test('the container\'s address cannot be the host end\'s', async (t) => {
  const name = uniqueName('same');
  const ip = `10.0.0.${nextIp()}`;
  const result = await runCli(['run', '--name', name, '--ip', ip, '--host-ip', ip, '--', '/bin/true']);
  t.is(result.code, 2);
  t.deepEqual(lines(result.stderr), [`ctr-tui: the container's address and the host's address are both ${ip}: give two different addresses`]);
  t.deepEqual(leftovers(name), []);
});

test('the seed form: run <hostname> <ip_in> <ip_out>', async (t) => {
  const inside = nextIp();
  const outside = nextIp();
  const hostname = uniqueName('seed');
  // No command: the rootfs's shell (bash -l), reading its commands from stdin.
  const cli = startCli(['run', hostname, String(inside), String(outside)], {
    timeoutMs: 30_000,
    input: 'trap "exit 3" TERM; hostname; ip -4 -o addr show dev eth0; ip route; echo READY; sleep 60 & wait\n',
  });
  cleanupCli(t, cli, hostname);
  const out = (await cli.waitForStdout(/READY\n/)).input!;
  t.is(lines(out)[0], hostname);
  t.regex(out, new RegExp(`inet 10\\.0\\.0\\.${inside}/24 `));
  t.regex(out, new RegExp(`^default via 10\\.0\\.0\\.${outside} dev eth0`, 'm'));
  // The host end is named after the container (named after the hostname), with the address ip_out.
  const host = await runHost('ip', ['-4', '-o', 'addr', 'show', 'dev', `ctr-${hostname}`]);
  t.regex(host.stdout, new RegExp(`inet 10\\.0\\.0\\.${outside}/32 `), host.stderr);
  t.is(hostRoutes().get(`10.0.0.${inside}`), `ctr-${hostname}`);
  const result = await stop(cli, hostname);
  t.is(result.code, 3, result.stderr);
  t.deepEqual(leftovers(hostname, { ip: `10.0.0.${inside}` }), []);
});

/** No memory limit: v2's "max", or v1's largest page-aligned number. */
const noMemoryLimit = (value: string) => value === 'max' || Number(value) > 2 ** 62;

test('the seed form applies the seed\'s limits, 10 MiB and 8 processes, and says so: hungry is OOM-killed, the login shell goes on', async (t) => {
  const inside = nextIp();
  const hostname = uniqueName('lim');
  const cli = startCli(['run', hostname, String(inside), String(nextIp())], { timeoutMs: 45_000 });
  cleanupCli(t, cli, hostname);
  cli.write('echo READY\n');
  await cli.waitForStdout(/READY\n/);
  // Told once the container has started: the shell may have answered first.
  await waitUntil(() => cli.stderr().includes('\n'), 'the seed\'s limits line');
  t.deepEqual(lines(cli.stderr()), ['ctr-tui: the seed\'s limits: memory 10 MiB, 8 processes (--memory and --pids change them)']);
  t.deepEqual(cgroupLimits(hostname), { memory: String(10 * 1024 * 1024), pids: '8' });
  // The seed's hungry, as it was: tiny allocations until the kernel kills it, not the shell.
  cli.write('/var/shared_folder/hungry; echo "hungry: $?"; echo "shell: still here"\n');
  await cli.waitForStdout(/shell: still here\n/);
  t.regex(cli.stdout(), /^hungry: 137$/m);
  t.false(cli.stdout().includes('I am done'));
  // The shell and hungry fit in 8 processes: no fork was refused.
  const pidsEvents = cgroupDirsOf(hostname).map((dir) => path.join(dir, 'pids.events')).find((file) => existsSync(file));
  t.truthy(pidsEvents, 'a pids.events file');
  t.regex(readFileSync(pidsEvents!, 'utf8'), /^max 0$/m);
  cli.write('exit 3\n');
  cli.endInput();
  const result = await cli.result;
  t.is(result.code, 3, result.stderr);
  // ctr-tui's own lines (bash reports the kill too): the seed's limits, then the OOM kill.
  const own = lines(result.stderr).filter((line) => line.startsWith('ctr-tui:'));
  t.is(own.length, 2, result.stderr);
  t.regex(own[1] ?? '', new RegExp(`^ctr-tui: OOM kill in ${hostname}: hungry \\(pid \\d+\\) hit the 10 MiB memory limit$`));
  t.deepEqual(leftovers(hostname, { ip: `10.0.0.${inside}` }), []);
});

test('the seed form with --memory 64M: that limit, the seed\'s 8 processes, and a line that says only those', async (t) => {
  const inside = nextIp();
  const hostname = uniqueName('lim');
  const cli = startCli(['run', '--memory', '64M', hostname, String(inside), String(nextIp())], { timeoutMs: 30_000 });
  cleanupCli(t, cli, hostname);
  cli.write('echo READY\n');
  await cli.waitForStdout(/READY\n/);
  t.deepEqual(cgroupLimits(hostname), { memory: String(64 * 1024 * 1024), pids: '8' });
  cli.endInput();
  const result = await cli.result;
  t.is(result.code, 0, result.stderr);
  t.deepEqual(lines(result.stderr), ['ctr-tui: the seed\'s limits: 8 processes (--pids changes it)']);
  t.deepEqual(leftovers(hostname, { ip: `10.0.0.${inside}` }), []);
});

test('only the seed form has default limits: run --hostname --ip has none, and says nothing of them', async (t) => {
  const ip = `10.0.0.${nextIp()}`;
  const hostname = uniqueName('nolim');
  const cli = startCli(['run', '--hostname', hostname, '--ip', ip, '--', '/bin/sh', '-c', holdAfter('true')], { timeoutMs: 30_000 });
  cleanupCli(t, cli, hostname);
  await cli.waitForStdout(/READY\n/);
  const limits = cgroupLimits(hostname);
  t.true(noMemoryLimit(limits.memory), `memory limit ${limits.memory}`);
  t.is(limits.pids, 'max');
  const result = await stop(cli, hostname);
  t.is(result.code, 0, result.stderr);
  t.is(result.stderr, '');
  t.deepEqual(leftovers(hostname, { ip }), []);
});

test('the seed\'s programs as the seed ran them: the server in a container, the host\'s client saying Hello, server! every second', async (t) => {
  const name = uniqueName('orig');
  const ip = `10.0.0.${nextIp()}`;
  const server = startCli(['run', '--name', name, '--ip', ip, '--', '/var/shared_folder/server', '8080'], { timeoutMs: 45_000 });
  cleanupCli(t, server, name);
  await server.waitForStdout(/^Listening on port 8080\n/);
  // No options: it goes on until it is killed.
  const client = spawn(hostClient, [ip, '8080'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => client.kill('SIGKILL'));
  const clientExit = new Promise<number | null>((resolve) => client.on('close', (code) => resolve(code)));
  const replies: number[] = [];
  let clientOut = '';
  let clientErr = '';
  client.stderr.setEncoding('utf8').on('data', (c: string) => (clientErr += c));
  client.stdout.setEncoding('utf8').on('data', (c: string) => {
    clientOut += c;
    const now = Date.now();
    replies.push(...[...c.matchAll(/\n/g)].map(() => now));
  });
  await waitUntil(() => replies.length >= 2, `two replies (client: ${JSON.stringify(clientOut + clientErr)})`, 10_000);
  client.kill('SIGTERM');
  t.is(await clientExit, 0, clientErr);
  t.true(replies[1] - replies[0] >= 900, `replies ${replies[1] - replies[0]} ms apart`);
  t.true(lines(clientOut).length >= 2);
  for (const line of lines(clientOut)) t.is(`${line}\n`, reply(name, 'Hello, server!'));
  await server.waitForStdout(/(Here is the message: Hello, server!\n){2}/);
  await waitForRecord(name);
  server.signal('SIGTERM');
  const result = await server.result;
  t.is(result.code, 0, result.stderr);
  // Only what the seed's server printed: no --verbose lines.
  t.regex(result.stdout, /^Listening on port 8080\nConnection accepted\n(Here is the message: Hello, server!\n){2,}$/);
  t.deepEqual(leftovers(name, { ip }), []);
});

test('--no-net leaves the container only its loopback, and the host no veth', async (t) => {
  const name = uniqueName('nonet');
  const cli = startCli(['run', '--name', name, '--no-net', '--', '/bin/sh', '-c', holdAfter('ip -o link')], { timeoutMs: 30_000 });
  cleanupCli(t, cli, name);
  const out = (await cli.waitForStdout(/READY\n/)).input!;
  t.deepEqual(lines(out).slice(0, -1).map((l) => l.split(':')[1].trim()), ['lo']);
  t.false(linkExists(`ctr-${name}`));
  t.deepEqual(hostLinks().filter((l) => l.includes(name)), []);
  const result = await stop(cli, name);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(leftovers(name), []);
});

test('the container cannot reach the host without a veth (--no-net)', async (t) => {
  const name = uniqueName('iso');
  const result = await runCli(['run', '--name', name, '--no-net', '--', '/var/shared_folder/client', '--count', '1', '10.0.0.1', '9']);
  t.is(result.code, 1);
  t.regex(result.stderr, /client: .*10\.0\.0\.1:9: Network is unreachable/);
  t.deepEqual(leftovers(name), []);
});

test('--no-net: the loopback is up and usable inside', async (t) => {
  const name = uniqueName('lo');
  const result = await runCli(['run', '--name', name, '--no-net', '--', '/bin/sh', '-c',
    'ip -o link show lo; ip -4 -o addr show lo; /var/shared_folder/server 5555 & '
    + 'for i in $(seq 100); do /var/shared_folder/client --count 1 --message local 127.0.0.1 5555 2>/dev/null && break; sleep 0.05; done; kill $!']);
  t.deepEqual(leftovers(name), []);
  t.regex(result.stdout, /lo: <LOOPBACK,UP/);
  t.regex(result.stdout, /inet 127\.0\.0\.1\/8/);
  t.regex(result.stdout, /^Hello from \S+, I got your message: local$/m);
});

test('a piped stdin reaches the container as a normal blocking stdin', async (t) => {
  const name = uniqueName('stdin');
  const cli = startCli(['run', '--name', name, '--no-net', '--', '/bin/sh', '-c', 'grep ^flags /proc/self/fdinfo/0; echo READY; read line; echo "got $line"'], { timeoutMs: 30_000 });
  cleanupCli(t, cli, name);
  await cli.waitForStdout(/READY\n/);
  // Write only once the shell waits in read(0, ...) (syscall 0 on fd 0; busybox
  // sh polls it first, syscall 7), or has given up already: what it read must
  // be what was written later.
  let exited = false;
  void cli.result.then(() => (exited = true));
  await waitUntil(() => exited || processesIn(name).some((pid) => {
    try {
      return /^(0 0x0|7) /.test(readFileSync(`/proc/${pid}/syscall`, 'utf8'));
    } catch {
      return false;
    }
  }), 'the shell to block reading its stdin, or to exit');
  cli.write('late line\n');
  cli.endInput();
  const result = await cli.result;
  t.deepEqual(leftovers(name), []);
  const flags = Number.parseInt(/flags:\s*(\d+)/.exec(result.stdout)?.[1] ?? '0', 8);
  t.is(flags & 0o4000, 0, 'stdin is not O_NONBLOCK');
  t.true(result.stdout.endsWith('READY\ngot late line\n'), result.stdout + result.stderr);
});
