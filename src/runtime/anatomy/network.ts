import { native, type NetlinkMessage } from '../native.js';

/** A link of a network namespace, from RTM_GETLINK. */
export interface LinkEntry {
  index: number;
  name: string;
  kind: string | null;
  mac: string | null;
  mtu: number | null;
  up: boolean;
  /** IFLA_LINK: a veth's peer's index (in the other namespace when linkNetnsId is set). */
  peerIndex: number | null;
  linkNetnsId: number | null;
}

export interface AddressEntry {
  index: number;
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
}

export interface RouteEntry {
  /** "default" or "10.0.0.1/32" */
  destination: string;
  gateway: string | null;
  device: number | null;
  scope: 'universe' | 'link' | 'host' | string;
}

export interface NamespaceNetwork {
  links: LinkEntry[];
  addresses: AddressEntry[];
  routes: RouteEntry[];
}

export interface NetworkAnatomy {
  /** Inside the container's network namespace. */
  inside: NamespaceNetwork;
  /** The host end of its veth pair, in ctr-tui's namespace; null without one. */
  hostEnd: (LinkEntry & { addresses: AddressEntry[] }) | null;
}

const RTM_NEWLINK = 16, RTM_NEWADDR = 20, RTM_NEWROUTE = 24;
const IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_LINKINFO = 18, IFLA_INFO_KIND = 1, IFLA_LINK_NETNSID = 37;
const IFA_ADDRESS = 1, IFA_LOCAL = 2;
const RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_TABLE = 15;
const IFF_UP = 1;
const RT_TABLE_MAIN = 254, RTN_UNICAST = 1;

interface Attr { type: number; data: Buffer }

/** The rtattrs of a message from offset on (each 4-byte aligned). */
function attrs(buf: Buffer, offset: number, end = buf.length): Attr[] {
  const out: Attr[] = [];
  for (let at = offset; at + 4 <= end;) {
    const len = buf.readUInt16LE(at);
    if (len < 4 || at + len > end) break;
    out.push({ type: buf.readUInt16LE(at + 2) & 0x3fff, data: buf.subarray(at + 4, at + len) });
    at += (len + 3) & ~3;
  }
  return out;
}

const cstring = (b: Buffer): string => b.toString('utf8').replace(/\0.*$/s, '');
const ipv4 = (b: Buffer): string => [...b.subarray(0, 4)].join('.');
function ip(b: Buffer): string {
  if (b.length === 4) return ipv4(b);
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
const mac = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

export function parseLink(msg: NetlinkMessage): LinkEntry | null {
  if (msg.readUInt16LE(4) !== RTM_NEWLINK) return null;
  const index = msg.readInt32LE(16 + 4);
  const flags = msg.readUInt32LE(16 + 8);
  const link: LinkEntry = { index, name: '', kind: null, mac: null, mtu: null, up: (flags & IFF_UP) !== 0, peerIndex: null, linkNetnsId: null };
  for (const a of attrs(msg, 32)) {
    if (a.type === IFLA_IFNAME) link.name = cstring(a.data);
    else if (a.type === IFLA_ADDRESS) link.mac = mac(a.data);
    else if (a.type === IFLA_MTU) link.mtu = a.data.readUInt32LE(0);
    else if (a.type === IFLA_LINK) link.peerIndex = a.data.readUInt32LE(0);
    else if (a.type === IFLA_LINK_NETNSID) link.linkNetnsId = a.data.readInt32LE(0);
    else if (a.type === IFLA_LINKINFO) {
      const kind = attrs(a.data, 0).find((n) => n.type === IFLA_INFO_KIND);
      if (kind) link.kind = cstring(kind.data);
    }
  }
  return link;
}

export function parseAddress(msg: NetlinkMessage): AddressEntry | null {
  if (msg.readUInt16LE(4) !== RTM_NEWADDR) return null;
  const family = msg.readUInt8(16) === 2 ? 'inet' : 'inet6';
  const prefix = msg.readUInt8(17);
  const index = msg.readUInt32LE(20);
  const all = attrs(msg, 24);
  const a = all.find((x) => x.type === IFA_LOCAL) ?? all.find((x) => x.type === IFA_ADDRESS);
  return a ? { index, family, address: ip(a.data), prefix } : null;
}

const scopes: Record<number, string> = { 0: 'universe', 253: 'link', 254: 'host' };

/** IPv4 unicast routes of the main table. */
export function parseRoute(msg: NetlinkMessage): RouteEntry | null {
  if (msg.readUInt16LE(4) !== RTM_NEWROUTE || msg.readUInt8(16) !== 2) return null;
  const dstLen = msg.readUInt8(17);
  let table = msg.readUInt8(20);
  const scope = msg.readUInt8(22), type = msg.readUInt8(23);
  const route: RouteEntry = { destination: dstLen === 0 ? 'default' : '', gateway: null, device: null, scope: scopes[scope] ?? String(scope) };
  for (const a of attrs(msg, 28)) {
    if (a.type === RTA_DST) route.destination = `${ipv4(a.data)}/${dstLen}`;
    else if (a.type === RTA_GATEWAY) route.gateway = ipv4(a.data);
    else if (a.type === RTA_OIF) route.device = a.data.readUInt32LE(0);
    else if (a.type === RTA_TABLE) table = a.data.readUInt32LE(0);
  }
  return table === RT_TABLE_MAIN && type === RTN_UNICAST ? route : null;
}

const notNull = <T>(x: T | null): x is T => x !== null;

/** Links, addresses and routes of pid's network namespace (0: ctr-tui's own), over netlink. */
export function readNamespaceNetwork(pid: number): NamespaceNetwork {
  return {
    links: native.netlinkDump(pid, 'link').map(parseLink).filter(notNull),
    addresses: native.netlinkDump(pid, 'address').map(parseAddress).filter(notNull),
    routes: native.netlinkDump(pid, 'route').map(parseRoute).filter(notNull),
  };
}

export function readNetwork(pid: number, hostVeth: string | null): NetworkAnatomy {
  const inside = readNamespaceNetwork(pid);
  let hostEnd: NetworkAnatomy['hostEnd'] = null;
  if (hostVeth) {
    const host = native.netlinkDump(0, 'link').map(parseLink).filter(notNull).find((l) => l.name === hostVeth);
    if (host) {
      const addresses = native.netlinkDump(0, 'address').map(parseAddress).filter(notNull).filter((a) => a.index === host.index);
      hostEnd = { ...host, addresses };
    }
  }
  return { inside, hostEnd };
}
