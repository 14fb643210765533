/**
 * The web page in a real browser (Debian's chromium, driven by playwright-core) on the real
 * stack: checks run by a worker built by the production factory, on the Temporal dev server,
 * against the GLPI simulator over HTTP, stored in PostgreSQL, served by the production entry
 * (startWebServer). It loads every page, filters, searches, sorts, pages, follows links,
 * exports CSV, watches a running check's live progress move without a reload (the simulator
 * slowed down), and checks hostile inventory values stay text. Screenshots go to
 * test-artifacts/web/ (git-ignored); the README's come from there.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { checkAllDevices } from '../src/workflows';
import { insertDevices } from '../src/db/devices';
import { startWebServer } from '../src/web';
import { generateInventory } from '../src/dev/glpi-simulator';
import { glpiFor, startSimulator } from './support/glpi';
import { startWorker, temporalAddress, temporalClient, testDatabase } from './support/services';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'test-artifacts', 'web');

const HOSTILE_NAME = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>';
const HOSTILE_SERIAL = '=HYPERLINK("http://evil.example")';
// The run page's device rows, not those of its changes and missing-cards tables.
const DEVICE_ROWS = 'table[aria-label^="Devices of run"] tbody tr';

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

describe(
  'web page in a browser, on the real stack',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` },
  async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Awkward serials and cards stored with stray white space (findings), as in the demo.
    const inv = generateInventory({ devices: 400, seed: 21, awkwardSerials: true, whitespaceRate: 0.03 });
    const sim = await startSimulator({ items: inv.items });
    const { db, url } = await testDatabase();
    await insertDevices(db, inv.devices);
    await insertDevices(db, [
      {
        serial: HOSTILE_SERIAL,
        name: HOSTILE_NAME,
        model: `"'><b>bold</b>`,
        location: '\u202Eevil\u202C שלום',
        organisation: 'Org Δ',
      },
    ]);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    const runCheck = (name: string) =>
      client.workflow.execute(checkAllDevices, {
        taskQueue,
        workflowId: `web-${name}-${taskQueue}`,
        args: [{ batchSize: 100, batchConcurrency: 2 }],
      });
    // Two nights: the second after 30 cards left GLPI (more not_found), for a chart that moves.
    const first = await runCheck('night-1');
    sim.setItems(inv.items.slice(30));
    const second = await runCheck('night-2');

    const web = await startWebServer({
      env: {
        ENV_FILE: 'none',
        DATABASE_URL: url,
        TEMPORAL_ADDRESS: temporalAddress(),
        TASK_QUEUE: taskQueue,
        GLPI_URL: sim.url,
        CHECK_TIMEZONE: 'UTC',
      },
      host: '127.0.0.1',
      port: 0,
    });
    after(() => web.close());
    const glpiBase = sim.url.replace(/\/apirest\.php$/, '');

    const browser: Browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu'],
    });
    after(() => browser.close());
    const dialogs: string[] = [];
    const errors: string[] = [];
    async function open(path: string, width = 1280): Promise<Page> {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(web.url + path);
      return page;
    }
    const shot = (page: Page, name: string, fullPage = true) =>
      page.screenshot({ path: join(ARTIFACTS, name), fullPage });

    test('the runs list shows both nights with their totals and links to each', async () => {
      const page = await open('/');
      assert.equal(await page.title(), 'Runs · GLPI device check');
      for (const report of [first, second]) {
        const row = page.locator('tr', { has: page.locator(`a[href="/runs/${report.checkRunId}"]`) });
        const text = (await row.textContent()) ?? '';
        assert.match(text, /completed/);
        assert.ok(
          text.includes(report.notFound.toLocaleString('en-US')),
          `not found count of run ${report.checkRunId}`,
        );
      }
      assert.equal(await page.locator('svg.chart a').count(), 2, 'one bar per finished full check');
      await page.locator(`a[href="/runs/${second.checkRunId}"]`).first().click();
      await page.waitForURL(new RegExp(`/runs/${second.checkRunId}$`));
      assert.match((await page.textContent('h1')) ?? '', new RegExp(`Run ${second.checkRunId}`));
      await page.close();
    });

    test('a run: totals as in the database, filters by status (applied as the select changes), search, sort, paging', async () => {
      const page = await open(`/runs/${second.checkRunId}`);
      const card = async (status: string) => (await page.locator(`a.card.${status} .value`).textContent())?.trim();
      assert.equal(await card('conflict'), String(second.conflicts));
      assert.equal(await card('not_found'), String(second.notFound));
      assert.equal(await card('found'), String(second.found));
      assert.equal(await page.locator('#changes h2').textContent(), 'Changes since the previous run');
      assert.equal(await page.locator('#missing-cards h2').textContent(), 'GLPI cards missing from the inventory');

      await page.selectOption('select[name="status"]', 'conflict');
      await page.waitForURL(/\?status=conflict#devices$/);
      const statuses = await page.locator(`${DEVICE_ROWS} td:nth-child(7)`).allTextContents();
      assert.equal(statuses.length, Math.min(50, second.conflicts));
      assert.ok(
        statuses.every((s) => s.trim() === 'conflict'),
        'every row listed is a conflict',
      );
      assert.match(
        (await page.textContent('.pager [role="status"]')) ?? '',
        new RegExp(`^${second.conflicts} devices? match`),
      );
      await shot(page, 'run.png');

      // Search inside the filter by part of a serial, in another case.
      const conflict = await db.checkResult.findFirstOrThrow({
        where: { checkRunId: second.checkRunId, status: 'conflict' },
        include: { device: true },
        orderBy: { deviceId: 'desc' },
      });
      await page.fill('input[name="q"]', conflict.device.serial.toLowerCase());
      await page.press('input[name="q"]', 'Enter');
      await page.waitForURL(/q=/);
      const serials = await page.locator(`${DEVICE_ROWS} td:nth-child(2)`).allTextContents();
      assert.ok(serials.includes(conflict.device.serial), `search finds ${conflict.device.serial}`);
      assert.ok(
        new URL(page.url()).searchParams.get('status') === 'conflict',
        'the status filter stays in the shared URL',
      );

      // Sorting by serial descending from the column header, then paging forward and back.
      await page.goto(`${web.url}/runs/${second.checkRunId}`);
      await page.locator('th a', { hasText: 'Serial' }).click();
      await page.locator('th a', { hasText: 'Serial ▲' }).click();
      await page.waitForURL(/sort=serial&dir=desc/);
      const pageOne = await page.locator(`${DEVICE_ROWS} td:nth-child(2)`).allTextContents();
      // The database's collation decides the order of awkward serials.
      const expected = (
        await db.device.findMany({ select: { serial: true }, orderBy: [{ serialNormalized: 'desc' }], take: 50 })
      ).map((d) => d.serial);
      assert.deepEqual(pageOne, expected, 'serials in descending order');
      await page.locator('a[rel="next"]').first().click();
      await page.waitForURL(/after=/);
      const pageTwo = await page.locator(`${DEVICE_ROWS} td:nth-child(2)`).allTextContents();
      assert.equal(pageTwo.length, 50);
      assert.ok(!pageTwo.some((s) => pageOne.includes(s)), 'the next page has other devices');
      await page.locator('a[rel="prev"]').first().click();
      await page.waitForURL(/before=/);
      assert.deepEqual(
        await page.locator(`${DEVICE_ROWS} td:nth-child(2)`).allTextContents(),
        pageOne,
        'previous goes back',
      );
      await page.close();
    });

    test('a device: inventory, GLPI cards linked to their form pages, history across both runs', async () => {
      const page = await open(`/runs/${second.checkRunId}?status=conflict`);
      const link = page.locator(`${DEVICE_ROWS} td:nth-child(2) a`).first();
      const serial = (await link.textContent())!.trim();
      await link.click();
      await page.waitForURL(/\/devices\/\d+\?run=/);
      assert.equal((await page.locator('h1 .mono').textContent())?.trim(), serial);
      const device = await db.device.findFirstOrThrow({ where: { serial } });
      const result = await db.checkResult.findFirstOrThrow({
        where: { checkRunId: second.checkRunId, deviceId: device.id },
      });
      const cardLinks = page.locator('table[aria-label="GLPI cards"] a');
      const hrefs: (string | null)[] = [];
      for (let i = 0; i < (await cardLinks.count()); i++) hrefs.push(await cardLinks.nth(i).getAttribute('href'));
      assert.deepEqual(
        hrefs.sort(),
        result.glpiIds.map((id) => `${glpiBase}/front/printer.form.php?id=${id}`).sort(),
        'every GLPI card of the conflict, linked to its form page',
      );
      const history = await page
        .locator('table[aria-label="Results of this device across runs"] tbody tr')
        .allTextContents();
      assert.equal(history.length, 2, 'one row per run');
      assert.ok(
        history[0].includes(`Run ${second.checkRunId}`) && history[1].includes(`Run ${first.checkRunId}`),
        'newest first',
      );
      await shot(page, 'device.png');
      await page.close();
    });

    test('CSV export holds exactly the devices of the current filter', async () => {
      const page = await open(`/runs/${second.checkRunId}?status=not_found&sort=serial`);
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[download]').click()]);
      assert.equal(download.suggestedFilename(), `run-${second.checkRunId}-devices.csv`);
      const text = readFileSync(await download.path(), 'utf8').replace(/^\ufeff/, '');
      const rows = text.trimEnd().split('\r\n').slice(1);
      assert.equal(rows.length, second.notFound, 'one row per device not found');
      const ids = await db.checkResult.findMany({
        where: { checkRunId: second.checkRunId, status: 'not_found' },
        select: { deviceId: true },
      });
      assert.deepEqual(
        new Set(rows.map((r) => Number(r.split(',')[0]))),
        new Set(ids.map((r) => r.deviceId)),
        'the same devices as the database',
      );
      const hostile = rows.find((r) => r.includes('HYPERLINK'));
      assert.ok(hostile?.includes(`"'=HYPERLINK(""http://evil.example"")"`), 'the formula serial is neutralised');
      await page.close();
    });

    test('hostile inventory values stay text: no script runs, no markup is made', async () => {
      const hostile = await db.device.findFirstOrThrow({ where: { serial: HOSTILE_SERIAL } });
      const page = await open(`/devices/${hostile.id}`);
      assert.equal((await page.locator('h1 .mono').textContent())?.trim(), HOSTILE_SERIAL);
      assert.equal((await page.locator('p.sub bdi').last().textContent())?.trim(), HOSTILE_NAME);
      assert.equal(await page.locator('main img, main b, main script').count(), 0, 'no element made from the values');
      assert.equal(await page.title(), `Device ${HOSTILE_SERIAL} · GLPI device check`);
      const list = await open(`/runs/${second.checkRunId}?q=${encodeURIComponent('HYPERLINK')}`);
      assert.equal(await list.locator(DEVICE_ROWS).count(), 1);
      assert.equal(await list.locator('main img, main b').count(), 0);
      assert.deepEqual(dialogs, [], 'no alert ever opened');
      await page.close();
      await list.close();
    });

    test('phone width: no sideways scroll; the keyboard reaches the skip link first', async () => {
      for (const path of ['/', `/runs/${second.checkRunId}`, `/devices/${(await db.device.findFirstOrThrow()).id}`]) {
        const page = await open(path, 390);
        const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
        assert.ok(overflow <= 0, `${path}: the page is ${overflow} px wider than the phone`);
        if (path.startsWith('/runs/')) await shot(page, 'run-phone.png', false);
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate<string>('document.activeElement.textContent'), 'Skip to the content');
        await page.keyboard.press('Enter');
        // The fragment lands after the key press returns; waitForURL throws if it never does.
        await page.waitForURL(/#main$/, { timeout: 5_000 });
        await page.close();
      }
    });

    test('a running check: live progress moves without a reload, with an ETA and recent conflicts, then says it finished', async () => {
      sim.setItems(inv.items);
      sim.setFaults({ latencyMs: 150 });
      const workflowId = `web-live-${taskQueue}`;
      const handle = await client.workflow.start(checkAllDevices, {
        taskQueue,
        workflowId,
        // Searches in batches of 10, so the count moves step by step (a scan of 400 cards is a few pages).
        args: [{ batchSize: 10, batchConcurrency: 1, strategy: 'search' }],
      });
      let runId = 0;
      await waitUntil(
        'the run row',
        async () => {
          const row = await db.checkRun.findFirst({ where: { workflowId } });
          runId = row?.id ?? 0;
          return row !== null && row.total > 0;
        },
        30_000,
      );
      const page = await open(`/runs/${runId}`);
      await page.evaluate('window.__sameDocument = true');
      const checked = async () =>
        Number(((await page.textContent('[data-live="checked"]')) ?? '').replace(/[^\d]/g, '') || -1);
      const before = await checked();
      await waitUntil('the checked count to move', async () => (await checked()) > before && before >= 0, 30_000);
      await waitUntil('the checked count to move again', async () => (await checked()) > before + 10, 30_000);
      assert.equal(
        await page.evaluate<boolean>('window.__sameDocument === true'),
        true,
        'no reload: the script updated it',
      );
      assert.match((await page.textContent('[data-live="state"]')) ?? '', /Checking|Planning/);
      assert.match((await page.textContent('[data-live="eta"]')) ?? '', /^\d+(s|m\d{2}s|h\d{2}m)$|not known yet/);
      assert.equal((await page.textContent('[data-live="workers"]'))?.trim(), '1');
      await waitUntil(
        'a recent conflict',
        async () => (await page.locator('[data-live-list="conflicts"] a').count()) > 0,
        30_000,
      );
      await shot(page, 'live.png', false);
      const runsPage = await open('/');
      assert.match(
        (await runsPage.locator('tr', { has: runsPage.locator(`a[href="/runs/${runId}"]`) }).textContent()) ?? '',
        /running/,
      );
      await runsPage.close();

      sim.setFaults({});
      await handle.result();
      await page.locator('[data-live-finished]').waitFor({ state: 'visible', timeout: 20_000 });
      await page.locator('[data-live-finished] a').click();
      await page.waitForURL(new RegExp(`/runs/${runId}$`));
      assert.equal(await page.locator('[data-progress-url]').count(), 0, 'a finished run has no live panel');
      await page.close();

      const list = await open('/');
      await shot(list, 'runs.png');
      await list.close();
      assert.deepEqual(errors, [], 'no script error and no CSP violation in any page');
    });
  },
);
