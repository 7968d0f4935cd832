import { Text } from 'ink';
import { footerHints, footerText, LESSON_KEYS } from './keys.js';
import { truncate } from './format.js';
import { Panel, panelInnerHeight, panelInnerWidth } from './Panel.js';
import { theme } from './theme.js';

export interface LessonStepView {
  text: string;
  command?: string;
  hint?: string;
  onHost: boolean;
}

export interface LessonView {
  title: string;
  steps: LessonStepView[];
  /** The step being worked on; steps.length once every step has passed. */
  current: number;
  showHint: boolean;
  /** What the current step's check waits for, in a few words. */
  waitingFor: string;
}

export interface LessonPanelProps {
  lesson: LessonView;
  width: number;
  height: number;
}

/** Words laid into lines of at most `width` cells (a word longer than that is cut). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = '';
      }
      line = line ? `${line} ${word}` : truncate(word, width);
    }
    lines.push(line);
  }
  return lines;
}

type Line = { text: string; color?: string; bold?: boolean };

/** The lesson beside the student's shell: done steps ticked, the current one in full, the rest ahead. */
export function lessonLines(lesson: LessonView, width: number): Line[] {
  const lines: Line[] = [];
  const total = lesson.steps.length;
  lesson.steps.forEach((step, index) => {
    const first = step.text.split('\n')[0];
    if (index < lesson.current) {
      lines.push({ text: truncate(`✓ ${index + 1}. ${first}`, width), color: theme.ok });
      return;
    }
    if (index > lesson.current) {
      lines.push({ text: truncate(`  ${index + 1}. ${first}`, width), color: theme.muted });
      return;
    }
    lines.push({ text: truncate(`▶ Step ${index + 1} of ${total}`, width), color: theme.accent, bold: true });
    for (const l of wrapText(step.text, width)) lines.push({ text: l });
    if (step.onHost) lines.push({ text: truncate('(on the host, in another terminal)', width), color: theme.warn });
    if (step.command) for (const l of wrapText(`$ ${step.command}`, width)) lines.push({ text: l, color: theme.accent });
    if (lesson.waitingFor) for (const l of wrapText(`watching: ${lesson.waitingFor}`, width)) lines.push({ text: l, color: theme.muted });
    if (lesson.showHint) {
      for (const l of wrapText(`Hint: ${step.hint ?? 'no hint for this step: read it again, slowly.'}`, width)) lines.push({ text: l, color: theme.warn });
    }
    lines.push({ text: '' });
  });
  if (lesson.current >= total) lines.push({ text: truncate(`✓ Lesson complete: ${total} of ${total} steps.`, width), color: theme.ok, bold: true });
  return lines;
}

export function LessonPanel({ lesson, width, height }: LessonPanelProps) {
  const inner = panelInnerWidth(width);
  const rows = panelInnerHeight(height);
  const footer = footerText(footerHints(LESSON_KEYS, inner, 'lesson'));
  const body = lessonLines(lesson, inner);
  // Keep the current step in view: drop finished steps from the top when the panel is short.
  const room = Math.max(0, rows - 1);
  const currentAt = body.findIndex((l) => l.text.startsWith('▶'));
  const start = body.length <= room ? 0 : Math.max(0, Math.min(currentAt < 0 ? body.length - room : currentAt, body.length - room));
  const shown = body.slice(start, start + room);
  return (
    <Panel title={truncate(lesson.title, Math.max(0, width - 8))} width={width} height={height} color={theme.focusBorder}>
      {shown.map((line, i) => (
        <Text key={i} color={line.color} bold={line.bold} wrap="truncate-end">{line.text}</Text>
      ))}
      {Array.from({ length: Math.max(0, room - shown.length) }, (_, i) => <Text key={`blank-${i}`}> </Text>)}
      <Text color={theme.muted} wrap="truncate-end">{footer}</Text>
    </Panel>
  );
}
