import { Children, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import { displayWidth, truncate } from './format.js';
import { theme } from './theme.js';

export interface PanelProps {
  title: string;
  /** Text at the right end of the top border (e.g. a sort indicator). */
  right?: string;
  rightColor?: string;
  width: number;
  height: number;
  color?: string;
  titleColor?: string;
  /** Inner horizontal padding; 0 for a terminal pane. */
  paddingX?: number;
  /** Blank out whatever is drawn underneath (for dialogs drawn over the dashboard). */
  opaque?: boolean;
  children?: ReactNode;
}

/**
 * A background "colour" that Ink fills with plain spaces: Ink paints a Box's backgroundColor by
 * writing spaces over the area, and colours them only for names chalk knows. So the dialog
 * hides what is below it without imposing a colour on a light or dark terminal theme.
 */
const BLANK_BACKGROUND = 'blank';

/** Cells inside a panel's border and padding. */
export const panelInnerWidth = (width: number, paddingX = 1) => Math.max(0, width - 2 - 2 * paddingX);
export const panelInnerHeight = (height: number) => Math.max(0, height - 2);

/** The top border with the title in it: "╭─ Title ───── right ─╮", exactly `width` cells. */
export function panelTopLine(title: string, right: string, width: number): { title: string; fill: number; right: string } {
  const room = Math.max(0, width - 4);
  const t = title === '' ? '' : truncate(title, Math.max(0, room - 3));
  const used = t === '' ? 0 : displayWidth(t) + 2;
  const r = right === '' ? '' : truncate(right, Math.max(0, room - used - 3));
  const rightUsed = r === '' ? 0 : displayWidth(r) + 2;
  return { title: t, fill: Math.max(0, room - used - rightUsed), right: r };
}

/**
 * A round-bordered box with a title in its top border. Children should be one-line Texts, each
 * already cut to the inner width; lines past the inner height are dropped. The box does not
 * clip (no overflow="hidden"): Ink clips by slicing every line of every frame, which was a fifth
 * of the dashboard's idle CPU, and the content fits by construction.
 */
export function Panel({ title, right = '', rightColor, width, height, color = theme.border, titleColor = 'white', paddingX = 1, opaque = false, children }: PanelProps) {
  if (width < 4 || height < 2) return null;
  const top = panelTopLine(title, right, width);
  return (
    <Box
      borderStyle="round"
      borderColor={color}
      width={width}
      height={height}
      flexShrink={0}
      flexDirection="column"
      paddingX={paddingX}
      backgroundColor={opaque ? BLANK_BACKGROUND : undefined}
    >
      <Box position="absolute" marginTop={-1} marginLeft={1 - paddingX} width={width - 4} height={1}>
        {top.title !== '' && <Text bold color={titleColor}>{` ${top.title} `}</Text>}
        <Box flexGrow={1} />
        {top.right !== '' && <Text color={rightColor ?? color}>{` ${top.right} `}</Text>}
      </Box>
      {Children.toArray(children).slice(0, panelInnerHeight(height))}
    </Box>
  );
}
