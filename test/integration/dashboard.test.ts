import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Config } from '../../src/config/config.ts';
import { formatBytes } from '../../src/lib/format.ts';
import { formatLsn } from '../../src/pg/lsn.ts';
import type { StatusReport } from '../../src/stack/status.ts';
import { cli } from '../helpers/cli.ts';
import { startDashboardProcess, type DashboardProcess } from '../helpers/dashboard.ts';
import { ensureStack } from '../helpers/stack.ts';

// The dashboard in a real browser: Debian's Chromium (installed by scripts/prereqs.sh) driven by
// playwright-core, against the shared native stack and a `cqrsctl dashboard` child process.
let config: Config;
let dashboard: DashboardProcess;
let browser: Browser;
let page: Page;

before(async () => {
  config = await ensureStack();
  dashboard = await startDashboardProcess(config);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // Workaround: tsx (esbuild keepNames) wraps the functions inside page.evaluate callbacks in __name(),
  // which the page does not have.
  await page.addInitScript('globalThis.__name = (f) => f');
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(dashboard.url);
  await page.waitForSelector('#services tbody tr', { timeout: 30_000 });
  assert.deepEqual(errors, [], 'the page runs without errors');
});

after(async () => {
  await browser?.close();
  if (dashboard) assert.equal(await dashboard.stop(), 0, 'Ctrl-C ends the dashboard cleanly');
});

async function status(): Promise<StatusReport> {
  const r = await cli(['status', '--json']);
  return JSON.parse(r.stdout) as StatusReport;
}

/** What the page shows, read in one go so the numbers come from one sample. */
const readPage = () =>
  page.evaluate(() => {
    const text = (root: Element, sel: string) => root.querySelector(sel)?.textContent?.trim() ?? '';
    return {
      sampleAt: Number(document.body.dataset.sampleAt),
      services: [...document.querySelectorAll('#services tbody tr')].map((tr) => [tr.getAttribute('data-service'), text(tr, '.state')]),
      connector: text(document.body, '#connector .state'),
      tasks: [...document.querySelectorAll('#tasks li')].map((li) => text(li, '.state')),
      replicas: [...document.querySelectorAll('#replicas tbody tr')].map((tr) => ({
        name: tr.getAttribute('data-replica')!,
        applied: Number(text(tr, '.applied')),
        lsn: text(tr, '.lsn'),
        lagEvents: Number(text(tr, '.lag-events')),
        dead: Number(text(tr, '.dead')),
        lag: text(tr, '.lag'),
      })),
      slotBytes: Number(document.querySelector('#slot-retained')?.getAttribute('data-bytes')),
      slot: text(document.body, '#slot'),
      eventsPerSec: Number(text(document.body, '#events-rate')),
      paths: Object.fromEntries(
        [...document.querySelectorAll('#lag-chart path')].map((p) => [p.getAttribute('data-replica'), p.getAttribute('d')]),
      ),
      feed: [...document.querySelectorAll('#feed li')].map((li) => li.textContent ?? ''),
    };
  });

/** Waits until the page shows a sample whose look at the stack began after `since` (two samples later). */
async function pageLookedAfter(since: number) {
  const seen = new Set<number>();
  for (let i = 0; i < 120; i++) {
    const now = await readPage();
    if (now.sampleAt > since) seen.add(now.sampleAt);
    if (seen.size >= 2) return now;
    await sleep(500);
  }
  throw new Error('the page showed no new sample within 60 s');
}

test("the page's services, connector, replicas and dead letters agree with status --json", { timeout: 240_000 }, async () => {
  // With the connector paused no change arrives (not even its heartbeats), so both can be compared exactly.
  const pause = await cli(['connector', 'pause']);
  assert.equal(pause.exitCode, 0, pause.stderr);
  try {
    let before = await status();
    for (let i = 0; ; i++) {
      const shown = await pageLookedAfter(Date.now());
      const later = await status();
      const applied = (s: StatusReport) => s.replication.map((r) => r.appliedEvents).join();
      if (applied(before) !== applied(later) || later.connector.state !== 'PAUSED') {
        assert.ok(i < 20, `the replicas kept applying with the connector paused: ${applied(before)} then ${applied(later)}`);
        before = later;
        continue;
      }
      assert.deepEqual(
        shown.services,
        later.services.map((s) => [s.name, s.state]),
      );
      assert.equal(shown.connector, 'PAUSED');
      assert.deepEqual(
        shown.tasks,
        later.connector.tasks.map((t) => t.state),
      );
      assert.deepEqual(
        shown.replicas.map((r) => [r.name, r.applied, r.lsn, r.lagEvents, r.dead]),
        later.replication.map((r) => [
          r.name,
          r.appliedEvents,
          r.lastLsn === null ? '–' : formatLsn(BigInt(r.lastLsn)),
          r.lagEvents,
          r.deadLettered,
        ]),
      );
      // The leader's WAL still grows (checkpoints, its own bookkeeping), so the page's figure lies between the two looks.
      const retained = (x: StatusReport) => (x.slot && 'walRetainedBytes' in x.slot ? x.slot.walRetainedBytes : NaN);
      assert.ok(
        retained(before) <= shown.slotBytes && shown.slotBytes <= retained(later),
        `WAL retained: page ${shown.slotBytes}, status ${retained(before)} before and ${retained(later)} after`,
      );
      const limit = later.slot && 'maxKeepBytes' in later.slot ? later.slot.maxKeepBytes : undefined;
      assert.match(shown.slot, new RegExp(limit ? `of ${formatBytes(limit)} allowed` : 'no limit'));
      return;
    }
  } finally {
    const resume = await cli(['connector', 'resume']);
    assert.equal(resume.exitCode, 0, resume.stderr);
  }
});

test('while simulate runs, the lag chart moves, events/s rise and the change feed fills', { timeout: 300_000 }, async () => {
  const start = await readPage();
  const simulate = cli(['simulate', '--duration', '20s', '--rate', '0'], { timeoutMs: 240_000 });
  const paths = new Set<string>();
  let rate = 0;
  let lagged = false;
  let done = false;
  void simulate.finally(() => (done = true));
  while (!done) {
    const now = await readPage();
    paths.add(JSON.stringify(now.paths));
    rate = Math.max(rate, now.eventsPerSec || 0);
    lagged ||= now.replicas.some((r) => /^[1-9]\d* (ms|s|min)$/.test(r.lag));
    await sleep(1000);
  }
  const sim = await simulate;
  assert.equal(sim.exitCode, 0, sim.stderr);
  const end = await pageLookedAfter(Date.now());
  paths.add(JSON.stringify(end.paths));
  assert.ok(paths.size >= 5, `the lag chart was redrawn with new points only ${paths.size} times`);
  assert.deepEqual(
    Object.keys(end.paths),
    start.replicas.map((r) => r.name),
    'one line per replica',
  );
  assert.ok(lagged, 'a replica showed a lag above 0 ms while simulate ran');
  assert.ok(rate > 10, `events/s peaked at ${rate} while simulate ran`);
  assert.ok(
    end.feed.some((line) => /public\.(orders|customers|products|order_items) /.test(line)),
    `the live feed shows the simulated changes: ${end.feed.slice(0, 3).join(' | ')}`,
  );
  const file = join(config.settings.home, 'dashboard.png');
  await page.screenshot({ path: file, fullPage: true });
  console.log(`# dashboard screenshot: ${file}`);
});
