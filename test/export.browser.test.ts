// ctr-tui export in a real browser: Debian's chromium driven by playwright-core (NOTES.md,
// "Recording"). The page is opened from disk with every request intercepted: the only one
// allowed and made is the page itself. It plays, the OOM chapter shows the banner in the
// player's terminal, the chart's cursor follows playback and a click on the chart seeks.
// A screenshot goes to test-output/export.png (not committed).
import test, { type ExecutionContext } from 'ava';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot, runCli } from './helpers/container.js';
import { dashboardCast, simpleCast } from './helpers/cast-generator.js';

const CHROMIUM = '/usr/bin/chromium';
const browserTest = existsSync(CHROMIUM) ? test.serial : test.serial.skip;
if (!existsSync(CHROMIUM)) console.log(`export.browser: skipped: no ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`);

let browser: Browser | undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'ctr-export-'));

test.after.always(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Playwright gives the browser a fresh profile of its own (a --user-data-dir it refuses as an argument). */
async function launch(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  return browser;
}

async function exported(t: ExecutionContext, name: string, text: string): Promise<string> {
  const cast = path.join(dir, `${name}.cast`);
  writeFileSync(cast, text);
  const result = await runCli(['export', cast], { timeoutMs: 30_000 });
  t.is(result.code, 0, result.stderr);
  const page = path.join(dir, `${name}.html`);
  t.is(result.stdout, `${page}\n`);
  return page;
}

/** Opens the page with every request intercepted; returns the page and the requests asked for. */
async function open(t: ExecutionContext, file: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
  const context = await (await launch()).newContext({ viewport: { width: 1280, height: 1000 } });
  t.teardown(() => context.close());
  const url = pathToFileURL(file).href;
  const requests: string[] = [];
  await context.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url() === url ? route.continue() : route.abort();
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, requests, errors };
}

const cursorTime = (page: Page) => page.evaluate(() => (window as unknown as { ctrTui: { cursorTime: number | null } }).ctrTui.cursorTime);
const cursorX = (page: Page) => page.evaluate(() => Number(document.getElementById('chart-cursor')?.getAttribute('x1')));
const terminalText = (page: Page) => page.evaluate(() => document.querySelector('.ap-term, .ap-terminal')?.textContent ?? '');

browserTest('the exported page works offline: plays, chapters seek, the OOM banner shows, the chart cursor follows and seeks', async (t) => {
  const cast = dashboardCast({ seconds: 60, oomAt: [30] });
  const file = await exported(t, 'lesson', cast.text);
  const { page, requests, errors } = await open(t, file);

  // Chapters: one per marker, the OOM one marked.
  const chapters = await page.locator('#chapters .chapter').allTextContents();
  t.is(chapters.length, cast.markers.length);
  t.true(chapters.at(-1)!.includes(cast.banners[0]!));
  t.is(await page.locator('#chapters .chapter.oom').count(), 1);
  // The chart: a line and a limit per container, the OOM kill marked.
  t.is(await page.locator('#memory-svg polyline.memory').count(), 4);
  t.is(await page.locator('#memory-svg path.limit').count(), 4);
  t.is(await page.locator('#memory-svg .oom-mark').count(), 1);

  // It plays, and the cursor moves with it.
  await page.evaluate(() => (window as unknown as { ctrTui: { player: { play(): Promise<unknown> } } }).ctrTui.player.play());
  await page.waitForFunction(() => ((window as unknown as { ctrTui: { cursorTime: number | null } }).ctrTui.cursorTime ?? 0) > 0.5, undefined, { timeout: 20_000 });
  const x1 = await cursorX(page);
  await page.waitForFunction((x) => Number(document.getElementById('chart-cursor')?.getAttribute('x1')) > x + 1, x1, { timeout: 20_000 });
  t.true((await terminalText(page)).includes('4 containers'), 'the recorded dashboard in the player');
  t.false((await terminalText(page)).includes(cast.banners[0]!), 'no banner before the kill');

  // The OOM chapter: the banner in the player's terminal, the chapter marked current.
  await page.locator('#chapters .chapter.oom').click();
  await page.waitForFunction((banner) => (document.querySelector('.ap-term, .ap-terminal')?.textContent ?? '').includes(banner), cast.banners[0]!, { timeout: 20_000 });
  // The cursor follows the player by polling it (every 100 ms): it reaches the kill a moment after the banner shows.
  await page.waitForFunction(() => Math.abs(((window as unknown as { ctrTui: { cursorTime: number | null } }).ctrTui.cursorTime ?? 0) - 30.1) < 3, undefined, { timeout: 10_000 })
    .catch(() => undefined);
  t.true(Math.abs((await cursorTime(page))! - 30.1) < 3, `the cursor at the kill (${await cursorTime(page)} s)`);
  await page.waitForFunction(() => document.querySelector('#chapters .chapter.current')?.classList.contains('oom') === true, undefined, { timeout: 10_000 });
  t.regex((await page.locator('#now').textContent()) ?? '', /OOM kill in hungry-lab/);
  mkdirSync(path.join(repoRoot, 'test-output'), { recursive: true });
  await page.screenshot({ path: path.join(repoRoot, 'test-output/export.png'), fullPage: true });

  // A click on the chart near its start seeks there: the banner goes, the cursor follows.
  const box = (await page.locator('#memory-svg').boundingBox())!;
  await page.mouse.click(box.x + box.width * (64 + 0.1 * (900 - 64 - 12)) / 900, box.y + box.height / 2);
  await page.waitForFunction(() => ((window as unknown as { ctrTui: { cursorTime: number | null } }).ctrTui.cursorTime ?? 99) < 15, undefined, { timeout: 20_000 });
  await page.waitForFunction((banner) => !(document.querySelector('.ap-term, .ap-terminal')?.textContent ?? '').includes(banner), cast.banners[0]!, { timeout: 20_000 });

  t.deepEqual(requests, [pathToFileURL(file).href], 'no request but the page itself');
  t.deepEqual(errors, []);
});

browserTest('a recording without a state track: the page plays and says why there is no chart', async (t) => {
  const file = await exported(t, 'plain', simpleCast());
  const { page, requests, errors } = await open(t, file);
  t.is(await page.locator('#memory-svg').count(), 0);
  t.regex((await page.locator('#chart').textContent()) ?? '', /no state track/);
  t.is(await page.locator('#chapters .chapter').count(), 2);
  await page.locator('#chapters .chapter').nth(1).click();
  await page.waitForFunction(() => (document.querySelector('.ap-term, .ap-terminal')?.textContent ?? '').includes('line three'), undefined, { timeout: 20_000 });
  t.deepEqual(requests, [pathToFileURL(file).href]);
  t.deepEqual(errors, []);
});
