/**
 * The retry ladder on Temporal's time-skipping test server: a batch that keeps failing is
 * retried after 300, 1200 and 4800 s, and its fourth failure records its devices as
 * `error` for the run — never as not found, never silently dropped.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activityInfo } from '@temporalio/activity';
import { createWorker } from '../src/worker';
import { checkAllDevices } from '../src/workflows';
import { glpiFor, inventoryOnBothSides } from './support/glpi';
import { timeSkippingEnvironment, uniqueTaskQueue, workflowBundle } from './support/services';

/** Named like the client's error so the retry policy treats it the same way. */
class GlpiUnavailableError extends Error {}

describe('retry policy (time skipping)', () => {
  const environment = timeSkippingEnvironment();

  test('waits 300, 1200 and 4800 s, then marks the batch devices as error', async () => {
    const env = environment();
    const { sim, db } = await inventoryOnBothSides(12, 5);
    const attempts: { attempt: number; scheduledMs: number }[] = [];
    const taskQueue = uniqueTaskQueue('retry');
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      db,
      glpi: glpiFor(sim),
      workflowBundle: await workflowBundle(),
      activityOverrides: {
        checkBatch: async () => {
          // The server's clock (the one time skipping moves), not the machine's. The test
          // server reports currentAttemptScheduledTimestampMs one attempt late, so ask it.
          attempts.push({ attempt: activityInfo().attempt, scheduledMs: await env.currentTimeMs() });
          throw new GlpiUnavailableError('GLPI answered 503 Service Unavailable');
        },
      },
    });

    const report = await worker.runUntil(
      env.client.workflow.execute(checkAllDevices, {
        taskQueue,
        workflowId: `retry-${taskQueue}`,
        args: [{ batchSize: 100, strategy: 'search', reverse: false }],
      }),
    );

    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2, 3, 4],
    );
    const waits = attempts.slice(1).map((a, i) => Math.round((a.scheduledMs - attempts[i].scheduledMs) / 1000));
    assert.deepEqual(waits, [300, 1200, 4800]);

    assert.equal(report.status, 'completed_with_errors');
    assert.equal(report.errors, 12);
    assert.equal(report.notFound, 0, 'a failed check is never reported as not found');
    const rows = await db.checkResult.findMany({ where: { checkRunId: report.checkRunId } });
    assert.equal(rows.length, 12);
    for (const row of rows) {
      assert.equal(row.status, 'error');
      assert.match(row.errorMessage ?? '', /503 Service Unavailable/);
    }
    const run = await db.checkRun.findUniqueOrThrow({ where: { id: report.checkRunId } });
    assert.equal(run.status, 'completed_with_errors');
  });
});
