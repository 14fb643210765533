/**
 * Search attributes and the UI's summary/details on every check (src/workflows/search-attributes.ts,
 * src/temporal/search-attributes.ts), on the test's dev server, which registers them at start
 * like `npm run dev` does; and a namespace without them, where checks run without.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { glpiFor, inventoryOnBothSides, stackEnv } from './support/glpi';
import { runTs } from './support/processes';
import { startWorker, temporalClient, uniqueTaskQueue } from './support/services';
import { spawnWorker } from './support/worker-process';
import { CHECK_DEVICES_TOTAL, CHECK_OUTCOME, CHECK_RUN_ID, CHECK_TRIGGER } from '../src/workflows/search-attributes';

/** Visibility is eventually consistent: list until the query finds something. */
async function listUntilFound(client: Client, query: string, timeoutMs = 20_000): Promise<WorkflowExecutionInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found: WorkflowExecutionInfo[] = [];
    for await (const e of client.workflow.list({ query })) found.push(e);
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('search attributes on checks', async () => {
  const { inv, sim, db, url } = await inventoryOnBothSides(30, 5);
  const client = await temporalClient();
  const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
  const env = {
    ...stackEnv(taskQueue, url, sim.url),
    SCHEDULE_ID: `schedule-${taskQueue}`,
    CHECK_TIMEZONE: 'UTC',
    CHECK_BATCH_SIZE: '10',
  };

  test('a scheduled run: CheckTrigger=schedule finds it; total, run id and outcome are set; the UI text says what it is', async () => {
    const ensure = await runTs('src/cli/schedule.ts', ['ensure'], env);
    assert.equal(ensure.code, 0, ensure.stdout + ensure.stderr);
    assert.doesNotMatch(ensure.stderr, /lacks the search attributes/);
    const trigger = await runTs('src/cli/schedule.ts', ['trigger'], env);
    assert.equal(trigger.code, 0, trigger.stdout + trigger.stderr);

    const query = `CheckTrigger = 'schedule' AND TaskQueue = '${taskQueue}' AND CheckOutcome = 'completed'`;
    const [run] = await listUntilFound(client, query, 60_000);
    assert.ok(run, `no workflow matches ${query}`);
    const attributes = run.typedSearchAttributes;
    assert.equal(attributes.get(CHECK_TRIGGER), 'schedule');
    assert.equal(attributes.get(CHECK_DEVICES_TOTAL), 30);
    assert.equal(attributes.get(CHECK_OUTCOME), 'completed');
    const checkRunId = attributes.get(CHECK_RUN_ID);
    const row = await db.checkRun.findUniqueOrThrow({ where: { id: Number(checkRunId) } });
    assert.equal(row.trigger, 'schedule');
    assert.equal(row.found, inv.counts.found);

    const handle = client.workflow.getHandle(run.workflowId, run.runId);
    const description = await handle.describe();
    assert.equal(await description.staticSummary(), 'Nightly full check of the inventory (schedule)');
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    assert.equal(
      metadata.currentDetails,
      `Check of 30 devices (schedule) completed: found ${inv.counts.found}, conflicts ${inv.counts.conflict}, ` +
        `not found ${inv.counts.not_found}, errors 0`,
    );
    // A numeric filter works too: the nights with at least this many devices.
    assert.ok((await listUntilFound(client, `CheckDevicesTotal >= 30 AND TaskQueue = '${taskQueue}'`)).length >= 1);
    await runTs('src/cli/schedule.ts', ['delete'], env);
  });

  test('a device check: CheckTrigger=devices and a summary with its device count', async () => {
    const serial = inv.devices[0].serial;
    const run = await runTs('src/cli/start-check.ts', ['--device', serial, '--json'], env);
    assert.ok(run.code === 0 || run.code === 1, run.stdout + run.stderr);
    const [found] = await listUntilFound(
      client,
      `CheckTrigger = 'devices' AND TaskQueue = '${taskQueue}' AND CheckOutcome IS NOT NULL`,
    );
    assert.ok(found);
    assert.equal(found.typedSearchAttributes.get(CHECK_DEVICES_TOTAL), 1);
    const description = await client.workflow.getHandle(found.workflowId).describe();
    assert.equal(await description.staticSummary(), 'Check of 1 device (devices)');
  });

  test('a namespace without the attributes: the check runs without them, with a warning naming the command', async () => {
    const namespace = `no-attributes-${process.pid}`;
    await client.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const nsEnv = { ...env, TEMPORAL_NAMESPACE: namespace, TASK_QUEUE: uniqueTaskQueue('nosa'), METRICS_PORT: '0' };
    const worker = spawnWorker(nsEnv);
    await worker.ready;
    const run = await runTs('src/cli/start-check.ts', ['--sync', '--json'], nsEnv);
    await worker.kill('SIGTERM');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((JSON.parse(run.stdout) as { total: number }).total, 30);
    assert.match(
      run.stderr,
      new RegExp(
        `warning: namespace ${namespace} lacks the search attributes CheckTrigger, CheckDevicesTotal, CheckRunId, CheckOutcome` +
          `[\\s\\S]*temporal operator search-attribute create --namespace ${namespace} --name CheckTrigger --type Keyword`,
      ),
    );
    const nsClient = new Client({ connection: client.connection, namespace });
    const [execution] = await listUntilFound(nsClient, `WorkflowType = 'checkAllDevices'`);
    assert.ok(execution);
    assert.equal(execution.typedSearchAttributes.get(CHECK_TRIGGER), undefined);
  });
});
