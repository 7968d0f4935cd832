import { Text } from 'ink';
import type { BannerView } from './model.js';
import { displayWidth, formatClock, padEnd, truncate } from './format.js';

export interface BannerProps {
  banner: BannerView;
  width: number;
}

/** The top line when something happened: red and inverse for an error (an OOM kill), cyan for info. */
export function Banner({ banner, width }: BannerProps) {
  const time = ` ${formatClock(banner.at)} `;
  const textWidth = Math.max(0, width - displayWidth(time));
  const text = textWidth >= 8 ? padEnd(` ${truncate(banner.text, textWidth - 2)} `, textWidth) : '';
  return (
    <Text wrap="truncate-end" inverse bold color={banner.level === 'error' ? 'red' : 'cyan'}>
      {text}
      {textWidth >= 8 ? time : padEnd(banner.text, width)}
    </Text>
  );
}
