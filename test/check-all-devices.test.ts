/**
 * The nightly check end to end: the real Temporal dev server, PostgreSQL, the GLPI
 * simulator over HTTP, and a worker built by the production factory.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkAllDevices, checkDevices, progressQuery } from '../src/workflows';
import { normaliseSerial } from '../src/core/serial';
import { glpiFor, inventoryOnBothSides, startSimulator } from './support/glpi';
import { startWorker, temporalClient, testDatabase } from './support/services';

describe('checkAllDevices on the real stack', () => {
  test('1,000 devices with a known mix give exact totals and one result per device', async () => {
    const { inv, sim, db } = await inventoryOnBothSides(1000);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();

    const report = await client.workflow.execute(checkAllDevices, {
      taskQueue,
      workflowId: `e2e-${taskQueue}`,
      args: [{ batchSize: 100, batchConcurrency: 3 }],
    });

    assert.equal(report.status, 'completed');
    assert.equal(report.total, 1000);
    assert.equal(report.found, inv.counts.found);
    assert.equal(report.conflicts, inv.counts.conflict);
    assert.equal(report.notFound, inv.counts.not_found);
    assert.equal(report.errors, 0);

    const rows = await db.checkResult.findMany({
      where: { checkRunId: report.checkRunId },
      select: { status: true, glpiIds: true, device: { select: { serial: true } } },
    });
    assert.equal(rows.length, 1000, 'exactly one result per device');
    for (const row of rows) {
      const expected = inv.expected.get(normaliseSerial(row.device.serial));
      assert.ok(expected, `device ${row.device.serial} is in the generated inventory`);
      assert.equal(row.status, expected.status, `status of ${row.device.serial}`);
      assert.deepEqual(
        [...row.glpiIds].sort((a, b) => a - b),
        [...expected.glpiIds].sort((a, b) => a - b),
      );
    }
    const run = await db.checkRun.findUniqueOrThrow({ where: { id: report.checkRunId } });
    assert.equal(run.status, 'completed');
    assert.equal(run.found + run.conflicts + run.notFound + run.errors, 1000);
    assert.ok(run.durationMs !== null && run.finishedAt !== null);
  });

  test('continue-as-new with a lowered threshold keeps the totals intact', async () => {
    const { inv, sim, db } = await inventoryOnBothSides(300, 11);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    const workflowId = `can-${taskQueue}`;

    const report = await client.workflow.execute(checkAllDevices, {
      taskQueue,
      workflowId,
      args: [{ batchSize: 10, batchConcurrency: 2, historyEventLimit: 60, strategy: 'search', reverse: false }],
    });

    assert.equal(report.checked, 300);
    assert.equal(report.found, inv.counts.found);
    assert.equal(report.conflicts, inv.counts.conflict);
    assert.equal(report.notFound, inv.counts.not_found);
    // The chain really continued as new, and the last execution's history stayed short.
    const last = client.workflow.getHandle(workflowId);
    const progress = await last.query(progressQuery);
    assert.ok(progress.continuedAsNew >= 2, `continued as new ${progress.continuedAsNew} times`);
    const { historyLength } = await last.describe();
    assert.ok(historyLength < 200, `last execution's history stays short (${historyLength} events)`);
    assert.equal(await db.checkResult.count({ where: { checkRunId: report.checkRunId } }), 300);
  });

  test('checkDevices checks only the named devices, by serial in any case or by id', async () => {
    const { sim, db } = await inventoryOnBothSides(50, 3);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    const [first, second] = await db.device.findMany({ orderBy: { id: 'asc' }, take: 2 });

    const report = await client.workflow.execute(checkDevices, {
      taskQueue,
      workflowId: `devices-${taskQueue}`,
      args: [{ devices: [`  ${first.serial.toLowerCase()} `, String(second.id)] }],
    });

    assert.equal(report.total, 2);
    assert.equal(report.checked, 2);
    const run = await db.checkRun.findUniqueOrThrow({ where: { id: report.checkRunId } });
    assert.equal(run.trigger, 'devices');
    const results = await db.checkResult.findMany({ where: { checkRunId: report.checkRunId } });
    assert.deepEqual(
      results.map((r) => r.deviceId).sort((a, b) => a - b),
      [first.id, second.id],
    );
  });

  test('an unknown device fails the device check with its name', async () => {
    const sim = await startSimulator({ items: [] });
    const { db } = await testDatabase();
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const client = await temporalClient();
    await assert.rejects(
      client.workflow.execute(checkDevices, {
        taskQueue,
        workflowId: `unknown-${taskQueue}`,
        args: [{ devices: ['NO-SUCH-SERIAL'] }],
      }),
      (error: Error & { cause?: Error & { cause?: Error } }) => {
        assert.match(String(error.cause?.message ?? error.message), /NO-SUCH-SERIAL/);
        return true;
      },
    );
  });
});
