/**
 * The nightly check with what a real GLPI holds: cards stored with stray white space (found, with
 * a finding shown in every report format) and an API user who does not see every entity (the run
 * records its scope and its report says so; GLPI_REQUIRE_FULL_SCOPE fails the run at once).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insertDevices } from '../src/db/devices';
import { normaliseSerial } from '../src/core/serial';
import { loadReport, writeReport, type Report, type Sink } from '../src/reports';
import { FORMATS, type ReportFormat } from '../src/reports';
import { checkAllDevices } from '../src/workflows';
import { generateInventory, type SimItem } from '../src/dev/glpi-simulator';
import { glpiFor, startSimulator } from './support/glpi';
import { startWorker, temporalClient, testDatabase } from './support/services';
import type { Db } from '../src/db/client';

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

async function reportsOf(db: Db, runId: number): Promise<Record<ReportFormat, string>> {
  const out = {} as Record<ReportFormat, string>;
  for (const format of FORMATS) {
    const { report } = await loadReport(db, {
      reference: String(runId),
      links: { glpiBase: 'https://glpi.example.org' },
      timeZone: 'UTC',
    });
    out[format] = await render(report, format);
  }
  return out;
}

describe('findings and scope in the nightly check', () => {
  test('white-space cards are found, their findings stored and shown in text, CSV, JSON and HTML', async () => {
    const inv = generateInventory({ devices: 400, seed: 21, whitespaceRate: 0.03 });
    const sim = await startSimulator({ items: inv.items });
    const { db } = await testDatabase();
    await insertDevices(db, inv.devices);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    const report = await client.workflow.execute(checkAllDevices, {
      taskQueue,
      workflowId: `ws-${taskQueue}`,
      args: [{ batchSize: 100, batchConcurrency: 2 }],
    });
    assert.equal(report.status, 'completed');
    assert.equal(report.found, inv.counts.found);
    assert.equal(report.conflicts, inv.counts.conflict);
    assert.equal(report.notFound, inv.counts.not_found);

    const whitespaceCards = [...inv.expected.values()].reduce((n, e) => n + (e.whitespaceIds?.length ?? 0), 0);
    assert.ok(whitespaceCards >= 12, `${whitespaceCards} white-space cards`);
    // Besides them, the absent devices GLPI has only in the trash (only_in_trash, issue 13).
    const expectedFindings = [...inv.expected.values()].reduce((n, e) => n + e.findings.length, 0);
    assert.equal(report.findingsByKind?.serial_whitespace, whitespaceCards);
    assert.equal(report.findings, expectedFindings);
    assert.equal(report.scopeWarning, undefined, 'a Super-Admin sees everything');

    const rows = await db.checkResult.findMany({
      where: { checkRunId: report.checkRunId },
      select: { status: true, glpiIds: true, findings: true, device: { select: { serial: true } } },
    });
    for (const row of rows) {
      const expected = inv.expected.get(normaliseSerial(row.device.serial))!;
      assert.equal(row.status, expected.status, row.device.serial);
      assert.deepEqual(
        (row.findings as { kind: string; glpiId: number }[])
          .filter((f) => f.kind === 'serial_whitespace')
          .map((f) => f.glpiId),
        expected.whitespaceIds ?? [],
        row.device.serial,
      );
    }

    const out = await reportsOf(db, report.checkRunId);
    assert.match(out.text, new RegExp(`findings: +${expectedFindings} \\(listed below\\)`));
    assert.match(out.text, new RegExp(`Data-quality findings: ${expectedFindings} `));
    assert.match(out.text, /GLPI stores this serial as `[^`]*[␠␉][^`]*`: fix it on card #\d+/);
    assert.match(out.text, /GLPI scope\n {2}\d+ entities in scope: Root entity, /);
    const csvFindings = out.csv.split('\r\n').filter((line) => line.startsWith('finding,'));
    assert.equal(csvFindings.length, expectedFindings);
    assert.match(
      csvFindings.find((line) => line.includes('GLPI stores'))!,
      /,https:\/\/glpi\.example\.org\/front\/printer\.form\.php\?id=\d+,,GLPI stores.*,serial_whitespace$/,
    );
    const json = JSON.parse(out.json) as {
      totals: { findings: number };
      scope: { complete: boolean; warning: string | null };
      findings: { kind: string; storedSerial: string; message: string; url: string }[];
    };
    assert.equal(json.totals.findings, expectedFindings);
    assert.equal(json.findings.length, expectedFindings);
    const whitespace = json.findings.find((f) => f.kind === 'serial_whitespace')!;
    assert.notEqual(whitespace.storedSerial.trim(), whitespace.storedSerial);
    assert.deepEqual([json.scope.complete, json.scope.warning], [true, null]);
    assert.match(out.html, /<section class="category finding" id="findings" data-category="finding">/);
    assert.match(out.html, new RegExp(`Findings</span><span class="value">${expectedFindings}<`));
    assert.match(out.html, /class="finding-text">GLPI stores this serial as `/);
  });

  const scoped: SimItem[] = [
    { id: 1, itemtype: 'Printer', name: 'ROOT-PRN', serial: 'SC-ROOT-1' },
    { id: 2, itemtype: 'Printer', name: 'LYON-PRN', serial: 'SC-LYON-1', entity: 'Root entity > Lyon', entityId: 1 },
  ];
  const technician = [{ id: 6, name: 'Technician', entities: [{ id: 0, recursive: false }] }];

  test('a non-recursive profile: the run records its scope and every report says what it cannot see', async () => {
    const sim = await startSimulator({ items: scoped, profiles: technician });
    const { db } = await testDatabase();
    await insertDevices(db, [{ serial: 'SC-ROOT-1' }, { serial: 'SC-LYON-1' }]);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    const report = await client.workflow.execute(checkAllDevices, {
      taskQueue,
      workflowId: `scope-${taskQueue}`,
      args: [{}],
    });
    assert.equal(report.found, 1);
    assert.equal(report.notFound, 1, 'the Lyon printer is invisible to this user');
    const warning =
      '1 entity in scope: Root entity — devices outside them can only be `not_found` ' +
      '(profile Technician is not recursive on Root entity, and GLPI has other entities)';
    assert.equal(report.scopeWarning, warning);
    const run = await db.checkRun.findUniqueOrThrow({ where: { id: report.checkRunId } });
    assert.equal((run.scope as { complete: boolean }).complete, false);

    const out = await reportsOf(db, report.checkRunId);
    assert.ok(out.text.includes(`GLPI scope\n  WARNING: ${warning}`), out.text);
    assert.equal((JSON.parse(out.json) as { scope: { warning: string } }).scope.warning, warning);
    assert.ok(out.html.includes('<p class="notice scope"><strong>GLPI scope:</strong> 1 entity in scope: Root entity'));
  });

  test('GLPI_REQUIRE_FULL_SCOPE: the run fails at once with the reason', async () => {
    const sim = await startSimulator({ items: scoped, profiles: technician });
    const { db } = await testDatabase();
    await insertDevices(db, [{ serial: 'SC-ROOT-1' }]);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim, { requireFullScope: true }) });
    const client = await temporalClient();
    const started = Date.now();
    await assert.rejects(
      client.workflow.execute(checkAllDevices, { taskQueue, workflowId: `strict-${taskQueue}`, args: [{}] }),
      (error: Error & { cause?: Error }) => {
        assert.match(
          String(error.cause?.message ?? error.message),
          /does not see every entity.*GLPI_REQUIRE_FULL_SCOPE/,
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 30_000, 'not retried');
    assert.equal(sim.stats().requests.search, 1, 'only the scope probe: no device was looked up');
  });
});
