import { useRef, useState } from 'react';
import { Box, Text, useInput } from 'ink';
import { KEYS, dispatchKey, editLine, footerHints, type KeyTable } from './keys.js';
import { NEW_CONTAINER_DEFAULTS, NEW_CONTAINER_FIELDS, type NewContainerValues } from './new-container.js';
import { displayWidth, padEnd, truncate } from './format.js';
import { Panel, panelInnerWidth } from './Panel.js';
import { Footer } from './Footer.js';
import { theme } from './theme.js';
import { markStateful } from './frame-signature.js';

export interface NewContainerFormProps {
  width: number;
  initial?: Partial<NewContainerValues>;
  /** A validation or start-up error, shown under the fields. */
  error?: string | null;
  /** The runtime is creating it: keys are ignored. */
  busy?: boolean;
  keys?: KeyTable;
  onSubmit: (values: NewContainerValues) => void;
  onCancel: () => void;
}

const LABEL = 9;

/** Rows the form needs: border 2, fields, a blank line, the hints, the error. */
export const NEW_CONTAINER_FORM_HEIGHT = 2 + NEW_CONTAINER_FIELDS.length + 3;

/** The new-container form. Tab/↓ and Shift-Tab/↑ move, Enter submits, Esc cancels. */
export function NewContainerForm({ width, initial, error = null, busy = false, keys = KEYS, onSubmit, onCancel }: NewContainerFormProps) {
  const [values, setValuesState] = useState<NewContainerValues>({ ...NEW_CONTAINER_DEFAULTS, ...initial });
  const [focus, setFocusState] = useState(0);
  // The latest values, also for keys that arrive before React has re-subscribed the handler.
  const current = useRef({ values, focus });
  const setValues = (next: NewContainerValues) => {
    current.current = { ...current.current, values: next };
    setValuesState(next);
  };
  const setFocus = (next: number) => {
    current.current = { ...current.current, focus: next };
    setFocusState(next);
  };
  const count = NEW_CONTAINER_FIELDS.length;

  useInput((input, key) => {
    if (busy) return;
    const { values, focus } = current.current;
    const action = dispatchKey(keys, input, key, 'form');
    if (action === 'next-field') setFocus((focus + 1) % count);
    else if (action === 'prev-field') setFocus((focus - 1 + count) % count);
    else if (action === 'submit') onSubmit(values);
    else if (action === 'close') onCancel();
    else {
      const spec = NEW_CONTAINER_FIELDS[focus];
      if (!spec) return;
      const next = editLine(values[spec.field], input, key);
      if (next !== null) setValues({ ...values, [spec.field]: next });
    }
  });

  const inner = panelInnerWidth(width);
  const valueWidth = Math.max(4, Math.min(28, inner - LABEL - 1));
  const hintWidth = inner - LABEL - valueWidth - 2;
  return (
    <Panel title="New container" right={busy ? 'starting…' : ''} rightColor={theme.warn} width={width} height={NEW_CONTAINER_FORM_HEIGHT} color={theme.focusBorder} opaque>
      {NEW_CONTAINER_FIELDS.map((spec, i) => {
        const focused = i === focus;
        const value = values[spec.field];
        const shown = value === '' ? spec.placeholder : value;
        // Keep the end of a long value (where the cursor is) in view.
        const room = valueWidth - (focused ? 1 : 0);
        const tail = displayWidth(shown) > room ? '…' + Array.from(shown).slice(-(room - 1)).join('') : shown;
        return (
          <Text key={spec.field} wrap="truncate-end">
            <Text color={focused ? theme.accent : theme.muted} bold={focused}>{padEnd((focused ? '▸ ' : '  ') + spec.label, LABEL)}</Text>{' '}
            <Text color={value === '' ? theme.muted : undefined} underline={focused}>{value === '' && focused ? '' : tail}</Text>
            {focused && <Text inverse> </Text>}
            {padEnd('', Math.max(0, valueWidth - (value === '' && focused ? 0 : displayWidth(tail)) - (focused ? 1 : 0)))}
            {hintWidth > 8 && <Text color={theme.muted}> {truncate(focused && value === '' ? `${spec.placeholder}: ${spec.hint}` : spec.hint, hintWidth)}</Text>}
          </Text>
        );
      })}
      <Box height={1} />
      <Footer hints={footerHints(keys, inner, 'form')} />
      <Text wrap="truncate-end" color={theme.danger}>{error ? truncate(`✗ ${error}`, inner) : ''}</Text>
    </Panel>
  );
}

// It keeps the fields' values in React state: the dashboard cannot skip frames while it shows.
markStateful(NewContainerForm);
