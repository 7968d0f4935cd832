// A fake anatomy (the shape the runtime reads live), for the view's tests only: sections are
// made from it by the real formatters (src/ui/anatomy-text.ts), as the dashboard's sampler does.
import type { ContainerAnatomy } from '../../src/runtime/anatomy/index.js';
import type { BirthTrace } from '../../src/runtime/birth-trace.js';
import { anatomySections, sectionLines, sectionTitles } from '../../src/ui/anatomy-text.js';
import type { AnatomyPanelView } from '../../src/ui/model.js';
import { NOW } from './_fixtures.js';

const steps: Array<[BirthTrace['steps'][number]['side'], string, string, number]> = [
  ['parent', 'reserve the name', 'mkdir /run/ctr-tui/web', 120],
  ['parent', 'mkdir cgroup', '/sys/fs/cgroup/memory/ctr-tui/web', 230],
  ['parent', 'write cgroup file', '/sys/fs/cgroup/memory/ctr-tui/web/memory.limit_in_bytes = 67108864', 1048],
  ['parent', 'clone', 'CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET|CLONE_PIDFD|SIGCHLD', 1213],
  ['child', 'held until placed', 'the parent put it in its cgroup and made its veth', 7000],
  ['parent', 'netlink RTM_NEWLINK: create veth pair', 'ctr-web here, its peer eth0 in the child\'s network namespace (pid 4242)', 806],
  ['child', 'pivot_root', '/srv/rootfs', 110],
  ['parent', 'execve', 'until the parent saw its error pipe close (close-on-exec)', 1209],
];
// Enough steps to need scrolling at 120x40 too.
for (let i = 0; i < 40; i++) steps.splice(6, 0, ['child', 'mknod', `dev/n${i}`, 4]);

let at = 0;
export const trace: BirthTrace = {
  startedAt: NOW - 60_000,
  steps: steps.map(([side, step, detail, durationUs]) => {
    const s = { side, step, detail, atUs: at, durationUs };
    at += durationUs;
    return s;
  }),
};

export const anatomy: ContainerAnatomy = {
  name: 'web', pid: 4242, sampledAt: NOW,
  namespaces: (['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup', 'user', 'time'] as const).map((type, i) => ({
    type, container: i < 6 ? 4026532300 + i : 4026531837 + i, host: 4026531830 + i + (i < 6 ? 0 : 7), hostFrom: `/proc/1/ns/${type}`, state: i < 6 ? 'new' : 'shared',
  })),
  cgroup: {
    version: 1, paths: ['/sys/fs/cgroup/memory/ctr-tui/web', '/sys/fs/cgroup/pids/ctr-tui/web'],
    files: [
      { controller: 'memory', file: 'memory.limit_in_bytes', path: '/sys/fs/cgroup/memory/ctr-tui/web/memory.limit_in_bytes', value: '67108864' },
      { controller: 'memory', file: 'memory.usage_in_bytes', path: '/sys/fs/cgroup/memory/ctr-tui/web/memory.usage_in_bytes', value: '12902400' },
      { controller: 'memory', file: 'memory.oom_control', path: '/sys/fs/cgroup/memory/ctr-tui/web/memory.oom_control', value: 'oom_kill_disable 0\nunder_oom 0\noom_kill 0' },
      { controller: 'pids', file: 'pids.max', path: '/sys/fs/cgroup/pids/ctr-tui/web/pids.max', value: '64' },
    ],
  },
  mounts: [
    { id: 1, parent: 0, root: '/', mountPoint: '/', fsType: 'overlay', source: 'overlay', readonly: false, options: 'rw', superOptions: 'lowerdir=/proc/self/fd/6', role: 'root', note: 'overlay: lower = the rootfs, upper on a tmpfs' },
    { id: 2, parent: 1, root: '/', mountPoint: '/proc', fsType: 'proc', source: 'proc', readonly: false, options: 'rw', superOptions: 'rw', role: 'proc', note: 'its own procfs' },
    { id: 3, parent: 1, root: '/', mountPoint: '/sys/fs/cgroup/memory', fsType: 'cgroup', source: 'cgroup', readonly: true, options: 'ro', superOptions: 'rw,memory', role: 'cgroup', note: 'its own cgroup (memory), read-only' },
  ],
  devices: [{ name: 'null', kind: 'char', what: '1:3' }],
  network: {
    inside: {
      links: [{ index: 1, name: 'lo', kind: null, mac: null, mtu: 65536, up: true, peerIndex: null, linkNetnsId: null },
        { index: 2, name: 'eth0', kind: 'veth', mac: '72:e2:a1:44:69:0b', mtu: 1500, up: true, peerIndex: 7, linkNetnsId: 0 }],
      addresses: [{ index: 1, family: 'inet', address: '127.0.0.1', prefix: 8 }, { index: 2, family: 'inet', address: '10.0.0.2', prefix: 24 }],
      routes: [{ destination: 'default', gateway: '10.0.0.1', device: 2, scope: 'universe' }],
    },
    hostEnd: { index: 7, name: 'ctr-web', kind: 'veth', mac: '76:59:04:9e:d9:5b', mtu: 1500, up: true, peerIndex: 2, linkNetnsId: 1, addresses: [{ index: 7, family: 'inet', address: '10.0.0.1', prefix: 32 }] },
  },
  processes: [{ pid: 4242, pidInside: 1, parent: null, depth: 0, name: 'server', command: '/var/shared_folder/server 8080' },
    { pid: 4250, pidInside: 7, parent: 4242, depth: 1, name: 'sh', command: 'sh' }],
  security: { effective: ['CAP_CHOWN'], bounding: ['CAP_CHOWN'], dropped: ['CAP_SYS_ADMIN'], capEffHex: '0000000000000001', capBndHex: '0000000000000001', noNewPrivs: true, seccomp: 2, seccompFilters: 1 },
  trace,
  problems: [],
};

export const panel: AnatomyPanelView = {
  container: 'web', sampledAt: NOW, error: null,
  sections: anatomySections.map((id) => ({ id, title: sectionTitles[id], lines: sectionLines(anatomy, id, true) })),
};
