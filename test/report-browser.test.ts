/**
 * The HTML report in a real browser (Debian's chromium, driven by playwright-core): at desktop
 * and phone width, a totals card lands its section below the sticky filter bar, the page never
 * scrolls sideways, and the status toggles hide and show whole categories.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { insertDevices } from '../src/db/devices';
import { runTs } from './support/processes';
import { testDatabase } from './support/services';

const CHROMIUM = '/usr/bin/chromium';

describe(
  'HTML report in a browser',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` },
  async () => {
    const { url, db } = await testDatabase();
    const serials = Array.from({ length: 70 }, (_, i) => `SN-${String(i).padStart(3, '0')}-LONG-SERIAL-NUMBER`);
    await insertDevices(
      db,
      serials.map((serial, i) => ({
        serial,
        name: `Printer ${i} on the second floor`,
        model: 'HP LaserJet M404dn',
        location: 'Siège, Bâtiment A, étage 2',
      })),
    );
    const devices = await db.device.findMany({ orderBy: { id: 'asc' } });
    const run = await db.checkRun.create({
      data: {
        workflowId: 'nightly',
        runId: 'r',
        trigger: 'schedule',
        status: 'completed_with_errors',
        finishedAt: new Date(),
        total: 70,
      },
    });
    await db.checkResult.createMany({
      data: devices.map((device, i) => ({
        checkRunId: run.id,
        deviceId: device.id,
        status: i < 30 ? 'conflict' : i < 60 ? 'not_found' : 'error',
        glpiIds: i < 30 ? [100 + i, 200 + i] : [],
        errorMessage: i >= 60 ? 'GLPI answered 503 Service Unavailable after 4 attempts' : null,
      })),
    });
    const file = join(mkdtempSync(join(tmpdir(), 'report-browser-')), 'report.html');
    const written = await runTs('src/cli/report.ts', ['--output', file], {
      DATABASE_URL: url,
      GLPI_URL: 'https://glpi.example/apirest.php',
    });
    assert.equal(written.code, 0, written.stderr);

    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    after(() => browser.close());

    async function open(width: number): Promise<Page> {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.goto(`file://${file}`);
      return page;
    }

    // Browser-side code is given as strings: the project compiles without the DOM's types.
    for (const width of [1280, 390]) {
      test(`${width} px: no sideways page scroll; a totals card's heading lands below the filter bar`, async () => {
        const page = await open(width);
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window`);
        for (const [card, section] of [
          ['Not found', '#not-found'],
          ['Errors', '#errors'],
        ]) {
          await page.locator('a.card', { hasText: card }).click();
          await page.waitForFunction(`location.hash === ${JSON.stringify(section)}`);
          const { heading, bar } = await page.evaluate<{ heading: number; bar: number }>(`({
          heading: document.querySelector('${section} h2').getBoundingClientRect().top,
          bar: document.querySelector('.toolbar').getBoundingClientRect().bottom,
        })`);
          assert.ok(heading >= bar, `${section}: heading at ${heading} px is under the filter bar (bottom ${bar} px)`);
        }
        if (width === 390) {
          // The table scrolls inside its box instead.
          const scroll = await page.evaluate<{ client: number; scroll: number; overflow: string }>(`(() => {
          const box = document.querySelector('#conflicts .table-scroll');
          return { client: box.clientWidth, scroll: box.scrollWidth, overflow: getComputedStyle(box).overflowX };
        })()`);
          assert.equal(scroll.overflow, 'auto');
          assert.ok(scroll.scroll > scroll.client, 'the wide table scrolls within its section');
        }
        await page.close();
      });
    }

    // The full check's scan, the cards missing from the inventory and the changes: no toggle hides them.
    const FLEET_SECTIONS = ['strategy', 'unknown-cards', 'changes'];

    test('status toggles hide and show a category; the filter counts only what is shown', async () => {
      const page = await open(1280);
      const visible = () =>
        page.evaluate<string[]>(
          "Array.from(document.querySelectorAll('section.category')).filter((s) => !s.hidden).map((s) => s.id)",
        );
      assert.deepEqual(await visible(), ['conflicts', 'not-found', 'errors', 'findings', ...FLEET_SECTIONS]);
      const conflicts = page.locator('.toggle.conflict');
      await conflicts.click();
      assert.equal(await conflicts.getAttribute('aria-pressed'), 'false');
      assert.deepEqual(await visible(), ['not-found', 'errors', 'findings', ...FLEET_SECTIONS]);

      await page.fill('#filter', 'SN-0');
      // A locator wait, not waitForFunction: its in-page polling evaluates a string, which the
      // report's CSP (no unsafe-eval) refuses.
      await page.locator('.toolbar .status', { hasText: 'match' }).waitFor();
      // SN-000…SN-069 all match "SN-0"; the 30 conflicts are toggled off.
      assert.equal(await page.textContent('.toolbar .status'), '40 of 40 devices match');

      await page.locator('a.card', { hasText: 'Conflicts' }).click();
      assert.equal(await conflicts.getAttribute('aria-pressed'), 'true', 'the card brings its section back');
      assert.deepEqual(await visible(), ['conflicts', 'not-found', 'errors', 'findings', ...FLEET_SECTIONS]);
      assert.equal(await page.textContent('.toolbar .status'), '70 of 70 devices match');

      const findings = page.locator('.toggle.finding');
      await findings.click();
      assert.deepEqual(
        await visible(),
        ['conflicts', 'not-found', 'errors', ...FLEET_SECTIONS],
        'findings have their own toggle',
      );
      await page.close();
    });

    test('the page carries the toggles and the CSS behind them', () => {
      const html = readFileSync(file, 'utf8');
      assert.match(html, /<button type="button" class="toggle conflict" data-category="conflict" aria-pressed="true">/);
      assert.match(html, /scroll-margin-top: 76px/);
      assert.match(html, /<div class="table-scroll">\n<table class="sortable">/);
    });
  },
);
