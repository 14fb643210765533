/**
 * `npm run report` as an operator runs it: a child process against a database holding runs and
 * results written directly (found, conflicts with several GLPI ids, not found, errors, and
 * serials that break naive HTML and CSV).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Db } from '../src/db/client';
import { insertDevices } from '../src/db/devices';
import { normaliseSerial } from '../src/core/serial';
import { parseCsv } from '../src/devices/csv';
import { csvCell } from '../src/reports/csv';
import { glpiFormUrl, glpiWebBase } from '../src/reports/glpi-links';
import { escapeHtml } from '../src/reports/html';
import { glpiRefs, problemRows } from '../src/reports/query';
import { runTs } from './support/processes';
import { testDatabase } from './support/services';

const SCRIPT = 'src/cli/report.ts';
const GLPI = 'https://glpi.example.org';
const T0 = Date.parse('2025-11-25T01:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const link = (id: number) => `${GLPI}/front/printer.form.php?id=${id}`;

/** The devices of the main run, by what the check found. */
const DEVICES = [
  { serial: 'FOUND-1', name: 'PRN-OK', model: 'HP M404', location: 'HQ', status: 'found', ids: [7] },
  {
    serial: 'A&B<1>',
    name: 'PRN <b>bold</b>',
    model: 'HP "Pro"',
    location: 'HQ > Floor 2',
    status: 'conflict',
    ids: [12, 13, 14],
  },
  { serial: '"quoted"', name: "O'Brien", model: 'Canon', location: 'Annex', status: 'conflict', ids: [21, 22] },
  { serial: '=cmd', name: '+SUM(A1)', model: null, location: '@home', status: 'not_found', ids: [] },
  { serial: 'NF-2', name: null, model: 'Brother', location: 'Bâtiment A, étage 2', status: 'not_found', ids: [] },
  {
    serial: 'ERR-1',
    name: 'PRN-E',
    model: null,
    location: null,
    status: 'error',
    ids: [],
    error: 'GLPI answered 503 <html> "busy"',
  },
  {
    serial: '-dash',
    name: 'PRN-D',
    model: null,
    location: null,
    status: 'error',
    ids: [],
    error: 'timeout\nafter 30 s',
  },
] as const;

interface Fixture {
  url: string;
  db: Db;
  mainRun: number;
  failedRun: number;
  rerun: number;
  runningRun: number;
}

async function seed(): Promise<Fixture> {
  const { url, db } = await testDatabase();
  await insertDevices(
    db,
    DEVICES.map(({ serial, name, model, location }) => ({ serial, name, model, location })),
  );
  const deviceIds = new Map((await db.device.findMany()).map((d) => [d.serialNormalized, d.id] as const));
  const idOf = (serial: string) => deviceIds.get(normaliseSerial(serial))!;

  const failed = await db.checkRun.create({
    data: {
      workflowId: 'manual-check',
      runId: 'run-a',
      trigger: 'manual',
      status: 'failed',
      startedAt: at(0),
      finishedAt: at(2),
      durationMs: 120_000,
      total: 7,
      failureReason: 'GLPI unreachable: connect ECONNREFUSED',
    },
  });
  const rerun = await db.checkRun.create({
    data: {
      workflowId: 'manual-check',
      runId: 'run-b',
      trigger: 'manual',
      status: 'completed',
      startedAt: at(30),
      finishedAt: at(31),
      durationMs: 60_000,
      total: 1,
    },
  });
  await db.checkResult.create({
    data: { checkRunId: rerun.id, deviceId: idOf('FOUND-1'), status: 'found', glpiIds: [7] },
  });
  const main = await db.checkRun.create({
    data: {
      workflowId: 'nightly-2025-11-25',
      runId: 'run-main',
      trigger: 'schedule',
      status: 'completed_with_errors',
      startedAt: at(60),
      finishedAt: new Date(at(60).getTime() + 871_000),
      durationMs: 871_000,
      total: 7,
    },
  });
  await db.checkResult.createMany({
    data: DEVICES.map((d) => ({
      checkRunId: main.id,
      deviceId: idOf(d.serial),
      status: d.status,
      glpiIds: [...d.ids],
      glpiItems: d.ids.map((id, i) => ({
        itemtype: 'Printer',
        id,
        name: `${d.name ?? ''}${i > 0 ? ` (copy ${i})` : ''}`,
        serial: d.serial,
        statusName: 'In use',
        location: d.location,
        entity: 'Root',
      })),
      errorMessage: 'error' in d ? d.error : null,
    })),
  });
  // Started last but not finished: the default must still be the latest finished run.
  const running = await db.checkRun.create({
    data: {
      workflowId: 'nightly-running',
      runId: 'run-r',
      trigger: 'schedule',
      status: 'running',
      startedAt: at(120),
      total: 7,
    },
  });
  return { url, db, mainRun: main.id, failedRun: failed.id, rerun: rerun.id, runningRun: running.id };
}

/** The environment of every run: nothing GLPI-related leaks in from the developer's shell. */
function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: url,
    GLPI_URL: `${GLPI}/apirest.php`,
    GLPI_WEB_URL: '',
    GLPI_ITEMTYPES: '',
    CHECK_TIMEZONE: 'UTC',
    ...extra,
  };
}

/** The rows of a CSV report, read by the project's own parser. */
function csvRows(text: string): string[][] {
  return parseCsv(text, ',').map((record) => record.fields);
}

describe('report building blocks', () => {
  test('CSV cells are quoted when needed and formulas are defused', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx'])
      assert.ok(csvCell(formula).replace(/^"/, '').startsWith(`'`), formula);
    assert.equal(csvCell(12), '12');
    assert.equal(csvCell(null), '');
  });

  test('HTML escaping covers the five special characters', () => {
    assert.equal(escapeHtml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  test('the GLPI web base comes from GLPI_WEB_URL, else GLPI_URL without its API path', () => {
    assert.equal(glpiWebBase({ GLPI_URL: 'https://glpi.example.org/apirest.php' }), 'https://glpi.example.org');
    assert.equal(glpiWebBase({ GLPI_URL: 'https://h.example/glpi/apirest.php/' }), 'https://h.example/glpi');
    assert.equal(glpiWebBase({ GLPI_URL: 'https://h.example/glpi/api.php/v1' }), 'https://h.example/glpi');
    assert.equal(
      glpiWebBase({ GLPI_URL: 'https://h.example/apirest.php', GLPI_WEB_URL: 'https://web.example/itsm/' }),
      'https://web.example/itsm',
    );
    assert.equal(glpiWebBase({ GLPI_URL: 'https://u:p@h.example/apirest.php?app_token=x' }), 'https://h.example');
    assert.equal(glpiWebBase({}), null);
    assert.throws(() => glpiWebBase({ GLPI_WEB_URL: 'javascript:alert(1)' }), /GLPI_WEB_URL/);
  });

  test('form URLs follow GLPI core itemtypes; plugin classes get no guessed link', () => {
    assert.equal(glpiFormUrl(GLPI, 'Printer', 12), link(12));
    assert.equal(glpiFormUrl(GLPI, 'NetworkEquipment', 3), `${GLPI}/front/networkequipment.form.php?id=3`);
    assert.equal(glpiFormUrl(GLPI, 'PluginGenericobjectPrinter', 3), null);
    assert.equal(glpiFormUrl(null, 'Printer', 12), null);
  });

  test('GLPI ids without a stored item still appear, with the checked itemtype', () => {
    const refs = glpiRefs([5, 6], [{ itemtype: 'Printer', id: 5, name: 'P5' }], { glpiBase: GLPI });
    assert.deepEqual(
      refs.map((r) => [r.itemtype, r.id, r.url]),
      [
        ['Printer', 5, link(5)],
        ['Printer', 6, link(6)],
      ],
    );
  });
});

// Seeded in the suite body, not in before(): the database must outlive the hook (it is dropped by after()).
describe('npm run report', { concurrency: 4 }, async () => {
  const fx = await seed();

  test('--help prints the usage', async () => {
    const run = await runTs(SCRIPT, ['--help'], env(fx.url));
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: npm run report/);
  });

  test('text: the latest finished run, header, totals and complete lists with links', async () => {
    const run = await runTs(SCRIPT, [], env(fx.url));
    assert.equal(run.code, 0, run.stderr);
    const out = run.stdout;
    assert.match(out, new RegExp(`report of run ${fx.mainRun}\\n`));
    assert.match(out, /selected: +latest finished run/);
    assert.match(out, /workflow id: +nightly-2025-11-25/);
    assert.match(out, /trigger: +schedule/);
    assert.match(out, /status: +completed with errors/);
    assert.match(out, /started: +2025-11-25 02:00:00 UTC/);
    assert.match(out, /finished: +2025-11-25 02:14:31 UTC/);
    assert.match(out, /duration: +14m31s/);
    assert.match(out, /devices: +7\n/);
    assert.match(out, /found: +1\n/);
    assert.match(out, /conflicts: +2\n/);
    assert.match(out, /not found: +2\n/);
    assert.match(out, /errors: +2\n/);
    for (const id of [12, 13, 14, 21, 22])
      assert.ok(out.includes(`Printer #${id}`) && out.includes(link(id)), `id ${id}`);
    assert.match(out, /A&B<1> +PRN <b>bold<\/b> +HP "Pro" +HQ > Floor 2/);
    assert.match(out, /=cmd +\+SUM\(A1\) +- +@home/);
    assert.match(out, /NF-2 +- +Brother +Bâtiment A, étage 2/);
    assert.match(out, /ERR-1 .*GLPI answered 503 <html> "busy"/);
    assert.match(out, /-dash .*timeout after 30 s/, 'a newline in a message stays on its row');
    assert.ok(!out.includes('FOUND-1'), 'found devices are counted, not listed');
    assert.equal(run.stderr, '');
  });

  test('csv: one row per problem device, quoted, formulas defused', async () => {
    const run = await runTs(SCRIPT, ['--format', 'csv'], env(fx.url));
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.includes('"""quoted"""'), 'quotes are doubled inside a quoted cell');
    const [header, ...rows] = csvRows(run.stdout);
    assert.deepEqual(header, [
      'status',
      'device_id',
      'serial',
      'name',
      'model',
      'location',
      'glpi_ids',
      'glpi_links',
      'error',
      'finding',
      'finding_kind',
    ]);
    // The fleet rows (changes since the previous full check, unknown cards) follow the problem rows.
    const problems = rows.filter((r) => !/^(change_|unknown_card)/.test(r[0]));
    assert.equal(problems.length, 6);
    const bySerial = new Map(problems.map((r) => [r[2], r]));
    const conflict = bySerial.get('A&B<1>')!;
    assert.equal(conflict[0], 'conflict');
    assert.equal(conflict[6], '12;13;14');
    assert.equal(conflict[7], [12, 13, 14].map(link).join(' '));
    assert.equal(bySerial.get('"quoted"')?.[6], '21;22');
    const formula = bySerial.get(`'=cmd`)!;
    assert.deepEqual([formula[0], formula[3], formula[5]], ['not_found', `'+SUM(A1)`, `'@home`]);
    assert.equal(bySerial.get('NF-2')?.[5], 'Bâtiment A, étage 2');
    assert.equal(bySerial.get(`'-dash`)?.[8], 'timeout\nafter 30 s');
    assert.equal(bySerial.get('ERR-1')?.[8], 'GLPI answered 503 <html> "busy"');
    assert.deepEqual(
      problems.map((r) => r[0]),
      ['conflict', 'conflict', 'not_found', 'not_found', 'error', 'error'],
    );
  });

  test('json: the documented shape', async () => {
    const run = await runTs(SCRIPT, ['--format', 'json'], env(fx.url));
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Record<string, unknown> & {
      run: Record<string, unknown>;
      conflicts: { serial: string; glpiIds: number[]; glpiItems: { id: number; itemtype: string; url: string }[] }[];
      notFound: Record<string, unknown>[];
      errors: { serial: string; error: string }[];
    };
    assert.deepEqual(Object.keys(report), [
      'run',
      'totals',
      'scope',
      'conflicts',
      'notFound',
      'errors',
      'findings',
      'strategy',
      'unknownCards',
      'changes',
    ]);
    assert.deepEqual(report.run, {
      id: fx.mainRun,
      workflowId: 'nightly-2025-11-25',
      runId: 'run-main',
      trigger: 'schedule',
      status: 'completed_with_errors',
      startedAt: '2025-11-25T02:00:00.000Z',
      finishedAt: '2025-11-25T02:14:31.000Z',
      durationMs: 871_000,
      failureReason: null,
      selection: 'latest finished run',
    });
    assert.deepEqual(report.totals, {
      total: 7,
      checked: 7,
      found: 1,
      conflicts: 2,
      notFound: 2,
      errors: 2,
      findings: 0,
      findingsByKind: {},
    });
    assert.deepEqual(
      report.conflicts.map((c) => [c.serial, c.glpiIds]),
      [
        ['A&B<1>', [12, 13, 14]],
        ['"quoted"', [21, 22]],
      ],
    );
    assert.deepEqual(report.conflicts[0].glpiItems[1], {
      itemtype: 'Printer',
      id: 13,
      name: 'PRN <b>bold</b> (copy 1)',
      serial: 'A&B<1>',
      statusName: 'In use',
      location: 'HQ > Floor 2',
      entity: 'Root',
      url: link(13),
    });
    assert.deepEqual(report.notFound[0], {
      deviceId: report.notFound[0].deviceId,
      serial: '=cmd',
      name: '+SUM(A1)',
      model: null,
      location: '@home',
    });
    assert.deepEqual(
      report.errors.map((e) => [e.serial, e.error]),
      [
        ['ERR-1', 'GLPI answered 503 <html> "busy"'],
        ['-dash', 'timeout\nafter 30 s'],
      ],
    );
  });

  test('html: self-contained, sortable, every value escaped, GLPI ids linked', async () => {
    const run = await runTs(SCRIPT, ['--format', 'html'], env(fx.url));
    assert.equal(run.code, 0, run.stderr);
    const html = run.stdout;
    assert.match(html, /^<!doctype html>/);
    assert.ok(
      !html.includes('<1>') && !html.includes('<b>bold') && !html.includes('<html> "busy"'),
      'no raw markup from data',
    );
    assert.ok(html.includes('A&amp;B&lt;1&gt;'));
    assert.ok(html.includes('&quot;quoted&quot;'));
    assert.ok(html.includes('PRN &lt;b&gt;bold&lt;/b&gt;'));
    assert.ok(html.includes('O&#39;Brien'));
    for (const id of [12, 13, 14, 21, 22]) assert.ok(html.includes(`href="${link(id)}"`), `link to ${id}`);
    // Self-contained: the only URLs are links to GLPI; no external script, style, image or font.
    const urls = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    assert.ok(urls.length >= 5);
    for (const url of urls) assert.ok(url.startsWith('#') || url.startsWith(`${GLPI}/front/`), `unexpected URL ${url}`);
    assert.ok(!/<link\b|\bsrc\s*=|@import|url\(/i.test(html), 'nothing loaded from anywhere');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /<table class="sortable">/);
    assert.match(html, /<script>[\s\S]*aria-sort[\s\S]*<\/script>/);
    assert.match(html, /id="filter"/);
    for (const total of ['Devices</span><span class="value">7', 'Conflicts</span><span class="value">2'])
      assert.ok(html.includes(total), total);
  });

  test('--run takes a run id or a workflow id (its latest run)', async () => {
    const byId = await runTs(SCRIPT, ['--run', String(fx.failedRun)], env(fx.url));
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, new RegExp(`report of run ${fx.failedRun}\\n`));
    assert.match(byId.stdout, /status: +failed/);
    assert.match(byId.stdout, /failure: +GLPI unreachable: connect ECONNREFUSED/);

    const byWorkflow = await runTs(SCRIPT, ['--run', 'manual-check', '--format', 'json'], env(fx.url));
    assert.equal(byWorkflow.code, 0, byWorkflow.stderr);
    const report = JSON.parse(byWorkflow.stdout) as {
      run: { id: number; selection: string };
      totals: { found: number };
    };
    assert.equal(report.run.id, fx.rerun);
    assert.equal(report.run.selection, 'latest run of workflow manual-check');
    assert.equal(report.totals.found, 1);

    const running = await runTs(SCRIPT, ['--run', 'nightly-running'], env(fx.url));
    assert.equal(running.code, 0, running.stderr);
    assert.match(running.stdout, /status: +running/);
    assert.match(running.stdout, /finished: +not yet/);
  });

  test('--output writes the file and prints its path; the extension picks the format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-'));
    const file = join(dir, 'nightly.html');
    const run = await runTs(SCRIPT, ['--output', file], env(fx.url));
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(`Wrote the html report of run ${fx.mainRun} to ${file.replace(/[.]/g, '\\.')}`),
    );
    assert.match(readFileSync(file, 'utf8'), /^<!doctype html>/);
    assert.deepEqual(readdirSync(dir), ['nightly.html'], 'no temporary file left behind');

    const csv = join(dir, 'explicit.txt');
    assert.equal((await runTs(SCRIPT, ['--output', csv, '--format', 'csv'], env(fx.url))).code, 0);
    assert.match(readFileSync(csv, 'utf8'), /^status,device_id,serial/);

    const nowhere = join(dir, 'missing', 'r.json');
    const failed = await runTs(SCRIPT, ['--output', nowhere], env(fx.url));
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /cannot write .*missing\/r\.json: its directory does not exist/);
    assert.ok(!existsSync(nowhere));
  });

  test('links use GLPI_WEB_URL when set, never carry tokens, and are left out without a GLPI address', async () => {
    const secrets = { GLPI_USER_TOKEN: 'user-token-5ecret', GLPI_APP_TOKEN: 'app-token-5ecret' };
    const web = await runTs(
      SCRIPT,
      ['--format', 'html'],
      env(fx.url, { ...secrets, GLPI_WEB_URL: 'https://itsm.example.org/glpi/' }),
    );
    assert.equal(web.code, 0, web.stderr);
    assert.ok(web.stdout.includes('href="https://itsm.example.org/glpi/front/printer.form.php?id=12"'));
    assert.ok(!web.stdout.includes('5ecret'));

    const none = await runTs(SCRIPT, ['--format', 'json'], env(fx.url, { GLPI_URL: '' }));
    assert.equal(none.code, 0, none.stderr);
    const report = JSON.parse(none.stdout) as { conflicts: { glpiItems: { id: number; url: string | null }[] }[] };
    assert.deepEqual(
      report.conflicts[0].glpiItems.map((i) => [i.id, i.url]),
      [
        [12, null],
        [13, null],
        [14, null],
      ],
    );
    const text = await runTs(SCRIPT, [], env(fx.url, { GLPI_URL: '' }));
    assert.match(text.stdout, /Printer #12 /);
    assert.match(text.stdout, /GLPI ids are not linked/);
    assert.ok(!text.stdout.includes('http'));
  });

  test('errors: unknown run 1, bad arguments 2, unreachable database 3 with the password masked', async () => {
    const unknown = await runTs(SCRIPT, ['--run', '999999'], env(fx.url));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no check run with id or workflow id "999999"/);
    const unknownWorkflow = await runTs(SCRIPT, ['--run', 'no-such-workflow'], env(fx.url));
    assert.equal(unknownWorkflow.code, 1);

    for (const args of [['--format', 'xml'], ['--bogus'], ['stray'], ['--run', ' '], ['--output']]) {
      const bad = await runTs(SCRIPT, args, env(fx.url));
      assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
      assert.match(bad.stderr, /^error: /);
    }

    const down = await runTs(SCRIPT, [], env('postgresql://reporter:hunter2@127.0.0.1:1/glpi_device_check'));
    assert.equal(down.code, 3);
    assert.match(down.stderr, /cannot reach the database at postgresql:\/\/reporter:\*\*\*@127\.0\.0\.1:1\//);
    assert.ok(!down.stderr.includes('hunter2'));
  });

  test('rows are read page by page in device id order, none lost at page edges', async () => {
    const serials: string[] = [];
    for await (const row of problemRows(fx.db, fx.mainRun, 'conflict', { glpiBase: GLPI }, 1)) serials.push(row.serial);
    assert.deepEqual(serials, ['A&B<1>', '"quoted"']);
    const errors: string[] = [];
    for await (const row of problemRows(fx.db, fx.mainRun, 'error', { glpiBase: null }, 2)) errors.push(row.serial);
    assert.deepEqual(errors, ['ERR-1', '-dash']);
  });
});

describe('npm run report on a database without finished runs', () => {
  test('no run: exit 1; only a running run: reported, and said so', async () => {
    const { url, db } = await testDatabase();
    const empty = await runTs(SCRIPT, [], env(url));
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /there is no check run in the database yet/);

    const run = await db.checkRun.create({
      data: { workflowId: 'first-ever', runId: 'r', trigger: 'manual', status: 'running', total: 3 },
    });
    const report = await runTs(SCRIPT, [], env(url));
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, new RegExp(`no run has finished yet: reporting run ${run.id}, which is running`));
    assert.match(report.stdout, /selected: +latest run \(none has finished yet\)/);
    assert.match(report.stdout, /devices: +3 +\(0 checked so far\)/);
    assert.match(report.stdout, /Conflicts: 0/);
  });
});

describe('npm run report: the default run is the latest full check; the output name matches the format', () => {
  test('a newer check of chosen devices is passed over, and said so; alone, it is reported with a note', async () => {
    const { url, db } = await testDatabase();
    const [device] = await insertDevices(db, [{ serial: 'ONLY-1' }]).then(() => db.device.findMany());
    const deviceCheck = (minutes: number) =>
      db.checkRun.create({
        data: {
          workflowId: `check-devices-${minutes}`,
          runId: 'r',
          trigger: 'devices',
          status: 'completed',
          startedAt: at(minutes),
          finishedAt: at(minutes + 1),
          total: 1,
        },
      });
    const single = await deviceCheck(0);
    const alone = await runTs(SCRIPT, ['--format', 'json'], env(url));
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stderr, new RegExp(`no full check has finished yet: reporting run ${single.id}, a check of 1`));
    assert.equal((JSON.parse(alone.stdout) as { run: { id: number } }).run.id, single.id);

    const full = await db.checkRun.create({
      data: {
        workflowId: 'nightly',
        runId: 'r',
        trigger: 'schedule',
        status: 'completed',
        startedAt: at(10),
        finishedAt: at(20),
        total: 1,
      },
    });
    await db.checkResult.create({ data: { checkRunId: full.id, deviceId: device.id, status: 'found', glpiIds: [1] } });
    const newer = await deviceCheck(30);

    const json = await runTs(SCRIPT, ['--format', 'json'], env(url));
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { run: { id: number; selection: string } };
    assert.deepEqual([report.run.id, report.run.selection], [full.id, 'latest finished full check']);
    assert.match(
      json.stderr,
      new RegExp(
        `reporting run ${full.id}, the latest finished full check; run ${newer.id}, .* \\(--run ${newer.id} reports it\\)`,
      ),
    );
    const text = await runTs(SCRIPT, [], env(url));
    assert.match(text.stdout, new RegExp(`report of run ${full.id}\\n`));
    assert.match(text.stdout, /selected: +latest finished full check/);

    // Without a newer device check, a CSV (rows only) still says on stderr which run it holds.
    await db.checkRun.delete({ where: { id: newer.id } });
    const csv = await runTs(SCRIPT, ['--format', 'csv'], env(url));
    assert.equal(csv.code, 0, csv.stderr);
    assert.equal(csv.stderr.trim(), `note: run ${full.id} (latest finished run)`);
    assert.match(csv.stdout, /^status,device_id/);

    const explicit = await runTs(SCRIPT, ['--run', String(single.id), '--format', 'csv'], env(url));
    assert.equal(explicit.stderr, '', 'no note when --run says which');
  });

  test('--output r.xlsx and a contradicting --format are refused (exit 2); .txt holds any format', async () => {
    const { url } = await testDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'report-ext-'));
    const cases: [string[], RegExp][] = [
      [
        ['--output', join(dir, 'r.xlsx')],
        /\.xlsx is not a report format; name the file \.txt, \.csv, \.json or \.html/,
      ],
      [['--output', join(dir, 'r.json'), '--format', 'csv'], /names a json file but --format is csv/],
      [['--output', join(dir, 'r.HTML'), '--format', 'text'], /names a html file but --format is text/],
    ];
    for (const [args, message] of cases) {
      const run = await runTs(SCRIPT, args, env(url));
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    assert.deepEqual(readdirSync(dir), [], 'nothing written');
  });
});
