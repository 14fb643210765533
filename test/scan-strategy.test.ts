/**
 * The full-scan strategy, the reverse check and the changes, end to end: real Temporal, real
 * PostgreSQL, the GLPI simulator over HTTP. The scan must classify every device exactly as the
 * searches do, and no paging fault of GLPI may make a device silently missed or counted twice.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { checkAllDevices, progressQuery } from '../src/workflows';
import {
  ALL_FINDINGS_RULES,
  FINDINGS_SCENARIO,
  generateInventory,
  type GeneratedInventory,
  type SimItem,
} from '../src/dev/glpi-simulator';
import { FINDING_KINDS } from '../src/core/findings';
import type { ListFault } from '../src/dev/glpi-simulator/types';
import { normaliseSerial, tryNormaliseSerial } from '../src/core/serial';
import { insertDevices } from '../src/db/devices';
import { insertScanCards, pruneScanCards } from '../src/db/scan';
import { createActivities } from '../src/activities';
import type { Db } from '../src/db/client';
import { eachRow } from '../src/db/pg';
import { countUnknownCards, listUnknownCards } from '../src/db/unknown-cards';
import { changeSummary, listStatusChanges } from '../src/db/changes';
import type { CheckOptions, RunReport } from '../src/workflows/types';
import { verifyRun } from './support/ground-truth';
import { glpiFor, stackEnv, startSimulator } from './support/glpi';
import { startWorker, temporalClient, testDatabase, uniqueTaskQueue } from './support/services';
import { spawnWorker } from './support/worker-process';
import { runTs } from './support/processes';

const reportEnv = (url: string) => ({
  DATABASE_URL: url,
  GLPI_URL: 'https://glpi.example.org/apirest.php',
  CHECK_TIMEZONE: 'UTC',
  ENV_FILE: 'none',
});

/** Cards the generator does not make: the corners where a scan could classify unlike a search. */
function corners(firstId: number, serialOf: (i: number) => string): SimItem[] {
  const id = (k: number) => firstId + k;
  return [
    // (Named like their devices: the name rule is on.) A clean card and a white-space card with
    // the same serial: the search sees only the clean one.
    { id: id(0), itemtype: 'Printer', name: 'corner 0', serial: serialOf(0) },
    { id: id(1), itemtype: 'Printer', name: 'spaced twin', serial: ` ${serialOf(0)}` },
    // Trailing spaces only: `equals` finds it (PAD SPACE), with a finding.
    { id: id(2), itemtype: 'Printer', name: 'corner 1', serial: `${serialOf(1)}   ` },
    // Only a leading TAB: found by the white-space pass.
    { id: id(3), itemtype: 'Printer', name: 'corner 2', serial: `\t${serialOf(2)}` },
    // A template and a trashed card with a device's serial: not_found, with an only_in_trash finding.
    { id: id(4), itemtype: 'Printer', name: 'template', serial: serialOf(3), isTemplate: true },
    { id: id(5), itemtype: 'Printer', name: 'trashed', serial: serialOf(3), isDeleted: true },
    // Unknown cards: a serial no device has, one without a serial, one with only spaces.
    { id: id(6), itemtype: 'Printer', name: 'stray <A&B>', serial: 'NOT-IN-INVENTORY-1', location: 'HQ > Floor 2' },
    { id: id(7), itemtype: 'Printer', name: 'no serial', serial: null },
    { id: id(8), itemtype: 'Printer', name: 'blank serial', serial: '   ' },
  ];
}

/** A card as the scan stores it (insertScanCards), for tests that plant cards themselves. */
function storedCard(itemtype: string, glpiId: number, serial: string, name: string): string {
  return JSON.stringify({
    itemtype,
    glpiId,
    isDeleted: false,
    serialNormalized: serial,
    storedSerial: serial,
    item: { itemtype, id: glpiId, name, serial },
  });
}

/** The reverse check's ground truth: live, non-template cards whose serial no device has. */
function expectedUnknown(items: readonly SimItem[], devices: readonly { serial: string }[]) {
  // Inventory rows without a serial ('') match no card.
  const known = new Set(
    devices.flatMap((d) => {
      const normalised = tryNormaliseSerial(d.serial);
      return normalised.ok ? [normalised.serial] : [];
    }),
  );
  const withSerial: number[] = [];
  const withoutSerial: number[] = [];
  for (const item of items) {
    if (item.isDeleted || item.isTemplate) continue;
    const normalised = item.serial === null ? null : tryNormaliseSerial(item.serial);
    if (!normalised?.ok) withoutSerial.push(item.id);
    else if (!known.has(normalised.serial)) withSerial.push(item.id);
  }
  return { withSerial: withSerial.sort((a, b) => a - b), withoutSerial: withoutSerial.sort((a, b) => a - b) };
}

async function scenario(devices: number, seed: number) {
  // Every finding of #13 planted (drift, stale, retired, trash-only, no serial), more white space.
  const inv = generateInventory({ devices, seed, awkwardSerials: true, ...FINDINGS_SCENARIO, whitespaceRate: 0.02 });
  const firstId = Math.max(...inv.items.map((i) => i.id)) + 1;
  const extraDevices = [0, 1, 2, 3].map((k) => ({ serial: `CORNER-${seed}-${k}`, name: `corner ${k}` }));
  const items = [...inv.items, ...corners(firstId, (k) => extraDevices[k].serial)];
  const sim = await startSimulator({ items });
  const { db, url } = await testDatabase();
  await insertDevices(db, [...inv.devices, ...extraDevices]);
  return { inv: groundTruth(inv, seed, firstId), items, sim, db, url, devices: [...inv.devices, ...extraDevices] };
}

async function run(taskQueue: string, options: CheckOptions, id: string): Promise<RunReport> {
  const client = await temporalClient();
  return client.workflow.execute(checkAllDevices, {
    taskQueue,
    workflowId: `${id}-${taskQueue}`,
    args: [{ batchSize: 200, batchConcurrency: 4, ...options }],
  });
}

interface StoredResult {
  device_id: number;
  status: string;
  glpi_ids: number[];
  glpi_items: unknown;
  status_name: string | null;
  error_message: string | null;
  findings: unknown;
}

async function resultsOf(db: Db, checkRunId: number): Promise<Map<number, StoredResult>> {
  const rows = await db.$queryRaw<StoredResult[]>`
    SELECT device_id, status::text AS status, glpi_ids, glpi_items, status_name, error_message, findings
      FROM check_results WHERE check_run_id = ${checkRunId} ORDER BY device_id`;
  return new Map(rows.map((row) => [row.device_id, row]));
}

/** The generator's ground truth, with the corner devices (the search's view of them: see corners()). */
function groundTruth(inv: GeneratedInventory, seed: number, firstId: number): GeneratedInventory {
  const corner = (k: number) => normaliseSerial(`CORNER-${seed}-${k}`);
  return {
    ...inv,
    // Corners 0-2 found, 3 not_found.
    counts: { ...inv.counts, found: inv.counts.found + 3, not_found: inv.counts.not_found + 1 },
    devices: [...inv.devices, ...[0, 1, 2, 3].map((k) => ({ ...inv.devices[0], serial: `CORNER-${seed}-${k}` }))],
    expected: new Map([
      ...inv.expected,
      [corner(0), { status: 'found', glpiIds: [firstId], findings: [] }],
      [
        corner(1),
        { status: 'found', glpiIds: [firstId + 2], findings: [{ kind: 'serial_whitespace', glpiId: firstId + 2 }] },
      ],
      [
        corner(2),
        { status: 'found', glpiIds: [firstId + 3], findings: [{ kind: 'serial_whitespace', glpiId: firstId + 3 }] },
      ],
      [corner(3), { status: 'not_found', glpiIds: [], findings: [{ kind: 'only_in_trash', glpiId: firstId + 5 }] }],
    ]),
  };
}

describe('full-scan strategy', () => {
  test('scan and search give identical results for every device; reverse check and changes are exact', async () => {
    const { inv, items, sim, db, url, devices } = await scenario(3000, 41);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });

    sim.resetStats();
    const bySearch = await run(taskQueue, { strategy: 'search', reverse: false, ...ALL_FINDINGS_RULES }, 'search');
    const searchRequests = sim.stats().total;
    sim.resetStats();
    const byScan = await run(taskQueue, { strategy: 'scan', reverse: true, ...ALL_FINDINGS_RULES }, 'scan');
    const scanRequests = sim.stats().total;

    assert.equal(bySearch.strategy, 'search');
    assert.equal(byScan.strategy, 'scan');
    assert.equal(bySearch.status, 'completed');
    assert.equal(byScan.status, 'completed');
    // Both exactly as planted: statuses, cards and every finding of every kind.
    const truthOfSearch = await verifyRun(url, bySearch.checkRunId, inv, bySearch, FINDING_KINDS);
    assert.deepEqual(truthOfSearch.problems, []);
    const truthOfScan = await verifyRun(url, byScan.checkRunId, inv, byScan, FINDING_KINDS);
    assert.deepEqual(truthOfScan.problems, []);
    for (const kind of FINDING_KINDS)
      assert.ok((truthOfScan.findingsByKind[kind] ?? 0) > 0, `the scenario has ${kind}`);
    assert.deepEqual(byScan.findingsByKind, bySearch.findingsByKind);
    assert.equal(byScan.findings, bySearch.findings);

    // Every device: same status, same cards (every field), same findings.
    const search = await resultsOf(db, bySearch.checkRunId);
    const scan = await resultsOf(db, byScan.checkRunId);
    assert.equal(search.size, devices.length);
    assert.equal(scan.size, devices.length);
    let differences = 0;
    const examples: string[] = [];
    for (const [deviceId, expected] of search) {
      const actual = scan.get(deviceId);
      const { device_id: _a, ...want } = expected;
      const { device_id: _b, ...got } = actual ?? ({} as StoredResult);
      try {
        assert.deepEqual(got, want);
      } catch (error) {
        if (differences++ < 3) examples.push(`device ${deviceId}: ${(error as Error).message}`);
      }
    }
    assert.equal(
      differences,
      0,
      `${differences} devices classified differently by scan and search: ${examples.join('\n')}`,
    );
    // The corners really are there: a white-space finding from each strategy, a conflict-free twin.
    const findings = [...scan.values()].filter((r) => Array.isArray(r.findings) && r.findings.length > 0);
    assert.ok(findings.length > 10, `${findings.length} devices with findings`);
    assert.ok(
      scanRequests * 5 < searchRequests,
      `the scan needs far fewer requests (${scanRequests}) than the searches (${searchRequests})`,
    );

    // The reverse check: exactly the ground truth.
    const truth = expectedUnknown(items, devices);
    assert.ok(truth.withSerial.length > 50, `the scenario has unknown cards (${truth.withSerial.length})`);
    assert.equal(byScan.unknownCards, truth.withSerial.length);
    assert.equal(byScan.unknownNoSerial, truth.withoutSerial.length);
    assert.deepEqual(await countUnknownCards(db, byScan.checkRunId), {
      withSerial: truth.withSerial.length,
      withoutSerial: truth.withoutSerial.length,
    });
    const listed = await listUnknownCards(db, byScan.checkRunId, { limit: 100_000 });
    assert.deepEqual(
      listed.map((c) => c.glpiId),
      truth.withSerial,
    );
    const stray = listed.find((c) => c.serial === 'NOT-IN-INVENTORY-1');
    assert.equal(stray?.name, 'stray <A&B>', 'names decoded from GLPI 10 storage');
    assert.equal(stray?.location, 'HQ > Floor 2');
    const noSerial = await listUnknownCards(db, byScan.checkRunId, { withoutSerial: true });
    assert.deepEqual(
      noSerial.map((c) => c.glpiId),
      truth.withoutSerial,
    );
    // The search run had no reverse check.
    assert.equal(bySearch.unknownCards, null);

    // Changes: the first run has nothing to compare with; the scan run changed nothing.
    assert.equal(bySearch.changes?.previousRunId, null);
    assert.equal(byScan.changes?.previousRunId, bySearch.checkRunId);
    const same = await changeSummary(db, byScan.checkRunId);
    for (const [status, counts] of Object.entries(same.byStatus)) {
      assert.equal(counts.new, 0, `no new ${status}`);
      assert.equal(counts.resolved, 0, `no resolved ${status}`);
    }
    assert.equal(same.byStatus.conflict.persisting, bySearch.conflicts);
    for (const counts of Object.values(same.byFinding)) assert.equal(counts.new + counts.resolved, 0);

    // Tonight GLPI changed: a found device loses its card, a not_found one gets one, a found one a twin.
    const found = [...search.entries()].filter(([, r]) => r.status === 'found' && r.glpi_ids.length === 1);
    const hasSerial = (r: StoredResult) =>
      !(Array.isArray(r.findings) && r.findings.some((f: { kind: string }) => f.kind === 'no_serial'));
    const notFound = [...search.entries()].filter(([, r]) => r.status === 'not_found' && hasSerial(r));
    const [lost, twinned] = [found[0], found[1]];
    const gained = notFound[0];
    const serialOf = async (deviceId: number) =>
      (await db.device.findUniqueOrThrow({ where: { id: deviceId } })).serial;
    const nextId = Math.max(...items.map((i) => i.id)) + 100;
    const tonight = [
      ...items.filter((i) => i.id !== lost[1].glpi_ids[0]),
      { id: nextId, itemtype: 'Printer', name: 'new card', serial: await serialOf(gained[0]) },
      { id: nextId + 1, itemtype: 'Printer', name: 'twin', serial: await serialOf(twinned[0]) },
    ];
    sim.setItems(tonight);
    const third = await run(taskQueue, { strategy: 'scan', reverse: true, ...ALL_FINDINGS_RULES }, 'third');
    assert.equal(third.changes?.previousRunId, byScan.checkRunId);
    const changes = await changeSummary(db, third.checkRunId);
    assert.deepEqual(changes.byStatus.not_found, {
      new: 1,
      resolved: 1,
      persisting: bySearch.notFound - 1,
    });
    assert.deepEqual(changes.byStatus.conflict, { new: 1, resolved: 0, persisting: bySearch.conflicts });
    assert.deepEqual(
      (await listStatusChanges(db, third.checkRunId, { change: 'new', status: 'not_found' })).map((c) => [
        c.deviceId,
        c.before,
        c.after,
      ]),
      [[lost[0], 'found', 'not_found']],
    );
    assert.deepEqual(
      (await listStatusChanges(db, third.checkRunId, { change: 'resolved', status: 'not_found' })).map((c) => [
        c.deviceId,
        c.before,
        c.after,
      ]),
      [[gained[0], 'not_found', 'found']],
    );
    assert.deepEqual(
      (await listStatusChanges(db, third.checkRunId, { change: 'new', status: 'conflict' })).map((c) => c.deviceId),
      [twinned[0]],
    );
    // The card that disappeared from the inventory's view: the removed card is gone, the new ones are known.
    assert.equal(third.unknownCards, truth.withSerial.length);

    // npm run report: every format carries the fleet view; --unknown and --changes give it alone.
    const text = await runTs('src/cli/report.ts', ['--run', String(third.checkRunId)], reportEnv(url));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Strategy: scan/);
    assert.match(text.stdout, new RegExp(`In GLPI, not in the inventory: ${truth.withSerial.length} `));
    assert.match(text.stdout, /Printer #\d+ +NOT-IN-INVENTORY-1 +stray <A&B> +HQ > Floor 2/);
    assert.match(text.stdout, new RegExp(`Changes since run ${byScan.checkRunId}`));
    assert.match(text.stdout, /conflicts: 1 new, 0 resolved/);
    const first = await runTs('src/cli/report.ts', ['--run', String(bySearch.checkRunId), '--changes'], reportEnv(url));
    assert.match(first.stdout, /nothing to compare with/);
    assert.match(
      (await runTs('src/cli/report.ts', ['--run', String(bySearch.checkRunId), '--unknown'], reportEnv(url))).stdout,
      /not checked in this run/,
    );
    const json = await runTs(
      'src/cli/report.ts',
      ['--run', String(third.checkRunId), '--format', 'json'],
      reportEnv(url),
    );
    const parsed = JSON.parse(json.stdout) as {
      unknownCards: { count: number; cards: { glpiId: number }[] };
      changes: { previousRunId: number; devices: { new: { conflict: { deviceId: number }[] } } };
    };
    assert.equal(parsed.unknownCards.count, truth.withSerial.length);
    assert.equal(parsed.unknownCards.cards.length, truth.withSerial.length);
    assert.deepEqual(
      parsed.changes.devices.new.conflict.map((d) => d.deviceId),
      [twinned[0]],
    );
    const csv = await runTs(
      'src/cli/report.ts',
      ['--run', String(third.checkRunId), '--unknown', '--format', 'csv'],
      reportEnv(url),
    );
    assert.equal(csv.stdout.split('\r\n').filter((l) => l.startsWith('unknown_card,')).length, truth.withSerial.length);
    const html = await runTs(
      'src/cli/report.ts',
      ['--run', String(third.checkRunId), '--format', 'html'],
      reportEnv(url),
    );
    assert.match(html.stdout, /id="unknown-cards"/);
    assert.match(html.stdout, /id="changes"/);
    assert.match(html.stdout, /stray &lt;A&amp;B&gt;/);

    // The progress query of a finished run reports the strategy and the reverse check.
    const progress = await (await temporalClient()).workflow.getHandle(`third-${taskQueue}`).query(progressQuery);
    assert.equal(progress.strategy, 'scan');
    assert.equal(progress.unknownCards, truth.withSerial.length);
  });

  for (const fault of ['short', 'shifted', 'html', 'truncated'] as ListFault[]) {
    test(`a ${fault} page during the scan: every device classified exactly once, as the ground truth says`, async () => {
      const inv = generateInventory({ devices: 1200, seed: 53 });
      const sim = await startSimulator({ items: inv.items, faults: { listFaults: { 1: fault, 4: fault } } });
      const { db, url } = await testDatabase();
      await insertDevices(db, inv.devices);
      const { taskQueue } = await startWorker({
        db,
        glpi: glpiFor(sim, { pageSize: 100, retryBaseDelayMs: 10, maxConcurrency: 1 }),
      });
      const report = await run(taskQueue, { strategy: 'scan', reverse: true }, `fault-${fault}`);
      assert.equal(sim.stats().faultsInjected.list, 2, 'both faults were served');
      const verification = await verifyRun(url, report.checkRunId, inv, report);
      assert.deepEqual(verification.problems, []);
      assert.equal(verification.ok, true);
      assert.equal(report.unknownCards, expectedUnknown(inv.items, inv.devices).withSerial.length);
      const run_ = await db.checkRun.findUniqueOrThrow({ where: { id: report.checkRunId } });
      const scan = run_.scan as { warnings: string[] };
      if (fault === 'short') assert.ok(scan.warnings.some((w) => /fewer rows than their Content-Range/.test(w)));
      if (fault === 'shifted') assert.ok(scan.warnings.some((w) => /returned twice were counted once/.test(w)));
    });
  }

  test('the classification reads rows one at a time: all of them in order, a failing visit or statement ends the query with its error, the pool stays whole', async () => {
    const { db } = await testDatabase();
    const series = 'SELECT n FROM generate_series(1, $1::int) AS n';
    const seen: number[] = [];
    await eachRow<{ n: number }>(db.pg, series, [5], (row) => seen.push(row.n));
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    const visited: number[] = [];
    await assert.rejects(
      eachRow<{ n: number }>(db.pg, series, [5], (row) => {
        visited.push(row.n);
        if (row.n === 2) throw new Error('visit failed at 2');
      }),
      /visit failed at 2/,
    );
    // After a failing visit the rest of the rows are not visited (the statement still runs to its end).
    assert.deepEqual(visited, [1, 2]);
    await assert.rejects(
      eachRow(db.pg, 'SELECT 1 / 0', [], () => undefined),
      /division by zero/,
    );
    const { rows } = await db.pg.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(rows[0].one, 1);
    // Every connection went back to the pool.
    assert.equal(db.pg.totalCount - db.pg.idleCount, 0);
  });

  test('a scan that keeps failing: its short ladder, then the devices are searched, exact, without a reverse check', async (t) => {
    const inv = generateInventory({ devices: 600, seed: 71 });
    // Every page of the live list is an HTML page: the scan cannot get through, the searches can.
    const listFaults: Record<number, ListFault> = {};
    for (let i = 0; i < 400; i++) listFaults[i] = 'html';
    const sim = await startSimulator({ items: inv.items, faults: { listFaults } });
    const { db, url } = await testDatabase();
    await insertDevices(db, inv.devices);
    const { taskQueue } = await startWorker({
      db,
      glpi: glpiFor(sim, { pageSize: 100, retryBaseDelayMs: 10, maxConcurrency: 1 }),
    });
    const listRequestsAt: number[] = [];
    sim.onListRequest(() => listRequestsAt.push(Date.now()));
    const report = await run(taskQueue, { strategy: 'scan', reverse: true, retryInitialSeconds: 5 }, 'scan-fails');
    sim.onListRequest(null);
    assert.equal(report.status, 'completed');
    assert.equal(report.strategy, 'search', 'the run fell back to the searches');
    assert.equal(report.unknownCards, null, 'no reverse check without a complete scan');
    const verification = await verifyRun(url, report.checkRunId, inv, report);
    assert.deepEqual(verification.problems, []);
    const stored = await db.checkRun.findUniqueOrThrow({ where: { id: report.checkRunId } });
    assert.equal(stored.strategy, 'search');
    assert.match((stored.scan as { failed?: string }).failed ?? '', /HTML|html/);
    // The scan's ladder starts at 5 s / SCAN_LADDER_DIVISOR = 1 s: waits of 1, 4 and 16 s. The check's
    // own ladder (5, 20, 80 s) would have kept reading for 105 s before the first search.
    const scanning = (listRequestsAt.at(-1)! - listRequestsAt[0]) / 1000;
    assert.ok(scanning >= 1 + 4 + 16 - 1, `the scan climbed its ladder (${scanning} s)`);
    assert.ok(scanning < 60, `the scan gave way within its short ladder (${scanning} s)`);
    t.diagnostic(`the failing scan gave way to the searches after ${scanning.toFixed(1)} s`);
  });

  test('a worker SIGKILLed mid-scan: the next one reads on from the heartbeated cursor, exact', async (t) => {
    const inv = generateInventory({ devices: 2000, seed: 73 });
    // 200 ms a request, pages of 100: the scan of ~21 pages lasts seconds, long enough to kill the worker in it.
    const sim = await startSimulator({ items: inv.items, faults: { latencyMs: 200 } });
    const { db, url } = await testDatabase();
    await insertDevices(db, inv.devices);
    const taskQueue = uniqueTaskQueue('scan-kill');
    const env = {
      ...stackEnv(taskQueue, url, sim.url),
      GLPI_PAGE_SIZE: '100',
      GLPI_MAX_CONCURRENCY: '1',
      CHECK_HEARTBEAT_TIMEOUT_SECONDS: '3',
    };
    const client = await temporalClient();
    const scan = (id: string) =>
      client.workflow.start(checkAllDevices, {
        taskQueue,
        workflowId: `${id}-${taskQueue}`,
        args: [{ batchSize: 200, strategy: 'scan', reverse: true, heartbeatTimeoutSeconds: 3 }],
      });

    // A scan without a kill, for the number of list requests a whole scan takes.
    const first = spawnWorker(env);
    await first.ready;
    let requests = 0;
    sim.onListRequest(() => requests++);
    const baseline = await (await scan('scan-whole')).result();
    const wholeScan = requests;
    assert.ok(wholeScan >= 20, `a whole scan takes ${wholeScan} list requests`);

    // The same scan, the worker killed at the 15th list request and another one started.
    requests = 0;
    const killAt = 15;
    let killed: Promise<void> | undefined;
    sim.onListRequest(() => {
      requests++;
      if (requests === killAt) killed = first.kill('SIGKILL').then(() => undefined);
    });
    const handle = await scan('scan-killed');
    while (!killed) await new Promise((r) => setTimeout(r, 50));
    await killed;
    const second = spawnWorker(env);
    after(() => second.kill('SIGKILL'));
    await second.ready;
    const report = await handle.result();
    sim.onListRequest(null);

    assert.equal(report.status, 'completed');
    assert.equal(report.strategy, 'scan', 'the scan went on (no fallback to the searches)');
    const verification = await verifyRun(url, report.checkRunId, inv, report);
    assert.deepEqual(verification.problems, []);
    assert.equal(report.unknownCards, baseline.unknownCards);
    const resumed = /Scan resuming[^\n]*offset[=:" ]+(\d+)/.exec(second.output());
    assert.ok(resumed && Number(resumed[1]) > 0, `the new worker read on from an offset:\n${second.output()}`);
    t.diagnostic(
      `killed at list request ${killAt}; resumed at offset ${resumed[1]}; ${requests} list requests (whole scan ${wholeScan})`,
    );
    // Started over, it would need the whole scan again on top of the requests before the kill.
    assert.ok(
      requests < wholeScan + killAt - 1,
      `${requests} list requests with the kill, ${wholeScan} for a whole scan: the scan read on`,
    );
  });

  test('cards an earlier attempt stored past its cursor: the next attempt drops and stores them again, once each', async () => {
    const inv = generateInventory({ devices: 600, seed: 79 });
    const sim = await startSimulator({ items: inv.items });
    const { db, url } = await testDatabase();
    await insertDevices(db, inv.devices);
    const glpi = glpiFor(sim);
    const real = createActivities({ db, glpi });
    // What a worker killed after storing a window, before heartbeating the cursor past it, leaves:
    // the list's first cards stored, with values GLPI no longer has, and no cursor to say so.
    const ahead = inv.items
      .filter((item) => !item.isDeleted && !item.isTemplate)
      .sort((a, b) => a.id - b.id)
      .slice(0, 40);
    let planted = 0;
    const { taskQueue } = await startWorker({
      db,
      glpi,
      activityOverrides: {
        scanCards: async (input) => {
          if (!input.list.trashed && planted === 0) {
            const stale = ahead.map((item) => storedCard(input.list.itemtype, item.id, 'STALE', 'stale copy'));
            await insertScanCards(db, input.checkRunId, stale);
            planted = stale.length;
          }
          return real.scanCards(input);
        },
      },
    });
    const report = await run(taskQueue, { strategy: 'scan', reverse: true }, 'scan-ahead');
    assert.equal(planted, 40);
    assert.equal(report.status, 'completed');
    assert.equal(report.strategy, 'scan', 'the scan went on (no fallback to the searches)');
    assert.deepEqual((await verifyRun(url, report.checkRunId, inv, report)).problems, []);
    const rows = await db.$queryRaw<{ glpi_id: number; copies: number; names: string[] }[]>`
      SELECT glpi_id, count(*)::int AS copies, array_agg(item->>'name') AS names
        FROM scan_cards WHERE check_run_id = ${report.checkRunId} AND NOT is_deleted
       GROUP BY glpi_id`;
    const live = inv.items.filter((item) => !item.isDeleted && !item.isTemplate);
    assert.equal(rows.length, live.length, 'every live card stored');
    assert.deepEqual(
      rows.filter((row) => row.copies !== 1),
      [],
      'each card stored once',
    );
    const byId = new Map(rows.map((row) => [row.glpi_id, row.names[0]]));
    for (const item of ahead) assert.equal(byId.get(item.id), item.name, `card ${item.id} as GLPI has it`);
  });

  test('pruning keeps the latest runs that scanned and every run still running (two full checks can overlap)', async () => {
    const { db } = await testDatabase();
    const card = (glpiId: number) => storedCard('Printer', glpiId, `P-${glpiId}`, `p${glpiId}`);
    // Oldest first: a slow run still scanning, two finished ones, a run scanning beside the
    // newest (its scan not recorded yet), and the newest, whose finishScan prunes.
    const shapes = [
      { name: 'slow, still running', status: 'running', scan: null },
      { name: 'finished, older', status: 'completed', scan: {} },
      { name: 'finished, newer', status: 'completed', scan: {} },
      { name: 'overlapping, still scanning', status: 'running', scan: null },
      { name: 'newest, pruning', status: 'running', scan: {} },
    ] as const;
    const runs: { id: number; name: string }[] = [];
    for (const [i, shape] of shapes.entries()) {
      const row = await db.checkRun.create({
        data: {
          workflowId: `prune-${i}`,
          runId: `prune-${i}`,
          trigger: 'manual',
          status: shape.status,
          ...(shape.scan ? { scan: shape.scan } : {}),
        },
      });
      await insertScanCards(db, row.id, [card(1), card(2)]);
      runs.push({ id: row.id, name: shape.name });
    }
    await pruneScanCards(db, 2);
    const left = await db.$queryRaw<{ check_run_id: number; cards: number }[]>`
      SELECT check_run_id, count(*)::int AS cards FROM scan_cards GROUP BY check_run_id ORDER BY check_run_id`;
    const kept = new Set(left.map((row) => row.check_run_id));
    assert.deepEqual(
      runs.filter((run) => kept.has(run.id)).map((run) => run.name),
      ['slow, still running', 'finished, newer', 'overlapping, still scanning', 'newest, pruning'],
      'only the finished run past the latest two that scanned lost its cards',
    );
    assert.ok(
      left.every((row) => row.cards === 2),
      'a run keeps all its cards or none',
    );
  });

  test('cards trashed and added while the scan runs: it backs up, nothing is skipped, the change is recorded', async () => {
    const inv = generateInventory({ devices: 1500, seed: 61 });
    const sim = await startSimulator({ items: inv.items });
    const { db, url } = await testDatabase();
    await insertDevices(db, inv.devices);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim, { pageSize: 100, maxConcurrency: 1 }) });
    // After the 6th page of live cards, the 30 lowest-id live cards go to the trash and 10 new cards
    // arrive: every later page shifts by 30 rows.
    const live = inv.items.filter((i) => !i.isDeleted && !i.isTemplate).sort((a, b) => a.id - b.id);
    const trashedIds = new Set(live.slice(0, 30).map((i) => i.id));
    const maxId = Math.max(...inv.items.map((i) => i.id));
    const changed = [
      ...inv.items.map((i) => (trashedIds.has(i.id) ? { ...i, isDeleted: true } : i)),
      ...[...Array(10).keys()].map((k) => ({
        id: maxId + 1 + k,
        itemtype: 'Printer',
        name: `late ${k}`,
        serial: `LATE-${k}`,
      })),
    ];
    sim.onListRequest((index) => {
      if (index === 6) sim.setItems(changed);
    });
    const report = await run(taskQueue, { strategy: 'scan', reverse: true }, 'moving');
    sim.onListRequest(null);
    // The trashed cards were read before they moved: their devices stay as GLPI had them then.
    const verification = await verifyRun(url, report.checkRunId, inv, report);
    assert.deepEqual(verification.problems, []);
    const stored = await db.checkRun.findUniqueOrThrow({ where: { id: report.checkRunId } });
    const scan = stored.scan as {
      warnings: string[];
      lists: { backups: number; itemtype: string; trashed: boolean }[];
    };
    assert.ok(
      scan.warnings.some((w) => /total changed during the scan/.test(w)),
      scan.warnings.join('; '),
    );
    assert.ok(scan.lists.find((l) => !l.trashed)!.backups > 0, 'the scan backed up');
    // The late cards are known to the reverse check (their serials are in no device).
    const unknown = await listUnknownCards(db, report.checkRunId, { limit: 100_000 });
    for (let k = 0; k < 10; k++)
      assert.ok(
        unknown.some((c) => c.serial === `LATE-${k}`),
        `LATE-${k} listed`,
      );
  });
});
