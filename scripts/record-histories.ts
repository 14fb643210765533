/**
 * npm run record-histories — records the histories test/replay.test.ts replays, from real runs
 * of the workflows of this tree: an ephemeral Temporal dev server, a PostgreSQL database of its
 * own, the GLPI simulator over HTTP and an in-process worker built by the production factory.
 * Re-record after a deliberate, patched change of workflow code (README: Changing workflow code).
 * Replaces test/fixtures/histories/*.json.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { activityInfo } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import { readSetting } from '../src/config';
import { createDb } from '../src/db/client';
import { insertDevices } from '../src/db/devices';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate';
import { generateInventory, startGlpiSimulator } from '../src/dev/glpi-simulator';
import { ensurePostgres } from '../src/dev/postgres';
import { testingExecutable } from '../src/dev/temporal-binaries';
import { GlpiRequestError } from '../src/glpi/errors';
import { createGlpiPort } from '../src/glpi/port';
import { installRuntimeLogger } from '../src/logging';
import { bundleWorkflows, createWorker } from '../src/worker';
import { checkAllDevices, checkDevices } from '../src/workflows';
import { HISTORIES_DIR, historyToObject, type HistoryFixture } from '../test/support/history-fixtures';

const USER_TOKEN = 'record-user-token';
const TASK_QUEUE = 'record-histories';
const FAILED_BATCH_ID = 'record-failed-batch';

async function save(client: Client, scenario: string, description: string, workflowId: string, runId: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const fixture: HistoryFixture = {
    scenario,
    description,
    workflowId,
    runId,
    recordedAt: new Date().toISOString(),
    history: historyToObject(history),
  };
  writeFileSync(join(HISTORIES_DIR, `${scenario}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
  console.log(`  ${scenario}: ${history.events?.length ?? 0} events`);
}

/** The executions of a continue-as-new chain, first to last. */
async function chainRunIds(client: Client, workflowId: string, firstRunId: string): Promise<string[]> {
  const ids = [firstRunId];
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, ids[ids.length - 1]).fetchHistory();
    const last = history.events?.[history.events.length - 1];
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return ids;
    ids.push(next);
  }
}

async function record(client: Client, devices: string[]): Promise<void> {
  const options = (id: string) => ({ taskQueue: TASK_QUEUE, workflowId: `record-${id}` });

  const full = await client.workflow.start(checkAllDevices, {
    ...options('full-check'),
    args: [{ batchSize: 30, batchConcurrency: 2, trigger: 'manual' }],
  });
  await full.result();
  await save(
    client,
    'full-check',
    'checkAllDevices on the defaults: a full scan of GLPI (CHECK_STRATEGY=auto with the reverse check)',
    full.workflowId,
    full.firstExecutionRunId,
  );

  // The search strategy, and the scenarios below, which are about batches of searches.
  const searched = await client.workflow.start(checkAllDevices, {
    ...options('full-check-search'),
    args: [{ batchSize: 30, batchConcurrency: 2, trigger: 'manual', strategy: 'search', reverse: false }],
  });
  await searched.result();
  await save(
    client,
    'full-check-search',
    'checkAllDevices by search: 120 devices in 4 batches, 2 at a time',
    searched.workflowId,
    searched.firstExecutionRunId,
  );

  const single = await client.workflow.start(checkDevices, { ...options('single-devices'), args: [{ devices }] });
  await single.result();
  await save(client, 'single-devices', 'checkDevices with two serials', single.workflowId, single.firstExecutionRunId);

  const long = await client.workflow.start(checkAllDevices, {
    ...options('continue-as-new'),
    args: [{ batchSize: 4, batchConcurrency: 3, historyEventLimit: 100, strategy: 'search', reverse: false }],
  });
  await long.result();
  const runs = await chainRunIds(client, long.workflowId, long.firstExecutionRunId);
  if (runs.length < 2) throw new Error('the continue-as-new scenario did not continue as new');
  await save(
    client,
    'continue-as-new-first',
    'the first execution of a chain: it continues as new',
    long.workflowId,
    runs[0],
  );
  await save(
    client,
    'continue-as-new-last',
    'the last execution of the chain: it resumes the carried state and finishes',
    long.workflowId,
    runs[runs.length - 1],
  );

  const failing = await client.workflow.start(checkAllDevices, {
    taskQueue: TASK_QUEUE,
    workflowId: FAILED_BATCH_ID,
    args: [{ batchSize: 30, batchConcurrency: 1, strategy: 'search', reverse: false }],
  });
  const report = await failing.result();
  if (report.status !== 'completed_with_errors') throw new Error(`the failed-batch run ended ${report.status}`);
  await save(
    client,
    'failed-batch',
    'a batch refused by GLPI: its devices recorded as errors',
    failing.workflowId,
    failing.firstExecutionRunId,
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  installRuntimeLogger('WARN');
  const base = new URL(readSetting('DATABASE_URL') ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  await ensurePostgres(base.toString(), (line) => console.log(`[record] ${line}`));
  base.pathname = `/glpi_check_record_${process.pid}`;
  const databaseUrl = base.toString();
  await ensureDatabase(databaseUrl);
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: testingExecutable('cli'), log: { format: 'pretty', level: 'error' } },
  });
  const inventory = generateInventory({ devices: 120, seed: 5, awkwardSerials: true });
  const sim = await startGlpiSimulator({ userToken: USER_TOKEN, items: inventory.items });
  const db = createDb(databaseUrl);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    await applyMigrations(databaseUrl);
    await insertDevices(db, inventory.devices);
    const glpi = createGlpiPort({ url: sim.url, userToken: USER_TOKEN });
    const real = createActivities({ db, glpi });
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      db,
      glpi,
      workflowBundle: await bundleWorkflows(),
      activityOverrides: {
        // The failed-batch scenario: GLPI refuses its batch 1 as a request (not worth retrying),
        // so that batch goes straight to markBatchFailed; every other batch is checked for real.
        checkBatch: (input) => {
          if (input.batch.index === 1 && activityInfo().workflowExecution?.workflowId === FAILED_BATCH_ID)
            return Promise.reject(new GlpiRequestError('QUERY_REFUSED', 'GLPI refused the search (recorded scenario)'));
          return real.checkBatch(input);
        },
      },
    });
    running = worker.run();
    rmSync(HISTORIES_DIR, { recursive: true, force: true });
    mkdirSync(HISTORIES_DIR, { recursive: true });
    await record(
      env.client,
      inventory.devices.slice(0, 2).map((d) => d.serial),
    );
    console.log(
      `Recorded ${readdirSync(HISTORIES_DIR).length} histories into test/fixtures/histories/ in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await sim.stop();
    await db.$disconnect();
    await env.teardown();
    await dropDatabase(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`record-histories: ${(error as Error).message}`);
    process.exit(1);
  },
);
