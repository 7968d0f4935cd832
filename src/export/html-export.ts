/**
 * `ctr-tui export`: a recording as ONE self-contained HTML page that works from disk, offline.
 * Inlined: asciinema-player 3.17.0's bundle (JS + CSS, Apache-2.0; its licence notice and full
 * licence text are in the page), the recording itself (as asciinema-player's {data: ...}), the
 * chapters (the markers) and the memory chart's series (from the state track), and the page's
 * own script (./page-script.ts). No request leaves the page.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { UsageError } from '../runtime/errors.js';
import { limitIdle, readCast, type Cast } from '../recording/asciicast-reader.js';
import { PAGE_SCRIPT } from './page-script.js';

const require = createRequire(import.meta.url);

export interface ChartSeries {
  name: string;
  /** [time, memory.current] */
  points: [number, number][];
  /** [time, limit] whenever it changes */
  limits: [number, number][];
  /** The last known limit, if any. */
  limit: number | null;
}

export interface PageData {
  title: string;
  duration: number;
  idleTimeLimit: number | null;
  markers: { time: number; label: string; oom: boolean }[];
  series: ChartSeries[];
  ooms: { time: number; name: string; label: string }[];
  maxBytes: number;
  /** What the chart area says when there is no chart. */
  noChart: string;
}

/** The page's data from a recording: chapters, and the chart's series from the state track. */
export function pageData(recording: Cast): PageData {
  const cast = limitIdle(recording);
  const series = new Map<string, ChartSeries>();
  const ooms: PageData['ooms'] = [];
  let maxBytes = 0;
  for (const { time, record } of cast.state) {
    if (record.type === 'sample' && Array.isArray(record.containers)) {
      for (const c of record.containers) {
        if (typeof c?.name !== 'string') continue;
        const current = c.memory?.current;
        const limit = c.memory?.limit;
        let s = series.get(c.name);
        if (!s) series.set(c.name, (s = { name: c.name, points: [], limits: [], limit: null }));
        if (typeof current === 'number') {
          s.points.push([time, current]);
          maxBytes = Math.max(maxBytes, current);
        }
        if (typeof limit === 'number' && limit > 0 && s.limit !== limit) {
          s.limits.push([time, limit]);
          s.limit = limit;
          maxBytes = Math.max(maxBytes, limit);
        }
      }
    } else if (record.type === 'event' && record.event?.kind === 'oom-kill') {
      const e = record.event;
      const label = cast.markers.find((m) => Math.abs(m.time - time) < 1e-6 && m.label.includes(e.name))?.label ?? `OOM kill in ${e.name}`;
      ooms.push({ time, name: e.name, label });
    }
  }
  const oomTimes = new Set(ooms.map((o) => o.time));
  const hasState = recording.header.stateTrack || cast.state.length > 0;
  return {
    title: recording.header.title ?? path.basename(recording.file),
    duration: cast.duration,
    idleTimeLimit: recording.header.idleTimeLimit ?? null,
    markers: cast.markers.map((m) => ({ time: m.time, label: m.label, oom: oomTimes.has(m.time) || /^OOM kill/.test(m.label) })),
    series: [...series.values()].filter((s) => s.points.length > 0),
    ooms,
    maxBytes: Math.max(maxBytes, 1),
    noChart: hasState
      ? 'The state track has no memory samples, so there is no memory chart.'
      : 'No memory chart: this recording has no state track (record it with ctr-tui record to get one).',
  };
}

/** JSON that is safe inside a <script> element (no "</script>", no "<!--"). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function playerAssets(): { js: string; css: string; licence: string; version: string } {
  // The package exports its bundle files (not its package.json): the package is two levels up.
  const js = require.resolve('asciinema-player/dist/bundle/asciinema-player.min.js');
  const dir = path.resolve(path.dirname(js), '..', '..');
  const version = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    js: readFileSync(js, 'utf8'),
    css: readFileSync(require.resolve('asciinema-player/dist/bundle/asciinema-player.css'), 'utf8'),
    licence: readFileSync(path.join(dir, 'LICENSE'), 'utf8'),
    version,
  };
}

const PAGE_CSS = `
:root { --c0: #3b82f6; --c1: #10b981; --c2: #f59e0b; --c3: #a855f7; --c4: #ec4899; --c5: #14b8a6; color-scheme: light dark; }
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; }
header h1 { font-size: 1.3rem; margin: 0 0 .2rem; }
header p, #now { color: #666; margin: .2rem 0 .8rem; font-size: .9rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 18rem; gap: 1rem; align-items: start; }
#chapters ol { list-style: none; margin: 0; padding: 0; max-height: 32rem; overflow: auto; }
#chapters button { all: unset; cursor: pointer; display: block; padding: .25rem .4rem; border-radius: 4px; font-size: .85rem; }
#chapters button:hover { background: #8882; }
#chapters button.current { background: #3b82f633; }
#chapters button.oom .label { color: #dc2626; font-weight: 600; }
#chapters .t { font-variant-numeric: tabular-nums; color: #888; margin-right: .3rem; }
h2 { font-size: 1rem; margin: .3rem 0; }
#memory-svg { width: 100%; height: auto; cursor: crosshair; border: 1px solid #8884; border-radius: 4px; }
#memory-svg .grid { stroke: #8883; }
#memory-svg .axis { fill: #888; font-size: 11px; }
#memory-svg .memory { fill: none; stroke-width: 2; }
#memory-svg .limit { fill: none; stroke-width: 1.2; stroke-dasharray: 6 4; }
#memory-svg .oom-mark line { stroke: #dc2626; stroke-width: 1.5; }
#memory-svg .oom-mark text { fill: #dc2626; font-size: 11px; font-weight: 600; }
#chart-cursor { stroke: #e11d48; stroke-width: 1.5; }
.legend { list-style: none; display: flex; flex-wrap: wrap; gap: 1rem; padding: 0; font-size: .85rem; }
.swatch { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: middle; }
.none { color: #888; font-style: italic; }
footer { margin-top: 2rem; color: #888; font-size: .75rem; }
@media (max-width: 800px) { .layout { grid-template-columns: 1fr; } }
`;

/** The page's HTML for a recording's text (as the file holds it) and its parsed form. */
export function buildPage(text: string, cast: Cast): string {
  const assets = playerAssets();
  const data = pageData(cast);
  const { header } = cast;
  const when = header.timestamp ? new Date(header.timestamp * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : 'unknown date';
  const minutes = Math.floor(data.duration / 60);
  const seconds = String(Math.floor(data.duration % 60)).padStart(2, '0');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data:; font-src data:; worker-src blob:; connect-src data: blob:">
<title>${escapeHtml(data.title)}</title>
<!-- asciinema-player ${assets.version} (https://github.com/asciinema/asciinema-player), Copyright asciinema contributors,
     licensed under the Apache License, Version 2.0; its full text is in the script element #asciinema-player-licence below. -->
<style>${assets.css.replace(/<\/style/gi, '<\\/style')}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p>Recorded ${escapeHtml(when)} · ${minutes}:${seconds} · ${header.width}x${header.height} · ${data.markers.length} chapter${data.markers.length === 1 ? '' : 's'}</p>
</header>
<div class="layout">
<main>
<div id="player"></div>
<p id="now"></p>
<section id="chart"><h2>Memory</h2></section>
</main>
<nav id="chapters"><h2>Chapters</h2></nav>
</div>
<footer>Made with ctr-tui export. Player: asciinema-player ${assets.version}, Apache License 2.0.</footer>
<script type="text/plain" id="asciinema-player-licence">${assets.licence.replace(/</g, '&lt;')}</script>
<script>${assets.js.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="ctr-cast">${scriptJson(text)}</script>
<script type="application/json" id="ctr-page">${scriptJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** The page for FILE, written to OUT (default: FILE with .html). Never overwrites without force. */
export async function exportHtml(file: string, out: string | undefined, options: { force: boolean }): Promise<{ output: string; warnings: string[] }> {
  const cast = await readCast(file);
  const output = out ?? (file.endsWith('.cast') ? `${file.slice(0, -'.cast'.length)}.html` : `${file}.html`);
  if (existsSync(output)) {
    if (statSync(output).isDirectory()) throw new UsageError(`${output} is a directory: name a file with -o FILE.html`);
    if (!options.force) throw new UsageError(`${output} already exists: pass -f to overwrite it, or choose another name with -o`);
  }
  const dir = path.dirname(path.resolve(output));
  if (!existsSync(dir)) throw new UsageError(`no such directory: ${dir} (for -o ${output})`);
  let text = readFileSync(file, 'utf8');
  // A cut-off last line (see the reader) is left out, as the player leaves it out.
  if (cast.warnings.length && !text.endsWith('\n')) text = text.slice(0, text.lastIndexOf('\n') + 1);
  const html = buildPage(text, cast);
  // Written beside it and renamed: never half a page under the final name.
  const temp = path.join(dir, `.${path.basename(output)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, html);
    renameSync(temp, output);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  return { output, warnings: cast.warnings };
}
