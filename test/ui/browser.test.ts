// The web UI in a real headless Chromium against real Norn processes: a single node for
// Explore (typing, completion, parse errors, histogram, expanding, filters, paging, metrics,
// live tail), the label browser and the tenant picker; a 3-ingester cluster for the cluster page.
// Screenshots go to a temporary directory ($NORN_UI_SCREENSHOTS to choose one).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchBrowser, screenshotDir } from '../helpers/browser.js';
import { startCluster, waitForRing, type TestCluster } from '../helpers/cluster.js';
import { LokiClient, nowNs } from '../helpers/loki-client.js';
import { REPO_ROOT, startTestNorn } from '../helpers/norn.js';

const chromium = chromiumPath();
if (chromium === undefined) console.warn('browser tests skipped: no chromium (Debian: apt-get install chromium; test/run.sh installs it as root)');

const S = 1_000_000_000n;

// The cluster takes longest to start: it starts with the first suite and is awaited by the last.
let clusterStart: Promise<TestCluster> | undefined;
function cluster3(): Promise<TestCluster> {
  clusterStart ??= startCluster({ ingesters: 3, readyTimeoutMs: 90_000 });
  return clusterStart;
}

afterAll(async () => {
  const started = await clusterStart?.catch(() => undefined);
  await started?.stop();
});
const shots = chromium === undefined ? '' : screenshotDir();

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Runs `expression` in the page until it is truthy, and returns its value. */
async function until<T>(page: Page, expression: string, timeout = 10_000): Promise<T> {
  try {
    const handle = await page.waitForFunction(expression, { timeout, polling: 50 });
    return (await handle.jsonValue()) as T;
  } catch (error) {
    const url = page.url();
    const body = await page.evaluate(`document.querySelector('main')?.innerText.slice(0, 800)`).catch(() => '');
    throw new Error(`never true: ${expression}\nat ${url}\npage: ${String(body)}`, { cause: error });
  }
}

async function evaluate<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression)) as T;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 250));
const editorText = (page: Page) => evaluate<string>(page, `document.querySelector('.cm-content').innerText.replace(/\\n$/, '')`);
const rowCount = (page: Page, list = 'log-list') => evaluate<number>(page, `document.querySelectorAll('[data-testid=${list}] [data-testid=log-row]').length`);
const urlQuery = (page: Page) => evaluate<string>(page, `new URLSearchParams(location.search).get('query')`);

/** Replaces the editor's text by typing, as a user would, and runs it with Ctrl+Enter. */
async function typeQuery(page: Page, query: string, run = true): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.down('Control');
  await page.keyboard.press('a');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(query);
  await page.keyboard.press('Escape'); // closes the completion list, if open
  expect(await editorText(page)).toBe(query);
  if (!run) return;
  await page.keyboard.down('Control');
  await page.keyboard.press('Enter');
  await page.keyboard.up('Control');
  await until(page, `new URLSearchParams(location.search).get('query') === ${JSON.stringify(query)}`);
}

/** Opens the newest line's details (a row stays open across re-renders of the same line). */
async function expandFirst(page: Page): Promise<void> {
  if (!(await evaluate<boolean>(page, `document.querySelector('[data-testid=log-row]').classList.contains('open')`))) await page.click('[data-testid=log-row] .log-summary');
  await page.waitForSelector('[data-testid=log-details]');
}

async function clickRowAction(page: Page, source: string, label: string, action: 'filter-for' | 'filter-out'): Promise<void> {
  await page.click(`[data-testid=log-details] tr[data-source=${source}][data-label=${label}] button[data-action=${action}]`);
}

describe.skipIf(chromium === undefined)('web UI in Chromium', () => {
  let browser: Browser;
  let norn: Awaited<ReturnType<typeof startTestNorn>>;
  let client: LokiClient;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(REPO_ROOT, 'ui', 'build.mjs')], { cwd: REPO_ROOT, stdio: 'pipe' });
    cluster3().catch(() => undefined); // its failure is reported by the cluster suite
    [browser, norn] = await Promise.all([launchBrowser(), startTestNorn()]);
    base = norn.address;
    client = new LokiClient(base);
    const now = nowNs();
    await client.push([
      {
        stream: { app: 'shop', env: 'test', level: 'info', pod: 'shop-1' },
        values: Array.from({ length: 120 }, (_, i) => [String(now - BigInt(i * 20 + 5) * S), `msg="order placed" order_id=${i} duration_ms=${i * 3}`, { trace_id: `trace-${i}` }] as [string, string, Record<string, string>]),
      },
      {
        stream: { app: 'shop', env: 'test', level: 'error', pod: 'shop-2' },
        values: Array.from({ length: 30 }, (_, i) => [String(now - BigInt(i * 40 + 13) * S), `msg="payment failed" order_id=${1000 + i} code=502`] as [string, string]),
      },
    ]);
    page = await browser.newPage();
    page.on('pageerror', (error) => console.error('page error:', error));
  });

  afterAll(async () => {
    await browser?.close();
    await norn?.stop();
    if (shots !== '') console.log(`UI screenshots: ${shots}`);
  });

  it('serves the UI at / and /ui/, and deep links under /ui/', async () => {
    for (const path of ['/', '/ui/', '/ui/cluster', '/ui/some/deep/link']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<div id="app">');
    }
    const missing = await fetch(`${base}/ui/assets/nothing-here.js`);
    expect(missing.status).toBe(404);
  });

  it('explores logs: typed query, histogram, newest first, expand, filter for and out, wrap, endless scroll', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('.cm-content');
    await typeQuery(page, '{app="shop"}');
    await until(page, `document.querySelectorAll('[data-testid=log-row]').length === 100`);
    const first = await evaluate<string>(page, `document.querySelector('[data-testid=log-row] .log-line').textContent`);
    expect(first).toBe('msg="order placed" order_id=0 duration_ms=0');
    // The histogram counts every line in the range, split by the level label.
    await until(page, `document.querySelector('[data-testid=histogram] canvas') !== null`);
    expect(await evaluate(page, `document.querySelector('[data-testid=histogram-total]').textContent`)).toBe('150 lines in range');
    const legend = await evaluate<string[]>(page, `[...document.querySelectorAll('[data-testid=histogram] .legend-item')].map((e) => e.textContent)`);
    expect(legend).toEqual(['error 30', 'info 120']);
    const common = await evaluate<string[]>(page, `[...document.querySelectorAll('[data-testid=common-labels] .chip')].map((e) => e.textContent)`);
    expect(common).toEqual(expect.arrayContaining(['app=shop', 'env=test']));
    expect(common.some((chip) => chip.startsWith('pod=') || chip.startsWith('level='))).toBe(false);
    await shot(page, 'explore-light');

    // Endless scroll: the next page is fetched with `end` at the oldest line shown.
    await page.evaluate(`document.querySelector('[data-testid=list-end]').scrollIntoView()`);
    await until(page, `document.querySelectorAll('[data-testid=log-row]').length === 150`);
    await until(page, `document.querySelector('[data-testid=list-end]').textContent === 'No older lines in this range.'`);
    const lines = await evaluate<string[]>(page, `[...document.querySelectorAll('[data-testid=log-row] .log-line')].map((e) => e.textContent)`);
    expect(new Set(lines).size).toBe(150);
    await page.evaluate('window.scrollTo(0, 0)');

    // Expand the newest line: labels, structured metadata.
    await expandFirst(page);
    const details = await evaluate<Record<string, string>>(
      page,
      `Object.fromEntries([...document.querySelectorAll('[data-testid=log-details] tr')].map((r) => [r.dataset.source + ':' + r.dataset.label, r.querySelector('.detail-value').textContent]))`,
    );
    expect(details).toMatchObject({ 'stream:app': 'shop', 'stream:env': 'test', 'stream:level': 'info', 'stream:pod': 'shop-1', 'metadata:trace_id': 'trace-0' });
    expect(Object.keys(details).filter((key) => !key.startsWith('stream:'))).toEqual(['metadata:trace_id']);

    // Filter for a stream label: it goes into the selector.
    await clickRowAction(page, 'stream', 'pod', 'filter-for');
    await until(page, `new URLSearchParams(location.search).get('query') === '{app="shop", pod="shop-1"}'`);
    expect(await editorText(page)).toBe('{app="shop", pod="shop-1"}');
    await until(page, `document.querySelectorAll('[data-testid=log-row]').length === 100 && document.querySelector('[data-testid=histogram-total]').textContent === '120 lines in range'`);
    expect(await evaluate(page, `[...document.querySelectorAll('[data-testid=log-row]')].every((r) => r.dataset.level === 'info')`)).toBe(true);

    // Filter out a metadata value: a label filter after the pipeline.
    await expandFirst(page);
    await clickRowAction(page, 'metadata', 'trace_id', 'filter-out');
    await until(page, `new URLSearchParams(location.search).get('query') === '{app="shop", pod="shop-1"} | trace_id!="trace-0"'`);
    await until(page, `document.querySelector('[data-testid=histogram-total]')?.textContent === '119 lines in range'`);
    expect(await evaluate(page, `document.querySelector('[data-testid=log-row] .log-line').textContent`)).toBe('msg="order placed" order_id=1 duration_ms=3');

    // Parsed fields come from a parser stage, with the same filters.
    await typeQuery(page, '{app="shop", level="error"} | logfmt');
    await until(page, `document.querySelector('[data-testid=histogram-total]')?.textContent === '30 lines in range'`);
    await expandFirst(page);
    await page.waitForSelector('[data-testid=log-details] tr[data-source=parsed][data-label=code]');
    await clickRowAction(page, 'parsed', 'code', 'filter-out');
    await until(page, `new URLSearchParams(location.search).get('query') === '{app="shop", level="error"} | logfmt | code!="502"'`);
    await until(page, `document.querySelector('.empty')?.textContent === 'No lines in this range.'`);

    // Line wrap toggle.
    await typeQuery(page, '{app="shop"}');
    await page.waitForSelector('[data-testid=wrap-toggle]');
    // The toggle shows while the previous (empty) answer is still on screen: wait for the new rows.
    await until(page, `document.querySelectorAll('[data-testid=log-list] [data-testid=log-row]').length > 0`);
    const wrapped = await evaluate<boolean>(page, `document.querySelector('.log-list').classList.contains('wrap')`);
    await page.click('[data-testid=wrap-toggle]');
    await until(page, `document.querySelector('.log-list').classList.contains('wrap') === ${!wrapped}`);
    await page.click('[data-testid=wrap-toggle]');
  });

  it('completes label names and values, and shows the server parse error inline', async () => {
    await page.goto(`${base}/ui/explore`);
    await page.waitForSelector('.cm-content');
    await page.click('.cm-content');
    await page.keyboard.type('{a');
    await until(page, `[...document.querySelectorAll('.cm-tooltip-autocomplete li')].some((li) => li.textContent.startsWith('app'))`);
    await settle(); // CodeMirror ignores Enter on a completion list younger than its interaction delay
    await page.keyboard.press('Enter');
    expect(await editorText(page)).toBe('{app=}');
    await page.keyboard.type('"');
    await until(page, `[...document.querySelectorAll('.cm-tooltip-autocomplete li')].some((li) => li.textContent === 'shop')`);
    await settle();
    await page.keyboard.press('Enter');
    expect(await editorText(page)).toBe('{app="shop"}');

    await typeQuery(page, '{app="shop"} |= ', false);
    await page.waitForSelector('.cm-lintRange-error', { timeout: 10_000 });
    await page.hover('.cm-lintRange-error');
    const message = await until<string>(page, `document.querySelector('.cm-tooltip-lint')?.textContent`);
    expect(message).toContain('parse error at line 1, col 17');

    // Running it anyway shows Loki's error, and the page stays usable.
    await page.keyboard.down('Control');
    await page.keyboard.press('Enter');
    await page.keyboard.up('Control');
    const error = await until<string>(page, `document.querySelector('[data-testid=query-error]')?.textContent`);
    expect(error).toContain('parse error');
  });

  it('runs a metric query into a chart with a legend per series, and a table', async () => {
    await page.goto(`${base}/ui/explore`);
    await page.waitForSelector('.cm-content');
    await typeQuery(page, 'sum by (level) (count_over_time({app="shop"} [5m]))');
    await page.waitForSelector('[data-testid=metric-chart] canvas');
    const legend = await evaluate<string[]>(page, `[...document.querySelectorAll('[data-testid=metric-chart] .u-legend .u-series th')].map((e) => e.textContent)`);
    expect(legend.slice(1)).toEqual(['{level="error"}', '{level="info"}']);
    await shot(page, 'metrics-light');
    await page.click('[data-testid=view-table]');
    const rows = await evaluate<string[]>(page, `[...document.querySelectorAll('[data-testid=metric-table] tbody tr td:first-child')].map((e) => e.textContent)`);
    expect(rows).toEqual(['{level="error"}', '{level="info"}']);
  });

  it('follows a live tail as lines are pushed, and holds them back while paused', async () => {
    await page.goto(`${base}/ui/explore`);
    await page.waitForSelector('.cm-content');
    await typeQuery(page, '{app="tail"}');
    await page.click('[data-testid=live-toggle]');
    await until(page, `document.querySelector('[data-testid=tail-status]')?.textContent === 'Live'`);
    await client.push([{ stream: { app: 'tail' }, values: [[String(nowNs()), 'tail line 1']] }]);
    await until(page, `[...document.querySelectorAll('[data-testid=tail-list] .log-line')].some((e) => e.textContent === 'tail line 1')`);

    await page.click('[data-testid=tail-pause]');
    await client.push([{ stream: { app: 'tail' }, values: [[String(nowNs()), 'tail line 2']] }]);
    await until(page, `document.querySelector('[data-testid=tail-resume]')?.textContent === 'Resume (1 new)'`);
    expect(await rowCount(page, 'tail-list')).toBe(1);
    await page.click('[data-testid=tail-resume]');
    const shown = await until<string[]>(page, `(() => { const l = [...document.querySelectorAll('[data-testid=tail-list] .log-line')].map((e) => e.textContent); return l.length === 2 && l; })()`);
    expect(shown).toEqual(['tail line 2', 'tail line 1']);
    await page.click('[data-testid=tail-stop]');
    await until(page, `new URLSearchParams(location.search).get('live') === null`);
  });

  it('builds a selector in the label browser from picked values', async () => {
    await page.goto(`${base}/ui/labels`);
    await until(page, `document.querySelector('[data-label=pod] .count')?.textContent === '2'`);
    await page.click('[data-label=pod]');
    await page.waitForSelector('[data-value=shop-2]');
    const counts = await evaluate<string[][]>(page, `[...document.querySelectorAll('[data-testid=label-values] li')].map((e) => [e.querySelector('.value').textContent, e.querySelector('.count').textContent])`);
    expect(counts).toEqual([
      ['shop-1', '1 stream'],
      ['shop-2', '1 stream'],
    ]);
    await page.click('[data-value=shop-2]');
    await page.click('[data-value=shop-1]');
    expect(await evaluate(page, `document.querySelector('[data-testid=built-selector]').textContent`)).toBe('{pod=~"shop-2|shop-1"}');
    await page.click('[data-testid=show-logs]');
    await until(page, `location.pathname === '/ui/explore' && document.querySelectorAll('[data-testid=log-row]').length === 100`);
    expect(await urlQuery(page)).toBe('{pod=~"shop-2|shop-1"}');
  });

  it('is usable in the dark theme, at phone width, and shows keyboard focus', async () => {
    const query = encodeURIComponent('{app="shop"}');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await page.goto(`${base}/ui/explore?query=${query}`);
    await until(page, `document.querySelectorAll('[data-testid=log-row]').length === 100`);
    expect(await evaluate(page, `getComputedStyle(document.body).backgroundColor`)).toBe('rgb(17, 19, 22)');
    await shot(page, 'explore-dark');
    await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true });
    await page.reload();
    await until(page, `document.querySelectorAll('[data-testid=log-row]').length === 100`);
    expect(await evaluate(page, `document.documentElement.scrollWidth <= window.innerWidth`)).toBe(true);
    await shot(page, 'explore-phone-dark');
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await shot(page, 'explore-phone-light');
    await page.setViewport({ width: 1280, height: 800 });
    await page.reload();
    await page.waitForSelector('.cm-content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const outline = await evaluate<string>(page, `getComputedStyle(document.activeElement).outlineStyle`);
    expect(outline).toBe('solid');
  });

  it('asks for a tenant when --auth is on, and sends it as X-Scope-OrgID', async () => {
    const secured = await startTestNorn({ auth: true });
    try {
      await new LokiClient(secured.address, 'acme').push([{ stream: { app: 'billing' }, values: [[String(nowNs() - S), 'invoice sent']] }]);
      await page.goto(`${secured.address}/ui/explore?query=${encodeURIComponent('{app="billing"}')}`);
      await until(page, `document.querySelector('.banner')?.textContent.includes('pick a tenant')`);
      const error = await until<string>(page, `document.querySelector('[data-testid=query-error]')?.textContent`);
      expect(error).toBe('no org id');
      await page.click('[data-testid=tenant-input]');
      await page.keyboard.type('acme');
      await page.keyboard.press('Enter');
      await until(page, `new URLSearchParams(location.search).get('tenant') === 'acme'`);
      await until(page, `document.querySelector('[data-testid=log-row] .log-line')?.textContent === 'invoice sent'`);
      expect(await evaluate(page, `document.querySelector('.banner')`)).toBe(null);
    } finally {
      await secured.stop();
    }
  }, 60_000);
});

describe.skipIf(chromium === undefined)('cluster page in Chromium', () => {
  let browser: Browser;
  let cluster: TestCluster;

  beforeAll(async () => {
    // One after the other: on a busy 2-core machine, starting both at once can starve the ingesters.
    cluster = await cluster3();
    browser = await launchBrowser();
    await waitForRing(cluster.gateway, (ring) => ring.members.length === 3 && ring.members.every((m) => m.state === 'ACTIVE' && m.healthy));
  }, 200_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("shows the gateway, the three ingesters and the ring's health", async () => {
    const page = await browser.newPage();
    await page.goto(`${cluster.gateway.url}/ui/cluster`);
    await until(page, `document.querySelectorAll('[data-testid=ingesters] tbody tr').length === 3`);
    const rows = await evaluate<string[][]>(page, `[...document.querySelectorAll('[data-testid=ingesters] tbody tr')].map((r) => [...r.cells].slice(0, 5).map((c) => c.textContent))`);
    expect(rows).toEqual(['ingester-1', 'ingester-2', 'ingester-3'].map((id) => [id, 'ACTIVE', 'healthy', '', '128']));
    expect(await evaluate(page, `document.querySelector('[data-testid=ring-health]').dataset.level`)).toBe('ok');
    expect(await evaluate(page, `document.querySelector('[data-testid=ring-health] p').textContent`)).toBe('All 3 ingesters ACTIVE and healthy');
    expect(await evaluate(page, `document.querySelector('[data-testid=gateway-card] .pill').textContent`)).toBe('ready');
    await shot(page, 'cluster-light');

    // The page follows the ring: an ingester killed shows up unhealthy once its heartbeat is stale.
    await cluster.ingesters.get('ingester-3')!.stop('SIGKILL');
    await until(page, `document.querySelector('[data-member=ingester-3] td:nth-child(3)')?.textContent === 'unhealthy'`, 30_000);
    expect(await evaluate(page, `document.querySelector('[data-testid=ring-health]').dataset.level`)).toBe('warn');
    await shot(page, 'cluster-degraded');
  });
});
