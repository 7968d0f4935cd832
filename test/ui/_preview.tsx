// @jsxRuntime automatic
// @jsxImportSource react
// Not a test: prints frames for eyeballing. npx tsx test/ui/_preview.tsx [columns] [rows]
import { renderSized } from './_render.js';
import { Dashboard } from '../../src/ui/Dashboard.js';
import { initialUiState, type UiState } from '../../src/ui/ui-state.js';
import { oomBannerText } from '../../src/ui/format.js';
import { NOW, state, hungry } from './_fixtures.js';

const columns = Number(process.argv[2] ?? 80);
const rows = Number(process.argv[3] ?? 24);
const variants: [string, UiState, typeof state][] = [
  ['normal', { ...initialUiState, selected: 'web' }, state],
  ['oom banner, hungry selected', { ...initialUiState, selected: 'hungry', sort: 'memory' }, { ...state, banner: { text: oomBannerText('hungry', hungry.lastOom!), level: 'error', at: NOW } }],
  ['filter', { ...initialUiState, filter: 'hu', filtering: true }, state],
  ['help', { ...initialUiState, overlay: { kind: 'help' } }, state],
  ['confirm', { ...initialUiState, overlay: { kind: 'confirm', action: 'kill', container: 'web' } }, state],
  ['new', { ...initialUiState, overlay: { kind: 'new', error: 'memory "abc": use a size such as 64M or 1G', busy: false } }, state],
  ['split', { ...initialUiState, split: true, focus: 'terminal' }, state],
];
const only = process.argv[4];
for (const [name, ui, s] of variants) {
  if (only && !name.startsWith(only)) continue;
  const r = renderSized(<Dashboard state={s} ui={ui} size={{ columns, rows }} now={NOW} terminal={{ title: 'sh · web', lines: ['/ # ls', 'bin  dev  etc  proc  sys', '/ # '], cursor: { x: 4, y: 2 } }} />, { columns, rows });
  console.log(`=== ${name}`);
  console.log(r.lastFrame());
  r.unmount();
}
