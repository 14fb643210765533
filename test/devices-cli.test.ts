/**
 * `devices import|list|show` as an operator runs them: a child process against a real,
 * migrated PostgreSQL database of each suite's own. The suites are async so that the
 * database exists, and its cleanup is registered, before their tests are collected
 * (testDatabase() called in a before hook would drop it when the hook ends).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../src/db/client';
import type { ImportSummary } from '../src/devices/import-summary';
import type { ListedDevice } from '../src/db/devices';
import { devicesFixture, PROBLEMS_CSV_SKIPS, skipsOf } from './support/device-fixtures';
import { runTs } from './support/processes';
import { testDatabase } from './support/services';

const CLI = 'src/cli/devices.ts';

const scratch = mkdtempSync(join(tmpdir(), 'devices-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
function csvFile(name: string, content: string | Buffer): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

function devices(url: string, ...args: string[]) {
  return runTs(CLI, args, { DATABASE_URL: url });
}

async function importJson(url: string, file: string, ...flags: string[]): Promise<ImportSummary> {
  const run = await devices(url, 'import', file, '--json', ...flags);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  return JSON.parse(run.stdout) as ImportSummary;
}

const counts = (report: ImportSummary) => report.counts;
const lines = (items: { line: number }[]) => items.map((item) => item.line);

async function allDevices(db: Db) {
  return db.device.findMany({ orderBy: { serialNormalized: 'asc' } });
}

describe('devices import', async () => {
  const { url, db } = await testDatabase();

  test('creates devices and reports every skipped row with its line and reason', async () => {
    const report = await importJson(url, devicesFixture('problems.csv'));
    assert.deepEqual(counts(report), { created: 5, updated: 0, unchanged: 0, skipped: 4, deactivated: 0 });
    assert.equal(report.withoutSerial, 2, 'rows without a serial are kept (issue 13)');
    assert.deepEqual(
      report.created.map((c) => [c.line, c.serial]),
      [
        [2, 'ab-1'],
        [4, ''],
        [8, 'EF-3'],
        [9, ''],
        [10, 'GH-4'],
      ],
    );
    assert.deepEqual(skipsOf(report.skipped), PROBLEMS_CSV_SKIPS);
    assert.equal(report.skipped[0].serial, 'AB-1', 'the skipped duplicate is shown as written (trimmed)');
    const stored = await allDevices(db);
    assert.deepEqual(
      stored.map((d) => [d.serial, d.serialNormalized, d.name, d.active]),
      [
        ['ab-1', 'AB-1', 'First', true],
        ['EF-3', 'EF-3', 'Short row', true],
        ['GH-4', 'GH-4', 'Last', false],
        ['', 'no-serial:name=blank serial', 'Blank serial', true],
        ['', 'no-serial:name=no serial', 'No serial', true],
      ],
    );
  });

  test('the text report lists the skipped rows and the time taken', async () => {
    const run = await devices(url, 'import', devicesFixture('problems.csv'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /line 3 {2}AB-1: duplicate serial: same as line 2/);
    assert.doesNotMatch(run.stdout, /empty serial/, 'a row without a serial is imported, not skipped');
    assert.match(run.stdout, /line 5 {2}CD-2: invalid active value "maybe"/);
    assert.match(
      run.stdout,
      /created 0, updated 0, unchanged 5, skipped 4 \(2 rows without a serial, kept and flagged no_serial in every check\) — \d+\.\d\d s/,
    );
  });
});

describe('devices import: updates, dry runs, broken files, deactivation', async () => {
  const { url, db } = await testDatabase();

  test('the first import creates the inventory; quoted values arrive intact', async () => {
    const report = await importJson(url, devicesFixture('inventory.csv'));
    assert.deepEqual(counts(report), { created: 4, updated: 0, unchanged: 0, skipped: 0, deactivated: 0 });
    assert.deepEqual(report.ignoredColumns, ['Comment']);
    const prn2 = await db.device.findUniqueOrThrow({ where: { serialNormalized: 'PRN-002' } });
    assert.deepEqual([prn2.name, prn2.location, prn2.organisation], ['Compta "couleur"', 'Siège\n2e étage', 'Finance']);
  });

  test('re-importing the same file changes nothing', async () => {
    const before = await allDevices(db);
    const report = await importJson(url, devicesFixture('inventory.csv'));
    assert.deepEqual(counts(report), { created: 0, updated: 0, unchanged: 4, skipped: 0, deactivated: 0 });
    assert.deepEqual(lines(report.unchanged), [2, 3, 5, 6]);
    assert.deepEqual(await allDevices(db), before, 'not even updated_at moves');
  });

  test('--dry-run reports what would change and writes nothing', async () => {
    const before = await allDevices(db);
    const run = await devices(url, 'import', devicesFixture('inventory-v2.csv'), '--dry-run', '--deactivate-missing');
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /Dry run, nothing written: would create 1, would update 1, unchanged 2, skipped 0, would deactivate 1/,
    );
    assert.match(
      run.stdout,
      /line 5 {2}PRN-003 {2}serial "prn-003" → "PRN-003", location "Atelier" → "Hangar B", active no → yes/,
    );
    assert.deepEqual(await allDevices(db), before);
    const json = await importJson(url, devicesFixture('inventory-v2.csv'), '--dry-run');
    assert.equal(json.dryRun, true);
    assert.equal(await db.device.count(), 4);
  });

  test('a broken file is refused with its line number and nothing is written', async () => {
    const before = await allDevices(db);
    const cases: [string, RegExp][] = [
      [
        'unterminated-quote.csv',
        /unterminated-quote\.csv: line 3: a quoted field is never closed.*nothing was imported/,
      ],
      ['too-many-fields.csv', /too-many-fields\.csv: line 3: 4 fields but the header has 3/],
      ['missing-serial.csv', /missing-serial\.csv: no serial column .*columns found: "Nom", "Modèle", "Lieu"/],
    ];
    for (const [name, message] of cases) {
      const run = await devices(url, 'import', devicesFixture(name));
      assert.equal(run.code, 1, `${name}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    }
    const missing = await devices(url, 'import', join(scratch, 'nope.csv'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read .*nope\.csv: no such file/);
    assert.deepEqual(await allDevices(db), before);
  });

  test('an update matches by normalised serial and rewrites the fields and the serial as written', async () => {
    const prn3 = await db.device.findUniqueOrThrow({ where: { serialNormalized: 'PRN-003' } });
    const report = await importJson(url, devicesFixture('inventory-v2.csv'));
    assert.deepEqual(counts(report), { created: 1, updated: 1, unchanged: 2, skipped: 0, deactivated: 0 });
    assert.deepEqual(report.updated, [
      {
        line: 5, // PRN-002's location spans lines 3 and 4
        id: prn3.id,
        serial: 'PRN-003',
        changes: [
          { field: 'serial', from: 'prn-003', to: 'PRN-003' },
          { field: 'location', from: 'Atelier', to: 'Hangar B' },
          { field: 'active', from: false, to: true },
        ],
      },
    ]);
    const after = await db.device.findUniqueOrThrow({ where: { id: prn3.id } });
    assert.deepEqual([after.serial, after.location, after.active], ['PRN-003', 'Hangar B', true]);
    assert.ok(after.updatedAt > prn3.updatedAt);
    // Without --deactivate-missing, PRN-004 (absent from v2) stays active.
    assert.equal((await db.device.findUniqueOrThrow({ where: { serialNormalized: 'PRN-004' } })).active, true);
  });

  test('--deactivate-missing sets absent devices inactive, never deletes them, spares skipped rows', async () => {
    const file = csvFile(
      'partial.csv',
      'serial,active\nPRN-001,yes\nPRN-002,perhaps\nPRN-003,\nPRN-005,1\n', // PRN-002's row is skipped
    );
    // 1 of 5 active devices is over the 10 % threshold: --yes confirms it (the threshold has its own test).
    const report = await importJson(url, file, '--deactivate-missing', '--yes');
    const prn4 = await db.device.findUniqueOrThrow({ where: { serialNormalized: 'PRN-004' } });
    assert.deepEqual(report.deactivated, [{ id: prn4.id, serial: 'PRN-004' }]);
    assert.deepEqual(
      report.skipped.map((s) => [s.line, s.serial]),
      [[3, 'PRN-002']],
    );
    assert.equal(prn4.active, false);
    assert.equal(await db.device.count(), 5, 'nothing deleted');
    assert.equal((await db.device.findUniqueOrThrow({ where: { serialNormalized: 'PRN-002' } })).active, true);
    // Columns the file lacks were left alone.
    const prn1 = await db.device.findUniqueOrThrow({ where: { serialNormalized: 'PRN-001' } });
    assert.deepEqual([prn1.name, prn1.location], ['Accueil', 'Siège, RDC']);

    const text = await devices(url, 'import', file, '--deactivate-missing');
    assert.match(text.stdout, /deactivated 0/);
  });

  test('--deactivate-missing with a file that names no valid serial is refused', async () => {
    const run = await devices(url, 'import', csvFile('empty-serials.csv', 'serial,name\n,x\n'), '--deactivate-missing');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /would deactivate every device \(refused\)/);
    assert.equal(await db.device.count({ where: { active: true } }), 4);
  });
});

describe('devices import: columns the file lacks, the deactivation threshold, long lists', async () => {
  const { url, db } = await testDatabase();
  const active = async (serial: string) =>
    (await db.device.findUniqueOrThrow({ where: { serialNormalized: serial } })).active;

  test('a file without an active column leaves inactive devices inactive; new devices are active', async () => {
    await importJson(url, csvFile('with-active.csv', 'serial,name,active\nKEEP-1,One,no\nKEEP-2,Two,yes\n'));
    assert.equal(await active('KEEP-1'), false);
    const report = await importJson(url, csvFile('no-active.csv', 'serial,name\nKEEP-1,Renamed\nKEEP-2,Two\nNEW-3,\n'));
    assert.deepEqual(counts(report), { created: 1, updated: 1, unchanged: 1, skipped: 0, deactivated: 0 });
    assert.deepEqual(report.updated[0].changes, [{ field: 'name', from: 'One', to: 'Renamed' }]);
    assert.deepEqual([await active('KEEP-1'), await active('KEEP-2'), await active('NEW-3')], [false, true, true]);
    assert.equal((await db.device.findUniqueOrThrow({ where: { serialNormalized: 'KEEP-1' } })).name, 'Renamed');
  });

  test('--deactivate-missing beyond 10 % of the active devices needs --yes; --dry-run shows the share', async () => {
    const fleet = Array.from({ length: 28 }, (_, i) => `FLEET-${i + 1}`);
    await importJson(url, csvFile('fleet.csv', `serial\n${fleet.join('\n')}\n`));
    const before = await db.device.count({ where: { active: true } }); // 28 + KEEP-2 + NEW-3
    assert.equal(before, 30);
    const extract = csvFile('extract.csv', 'serial\nFLEET-1\nFLEET-2\nEXTRA-1\n');

    const refused = await devices(url, 'import', extract, '--deactivate-missing');
    assert.equal(refused.code, 1, refused.stderr + refused.stdout);
    assert.match(
      refused.stderr,
      /would deactivate 28 of 30 active devices \(93\.3 %\), more than 10 %.*add --yes to confirm; nothing was imported/,
    );
    assert.equal(await db.device.count({ where: { active: true } }), 30, 'nothing deactivated');
    assert.equal(await db.device.count({ where: { serialNormalized: 'EXTRA-1' } }), 0, 'nothing created either');

    const dry = await devices(url, 'import', extract, '--deactivate-missing', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /warning: would deactivate 28 of 30 active devices \(93\.3 %\), more than 10 %: .*--yes/);
    const dryJson = await importJson(url, extract, '--deactivate-missing', '--dry-run');
    assert.equal(dryJson.deactivationNeedsConfirmation, true);
    assert.equal(dryJson.activeBefore, 30);

    // Within the threshold (3 of 30 = 10 %) no confirmation is asked.
    const most = csvFile('most.csv', `serial\n${fleet.slice(0, 25).join('\n')}\nKEEP-2\nNEW-3\n`);
    const within = await importJson(url, most, '--deactivate-missing');
    assert.equal(within.counts.deactivated, 3);
    assert.equal(within.deactivationNeedsConfirmation, false);

    const confirmed = await devices(url, 'import', extract, '--deactivate-missing', '--yes');
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stdout, /deactivated 25/);
    assert.match(confirmed.stdout, /warning: deactivated 25 of 27 active devices .*\(confirmed by --yes\)/);
    assert.equal(await db.device.count({ where: { active: true } }), 3); // FLEET-1, FLEET-2, EXTRA-1

    const lone = await devices(url, 'import', extract, '--yes');
    assert.equal(lone.code, 2);
    assert.match(lone.stderr, /--yes confirms --deactivate-missing/);
  });

  test('10,000 duplicate rows: the first 20 skipped lines, the rest with --verbose; a huge serial is cut', async () => {
    const huge = 'X'.repeat(100_000);
    const file = csvFile('duplicates.csv', `serial\n${'DUP-1\n'.repeat(10_000)}${huge}\n`);
    const run = await devices(url, 'import', file, '--dry-run');
    assert.equal(run.code, 0, run.stderr);
    const isSkipped = (line: string) => /^ {2}line \d+ .*: /.test(line); // created lines have no reason
    const skippedLines = run.stdout.split('\n').filter(isSkipped);
    assert.equal(skippedLines.length, 20);
    assert.match(run.stdout, /… and 9980 more \(--verbose or --json lists them all\)/);
    assert.match(run.stdout, /skipped 10000/);
    assert.ok(run.stdout.length < 5_000, `${run.stdout.length} characters of output`);

    const verbose = await devices(url, 'import', file, '--dry-run', '--verbose');
    const all = verbose.stdout.split('\n').filter(isSkipped);
    assert.equal(all.length, 10_000);
    const hugeLine = all.find((line) => line.includes('longer than 255'));
    assert.match(hugeLine ?? '', /^ {2}line 10002 {2}X{80}… \(100000 characters\): invalid serial: longer than 255/);
  });
});

describe('devices import: encodings and delimiters', async () => {
  const { url, db } = await testDatabase();

  test('windows-1252 with ";" is detected, imported, and the guess is reported', async () => {
    const report = await importJson(url, devicesFixture('semicolon-windows1252.csv'));
    assert.equal(report.encoding, 'windows-1252');
    assert.match(report.encodingNote ?? '', /not valid UTF-8/);
    assert.equal(report.delimiter, ';');
    const lat1 = await db.device.findUniqueOrThrow({ where: { serialNormalized: 'LAT-1' } });
    assert.deepEqual([lat1.name, lat1.location], ['Imprimante étage', 'Bâtiment Nord']);
    const text = await devices(url, 'import', devicesFixture('semicolon-windows1252.csv'), '--dry-run');
    assert.match(text.stdout, /note: not valid UTF-8 \(first bad byte on line 2\): read as windows-1252/);
  });

  test('UTF-16 with tabs; UTF-8 with a BOM and "|"', async () => {
    assert.equal((await importJson(url, devicesFixture('tab-utf16le.csv'))).counts.created, 2);
    assert.equal((await db.device.findUniqueOrThrow({ where: { serialNormalized: 'U16-2' } })).name, 'Tab\there');
    assert.equal((await importJson(url, devicesFixture('utf8-bom.csv'))).counts.created, 1);
    assert.equal((await db.device.findUniqueOrThrow({ where: { serialNormalized: 'BOM-1' } })).name, 'Café');
  });

  test('--delimiter and --encoding override detection', async () => {
    // Detection would pick ";" (three of them in the header) and find no serial column.
    const file = csvFile('forced.csv', Buffer.from('serial|name|notes;with;semicolons\nFRC-1|Crème|a;b;c\n', 'latin1'));
    const detected = await devices(url, 'import', file);
    assert.equal(detected.code, 1);
    assert.match(detected.stderr, /no serial column in the header \(delimiter ";"/);
    const report = await importJson(url, file, '--delimiter', '|', '--encoding', 'latin1');
    assert.deepEqual([report.encoding, report.encodingNote, report.delimiter], ['windows-1252', null, '|']);
    assert.equal((await db.device.findUniqueOrThrow({ where: { serialNormalized: 'FRC-1' } })).name, 'Crème');
    const strict = await devices(url, 'import', file, '--delimiter', 'pipe', '--encoding', 'utf-8');
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /not valid utf-8 \(first bad byte on line 2\)/);
  });
});

describe('devices list and show', async () => {
  const { url, db } = await testDatabase();
  const ids: Record<string, number> = {};
  before(async () => {
    await importJson(
      url,
      csvFile(
        'fleet.csv',
        'serial,name,location,active\nA-1,Alpha,HQ,\nB-2,Bravo,Annex,\nC-3,Charlie,HQ,\nD-4,Delta,Old,no\n',
      ),
    );
    for (const device of await db.device.findMany()) ids[device.serial] = device.id;
    // Two nights: the second result of each device is its latest.
    const night = (day: number) => new Date(Date.UTC(2026, 0, day, 2, 0, 0));
    const first = await db.checkRun.create({ data: { workflowId: 'wf-1', runId: 'r-1', trigger: 'schedule' } });
    const second = await db.checkRun.create({ data: { workflowId: 'wf-2', runId: 'r-2', trigger: 'schedule' } });
    await db.checkResult.createMany({
      data: [
        { checkRunId: first.id, deviceId: ids['A-1'], status: 'conflict', glpiIds: [3, 4], checkedAt: night(1) },
        {
          checkRunId: first.id,
          deviceId: ids['B-2'],
          status: 'found',
          glpiIds: [7],
          checkedAt: night(1),
          findings: [
            {
              kind: 'stale',
              itemtype: 'Printer',
              glpiId: 7,
              evidence: 'date_mod',
              date: '2025-12-01 10:00:00',
              ageDays: 32,
              staleDays: 7,
            },
          ],
        },
        {
          checkRunId: second.id,
          deviceId: ids['A-1'],
          status: 'found',
          glpiIds: [3],
          checkedAt: night(2),
          findings: [
            { kind: 'location_mismatch', itemtype: 'Printer', glpiId: 3, inventory: 'HQ', glpi: 'Annex > Floor 1' },
          ],
        },
        { checkRunId: second.id, deviceId: ids['B-2'], status: 'conflict', glpiIds: [7, 8], checkedAt: night(2) },
        {
          checkRunId: second.id,
          deviceId: ids['C-3'],
          status: 'error',
          glpiIds: [],
          errorMessage: 'GLPI timed out',
          checkedAt: night(2),
        },
      ],
    });
    // Twelve runs of D-4, to see show cut at ten.
    for (let day = 1; day <= 12; day += 1) {
      const run = await db.checkRun.create({ data: { workflowId: `wf-d-${day}`, runId: 'r', trigger: 'manual' } });
      await db.checkResult.create({
        data: { checkRunId: run.id, deviceId: ids['D-4'], status: 'not_found', glpiIds: [], checkedAt: night(day) },
      });
    }
  });

  async function listJson(...args: string[]) {
    const run = await devices(url, 'list', '--json', ...args);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as { devices: ListedDevice[]; truncated: boolean };
  }

  test('--status filters on the latest result only', async () => {
    const conflicts = await listJson('--status', 'conflict');
    assert.deepEqual(
      conflicts.devices.map((d) => [d.serial, d.latest?.status, d.latest?.glpiIds]),
      [['B-2', 'conflict', [7, 8]]],
      'A-1 had a conflict, but its latest result is found',
    );
    assert.deepEqual(
      (await listJson('--status', 'found')).devices.map((d) => d.serial),
      ['A-1'],
    );
    assert.deepEqual(
      (await listJson('--status', 'not_found')).devices.map((d) => d.serial),
      [],
      'D-4 is inactive',
    );
    assert.deepEqual(
      (await listJson('--status', 'not_found', '--inactive')).devices.map((d) => d.serial),
      ['D-4'],
    );
  });

  test('--finding filters on the latest result only; an unknown kind is a usage error', async () => {
    const drift = await listJson('--finding', 'location_mismatch');
    assert.deepEqual(
      drift.devices.map((d) => [d.serial, d.latest?.findings.map((f) => f.kind)]),
      [['A-1', ['location_mismatch']]],
    );
    assert.deepEqual((await listJson('--finding', 'stale')).devices, [], "B-2's stale card was two runs ago");
    const wrong = await devices(url, 'list', '--finding', 'misplaced');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--finding must be one of location_mismatch, .*serial_whitespace, got "misplaced"/);
    const shown = await devices(url, 'show', 'B-2');
    assert.match(
      shown.stdout,
      /Findings, newest run first:\n {2}run \d+ {2}stale +last modification 2025-12-01 10:00:00, 32 days ago/,
    );
  });

  test('active devices by default, --inactive, --all, --limit', async () => {
    const active = await listJson();
    assert.deepEqual(
      active.devices.map((d) => [d.serial, d.latest?.status ?? null]),
      [
        ['A-1', 'found'],
        ['B-2', 'conflict'],
        ['C-3', 'error'],
      ],
    );
    assert.equal(active.devices[0].latest?.checkedAt, '2026-01-02T02:00:00.000Z');
    assert.deepEqual(
      (await listJson('--all')).devices.map((d) => d.serial),
      ['A-1', 'B-2', 'C-3', 'D-4'],
    );
    const limited = await listJson('--all', '--limit', '2');
    assert.deepEqual([limited.devices.length, limited.truncated], [2, true]);
    assert.equal((await listJson('--limit', '0')).truncated, false);
  });

  test('a readable table', async () => {
    const run = await devices(url, 'list');
    assert.equal(run.code, 0, run.stderr);
    const [header, ...rows] = run.stdout.trim().split('\n');
    assert.match(header, /^ID\s+SERIAL\s+NAME\s+LOCATION\s+STATUS\s+GLPI IDS\s+FINDINGS\s+CHECKED AT$/);
    assert.match(rows[1], new RegExp(`^${ids['B-2']}\\s+B-2\\s+Bravo\\s+Annex\\s+conflict\\s+7,8\\s+2026-01-0[12] `));
    assert.equal(rows.at(-1), '3 device(s).');
  });

  test('show: by serial in any case or by id, the last ten results newest first', async () => {
    const run = await devices(url, 'show', ' d-4 ', '--json');
    assert.equal(run.code, 0, run.stderr);
    const shown = JSON.parse(run.stdout) as {
      device: { id: number; serial: string };
      results: { checkRunId: number; status: string; checkedAt: string }[];
    };
    assert.equal(shown.device.id, ids['D-4']);
    assert.equal(shown.results.length, 10);
    assert.equal(shown.results[0].checkedAt, '2026-01-12T02:00:00.000Z');
    assert.equal(shown.results[9].checkedAt, '2026-01-03T02:00:00.000Z');

    const text = await devices(url, 'show', String(ids['C-3']));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Device \d+\n {2}serial: {8}C-3\n {2}name: {10}Charlie/);
    assert.match(text.stdout, /RUN\s+CHECKED AT\s+STATUS\s+GLPI IDS\s+GLPI STATUS\s+ERROR/);
    assert.match(text.stdout, /error\s+GLPI timed out/);
  });

  test('show: an unknown device is exit code 1 with a clear message', async () => {
    const run = await devices(url, 'show', 'NO-SUCH-1');
    assert.equal(run.code, 1);
    assert.equal(run.stderr.trim(), 'error: no device with serial or id "NO-SUCH-1"');
  });

  test("show: a number that is one device's serial and another's id shows the serial's device, with a note", async () => {
    const number = String(ids['A-1']);
    await importJson(url, csvFile('numeric.csv', `serial,name,active\n${number},Numeric serial,no\n`));
    const numeric = await db.device.findUniqueOrThrow({ where: { serialNormalized: number } });
    const run = await devices(url, 'show', number);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /name: +Numeric serial/);
    assert.match(
      run.stderr,
      new RegExp(`is the serial of device ${numeric.id} and also the id of device ${ids['A-1']}`),
    );
    const byId = await devices(url, 'show', `id:${number}`);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, /name: +Alpha/);
    assert.equal(byId.stderr, '');
  });
});

describe('devices: arguments and an unreachable database', () => {
  test('bad arguments are exit code 2 with a message and the usage', async () => {
    const url = 'postgresql://postgres@127.0.0.1:1/unused';
    const cases: [string[], RegExp][] = [
      [[], /give a command: import, list or show/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['import'], /give the CSV file to import/],
      [['import', 'a.csv', 'b.csv'], /unexpected argument "b.csv"/],
      [['import', 'a.csv', '--delimiter', 'x'], /--delimiter must be , ; tab or \|/],
      [['import', 'a.csv', '--encoding', 'klingon'], /unknown --encoding "klingon"/],
      [['import', 'a.csv', '--force'], /Unknown option '--force'/],
      [['list', '--status', 'lost'], /--status must be one of found, conflict, not_found, error/],
      [['list', '--limit', 'ten'], /--limit must be a whole number/],
      [['list', '--limit', '-1'], /--limit/],
      [['list', '--inactive', '--all'], /do not mix/],
      [['show'], /give the serial or id of the device/],
    ];
    const runs = await Promise.all(cases.map(([args]) => devices(url, ...args)));
    runs.forEach((run, i) => {
      assert.equal(run.code, 2, `${cases[i][0].join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, cases[i][1]);
      assert.match(run.stderr, /Usage:/);
    });
    const help = await devices(url, 'import', '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--deactivate-missing/);
  });

  test('an unreachable database is exit code 3, naming the address with the password masked', async () => {
    const url = 'postgresql://checker:s3cret@127.0.0.1:1/inventory';
    const runs = await Promise.all([
      devices(url, 'list'),
      devices(url, 'show', 'A-1'),
      devices(url, 'import', devicesFixture('inventory.csv')),
    ]);
    for (const run of runs) {
      assert.equal(run.code, 3, run.stderr);
      assert.match(
        run.stderr,
        /^error: cannot reach the database at postgresql:\/\/checker:\*\*\*@127\.0\.0\.1:1\/inventory/,
      );
      assert.doesNotMatch(run.stderr, /s3cret/);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });
});

describe('devices import: 100,000 rows', async () => {
  const { url, db } = await testDatabase();

  const ROWS = 100_000;
  function inventoryOf(rows: number, rename: (i: number) => string) {
    const lines = ['serial,name,model,location,organisation,active'];
    for (let i = 0; i < rows; i += 1) {
      lines.push(
        `SN-${String(i).padStart(6, '0')},${rename(i)},Model ${i % 40},"Site ${i % 25}, floor ${i % 6}",Org ${i % 9},${i % 10 ? 'yes' : 'no'}`,
      );
    }
    return lines.join('\r\n') + '\r\n';
  }

  test('imports, re-imports unchanged, then updates a tenth, in bulk', async (t) => {
    const file = csvFile(
      'big.csv',
      inventoryOf(ROWS, (i) => `Printer ${i}`),
    );
    const first = await importJson(url, file);
    t.diagnostic(
      `100,000 new rows: ${first.durationMs} ms (file ${first.timings.fileMs} ms, database ${first.timings.databaseMs} ms)`,
    );
    assert.deepEqual(counts(first), { created: ROWS, updated: 0, unchanged: 0, skipped: 0, deactivated: 0 });
    assert.equal(await db.device.count(), ROWS);
    assert.equal(await db.device.count({ where: { active: false } }), ROWS / 10);

    const again = await importJson(url, file);
    t.diagnostic(`100,000 unchanged rows: ${again.durationMs} ms`);
    assert.deepEqual(counts(again), { created: 0, updated: 0, unchanged: ROWS, skipped: 0, deactivated: 0 });

    const changed = csvFile(
      'big-2.csv',
      inventoryOf(ROWS, (i) => (i % 10 === 3 ? `Renamed ${i}` : `Printer ${i}`)),
    );
    const third = await importJson(url, changed);
    t.diagnostic(`100,000 rows, 10,000 changed: ${third.durationMs} ms`);
    assert.deepEqual(counts(third), {
      created: 0,
      updated: ROWS / 10,
      unchanged: ROWS - ROWS / 10,
      skipped: 0,
      deactivated: 0,
    });
    assert.equal(await db.device.count({ where: { name: { startsWith: 'Renamed' } } }), ROWS / 10);
  });
});
