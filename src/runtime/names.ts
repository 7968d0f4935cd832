import { randomInt } from 'node:crypto';
import { UsageError } from './errors.js';

const adjectives = ['brave', 'calm', 'eager', 'fuzzy', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'proud', 'quiet', 'rapid', 'sunny', 'tidy', 'witty'];
const scientists = ['babbage', 'curie', 'dijkstra', 'euler', 'hopper', 'knuth', 'lamport', 'lovelace', 'noether', 'pike', 'ritchie', 'shannon', 'thompson', 'torvalds', 'turing', 'wirth'];

export const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** A docker-style name such as brave-turing. */
export function randomName(): string {
  return `${adjectives[randomInt(adjectives.length)]}-${scientists[randomInt(scientists.length)]}`;
}

export function checkName(name: string): string {
  if (!namePattern.test(name)) {
    throw new UsageError(`invalid container name "${name}": use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return name;
}

export function checkHostname(hostname: string): string {
  if (hostname.length > 64) throw new UsageError(`hostname "${hostname.slice(0, 20)}..." is ${hostname.length} characters: the limit is 64`);
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/.test(hostname)) {
    throw new UsageError(`invalid hostname "${hostname}": use letters, digits and '-' (dots between labels)`);
  }
  return hostname;
}
