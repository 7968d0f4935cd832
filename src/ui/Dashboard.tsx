import type { ReactNode } from 'react';
import { Box } from 'ink';
import type { DashboardState, TerminalView } from './model.js';
import type { NewContainerValues } from './new-container.js';
import { KEYS, dashboardHelpTable, footerHints, type KeyTable } from './keys.js';
import { computeLayout, type Size } from './layout.js';
import { keyContext, selectedContainer, visibleContainers, type UiState } from './ui-state.js';
import { AnatomyView } from './AnatomyView.js';
import { Banner } from './Banner.js';
import { ConfirmDialog, CONFIRM_DIALOG_HEIGHT } from './ConfirmDialog.js';
import { ContainerList } from './ContainerList.js';
import { EventLog } from './EventLog.js';
import { Footer } from './Footer.js';
import { HelpOverlay } from './HelpOverlay.js';
import { HostPanel } from './HostPanel.js';
import { LogView } from './LogView.js';
import { MemoryPanel } from './MemoryPanel.js';
import { NetworkPanel } from './NetworkPanel.js';
import { NewContainerForm, NEW_CONTAINER_FORM_HEIGHT } from './NewContainerForm.js';
import { TerminalPanel } from './TerminalPanel.js';
import { TitleBar } from './TitleBar.js';
import { recordingText } from './recording.js';
import { TooSmall } from './TooSmall.js';

export interface DashboardProps {
  state: DashboardState;
  ui: UiState;
  /** The terminal's size; the dashboard is rows-1 high and exactly columns wide. */
  size: Size;
  /** The time to show uptimes and the clock against (pure: no clock is read here). */
  now: number;
  keys?: KeyTable;
  /** The split view's screen. */
  terminal?: TerminalView | null;
  /** The output of the container in the logs overlay. */
  logs?: readonly string[] | null;
  onSubmitNew?: (values: NewContainerValues) => void;
  onCancelNew?: () => void;
}

const CONFIRM_TEXT = {
  kill: { title: (n: string) => `Kill ${n}?`, message: (n: string) => `SIGKILL every process in ${n}` },
  delete: { title: (n: string) => `Delete ${n}?`, message: () => 'stop it, then remove its cgroup and veth' },
} as const;

/** The whole screen for a given state and size: pure, no timers, no runtime. */
export function Dashboard({ state, ui, size, now, keys = KEYS, terminal = null, logs = null, onSubmitNew, onCancelNew }: DashboardProps) {
  const layout = computeLayout(size, { split: ui.split });
  if (!layout) return <TooSmall columns={size.columns} rows={size.rows} />;

  const visible = visibleContainers(state.containers, ui.filter, ui.sort);
  const current = selectedContainer(visible, ui.selected);
  const { left, right, bodyHeight, width } = layout;
  const overlay = ui.overlay;
  const listFocused = !ui.split || ui.focus === 'list';

  const list = (
    <ContainerList
      containers={visible}
      total={state.containers.length}
      selected={current?.name ?? null}
      filter={ui.filter}
      filtering={ui.filtering}
      sort={ui.sort}
      width={left.width}
      height={left.list}
      focused={listFocused && !overlay}
    />
  );

  let body;
  if (overlay?.kind === 'help') {
    body = <HelpOverlay table={dashboardHelpTable(keys)} width={width} height={bodyHeight} />;
  } else if (overlay?.kind === 'anatomy') {
    const anatomy = state.anatomy?.container === overlay.container ? state.anatomy : null;
    body = <AnatomyView container={overlay.container} anatomy={anatomy} tab={overlay.tab} scroll={overlay.scroll} width={width} height={bodyHeight} />;
  } else if (overlay?.kind === 'logs') {
    body = <LogView container={overlay.container} lines={logs ?? []} width={width} height={bodyHeight} />;
  } else if (ui.split) {
    body = (
      <>
        <Box flexDirection="column" width={left.width} flexShrink={0}>
          {list}
          <MemoryPanel container={current} width={left.width} height={left.memory} now={now} />
        </Box>
        <TerminalPanel terminal={terminal} width={right.width} height={right.terminal} focused={ui.focus === 'terminal'} />
      </>
    );
  } else {
    body = (
      <>
        <Box flexDirection="column" width={left.width} flexShrink={0}>
          {list}
          <EventLog events={state.events} width={left.width} height={left.events} />
        </Box>
        <Box flexDirection="column" width={right.width} flexShrink={0}>
          <MemoryPanel container={current} width={right.width} height={right.memory} now={now} />
          <NetworkPanel container={current} host={state.host} width={right.width} height={right.network} />
          <HostPanel host={state.host} width={right.width} height={right.host} />
        </Box>
      </>
    );
  }

  let dialog = null;
  if (overlay?.kind === 'confirm') {
    const text = CONFIRM_TEXT[overlay.action];
    const w = Math.min(width - 4, 48);
    dialog = (
      <Centered width={width} height={bodyHeight} boxWidth={w} boxHeight={CONFIRM_DIALOG_HEIGHT}>
        <ConfirmDialog title={text.title(overlay.container)} message={text.message(overlay.container)} width={w} />
      </Centered>
    );
  } else if (overlay?.kind === 'new') {
    const w = Math.min(width - 2, 72);
    dialog = (
      <Centered width={width} height={bodyHeight} boxWidth={w} boxHeight={NEW_CONTAINER_FORM_HEIGHT}>
        <NewContainerForm
          width={w}
          keys={keys}
          error={overlay.error}
          busy={overlay.busy}
          onSubmit={(values) => onSubmitNew?.(values)}
          onCancel={() => onCancelNew?.()}
        />
      </Centered>
    );
  }

  return (
    <Box flexDirection="column" width={width} height={layout.height}>
      {state.banner ? <Banner banner={state.banner} width={width} recording={state.recording ? recordingText(state.recording, now) : null} /> : <TitleBar state={state} width={width} now={now} />}
      <Box flexDirection="row" width={width} height={bodyHeight} flexShrink={0}>
        {body}
        {dialog}
      </Box>
      <Footer hints={footerHints(keys, width - 1, keyContext(ui))} />
    </Box>
  );
}

/** A box drawn over the body, centred. */
function Centered({ width, height, boxWidth, boxHeight, children }: { width: number; height: number; boxWidth: number; boxHeight: number; children: ReactNode }) {
  return (
    <Box position="absolute" marginLeft={Math.max(0, Math.floor((width - boxWidth) / 2))} marginTop={Math.max(0, Math.floor((height - boxHeight) / 3))} width={boxWidth} height={boxHeight}>
      {children}
    </Box>
  );
}
