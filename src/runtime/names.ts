import { randomInt } from 'node:crypto';
import { RuntimeError, UsageError } from './errors.js';
import { adjectives, scientists } from './name-words.js';


export const namePattern = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

/** A docker-style name such as brave-turing. */
export function randomName(): string {
  return `${adjectives[randomInt(adjectives.length)]}-${scientists[randomInt(scientists.length)]}`;
}

/** A random name that `taken` does not refuse, trying again on a collision. */
export function freeRandomName(taken: (name: string) => boolean): string {
  for (let attempt = 0; attempt < 32; attempt++) {
    const name = randomName();
    if (!taken(name)) return name;
  }
  throw new RuntimeError('no free random container name after 32 tries: give one with --name');
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
