/**
 * How a run behaves when things go wrong: a worker killed mid-run, GLPI down for a while,
 * wrong credentials. In every case the outcome is exact, and a failure is never recorded
 * as "not found".
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insertDevices } from '../src/db/devices';
import { checkAllDevices, progressQuery } from '../src/workflows';
import { glpiFor, inventoryOnBothSides, startSimulator, TEST_USER_TOKEN } from './support/glpi';
import { spawnTs } from './support/processes';
import { rejectionOf } from './support/rejection';
import { startWorker, temporalAddress, temporalClient, testDatabase, uniqueTaskQueue } from './support/services';

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('failures', () => {
  test('a worker killed mid-run: the next worker completes it with one result per device', async () => {
    const { inv, sim, db, url } = await inventoryOnBothSides(1000, 21, { faults: { latencyMs: 30 } });
    const client = await temporalClient();
    const taskQueue = uniqueTaskQueue('crash');
    const env = {
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporalAddress(),
      TASK_QUEUE: taskQueue,
      GLPI_URL: sim.url,
      GLPI_USER_TOKEN: TEST_USER_TOKEN,
      GLPI_MAX_CONCURRENCY: '1',
    };
    const first = spawnTs('src/cli/worker.ts', [], env);
    await first.waitFor(/Worker polling task queue/);
    const handle = await client.workflow.start(checkAllDevices, {
      taskQueue,
      workflowId: `crash-${taskQueue}`,
      args: [
        {
          batchSize: 50,
          batchConcurrency: 2,
          retryInitialSeconds: 1,
          heartbeatTimeoutSeconds: 3,
          strategy: 'search',
          reverse: false,
        },
      ],
    });
    await until(async () => ((await handle.query(progressQuery)).batchesDone >= 2 ? true : undefined));
    await first.kill('SIGKILL');
    const before = await db.checkResult.count();
    assert.ok(before < 1000, `the run was interrupted mid-way (${before} results stored)`);

    const second = spawnTs('src/cli/worker.ts', [], env);
    await second.waitFor(/Worker polling task queue/);
    const report = await handle.result();

    assert.equal(report.status, 'completed');
    assert.equal(report.checked, 1000);
    assert.equal(report.found, inv.counts.found);
    assert.equal(report.conflicts, inv.counts.conflict);
    assert.equal(report.notFound, inv.counts.not_found);
    const perDevice = await db.checkResult.groupBy({
      by: ['deviceId'],
      where: { checkRunId: report.checkRunId },
      _count: { _all: true },
    });
    assert.equal(perDevice.length, 1000);
    assert.ok(perDevice.every((d) => d._count._all === 1));
  });

  test('GLPI failing when a batch starts and back later: the batch retries and completes', async () => {
    // Logins work, every search fails: the plan succeeds and the batches hit the outage.
    const { inv, sim, db } = await inventoryOnBothSides(200, 8, { faults: { errorRate: 1, seed: 1 } });
    const { taskQueue } = await startWorker({
      db,
      glpi: glpiFor(sim, { retryAttempts: 2, retryBaseDelayMs: 50, retryBudgetMs: 1000 }),
    });
    const client = await temporalClient();
    const handle = await client.workflow.start(checkAllDevices, {
      taskQueue,
      workflowId: `outage-${taskQueue}`,
      args: [{ batchSize: 100, retryInitialSeconds: 2, strategy: 'search', reverse: false }],
    });
    const attempt = await until(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const retried = pending.find((a) => a.activityType?.name === 'checkBatch' && (a.attempt ?? 0) >= 2);
      return retried ? retried.attempt : undefined;
    });
    assert.ok(attempt && attempt >= 2);
    sim.setFaults({});
    const report = await handle.result();

    assert.equal(report.status, 'completed');
    assert.equal(report.errors, 0);
    assert.equal(report.found, inv.counts.found);
    assert.equal(report.notFound, inv.counts.not_found);
    assert.ok((sim.stats().faultsInjected.error ?? Object.values(sim.stats().faultsInjected)[0] ?? 0) > 0);
  });

  test('wrong credentials fail the run at once, with the reason and without the token', async () => {
    const sim = await startSimulator({ items: [] });
    const { db } = await testDatabase();
    await insertDevices(db, [{ serial: 'ANY-1' }]);
    const wrongToken = 'wrong-token-must-not-leak-42';
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim, { userToken: wrongToken }) });
    const client = await temporalClient();
    const started = Date.now();
    const error = await rejectionOf(
      client.workflow.execute(checkAllDevices, { taskQueue, workflowId: `creds-${taskQueue}`, args: [{}] }),
      'the run should fail',
    );
    assert.ok(Date.now() - started < 30_000, 'failed at once, without waiting for retries');
    const messages: string[] = [];
    for (let e: unknown = error; e instanceof Error; e = (e as Error & { cause?: unknown }).cause)
      messages.push(e.message);
    const text = messages.join(' | ');
    assert.match(text, /token/i);
    assert.ok(!text.includes(wrongToken), 'the token value never appears in the failure');
    const history = JSON.stringify(await client.workflow.getHandle(`creds-${taskQueue}`).fetchHistory());
    assert.ok(!history.includes(wrongToken), 'the token value never appears in the history');
  });
});
