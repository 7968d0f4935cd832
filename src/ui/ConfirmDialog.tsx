import { Text } from 'ink';
import { center, truncate } from './format.js';
import { Panel, panelInnerWidth } from './Panel.js';
import { theme } from './theme.js';

export interface ConfirmDialogProps {
  title: string;
  message: string;
  width: number;
}

export const CONFIRM_DIALOG_HEIGHT = 6;

/** A y/n question in a red box. The keys are handled by the caller through the key table. */
export function ConfirmDialog({ title, message, width }: ConfirmDialogProps) {
  const inner = panelInnerWidth(width);
  return (
    <Panel title={title} width={width} height={CONFIRM_DIALOG_HEIGHT} color={theme.danger} titleColor={theme.danger} opaque>
      <Text wrap="truncate-end">{center(truncate(message, inner), inner)}</Text>
      <Text> </Text>
      <Text wrap="truncate-end">
        {' '.repeat(Math.max(0, Math.floor((inner - 19) / 2)))}
        <Text bold inverse color={theme.danger}> y </Text>
        <Text> yes   </Text>
        <Text bold inverse> n </Text>
        <Text> no</Text>
      </Text>
    </Panel>
  );
}
