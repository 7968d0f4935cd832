import { EventEmitter } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeError, UsageError } from '../runtime/errors.js';
import { packagePath } from '../runtime/paths.js';
import type { Runtime } from '../runtime/runtime.js';
import { describeCheck, waitForCheck, type CheckContext } from './checks.js';
import { shellAtPrompt } from './kernel-facts.js';
import type { Lesson, Place, Step } from './lesson-file.js';
import { ShellSession } from './shell-session.js';

/**
 * What a lesson run tells, in order. For the same lesson, demo mode tells
 * the same sequence every time (only the shells' output and the times differ):
 * the projector, a recording and the tests all follow these.
 */
export type LessonEvent =
  | { kind: 'lesson-start'; title: string; steps: number }
  | { kind: 'step'; index: number; step: Step; waitingFor: string }
  | { kind: 'typed'; index: number; place: Place; command: string }
  | { kind: 'passed'; index: number }
  | { kind: 'lesson-end'; completed: boolean };

export interface LessonRunOptions {
  runtime: Runtime;
  /** The runtime's state dir, passed to the ctr-tui the shells run. */
  stateDir: string;
  /** How to run ctr-tui: node and its arguments (default: this very process's). */
  cli?: string[];
  /** demo: types each step's command itself; student: waits for the student. */
  mode: 'demo' | 'student';
  /** Demo typing pace: milliseconds per character (fixed, so runs are alike). */
  typingDelayMs?: number;
  cols?: number;
  rows?: number;
}

export const defaultTypingDelayMs = 70;
/** Demo pacing: a step ends once its shell is back at its prompt and quiet this long (never longer than settleMaxMs). */
const quietMs = 300;
const settleMaxMs = 15_000;

/** The ctr-tui this process is: node, its flags (tsx in development), its script. */
export function selfCli(): string[] {
  return [process.execPath, ...process.execArgv, process.argv[1]];
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * One run of a lesson: the lab container's shell (a real pty running
 * `ctr-tui run ARGS`, restarted whenever it exits, so a lesson can show
 * that the next container starts afresh), a shell on the host for host
 * steps, the steps one by one with their checks, and cleanup: every
 * container the lesson names is gone at the end, on Ctrl-C too.
 */
export class LessonRun extends EventEmitter<{ event: [LessonEvent]; output: [Place, string] }> {
  readonly shells = new Map<Place, ShellSession>();
  private readonly abort = new AbortController();
  private readonly binDir: string;
  private readonly cli: string[];
  private stopping: Promise<void> | null = null;
  private lastOutput = 0;
  /** Why the lesson cannot go on (the lab's shell ended before its container started), told by run(). */
  private failure: string | null = null;
  private readonly cols: number;
  private readonly rows: number;
  /** The step being worked on (-1 before the first). */
  current = -1;

  constructor(readonly lesson: Lesson, private readonly options: LessonRunOptions) {
    super();
    this.cli = options.cli ?? selfCli();
    this.cols = options.cols ?? 100;
    this.rows = options.rows ?? 30;
    for (const name of this.containers()) {
      if (options.runtime.nameTaken(name)) {
        throw new UsageError(`a container named ${name} already exists, and lesson ${lesson.id} makes its own: remove it first (ctr-tui rm -f ${name})`);
      }
    }
    // The host shell's ctr-tui is this one, on the same state dir.
    this.binDir = mkdtempSync(path.join(tmpdir(), 'ctr-tui-lesson-'));
    const wrapper = path.join(this.binDir, 'ctr-tui');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${[...this.cli, '--state-dir', options.stateDir].map(shellQuote).join(' ')} "$@"\n`);
    chmodSync(wrapper, 0o755);
  }

  containers(): string[] {
    return [this.lesson.lab.name, ...this.lesson.also];
  }

  private env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    return { ...env, TERM: 'xterm-256color', PATH: `${this.binDir}:${env.PATH ?? '/usr/bin:/bin'}`, ...extra };
  }

  private startLab(): void {
    const [file, ...args] = this.cli;
    const shell = new ShellSession(file, [...args, '--state-dir', this.options.stateDir, 'run', ...this.lesson.lab.run], {
      cols: this.cols, rows: this.rows, cwd: packagePath('.'), env: this.env(),
    });
    let started = false;
    let tail = '';
    const onEvent = (event: { kind: string; name: string }) => {
      if (event.kind === 'started' && event.name === this.lesson.lab.name) started = true;
    };
    this.options.runtime.on('event', onEvent);
    shell.on('output', (data) => {
      this.lastOutput = Date.now();
      tail = (tail + data).slice(-2000);
      this.emit('output', 'lab', data);
    });
    shell.on('exit', (code) => {
      this.options.runtime.off('event', onEvent);
      if (this.stopping || this.abort.signal.aborted) return;
      if (!started && this.options.runtime.store.read(this.lesson.lab.name) === null) {
        // It never started (its name or address is taken, say): say why, rather than try again and again.
        const said = tail.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean).pop();
        this.failure = `the lesson's container ${this.lesson.lab.name} could not start (ctr-tui run ${this.lesson.lab.run.join(' ')} exited ${code}): ${said ?? 'no output'}`;
        this.abort.abort();
        return;
      }
      // exit in the lab's shell ends that container: the lesson goes on in a fresh one.
      this.startLab();
    });
    this.shells.set('lab', shell);
  }

  private startHost(): void {
    const shell = new ShellSession('/bin/sh', ['-i'], {
      cols: this.cols, rows: this.rows, cwd: packagePath('.'), env: this.env({ PS1: 'host$ ', ENV: '' }),
    });
    shell.on('output', (data) => {
      this.lastOutput = Date.now();
      this.emit('output', 'host', data);
    });
    this.shells.set('host', shell);
  }

  write(place: Place, data: string): void {
    this.shells.get(place)?.write(data);
  }

  resize(place: Place, cols: number, rows: number): void {
    this.shells.get(place)?.resize(cols, rows);
  }

  private checkContext(): CheckContext {
    return { runtime: this.options.runtime, lab: this.lesson.lab.name, hostCwd: packagePath('.') };
  }

  /** The host pid of the shell in a place (the lab's: its container's init), or null while there is none. */
  private shellPid(place: Place): number | null {
    if (place === 'host') return this.shells.get('host')?.pid ?? null;
    const record = this.options.runtime.store.read(this.lesson.lab.name);
    return record && !record.exit ? record.pid : null;
  }

  /**
   * Demo pacing, so that what a command printed shows before the next step's
   * banner: waits until the shell is back at its prompt (the kernel's
   * foreground process group of its terminal is its own) and the shells have
   * been quiet a moment. Not a check: checks never wait on output.
   */
  private async settle(place: Place): Promise<void> {
    const deadline = Date.now() + settleMaxMs;
    for (;;) {
      const pid = this.shellPid(place);
      if (pid !== null && shellAtPrompt(pid) && Date.now() - this.lastOutput >= quietMs) return;
      if (Date.now() > deadline) return;
      await sleep(50, undefined, { signal: this.abort.signal });
    }
  }

  /** Types a command at a fixed pace, then Enter. */
  private async type(place: Place, command: string): Promise<void> {
    const delay = this.options.typingDelayMs ?? defaultTypingDelayMs;
    for (const char of command) {
      this.write(place, char);
      if (delay > 0) await sleep(delay, undefined, { signal: this.abort.signal });
    }
    this.write(place, '\r');
  }

  /**
   * Runs the lesson to its end (or until stop()): resolves true when every
   * step's check passed. A check is watching before its step's command is
   * typed (and from the moment the step before passed), so no event a command
   * causes can be missed.
   */
  async run(): Promise<boolean> {
    const signal = this.abort.signal;
    const demo = this.options.mode === 'demo';
    this.options.runtime.watch();
    this.startLab();
    // In student mode the student uses a terminal of their own on the host.
    if (demo) this.startHost();
    this.emit('event', { kind: 'lesson-start', title: this.lesson.title, steps: this.lesson.steps.length });
    const ctx = this.checkContext();
    try {
      // Typing waits for the shell itself to be there (a state, not a screen).
      if (demo) {
        await waitForCheck({ type: 'process', container: this.lesson.lab.name, comm: ['bash', 'sh'] }, ctx, signal);
        await this.settle('lab');
      }
      const watch = (index: number) => {
        const passed = waitForCheck(this.lesson.steps[index].check, ctx, signal);
        passed.catch(() => undefined);
        return passed;
      };
      // Each step's check watches from the moment the step before it passed, so
      // an event its predecessor's command causes a moment later is not missed.
      let next = watch(0);
      for (const [index, step] of this.lesson.steps.entries()) {
        this.current = index;
        this.emit('event', { kind: 'step', index, step, waitingFor: describeCheck(step.check) });
        const passed = next;
        if (demo && step.command) {
          if (step.in === 'lab') await waitForCheck({ type: 'process', container: this.lesson.lab.name, comm: ['bash', 'sh'] }, ctx, signal);
          this.emit('event', { kind: 'typed', index, place: step.in, command: step.command });
          await this.type(step.in, step.command);
        }
        await passed;
        if (index + 1 < this.lesson.steps.length) next = watch(index + 1);
        if (demo) await this.settle(step.in);
        this.emit('event', { kind: 'passed', index });
      }
      this.current = this.lesson.steps.length;
      this.emit('event', { kind: 'lesson-end', completed: true });
      return true;
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
      this.emit('event', { kind: 'lesson-end', completed: false });
      if (this.failure) throw new RuntimeError(this.failure);
      return false;
    }
  }

  /** Ends the shells and removes every container the lesson names (idempotent). */
  stop(): Promise<void> {
    this.stopping ??= this.cleanup();
    return this.stopping;
  }

  private async cleanup(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.shells.values()].map((s) => s.close()));
    const runtime = this.options.runtime;
    for (const name of this.containers()) {
      if (!runtime.store.has(name)) continue;
      try {
        await runtime.remove(name, true);
      } catch {
        // removed meanwhile by its own ctr-tui run
      }
    }
    // A foreground run removes its cgroup as it exits; wait until nothing is left.
    const deadline = Date.now() + 10_000;
    for (let delay = 5; this.containers().some((name) => runtime.nameTaken(name)) && Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
      await sleep(delay);
    }
    runtime.close();
    rmSync(this.binDir, { recursive: true, force: true });
  }
}
