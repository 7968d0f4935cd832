import { readFileSync } from 'node:fs';
import { parseSize } from '../runtime/cgroup/size.js';
import { UsageError } from '../runtime/errors.js';
import { eventKinds, type EventKind } from '../runtime/events.js';
import { namePattern } from '../runtime/names.js';

/**
 * A lesson is one JSON file (lessons/NN-slug/lesson.json): a title, the
 * container the student's shell runs in (started as `ctr-tui run ARGS`),
 * the other containers its steps make (removed at the end), and its steps.
 * Every step's check is one of a small closed set, checked on load.
 */
export interface Lesson {
  /** The folder's name, e.g. 01-namespaces. */
  id: string;
  file: string;
  title: string;
  summary: string;
  /** The student's shell: `ctr-tui run ...run`, in the container `name`. */
  lab: { name: string; run: string[] };
  /** Other containers the steps make (by a command); removed at the end too. */
  also: string[];
  steps: Step[];
}

/** Where a command is typed: the shell in the lab container, or a shell on the host. */
export type Place = 'lab' | 'host';

export interface Step {
  text: string;
  hint?: string;
  /** Typed (then Enter) by demo mode; shown to the student. */
  command?: string;
  in: Place;
  check: Check;
}

/** The closed set of checks: each reads real state (the kernel, the event stream, a command's output). */
export type Check =
  | { type: 'process'; container: string; comm: string[]; nspid?: number }
  | { type: 'hostname'; container: string; equals: string }
  | { type: 'namespaces'; container: string; kinds: NamespaceKind[] }
  | { type: 'listening'; container: string; port: number }
  | { type: 'connected'; container: string; port: number }
  | { type: 'memory-limit'; container: string; bytes: number }
  | { type: 'memory-above'; container: string; bytes: number }
  | { type: 'event'; container: string; kind: EventKind; comm?: string }
  | { type: 'file-written'; container: string; path: string }
  | { type: 'file-missing'; container: string; path: string }
  | { type: 'root-mount'; container: string; fstype: string }
  | { type: 'veth'; container: string; ip: string; hostIp: string }
  | { type: 'output'; in: Place; run: string; matches: string };

export type CheckType = Check['type'];
export const namespaceKinds = ['pid', 'uts', 'net', 'mnt', 'ipc', 'cgroup'] as const;
export type NamespaceKind = (typeof namespaceKinds)[number];

/** Each check type's fields besides type and container: name → how to read it. */
type Field = 'string' | 'port' | 'size' | 'count' | 'strings' | 'namespaces' | 'event' | 'place' | 'regex' | 'path' | 'ip';
const checkFields: Record<CheckType, { required: Record<string, Field>; optional?: Record<string, Field>; container: boolean }> = {
  process: { required: { comm: 'strings' }, optional: { nspid: 'count' }, container: true },
  hostname: { required: { equals: 'string' }, container: true },
  namespaces: { required: { kinds: 'namespaces' }, container: true },
  listening: { required: { port: 'port' }, container: true },
  connected: { required: { port: 'port' }, container: true },
  'memory-limit': { required: { bytes: 'size' }, container: true },
  'memory-above': { required: { bytes: 'size' }, container: true },
  event: { required: { kind: 'event' }, optional: { comm: 'string' }, container: true },
  'file-written': { required: { path: 'path' }, container: true },
  'file-missing': { required: { path: 'path' }, container: true },
  'root-mount': { required: { fstype: 'string' }, container: true },
  veth: { required: { ip: 'ip', hostIp: 'ip' }, container: true },
  output: { required: { run: 'string', matches: 'regex' }, optional: { in: 'place' }, container: false },
};
export const checkTypes = Object.keys(checkFields) as CheckType[];

class Problem extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new Problem(`${what} must be a non-empty string`);
  return value;
}

function readField(value: unknown, kind: Field, what: string): unknown {
  switch (kind) {
    case 'string': return text(value, what);
    case 'path': {
      const p = text(value, what);
      if (!p.startsWith('/') || p.split('/').includes('..')) throw new Problem(`${what} must be an absolute path without ".." (got "${p}")`);
      return p;
    }
    case 'port':
      if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) throw new Problem(`${what} must be a port number, 1-65535`);
      return value;
    case 'count':
      if (!Number.isInteger(value) || (value as number) < 0) throw new Problem(`${what} must be a whole number`);
      return value;
    case 'size':
      try {
        return typeof value === 'number' ? value : parseSize(text(value, what));
      } catch {
        throw new Problem(`${what} must be a size such as "10M" or a number of bytes (got ${JSON.stringify(value)})`);
      }
    case 'strings': {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || !list.length || list.some((s) => typeof s !== 'string' || !s)) throw new Problem(`${what} must be a name or a list of names`);
      return list;
    }
    case 'namespaces':
      if (!Array.isArray(value) || !value.length || value.some((k) => !(namespaceKinds as readonly string[]).includes(k))) {
        throw new Problem(`${what} must be a list of namespace kinds: ${namespaceKinds.join(', ')}`);
      }
      return value;
    case 'event':
      if (!eventKinds.includes(value as EventKind)) throw new Problem(`${what} must be one of ${eventKinds.join(', ')} (got ${JSON.stringify(value)})`);
      return value;
    case 'place':
      if (value !== 'lab' && value !== 'host') throw new Problem(`${what} must be "lab" or "host"`);
      return value;
    case 'ip':
      if (typeof value !== 'string' || !/^(\d{1,3})(\.\d{1,3}){3}$/.test(value)) throw new Problem(`${what} must be an IPv4 address`);
      return value;
    case 'regex': {
      const source = text(value, what);
      try {
        new RegExp(source, 'm');
      } catch (error) {
        throw new Problem(`${what} is not a valid regular expression: ${(error as Error).message}`);
      }
      return source;
    }
  }
}

function readCheck(value: unknown, containers: string[], lab: string): Check {
  if (!isObject(value)) throw new Problem('"check" must be an object with a "type"');
  const type = value.type as CheckType;
  const fields = checkFields[type];
  if (!fields) throw new Problem(`unknown check type ${JSON.stringify(value.type)}: use one of ${checkTypes.join(', ')}`);
  const check: Record<string, unknown> = { type };
  if (fields.container) {
    const container = value.container ?? lab;
    if (typeof container !== 'string' || !containers.includes(container)) {
      throw new Problem(`check "${type}": container ${JSON.stringify(container)} is not one of the lesson's (${containers.join(', ')})`);
    }
    check.container = container;
  }
  const known = new Set(['type', ...(fields.container ? ['container'] : []), ...Object.keys(fields.required), ...Object.keys(fields.optional ?? {})]);
  for (const key of Object.keys(value)) if (!known.has(key)) throw new Problem(`check "${type}" has no field "${key}" (it takes ${[...known].filter((k) => k !== 'type').join(', ')})`);
  for (const [key, kind] of Object.entries(fields.required)) {
    if (value[key] === undefined) throw new Problem(`check "${type}" needs "${key}"`);
    check[key] = readField(value[key], kind, `check "${type}": "${key}"`);
  }
  for (const [key, kind] of Object.entries(fields.optional ?? {})) {
    if (value[key] !== undefined) check[key] = readField(value[key], kind, `check "${type}": "${key}"`);
  }
  if (type === 'output') check.in ??= 'lab';
  return check as Check;
}

function readStep(value: unknown, containers: string[], lab: string): Step {
  if (!isObject(value)) throw new Problem('a step must be an object with "text" and "check"');
  for (const key of Object.keys(value)) {
    if (!['text', 'hint', 'command', 'in', 'check'].includes(key)) throw new Problem(`unknown field "${key}" (a step has text, hint, command, in, check)`);
  }
  const step: Step = { text: text(value.text, '"text"'), in: 'lab', check: readCheck(value.check, containers, lab) };
  if (value.hint !== undefined) step.hint = text(value.hint, '"hint"');
  if (value.command !== undefined) step.command = text(value.command, '"command"');
  if (value.in !== undefined) step.in = readField(value.in, 'place', '"in"') as Place;
  if (step.command?.includes('\n')) throw new Problem('"command" must be one line');
  return step;
}

function readName(value: unknown, what: string): string {
  const name = text(value, what);
  if (!namePattern.test(name)) throw new Problem(`${what} "${name}" is not a valid container name`);
  return name;
}

/** Checks a parsed lesson; every problem is one line naming the file and the step. */
export function parseLesson(value: unknown, file: string, id: string): Lesson {
  let where = '';
  try {
    if (!isObject(value)) throw new Problem('a lesson must be a JSON object with title, lab and steps');
    const title = text(value.title, '"title"');
    const summary = value.summary === undefined ? '' : text(value.summary, '"summary"');
    if (!isObject(value.lab)) throw new Problem('"lab" must be an object: {"name": "lab", "run": ["lab", "2", "1"]}');
    const name = readName(value.lab.name, '"lab.name"');
    const run = value.lab.run;
    if (!Array.isArray(run) || !run.length || run.some((a) => typeof a !== 'string')) throw new Problem('"lab.run" must be the arguments of ctr-tui run, e.g. ["lab", "2", "1"]');
    const also = value.also === undefined ? [] : value.also;
    if (!Array.isArray(also)) throw new Problem('"also" must be a list of container names');
    const others = also.map((n, i) => readName(n, `"also[${i}]"`));
    const containers = [name, ...others];
    if (!Array.isArray(value.steps) || !value.steps.length) throw new Problem('"steps" must be a non-empty list');
    const steps = value.steps.map((step, i) => {
      where = `step ${i + 1}: `;
      return readStep(step, containers, name);
    });
    return { id, file, title, summary, lab: { name, run: run as string[] }, also: others, steps };
  } catch (error) {
    if (error instanceof Problem) throw new UsageError(`${file}: ${where}${error.message}`);
    throw error;
  }
}

export function loadLesson(file: string, id: string): Lesson {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  return parseLesson(value, file, id);
}
