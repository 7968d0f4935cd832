import type { Command } from 'commander';
import { isatty } from 'node:tty';
import { buildSpec, seedForm, seedLimitsLine, type RunRequest } from '../runtime/build-spec.js';
import type { RunningContainer } from '../runtime/container.js';
import { describeOomKill } from '../runtime/oom-watch.js';
import { attachTerminal } from './console.js';
import { openRuntime, takenNames } from './context.js';
import { relaySignals } from './foreground-signals.js';

interface RunOptions {
  name?: string;
  hostname?: string;
  ip?: string;
  hostIp?: string;
  memory?: string;
  pids?: string;
  cpus?: string;
  rootfs?: string;
  share: string[];
  net: boolean;
  rm?: boolean;
  detach?: boolean;
}

/** Once the container has started (so a refused start stays one line): which of the seed's limits it got. */
function tellSeedLimits(request: RunRequest): void {
  const line = seedLimitsLine(request);
  if (line) process.stderr.write(`ctr-tui: ${line}\n`);
}

async function runForeground(request: RunRequest, command: Command): Promise<number> {
  // tty.isatty, not process.stdin.isTTY: touching process.stdin would make a
  // piped stdin non-blocking for the container too.
  const interactive = isatty(0) && isatty(1);
  const spec = buildSpec({ ...request, term: process.env.TERM }, takenNames(command));
  const runtime = await openRuntime(command, 'run');
  const signals = relaySignals({ stdinIsTerminal: isatty(0) });
  let container: RunningContainer | null = null;
  let detach = () => undefined as void;
  try {
    container = await runtime.startAttached(spec, { console: interactive ? 'pty' : 'inherit' });
    tellSeedLimits(request);
    const newline = interactive ? '\r\n' : '\n';
    container.on('oom-kill', (kill) => process.stderr.write(`ctr-tui: ${describeOomKill(spec.name, kill)}${newline}`));
    if (interactive && container.ptyMaster !== null) detach = attachTerminal(container.ptyMaster);
    signals.attach(container);
    const exit = await container.exited;
    return exit.status;
  } finally {
    detach();
    signals.close();
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a command (default: a shell) in a new container, in the foreground')
    .usage('[options] [--] [COMMAND [ARGS...]]  |  run <hostname> <ip_in> <ip_out>')
    .passThroughOptions()
    .option('--name <name>', 'the container\'s name (default: the hostname, or a random one)')
    .option('--hostname <hostname>', 'its hostname (default: its name)')
    .option('--ip <addr[/prefix]>', 'its address on eth0; n means 10.0.0.n (default: the first free 10.0.0.n)')
    .option('--host-ip <addr>', 'the host end\'s address, the container\'s gateway (default: .1 of its /24)')
    .option('--memory <size>', 'memory limit, swap capped to it too (e.g. 64M; the seed form <hostname> <ip_in> <ip_out>: 10M)')
    .option('--pids <n>', 'the most processes it may have (the seed form: 8)')
    .option('--cpus <n>', 'CPU quota in cores (e.g. 0.5)')
    .option('--rootfs <dir|name>', 'root filesystem: a directory or an imported name (default: the built-in one)')
    .option('--share <hostdir:ctrdir[:rw]>', 'bind-mount a host directory, read-only unless :rw (repeatable; default: shared_folder at /var/shared_folder)', (v: string, all: string[]) => [...all, v], [])
    .option('--no-net', 'no veth: the container has only its loopback')
    .option('--rm', 'remove the container when it exits (always true for foreground containers)')
    .option('-d, --detach', 'run in the background under its own monitor, and print its name')
    .argument('[command...]', 'the command to run, after --')
    .action(async (command: string[], options: RunOptions, cmd: Command) => {
      const seed = options.hostname || options.ip ? null : seedForm(command);
      const request: RunRequest = {
        name: options.name,
        hostname: seed?.hostname ?? options.hostname,
        ip: seed?.ip ?? options.ip,
        hostIp: seed?.hostIp ?? options.hostIp,
        memory: options.memory,
        pids: options.pids,
        cpus: options.cpus,
        rootfs: options.rootfs,
        share: options.share,
        network: options.net,
        command: seed ? [] : command,
        seed: seed !== null,
      };
      if (options.detach) {
        const runtime = await openRuntime(cmd, 'run');
        const info = await runtime.run(buildSpec(request, (name) => runtime.nameTaken(name)));
        tellSeedLimits(request);
        process.stdout.write(`${info.name}\n`);
        return;
      }
      process.exitCode = await runForeground(request, cmd);
    });
}
