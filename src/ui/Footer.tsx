import { Text } from 'ink';
import type { FooterHint } from './keys.js';

export interface FooterProps {
  hints: readonly FooterHint[];
}

/** Key hints on the bottom line: the key in bold cyan, what it does in gray. */
export function Footer({ hints }: FooterProps) {
  return (
    <Text wrap="truncate-end">
      {hints.map((h, i) => (
        <Text key={`${h.key}-${h.label}`}>
          {i > 0 ? '  ' : ''}
          <Text bold color="cyan">{h.key}</Text>
          <Text color="gray"> {h.label}</Text>
        </Text>
      ))}
    </Text>
  );
}
