// The container's network: a veth to the host, its own address, its own ports.
import test, { type ExecutionContext } from 'ava';
import {
  assertSandboxed,
  cgroupDirsOf,
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
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';

assertSandboxed();
const nextIp = ipRange(40, 89);

/** Starts the seed server in a container and waits until it listens. */
async function startServer(t: ExecutionContext, port: number, extra: string[] = []) {
  const name = uniqueName('net');
  const ip = `10.0.0.${nextIp()}`;
  const cli = startCli(['run', '--name', name, '--ip', ip, ...extra, '--', '/var/shared_folder/server', String(port)], { timeoutMs: 45_000 });
  cleanupCli(t, cli, name);
  await cli.waitForStdout(new RegExp(`server: listening on port ${port}\\n`));
  return { name, ip, cli };
}

/** Stops a server container with SIGTERM (forwarded to the server) and checks it cleaned up. */
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
  const reply = await runHost(hostClient, [server.ip, '8080', 'ping from host']);
  t.is(reply.code, 0, reply.stderr);
  t.is(reply.stdout, `client: reply: hello from ${server.name}: ping from host\n`);
  await server.cli.waitForStdout(/server: received "ping from host" from 10\.0\.0\.1:\d+\n/);
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
  const [replyA, replyB] = await Promise.all([
    runHost(hostClient, [a.ip, '9090', 'to a']),
    runHost(hostClient, [b.ip, '9090', 'to b']),
  ]);
  t.is(replyA.stdout, `client: reply: hello from ${a.name}: to a\n`, replyA.stderr);
  t.is(replyB.stdout, `client: reply: hello from ${b.name}: to b\n`, replyB.stderr);
  await a.cli.waitForStdout(/received "to a"/);
  await b.cli.waitForStdout(/received "to b"/);
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
  const server = spawn(hostServer, [String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => server.kill('SIGKILL'));
  let serverOut = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout.setEncoding('utf8').on('data', (c: string) => {
      serverOut += c;
      if (serverOut.includes('listening')) resolve();
    });
    server.on('exit', () => reject(new Error(`host server exited: ${serverOut}`)));
  });
  const name = uniqueName('gw');
  const ip = `10.0.0.${nextIp()}`;
  const result = await runCli(['run', '--name', name, '--ip', ip, '--', '/var/shared_folder/client', '10.0.0.1', String(port), 'up from the box']);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /^client: reply: hello from \S+: up from the box\n$/);
  t.regex(serverOut, new RegExp(`received "up from the box" from ${ip.replace(/\./g, '\\.')}:`));
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
  const reply = await runHost(hostClient, [first.ip, '8081', 'still there?']);
  t.is(reply.stdout, `client: reply: hello from ${first.name}: still there?\n`, reply.stderr);
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
  const result = await runCli(['run', '--name', name, '--no-net', '--', '/var/shared_folder/client', '10.0.0.1', '9', 'x']);
  t.is(result.code, 1);
  t.regex(result.stderr, /client: .*10\.0\.0\.1:9: Network is unreachable/);
  t.deepEqual(leftovers(name), []);
});

test('--no-net: the loopback is up and usable inside', async (t) => {
  const name = uniqueName('lo');
  const result = await runCli(['run', '--name', name, '--no-net', '--', '/bin/sh', '-c',
    'ip -o link show lo; ip -4 -o addr show lo; /var/shared_folder/server 5555 & '
    + 'for i in $(seq 100); do /var/shared_folder/client 127.0.0.1 5555 local 2>/dev/null && break; sleep 0.05; done; kill $!']);
  t.deepEqual(leftovers(name), []);
  t.regex(result.stdout, /lo: <LOOPBACK,UP/);
  t.regex(result.stdout, /inet 127\.0\.0\.1\/8/);
  t.regex(result.stdout, /client: reply: hello from \S+: local/);
});

test('a piped stdin reaches the container as a normal blocking stdin', async (t) => {
  const name = uniqueName('stdin');
  const cli = startCli(['run', '--name', name, '--no-net', '--', '/bin/sh', '-c', 'grep ^flags /proc/self/fdinfo/0; echo READY; read line; echo "got $line"'], { timeoutMs: 30_000 });
  cleanupCli(t, cli, name);
  await cli.waitForStdout(/READY\n/);
  // Write only once the shell waits in read(0, ...) (syscall 0 on fd 0), or
  // has given up already: what it read must be what was written later.
  let exited = false;
  void cli.result.then(() => (exited = true));
  await waitUntil(() => exited || processesIn(name).some((pid) => {
    try {
      return readFileSync(`/proc/${pid}/syscall`, 'utf8').startsWith('0 0x0 ');
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
