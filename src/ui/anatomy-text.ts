/**
 * The anatomy of a container and the trace of its birth as plain lines, one list per section:
 * the text form of `ctr-tui inspect --anatomy` / `--trace` and the dashboard's anatomy view
 * both show these. Pure: data in, strings out.
 */
import type { BirthTrace } from '../runtime/birth-trace.js';
import type { ContainerAnatomy, LinkEntry } from '../runtime/anatomy/index.js';
import { formatBytesLong } from './format.js';

export const anatomySections = ['namespaces', 'cgroup', 'mounts', 'network', 'processes', 'security', 'trace'] as const;
export type AnatomySection = (typeof anatomySections)[number];

export const sectionTitles: Record<AnatomySection, string> = {
  namespaces: 'Namespaces', cgroup: 'cgroup', mounts: 'Mounts', network: 'Network', processes: 'Processes',
  security: 'Security', trace: 'Trace',
};

const pad = (text: string, width: number): string => (text.length >= width ? text : text + ' '.repeat(width - text.length));
const padLeft = (text: string, width: number): string => (text.length >= width ? text : ' '.repeat(width - text.length) + text);

export function namespaceLines(a: ContainerAnatomy): string[] {
  const lines = [`${pad('type', 8)}${pad('container', 12)}${pad('host', 12)}`];
  for (const ns of a.namespaces) {
    const mark = ns.state === 'new' ? 'new' : ns.state === 'shared' ? 'shared' : '?';
    lines.push(`${pad(ns.type, 8)}${pad(String(ns.container ?? '?'), 12)}${pad(String(ns.host ?? '?'), 12)}${mark}`);
  }
  const from = a.namespaces[0]?.hostFrom ?? '';
  lines.push('', `inodes of /proc/${a.pid}/ns/*; host: ${from.includes("ctr-tui's") ? "ctr-tui's own (pid 1's are unreadable)" : "pid 1's"}`);
  return lines;
}

/** A limit file's value, made readable: bytes as MiB, "unlimited" for the kernel's no-limit. */
function limitValue(file: string, value: string | null): string {
  if (value === null) return '(not on this kernel)';
  if (value.includes('\n')) return value.split('\n').map((l) => l.trim()).join(', ');
  const n = Number(value);
  if (/_in_bytes$|^memory\.(max|current|peak|swap\.max)$/.test(file)) {
    if (value === 'max' || n >= 2 ** 60) return `${value === 'max' ? 'max' : value} (unlimited)`;
    if (Number.isFinite(n)) return `${value} (${formatBytesLong(n)})`;
  }
  if (file === 'cpu.cfs_quota_us' && value === '-1') return '-1 (unlimited)';
  if (file === 'cpu.max') {
    const [quota, period] = value.split(' ');
    return quota === 'max' ? `${value} (unlimited)` : `${value} (${Math.round((Number(quota) / Number(period)) * 100) / 100} CPUs)`;
  }
  return value;
}

export function cgroupLines(a: ContainerAnatomy): string[] {
  if (!a.cgroup) return ['(its cgroup is gone)'];
  const lines = [`cgroup v${a.cgroup.version}, ${a.cgroup.paths.length === 1 ? 'at' : 'one directory per hierarchy:'}`];
  for (const p of a.cgroup.paths) lines.push(`  ${p}`);
  lines.push('');
  const width = Math.max(...a.cgroup.files.map((f) => f.file.length)) + 2;
  for (const f of a.cgroup.files) lines.push(`${pad(f.file, width)}${limitValue(f.file, f.value)}`);
  lines.push('', 'Inside, read-only: /sys/fs/cgroup' + (a.cgroup.version === 1 ? '/<controller>/<file>' : '/<file>'));
  return lines;
}

export function mountLines(a: ContainerAnatomy): string[] {
  const lines: string[] = [];
  const width = Math.min(24, Math.max(8, ...a.mounts.map((m) => m.mountPoint.length)) + 1);
  for (const m of a.mounts) {
    lines.push(`${pad(m.mountPoint, width)} ${pad(m.fsType, 8)} ${m.readonly ? 'ro' : 'rw'}  ${m.note}`);
  }
  const nodes = a.devices.filter((d) => d.kind === 'char' || d.kind === 'block');
  if (nodes.length) lines.push('', `/dev nodes: ${nodes.map((d) => `${d.name} ${d.what}`).join(', ')}`);
  const links = a.devices.filter((d) => d.kind === 'symlink');
  if (links.length) lines.push(`/dev links: ${links.map((d) => `${d.name} -> ${d.what}`).join(', ')}`);
  return lines;
}

function linkLine(l: LinkEntry, addresses: string[]): string {
  const peer = l.peerIndex !== null && l.peerIndex !== l.index ? `, peer ifindex ${l.peerIndex}` : '';
  return `${l.index}: ${l.name}${l.kind ? ` (${l.kind})` : ''} ${l.up ? 'UP' : 'DOWN'}${l.mac && l.mac !== '00:00:00:00:00:00' ? ` ${l.mac}` : ''}${peer}${addresses.length ? `  ${addresses.join(' ')}` : ''}`;
}

export function networkLines(a: ContainerAnatomy): string[] {
  if (!a.network) return ['(not readable)'];
  const { inside, hostEnd } = a.network;
  const lines = ['Inside (its own network namespace, read over netlink):'];
  for (const l of inside.links) {
    lines.push(`  ${linkLine(l, inside.addresses.filter((x) => x.index === l.index && x.family === 'inet').map((x) => `${x.address}/${x.prefix}`))}`);
  }
  lines.push('Routes inside:');
  const devName = (i: number | null) => inside.links.find((l) => l.index === i)?.name ?? String(i);
  for (const r of inside.routes) lines.push(`  ${r.destination}${r.gateway ? ` via ${r.gateway}` : ''} dev ${devName(r.device)} scope ${r.scope}`);
  if (inside.routes.length === 0) lines.push('  (none: loopback only)');
  lines.push(hostEnd ? 'The host end of its veth pair:' : 'No veth pair (--no-net): loopback only.');
  if (hostEnd) lines.push(`  ${linkLine(hostEnd, hostEnd.addresses.filter((x) => x.family === 'inet').map((x) => `${x.address}/${x.prefix}`))}`);
  return lines;
}

export function processLines(a: ContainerAnatomy): string[] {
  const lines = [`${padLeft('inside', 6)} ${padLeft('host', 8)}  command`];
  for (const p of a.processes) {
    lines.push(`${padLeft(String(p.pidInside ?? '?'), 6)} ${padLeft(String(p.pid), 8)}  ${'  '.repeat(p.depth)}${p.depth ? '└ ' : ''}${p.command || p.name}`);
  }
  return lines;
}

const seccompModes = ['off', 'strict', 'filter'];

export function securityLines(a: ContainerAnatomy): string[] {
  const s = a.security;
  if (!s) return ['(not readable)'];
  const short = (names: string[]) => names.map((n) => n.replace(/^CAP_/, '').toLowerCase()).join(' ');
  return [
    `Capabilities kept (${s.bounding.length}, CapBnd ${s.capBndHex}):`,
    `  ${short(s.bounding)}`,
    `Effective (CapEff ${s.capEffHex}): ${s.effective.length === s.bounding.length ? 'the same' : short(s.effective)}`,
    `Dropped (${s.dropped.length}):`,
    `  ${short(s.dropped)}`,
    `no_new_privs: ${s.noNewPrivs ? 'set' : 'not set'}`,
    `seccomp: ${seccompModes[s.seccomp] ?? s.seccomp} (mode ${s.seccomp}, ${s.seccompFilters} filter${s.seccompFilters === 1 ? '' : 's'})`,
  ];
}

const ms = (us: number): string => (us / 1000).toFixed(3);

/**
 * One line per step. compact (the dashboard's narrow view): the side as one letter and a cgroup
 * file's directory cut to its hierarchy ("write  memory/…/memory.limit_in_bytes = 67108864").
 */
export function traceLines(trace: BirthTrace | null, compact = false): string[] {
  if (!trace) return ['(no trace: it was made with the trace off)'];
  const lines = [compact ? `${padLeft('at ms', 8)} ${padLeft('took', 7)}  step   (p: ctr-tui, c: its init)` : `${padLeft('at ms', 9)} ${padLeft('took ms', 8)}  side    step`];
  for (const s of trace.steps) {
    if (!compact) {
      lines.push(`${padLeft(ms(s.atUs), 9)} ${padLeft(ms(s.durationUs), 8)}  ${pad(s.side, 6)}  ${s.step}${s.detail ? `  ${s.detail}` : ''}`);
      continue;
    }
    const detail = s.detail.replace(/\/sys\/fs\/cgroup\/(?:([^/]+)\/)?ctr-tui\/[^/ ]+\/?/g, (_m, hierarchy?: string) => (hierarchy ? `${hierarchy}/…/` : '…/'));
    const step = s.step === 'write cgroup file' ? 'write' : s.step;
    lines.push(`${padLeft(ms(s.atUs), 8)} ${padLeft(ms(s.durationUs), 7)}  ${s.side[0]} ${step}${detail ? `  ${detail}` : ''}`);
  }
  return lines;
}

export function sectionLines(a: ContainerAnatomy, section: AnatomySection, compact = false): string[] {
  switch (section) {
    case 'namespaces': return namespaceLines(a);
    case 'cgroup': return cgroupLines(a);
    case 'mounts': return mountLines(a);
    case 'network': return networkLines(a);
    case 'processes': return processLines(a);
    case 'security': return securityLines(a);
    case 'trace': return traceLines(a.trace, compact);
  }
}

/** The whole anatomy as text (ctr-tui inspect --anatomy), without the trace (--trace has it). */
export function anatomyText(a: ContainerAnatomy): string {
  const out = [`Anatomy of ${a.name} (init: host pid ${a.pid})`];
  for (const section of anatomySections.filter((s) => s !== 'trace')) {
    out.push('', `== ${sectionTitles[section]} ==`, ...sectionLines(a, section));
  }
  if (a.problems.length) out.push('', ...a.problems.map((p) => `could not read ${p}`));
  return `${out.join('\n')}\n`;
}
