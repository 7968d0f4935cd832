import { UsageError } from './errors.js';

export interface Ipv4WithPrefix {
  address: string;
  prefix: number;
}

const octet = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const ipv4Pattern = new RegExp(`^${octet}\\.${octet}\\.${octet}\\.${octet}$`);

export function isIpv4(text: string): boolean {
  return ipv4Pattern.test(text);
}

/**
 * Parses ADDR[/PREFIX]. As in the seed project, a bare number n means
 * 10.0.0.n. The prefix defaults to 24.
 */
export function parseIpv4(text: string, what: string): Ipv4WithPrefix {
  const [addressPart, prefixPart, ...rest] = text.split('/');
  const address = /^\d{1,3}$/.test(addressPart) && Number(addressPart) >= 1 && Number(addressPart) <= 254
    ? `10.0.0.${Number(addressPart)}`
    : addressPart;
  const prefix = prefixPart === undefined ? 24 : Number(prefixPart);
  if (rest.length || !isIpv4(address) || !Number.isInteger(prefix) || prefix < 8 || prefix > 30 || prefixPart === '') {
    throw new UsageError(`invalid ${what} "${text}": use an IPv4 address such as 10.0.0.2 or 10.0.0.2/24, or a number n for 10.0.0.n`);
  }
  if (address.startsWith('127.') || address === '0.0.0.0' || Number(address.split('.')[0]) >= 224) {
    throw new UsageError(`invalid ${what} "${text}": loopback, multicast and reserved addresses cannot be used on a veth`);
  }
  return { address, prefix };
}

export function toNumber(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

export function fromNumber(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
