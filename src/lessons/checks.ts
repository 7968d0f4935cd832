import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { formatBytes } from '../runtime/cgroup/size.js';
import { cgroupDriver } from '../runtime/container.js';
import type { RuntimeEvent } from '../runtime/events.js';
import { hostVethName } from '../runtime/network.js';
import { isSameProcess } from '../runtime/process-identity.js';
import type { Runtime } from '../runtime/runtime.js';
import {
  commOf, innermostPid, interfaces, localAddresses, namespaceOf, rootFsType, tcpSockets, TCP_ESTABLISHED, TCP_LISTEN,
} from './kernel-facts.js';
import type { Check } from './lesson-file.js';

/** How often state checks look again: modest, since each look is a few /proc reads (or one ctr-exec). */
export const pollIntervalMs = 200;

export interface CheckContext {
  runtime: Runtime;
  /** The lab container: where `output` checks run their command. */
  lab: string;
  /** Where host commands run. */
  hostCwd: string;
}

/** What a check waits for, in a few words, for the lesson panel. */
export function describeCheck(check: Check): string {
  switch (check.type) {
    case 'process': return `a ${check.comm.join(' or ')} in ${check.container}${check.nspid !== undefined ? ` that is pid ${check.nspid} there` : ''}`;
    case 'hostname': return `${check.container}'s hostname to be ${check.equals}`;
    case 'namespaces': return `${check.container}'s ${check.kinds.join(', ')} namespaces to be its own`;
    case 'listening': return `something in ${check.container} listening on port ${check.port}`;
    case 'connected': return `a connection to port ${check.port} in ${check.container}`;
    case 'memory-limit': return `${check.container}'s memory limit to be ${formatBytes(check.bytes)}`;
    case 'memory-above': return `${check.container} to use more than ${formatBytes(check.bytes)}`;
    case 'event': return `an event in ${check.container}: ${check.kind}${check.comm ? ` of ${check.comm}` : ''}`;
    case 'file-written': return `${check.path} in ${check.container}, and not in the rootfs on the host`;
    case 'file-missing': return `no ${check.path} in ${check.container}`;
    case 'root-mount': return `${check.container}'s / to be an ${check.fstype} of its own`;
    case 'veth': return `${check.container} at ${check.ip}, the host's end at ${check.hostIp}`;
    case 'output': return `the output of "${check.run}" (${check.in}) to match /${check.matches}/`;
  }
}

/** The running container's init (host pid) and rootfs, or null while it is not running. */
function running(runtime: Runtime, name: string): { pid: number; rootfs: string } | null {
  const record = runtime.store.read(name);
  if (!record || record.exit || !isSameProcess(record.pid, record.pidStart)) return null;
  return { pid: record.pid!, rootfs: record.spec.rootfs };
}

function outputOf(file: string, args: string[], cwd: string, signal: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], signal });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? out : null));
  });
}

function execOutput(ctx: CheckContext, container: string, argv: string[], signal: AbortSignal): Promise<string | null> {
  if (!running(ctx.runtime, container)) return Promise.resolve(null);
  try {
    const { file, args } = ctx.runtime.execCommand(container, argv, false);
    return outputOf(file, args, ctx.hostCwd, signal);
  } catch {
    return Promise.resolve(null);  // it stopped meanwhile
  }
}

/** One look at the state a check is about: does it hold now? (Exported for the tests.) */
export async function holds(check: Exclude<Check, { type: 'event' }>, ctx: CheckContext, signal: AbortSignal): Promise<boolean> {
  if (check.type === 'output') {
    const out = check.in === 'host' ? await outputOf('/bin/sh', ['-c', check.run], ctx.hostCwd, signal) : await execOutput(ctx, ctx.lab, ['/bin/sh', '-c', check.run], signal);
    return out !== null && new RegExp(check.matches, 'm').test(out);
  }
  if (check.type === 'hostname') {
    // The container's UTS namespace, joined alone by a process that stays on the host: nothing
    // shows in the container's ps or counts against its pids limit.
    const init = running(ctx.runtime, check.container);
    if (!init) return false;
    const out = await outputOf('nsenter', [`--uts=/proc/${init.pid}/ns/uts`, '--', 'hostname'], ctx.hostCwd, signal);
    return out?.trim() === check.equals;
  }
  const init = running(ctx.runtime, check.container);
  if (!init) return false;
  const { pid } = init;
  switch (check.type) {
    case 'process':
      return (cgroupDriver().open(check.container)?.processes() ?? []).some((p) => {
        const comm = commOf(p);
        return comm !== null && check.comm.includes(comm) && (check.nspid === undefined || innermostPid(p) === check.nspid);
      });
    case 'namespaces':
      return check.kinds.every((kind) => {
        const theirs = namespaceOf(pid, kind);
        return theirs !== null && theirs !== namespaceOf('self', kind);
      });
    case 'listening':
      return tcpSockets(pid).some((s) => s.state === TCP_LISTEN && s.localPort === check.port);
    case 'connected':
      return tcpSockets(pid).some((s) => s.state === TCP_ESTABLISHED && s.localPort === check.port);
    case 'memory-limit':
      return cgroupDriver().open(check.container)?.memory().limit === check.bytes;
    case 'memory-above':
      return (cgroupDriver().open(check.container)?.memory().current ?? 0) > check.bytes;
    case 'file-written':
      return existsSync(`/proc/${pid}/root${check.path}`) && !existsSync(path.join(init.rootfs, check.path));
    case 'file-missing':
      return existsSync(`/proc/${pid}/root/`) && !existsSync(`/proc/${pid}/root${check.path}`);
    case 'root-mount': {
      if (rootFsType(pid) !== check.fstype) return false;
      const theirs = statSync(`/proc/${pid}/root/`);
      const ours = statSync('/');
      return theirs.dev !== ours.dev || theirs.ino !== ours.ino;
    }
    case 'veth':
      return localAddresses(pid).includes(check.ip) && localAddresses('self').includes(check.hostIp)
        && interfaces('self').includes(hostVethName(check.container)) && interfaces(pid).includes('eth0');
  }
}

function matchesEvent(check: Extract<Check, { type: 'event' }>, event: RuntimeEvent): boolean {
  if (event.name !== check.container || event.kind !== check.kind) return false;
  return check.comm === undefined || (event.kind === 'oom-kill' && event.kill.comm === check.comm);
}

/**
 * Resolves once the check holds. Events are watched (the runtime's stream:
 * only those from now on count); state is looked at every pollIntervalMs.
 * Nothing here looks at a screen. Rejects with an AbortError on abort.
 */
export function waitForCheck(check: Check, ctx: CheckContext, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const abort = () => {
      cleanup();
      reject(new DOMException('the check was abandoned', 'AbortError'));
    };
    let timer: NodeJS.Timeout | undefined;
    let listener: ((event: RuntimeEvent) => void) | undefined;
    const cleanup = () => {
      clearTimeout(timer);
      if (listener) ctx.runtime.off('event', listener);
      signal.removeEventListener('abort', abort);
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort);
    if (check.type === 'event') {
      listener = (event) => {
        if (!matchesEvent(check, event)) return;
        cleanup();
        resolve();
      };
      ctx.runtime.on('event', listener);
      return;
    }
    const look = async () => {
      let ok = false;
      try {
        ok = await holds(check, ctx, signal);
      } catch {
        ok = false;  // a process or cgroup that went away between two reads: look again
      }
      if (signal.aborted) return;
      if (ok) {
        cleanup();
        resolve();
      } else {
        timer = setTimeout(() => void look(), pollIntervalMs);
      }
    };
    void look();
  });
}
