/**
 * Findings beside the statuses (issue 13): the pure rules on awkward input, then a scenario with
 * planted drift, stale, retired, trash-only and no-serial devices checked end to end (real
 * Temporal, PostgreSQL, the GLPI simulator over HTTP) — every device's findings exactly as
 * planted, the totals per kind in the report, the progress query and every report format, the
 * device list filtered by finding and a device's history — and rows without a serial imported
 * from a CSV instead of dropped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyDevice,
  DEFAULT_RULES,
  locationMatches,
  modelMatches,
  nameMatches,
  normaliseText,
  parseCompareFields,
  parseGlpiDate,
  type CardFacts,
  type FindingRules,
} from '../src/core/classify';
import { describeFinding, FINDING_KINDS, parseFindings, type Finding } from '../src/core/findings';
import { noSerialKey } from '../src/core/serial';
import { insertDevices, listDevices, recentResults, findDevice } from '../src/db/devices';
import { deviceText } from '../src/devices/format';
import { readInventory } from '../src/devices/inventory';
import { importInventory } from '../src/devices/import';
import { loadReport, writeReport, FORMATS, type Report, type ReportFormat, type Sink } from '../src/reports';
import { checkAllDevices } from '../src/workflows';
import { progressQuery } from '../src/workflows/check-run';
import { ALL_FINDINGS_RULES, FINDINGS_SCENARIO, generateInventory } from '../src/dev/glpi-simulator';
import { glpiFor, startSimulator } from './support/glpi';
import { verifyRun } from './support/ground-truth';
import { startWorker, temporalClient, testDatabase } from './support/services';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const ALL: FindingRules = {
  compareFields: ['location', 'model', 'name'],
  staleDays: 7,
  retiredStates: ['Decommissioned'],
};

function card(overrides: Partial<CardFacts> = {}): CardFacts {
  return {
    itemtype: 'Printer',
    id: 10,
    name: 'PRN-1',
    serial: 'X-1',
    statusName: 'In use',
    location: 'Paris > Floor 2',
    model: 'LaserJet Pro M404dn',
    manufacturer: 'HP',
    dateMod: '2026-11-30 08:00:00',
    lastInventoryUpdate: '2026-11-30 08:00:00',
    ...overrides,
  };
}

const device = (overrides: Partial<{ name: string | null; model: string | null; location: string | null }> = {}) => ({
  serialNormalized: 'X-1',
  name: 'PRN-1',
  model: 'HP LaserJet Pro M404dn',
  location: 'Paris > Floor 2',
  ...overrides,
});

function findingsOf(
  dev: ReturnType<typeof device>,
  c: CardFacts | null,
  rules: FindingRules = ALL,
  trashed: CardFacts[] = [],
): Finding[] {
  return classifyDevice(dev, c ? [{ card: c, storedSerial: c.serial ?? '' }] : [], trashed, rules, NOW).findings;
}

describe('finding rules (pure)', () => {
  test('location: full path or last segment, case/accents/spaces folded, empty segments dropped', () => {
    assert.ok(locationMatches('Paris > Floor 2', 'Paris > Floor 2'));
    assert.ok(locationMatches('floor 2', 'Paris > Floor 2'), 'last segment');
    assert.ok(locationMatches('Paris > > Floor 2', 'Paris > Floor 2'), '`Paris > > Floor 2` has an empty segment');
    assert.ok(locationMatches('  PÂRIS  >  floor   2 ', 'Paris > Floor 2'));
    assert.ok(!locationMatches('Paris', 'Paris > Floor 2'), 'the first segment alone is not the place');
    assert.ok(!locationMatches('Lyon > Floor 2', 'Paris > Floor 2'));
    assert.ok(locationMatches(' > ', 'Paris'), 'nothing left after normalisation: not compared');
    assert.ok(!locationMatches('Paris', null), 'a card without a location differs');
  });

  test('text normalisation: the ASCII shortcut gives what the Unicode passes give, and non-ASCII still folds', () => {
    // The rule as written in the module comment, without the shortcut.
    const unicode = (value: string) =>
      value.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase().replace(/\s+/gu, ' ').trim();
    let mismatches = 0;
    for (let i = 0; i < 20_000; i++) {
      let value = '';
      // Every ASCII code (white space and control characters included), a few at a time.
      for (let k = 0; k < i % 9; k++) value += String.fromCharCode((i * 7 + k * 13) % 128);
      if (normaliseText(value) !== unicode(value)) mismatches++;
    }
    assert.equal(mismatches, 0);
    assert.equal(normaliseText('  HP\tLaserJet\n  M404  '), 'hp laserjet m404');
    assert.equal(normaliseText('Café  Étage\u00a02'), 'cafe etage 2', 'accents and a no-break space');
    assert.equal(normaliseText('ＨＰ'), 'hp', 'full-width letters');
  });

  test('model: the GLPI model name, or manufacturer + model; trailing spaces ignored', () => {
    assert.ok(modelMatches('HP LaserJet Pro M404dn  ', 'LaserJet Pro M404dn', 'HP'));
    assert.ok(modelMatches('laserjet pro m404dn', 'LaserJet Pro M404dn', 'HP'));
    assert.ok(!modelMatches('HP LaserJet Pro M404', 'LaserJet Pro M404dn', 'HP'));
    assert.ok(!modelMatches('HP LaserJet', null, 'HP'), 'a card without a model differs');
  });

  test('name: a date-looking name is text like any other', () => {
    assert.ok(nameMatches('2024-01-05', '2024-01-05'));
    assert.ok(!nameMatches('2024-01-05', '05/01/2024'));
    assert.deepEqual(findingsOf(device({ name: '2024-01-05' }), card({ name: '2024-01-05' })), []);
  });

  test('empty inventory columns are never a mismatch; empty card values are, with the values', () => {
    assert.deepEqual(findingsOf(device({ name: null, model: '', location: '   ' }), card({ location: null })), []);
    const findings = findingsOf(device(), card({ location: null, model: null, statusName: null }));
    assert.deepEqual(
      findings.map((f) => f.kind),
      ['location_mismatch', 'model_mismatch'],
    );
    for (const finding of findings) {
      assert.equal((finding as { inventory: string }).inventory.length > 0, true);
      assert.match(describeFinding(finding), /GLPI \(empty\)/);
    }
  });

  test('stale: last inventory, else date_mod; future and unreadable dates are no evidence', () => {
    const stale = findingsOf(device(), card({ lastInventoryUpdate: '2026-11-01 12:00:00' }));
    assert.deepEqual(stale, [
      {
        kind: 'stale',
        itemtype: 'Printer',
        glpiId: 10,
        evidence: 'last_inventory_update',
        date: '2026-11-01 12:00:00',
        ageDays: 30,
        staleDays: 7,
      },
    ]);
    const byDateMod = findingsOf(device(), card({ lastInventoryUpdate: null, dateMod: '2026-11-20 00:00:00' }));
    assert.equal(byDateMod[0].kind, 'stale');
    assert.equal((byDateMod[0] as { evidence: string }).evidence, 'date_mod');
    assert.deepEqual(findingsOf(device(), card({ lastInventoryUpdate: '2031-01-01 00:00:00' })), [], 'future');
    assert.deepEqual(
      findingsOf(device(), card({ lastInventoryUpdate: '2026-02-31 00:00:00', dateMod: 'yesterday' })),
      [],
      'no readable date: no finding',
    );
    assert.equal(parseGlpiDate('2026-12-01 12:00:00'), NOW);
    assert.equal(parseGlpiDate('2026-13-01 00:00:00'), null);
  });

  test('retired_state: full state name or its last segment; an empty state never', () => {
    const rules = { ...ALL, retiredStates: ['Stolen', 'Decommissioned'] };
    assert.equal(findingsOf(device(), card({ statusName: 'Retired > Stolen' }), rules)[0].kind, 'retired_state');
    assert.equal(findingsOf(device(), card({ statusName: ' decommissioned ' }), rules)[0].kind, 'retired_state');
    assert.deepEqual(findingsOf(device(), card({ statusName: null }), rules), []);
    assert.deepEqual(
      findingsOf(device(), card({ statusName: 'Decommissioned' }), DEFAULT_RULES),
      [],
      'none configured',
    );
  });

  test('only_in_trash on not_found only; no_serial without a lookup; conflicts get no field findings', () => {
    const trashed = [card({ id: 99, serial: 'x-1' })];
    const notFound = classifyDevice(device(), [], trashed, ALL, NOW);
    assert.equal(notFound.status, 'not_found');
    assert.deepEqual(notFound.findings, [
      { kind: 'only_in_trash', itemtype: 'Printer', glpiId: 99, storedSerial: 'x-1' },
    ]);
    assert.match(describeFinding(notFound.findings[0]), /restore card #99/);
    const noSerial = classifyDevice({ ...device(), serialNormalized: null }, [], [], ALL, NOW);
    assert.equal(noSerial.status, 'not_found');
    assert.equal(noSerial.findings[0].kind, 'no_serial');
    assert.match(describeFinding(noSerial.findings[0]), /name `PRN-1`/);
    const conflict = classifyDevice(
      device({ location: 'Lyon' }),
      [
        { card: card({ id: 2 }), storedSerial: ' X-1' },
        { card: card({ id: 1 }), storedSerial: 'X-1' },
      ],
      [],
      ALL,
      NOW,
    );
    assert.equal(conflict.status, 'conflict');
    assert.deepEqual(
      conflict.items.map((i) => i.id),
      [1, 2],
    );
    assert.deepEqual(
      conflict.findings.map((f) => f.kind),
      ['serial_whitespace'],
    );
  });

  test('every finding survives the JSON column; CHECK_COMPARE_FIELDS parses', () => {
    const all: Finding[] = [
      ...findingsOf(
        device({ location: 'Lyon', model: 'Other', name: 'Other' }),
        card({ statusName: 'Decommissioned', lastInventoryUpdate: '2020-01-01 00:00:00' }),
      ),
      ...classifyDevice(device(), [], [card({ id: 5 })], ALL, NOW).findings,
      ...classifyDevice({ ...device(), serialNormalized: null }, [], [], ALL, NOW).findings,
      { kind: 'serial_whitespace', itemtype: 'Printer', glpiId: 3, storedSerial: ' A ' },
    ];
    assert.deepEqual([...new Set(all.map((f) => f.kind))].sort(), [...FINDING_KINDS].sort());
    assert.deepEqual(parseFindings(JSON.parse(JSON.stringify(all))), all);
    assert.deepEqual(
      parseFindings([{ kind: 'future_kind', glpiId: 1 }, { kind: 'stale' }]),
      [],
      'unknown or incomplete',
    );
    for (const f of all) assert.ok(!describeFinding(f).includes('undefined'), describeFinding(f));
    assert.deepEqual(parseCompareFields(' Model , location '), ['location', 'model']);
    assert.equal(parseCompareFields('location,serial'), undefined);
  });

  test('no-serial keys: by name, else by the other columns; none when nothing identifies the row', () => {
    assert.equal(noSerialKey({ name: ' Imprimante  Accueil ' }), noSerialKey({ name: 'imprimante accueil' }));
    assert.notEqual(noSerialKey({ location: 'Paris' }), noSerialKey({ location: 'Lyon' }));
    assert.equal(noSerialKey({ name: '', location: null }), null);
  });
});

async function render(report: Report, format: ReportFormat): Promise<string> {
  const chunks: string[] = [];
  const sink: Sink = {
    write: (text) => {
      chunks.push(text);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
  await writeReport(format, report, sink);
  return chunks.join('');
}

describe('findings in the nightly check', () => {
  test('a scenario with planted drift, stale, retired, trash-only and no-serial devices gives exactly those findings', async () => {
    const inv = generateInventory({ devices: 2000, seed: 13, awkwardSerials: true, ...FINDINGS_SCENARIO });
    const planted: Record<string, number> = {};
    for (const e of inv.expected.values()) for (const f of e.findings) planted[f.kind] = (planted[f.kind] ?? 0) + 1;
    for (const kind of FINDING_KINDS) assert.ok((planted[kind] ?? 0) >= 5, `${planted[kind] ?? 0} planted ${kind}`);

    const sim = await startSimulator({ items: inv.items });
    const { db, url } = await testDatabase();
    await insertDevices(db, inv.devices);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    sim.resetStats();
    const handle = await client.workflow.start(checkAllDevices, {
      taskQueue,
      workflowId: `findings-${taskQueue}`,
      args: [{ batchSize: 500, batchConcurrency: 2, ...ALL_FINDINGS_RULES }],
    });
    const report = await handle.result();
    assert.equal(report.status, 'completed');

    const verification = await verifyRun(url, report.checkRunId, inv, report, FINDING_KINDS);
    assert.deepEqual(verification.problems, []);
    assert.deepEqual(verification.findingsByKind, planted);
    assert.deepEqual(report.findingsByKind, planted);
    assert.equal(
      report.findings,
      Object.values(planted).reduce((a, b) => a + b, 0),
    );

    const requestsPerDevice = sim.stats().total / inv.devices.length;
    assert.ok(requestsPerDevice <= 0.05, `${requestsPerDevice} GLPI requests per device`);

    const progress = await handle.query(progressQuery);
    assert.deepEqual(progress.findings, planted, 'the progress query counts the findings');

    // Every format lists each kind with its values, its fix and the card's GLPI link.
    const { report: loaded } = await loadReport(db, {
      reference: String(report.checkRunId),
      links: { glpiBase: 'https://glpi.example.org' },
      timeZone: 'UTC',
    });
    assert.deepEqual(loaded.totals.findingsByKind, planted);
    const outputs: Record<string, string> = {};
    for (const format of FORMATS) outputs[format] = await render(loaded, format);
    const trashId = [...inv.expected.values()]
      .flatMap((e) => e.findings)
      .find((f) => f.kind === 'only_in_trash')!.glpiId;
    for (const format of FORMATS) {
      const text = outputs[format];
      for (const kind of FINDING_KINDS) assert.ok(text.includes(kind), `${format} lists ${kind}`);
      assert.ok(text.includes(`restore card #${trashId}`), `${format}: the trash hint`);
      assert.ok(text.includes(`front/printer.form.php?id=${trashId}`), `${format}: the GLPI link`);
      assert.match(text, /inventory location .*, GLPI /, `${format}: the values compared`);
    }
    const json = JSON.parse(outputs.json) as { findings: Record<string, unknown>[] };
    const stale = json.findings.find((f) => f.kind === 'stale')!;
    assert.equal(typeof stale.date, 'string');
    assert.equal(stale.ageDays, 30);

    // devices list --finding, and a device's history with its findings.
    const listed = await listDevices(db, { finding: 'location_mismatch' });
    assert.equal(listed.length, planted.location_mismatch);
    assert.ok(listed.every((d) => d.latest!.findings.some((f) => f.kind === 'location_mismatch')));
    const found = await findDevice(db, `id:${listed[0].id}`);
    const text = deviceText(found!, await recentResults(db, listed[0].id));
    assert.match(text, /Findings, newest run first:\n {2}run \d+ {2}location_mismatch/);
  });

  test('with the default rules only location and model are compared, and no state is retired', async () => {
    const inv = generateInventory({ devices: 600, seed: 5, ...FINDINGS_SCENARIO });
    const sim = await startSimulator({ items: inv.items });
    const { db, url } = await testDatabase();
    await insertDevices(db, inv.devices);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    const report = await client.workflow.execute(checkAllDevices, {
      taskQueue,
      workflowId: `findings-default-${taskQueue}`,
      args: [{ batchSize: 200, batchConcurrency: 2 }],
    });
    const kinds = FINDING_KINDS.filter((k) => k !== 'name_mismatch' && k !== 'retired_state');
    const verification = await verifyRun(url, report.checkRunId, inv, report, FINDING_KINDS);
    // Exact for the kinds the defaults produce, and none of the others.
    const strict = await verifyRun(url, report.checkRunId, inv, report, kinds);
    assert.deepEqual(strict.problems, []);
    assert.equal(verification.findingsByKind.name_mismatch, undefined);
    assert.equal(verification.findingsByKind.retired_state, undefined);
    assert.equal(report.findingsByKind?.name_mismatch, undefined);
  });
});

describe('rows without a serial', () => {
  test('are imported and kept, identified by their name, and re-importing changes nothing', async () => {
    const { db } = await testDatabase();
    const csv = [
      'serial,name,model,location',
      'CN123,PRN-1,HP LaserJet,Paris > Floor 2',
      ',Accueil,Brother HL,Paris > Hall',
      ',,Canon MF,Lyon > Floor 1',
      ',,,',
      ' ,accueil,Brother HL,Paris > Hall',
    ].join('\n');
    const inventory = readInventory(Buffer.from(csv));
    assert.equal(inventory.entries.length, 3);
    assert.deepEqual(
      inventory.skipped.map((s) => s.reason),
      ['no serial, and the same name (or location, model, organisation) as line 3'],
      'a row with nothing at all is blank; the same name twice is a duplicate',
    );
    await importInventory(db, inventory, { dryRun: false, deactivateMissing: false });
    const again = await importInventory(db, readInventory(Buffer.from(csv)), {
      dryRun: false,
      deactivateMissing: true,
    });
    assert.equal(again.create.length, 0);
    assert.equal(again.unchanged.length, 3);
    assert.equal(again.deactivate.length, 0);
    const devices = await db.device.findMany({ where: { serial: '' }, orderBy: { id: 'asc' } });
    assert.deepEqual(
      devices.map((d) => d.name),
      ['Accueil', null],
    );
  });
});
