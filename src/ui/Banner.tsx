import { Text } from 'ink';
import type { BannerView } from './model.js';
import { displayWidth, formatClock, padEnd, truncate } from './format.js';

export interface BannerProps {
  banner: BannerView;
  width: number;
  /** While recording, the REC sign ("● REC 01:23") stays on the top line, before the banner. */
  recording?: string | null;
}

/** The top line when something happened: red and inverse for an error (an OOM kill), cyan for info. */
export function Banner({ banner, width, recording = null }: BannerProps) {
  const time = ` ${formatClock(banner.at)} `;
  const rec = recording && width - displayWidth(time) - displayWidth(recording) - 2 >= 8 ? ` ${recording} ` : '';
  const textWidth = Math.max(0, width - displayWidth(time) - displayWidth(rec));
  const text = textWidth >= 8 ? padEnd(` ${truncate(banner.text, textWidth - 2)} `, textWidth) : '';
  return (
    <Text wrap="truncate-end" inverse bold color={banner.level === 'error' ? 'red' : 'cyan'}>
      {rec ? <Text inverse={false} color="red">{rec}</Text> : null}
      {text}
      {textWidth >= 8 ? time : padEnd(banner.text, width)}
    </Text>
  );
}
