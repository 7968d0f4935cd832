import { Box, Text } from 'ink';
import { MIN_COLUMNS, MIN_ROWS } from './layout.js';

export interface TooSmallProps {
  columns: number;
  rows: number;
}

export function tooSmallText(columns: number, rows: number): string {
  return `terminal too small: need ${MIN_COLUMNS}x${MIN_ROWS}, have ${columns}x${rows}`;
}

/** Shown instead of the dashboard below 80x24. */
export function TooSmall({ columns, rows }: TooSmallProps) {
  return (
    <Box width={Math.max(1, columns)} height={Math.max(1, rows - 1)} alignItems="center" justifyContent="center" flexDirection="column">
      <Text color="yellow">{tooSmallText(columns, rows)}</Text>
      {rows > 3 && <Text color="gray">enlarge the window, or make the font smaller</Text>}
    </Box>
  );
}
