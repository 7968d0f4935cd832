import type { LessonEvent, LessonRun } from './lesson-run.js';

/** A step's marker label (a recording's chapter): "Step 2/5: Change the hostname ...". */
export function stepLabel(index: number, total: number, text: string): string {
  return `Step ${index + 1}/${total}: ${text.split('\n')[0]}`;
}

export interface DemoScreen {
  /** What the projector shows, in order: the lesson's banners and the shells' output. */
  write(text: string): void;
  /** One per step, as the step begins. */
  marker?(label: string): void;
}

/**
 * Demo mode's screen: each step's text as a banner, the shells' output as
 * it comes (the lab's and the host's, both prompts naming where they are),
 * and a tick when a check passes.
 */
export function presentDemo(run: LessonRun, screen: DemoScreen): void {
  const total = run.lesson.steps.length;
  run.on('output', (_place, data) => screen.write(data));
  run.on('event', (event: LessonEvent) => {
    switch (event.kind) {
      case 'lesson-start':
        screen.write(`\x1b[1m${run.lesson.title}\x1b[0m\r\n${run.lesson.summary ? `${run.lesson.summary}\r\n` : ''}`);
        break;
      case 'step':
        screen.marker?.(stepLabel(event.index, total, event.step.text));
        screen.write(`\r\n\x1b[1;36m── ${stepLabel(event.index, total, event.step.text)}\x1b[0m\r\n${event.step.in === 'host' ? '\x1b[2m(on the host)\x1b[0m\r\n' : ''}`);
        break;
      case 'typed':
        break;
      case 'passed':
        screen.write(`\r\n\x1b[32m✓ ${run.lesson.steps[event.index].text.split('\n')[0]}\x1b[0m\r\n`);
        break;
      case 'lesson-end':
        screen.write(event.completed ? `\r\n\x1b[1;32mLesson complete: ${total} of ${total} steps.\x1b[0m\r\n` : '\r\n\x1b[33mLesson stopped.\x1b[0m\r\n');
        break;
    }
  });
}
