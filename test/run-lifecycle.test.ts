/**
 * A run's row from start to end (issue 17): every run that reaches a worker gets exactly one
 * check_runs row that ends in a final state with its reason — unknown devices, refused
 * credentials, a planning that keeps failing, a run of another database, a run terminated
 * behind the service's back (orphaned rows: doctor reports, cleanup closes) and batches that
 * finish after cleanup closed their run. Real Temporal, PostgreSQL and the GLPI simulator;
 * the commands are spawned as an operator runs them.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { databaseNameOf } from '../src/db/identity';
import { taskQueuePollers, LIVE_POLLER_SECONDS, queryProgress } from '../src/client';
import { loadConfig } from '../src/config';
import { insertDevices, UnknownDevicesError } from '../src/db/devices';
import { RunClosedError, upsertRun, writeResults, type ResultRow } from '../src/db/runs';
import { checkAllDevices } from '../src/workflows';
import type { Progress } from '../src/workflows/types';
import { glpiFor, inventoryOnBothSides, stackEnv, startSimulator, TEST_USER_TOKEN } from './support/glpi';
import { runTs, spawnTs } from './support/processes';
import { rejectionOf } from './support/rejection';
import { startWorker, temporalAddress, testDatabase, uniqueTaskQueue } from './support/services';

const START_CHECK = 'src/cli/start-check.ts';

interface DoctorJson {
  verdict: string;
  checks: { name: string; verdict: string; detail: string }[];
}

function checkOf(doctor: DoctorJson, name: string) {
  const check = doctor.checks.find((c) => c.name === name);
  assert.ok(check, `doctor has a "${name}" line: ${JSON.stringify(doctor.checks)}`);
  return check;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('run lifecycle', async () => {
  const client = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  after(() => client.connection.close());

  test('start-check --device NOPE: exit 1 naming it, a failed row with the reason, and report shows it', async () => {
    const { inv, sim, db, url } = await inventoryOnBothSides(20, 3);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const env = stackEnv(taskQueue, url);
    const known = inv.devices[0].serial;
    const started = await runTs(START_CHECK, ['--device', 'NOPE', '--device', known], env);
    assert.equal(started.code, 1, started.stdout + started.stderr);
    assert.match(started.stderr, /NOPE/);

    const rows = await db.checkRun.findMany();
    assert.equal(rows.length, 1, 'exactly one row for the run');
    const [row] = rows;
    assert.equal(row.status, 'failed');
    assert.equal(row.trigger, 'devices');
    assert.ok(row.finishedAt, 'the row is closed');
    assert.match(row.failureReason ?? '', /NOPE/);
    assert.equal(await db.checkResult.count(), 0);

    const report = await runTs('src/cli/report.ts', ['--run', String(row.id)], env);
    assert.match(report.stdout, /failed/);
    assert.match(report.stdout, /failure:.*NOPE/);
  });

  test('credentials refused at planning: a failed row with the reason, never the token', async () => {
    const sim = await startSimulator({ items: [] });
    const { db, url } = await testDatabase();
    await insertDevices(db, [{ serial: 'ANY-1' }]);
    const wrongToken = 'wrong-token-must-not-leak-17';
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim, { userToken: wrongToken }) });
    const workflowId = `lifecycle-creds-${taskQueue}`;
    await rejectionOf(
      client.workflow.execute(checkAllDevices, {
        taskQueue,
        workflowId,
        args: [{ database: databaseNameOf(url) }],
      }),
      'the run fails',
    );
    const [row] = await db.checkRun.findMany({ where: { workflowId } });
    assert.ok(row, 'a row exists although planning failed');
    assert.equal(row.status, 'failed');
    assert.match(row.failureReason ?? '', /token/i);
    assert.ok(!(row.failureReason ?? '').includes(wrongToken));
  });

  test('a run of another database is refused by the worker, named, non-retryable, and writes nothing', async () => {
    const { inv, sim, db } = await inventoryOnBothSides(10, 4);
    const other = await testDatabase();
    await insertDevices(other.db, inv.devices);
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    // The run is started with the other database's URL: this worker must not take it.
    const env = stackEnv(taskQueue, other.url);
    const began = Date.now();
    const run = await runTs(START_CHECK, ['--sync'], env);
    const seconds = (Date.now() - began) / 1000;
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const mine = databaseNameOf(other.url);
    const workers = await db.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`;
    assert.match(
      run.stderr,
      new RegExp(`belongs to the database "${mine}", but this worker writes to "${workers[0].name}"`),
    );
    assert.match(run.stderr, /TASK_QUEUE/);
    assert.ok(seconds < 30, `refused at once, not through the retry ladder (${seconds} s)`);
    assert.equal(await db.checkRun.count(), 0, 'nothing written in the worker’s database');
    assert.equal(await other.db.checkRun.count(), 0, 'nor in the run’s own (no worker of it ran)');
  });

  test('a planning that keeps failing shows its attempt, last failure and next attempt; then it recovers', async () => {
    const { inv, sim, db, url } = await inventoryOnBothSides(30, 5);
    sim.setFaults({ down: true });
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim, { retryAttempts: 1, timeoutMs: 2_000 }) });
    const workflowId = `lifecycle-planning-${taskQueue}`;
    const handle: WorkflowHandle<typeof checkAllDevices> = await client.workflow.start(checkAllDevices, {
      taskQueue,
      workflowId,
      args: [{ database: databaseNameOf(url), retryInitialSeconds: 4 }],
    });
    const waiting = await until<Progress>('a failed planning attempt', async () => {
      const p = await queryProgress(handle).catch(() => undefined);
      return p?.planning?.nextAttemptAt ? p : undefined;
    });
    assert.equal(waiting.phase, 'planning');
    // The first wait is 4 s, the second 16 s: a busy machine may see the second one first.
    assert.ok([1, 2].includes(waiting.planning?.attempt ?? 0), `attempt ${waiting.planning?.attempt}`);
    assert.equal(waiting.planning?.maxAttempts, 4);
    assert.match(waiting.planning?.lastFailure ?? '', /GLPI|connect|socket|reset|unavailable/i);

    const env = stackEnv(taskQueue, url);
    const status = await runTs(START_CHECK, ['--status', workflowId], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /phase:\s+planning/);
    assert.match(status.stdout, /last failure: \S.* \(attempt [1-3]\/4\)/);
    assert.match(status.stdout, /next attempt: (\d{4}-\d\d-\d\dT|under way \(attempt [2-4]\))/);

    // --sync follows it: the failing planning shows in its progress line, then the report.
    const following = spawnTs(START_CHECK, ['--status', workflowId, '--sync'], env);
    await following.waitFor(/planning the run… attempt [1-3]\/4 failed: .+; next attempt: /, 60_000);
    sim.setFaults({});
    const followed = await following.exited;
    assert.equal(followed.code, 0, following.output());
    assert.match(following.output(), /Check completed/);
    const report = await handle.result();
    assert.equal(report.status, 'completed');
    assert.equal(report.total, inv.devices.length);
    const rows = await db.checkRun.findMany({ where: { workflowId } });
    assert.equal(rows.length, 1, `one row across the planning attempts: ${JSON.stringify(rows)}`);
  });

  test('a run terminated behind the service’s back: doctor reports the orphaned row, cleanup closes it', async () => {
    const { sim, db, url } = await inventoryOnBothSides(200, 6, { faults: { latencyMs: 150 } });
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const workflowId = `lifecycle-orphan-${taskQueue}`;
    const handle = await client.workflow.start(checkAllDevices, {
      taskQueue,
      workflowId,
      args: [{ database: databaseNameOf(url), batchSize: 20, batchConcurrency: 2 }],
    });
    await until('the run row', async () => (await db.checkRun.findFirst({ where: { workflowId } })) ?? undefined);
    await handle.terminate('terminated in the Temporal UI');
    const env = {
      ...stackEnv(taskQueue, url, sim.url),
    };
    const doctor = JSON.parse((await runTs('src/cli/doctor.ts', ['--json'], env)).stdout) as DoctorJson;
    const orphans = checkOf(doctor, 'run rows');
    assert.equal(orphans.verdict, 'warning');
    assert.match(orphans.detail, new RegExp(`${workflowId}.*workflow terminated`));
    assert.match(orphans.detail, /npm run cleanup closes them/);

    const dryRun = await runTs('src/cli/cleanup.ts', ['--dry-run'], env);
    assert.match(dryRun.stdout, /1 orphaned run/);
    assert.equal((await db.checkRun.findFirstOrThrow({ where: { workflowId } })).status, 'running', 'dry run');

    const cleanup = await runTs('src/cli/cleanup.ts', ['--yes'], env);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.match(cleanup.stdout, /Closed 1 orphaned run/);
    const row = await db.checkRun.findFirstOrThrow({ where: { workflowId } });
    assert.equal(row.status, 'cancelled');
    assert.match(row.failureReason ?? '', /terminated in Temporal.*closed by npm run cleanup/);
    const after = JSON.parse((await runTs('src/cli/doctor.ts', ['--json'], env)).stdout) as DoctorJson;
    assert.equal(checkOf(after, 'run rows').verdict, 'ok');
  });

  test('cleanup terminates a run: batches still in flight write nothing after it, the totals match the rows', async () => {
    const { sim, db, url } = await inventoryOnBothSides(1200, 8, { faults: { latencyMs: 300 } });
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const env = {
      ...stackEnv(taskQueue, url),
      // Batches of searches in flight at the close (a scan writes its results in one step).
      CHECK_STRATEGY: 'search',
      CHECK_REVERSE: 'false',
      CHECK_BATCH_SIZE: '50',
      CHECK_BATCH_CONCURRENCY: '2',
    };
    const started = await runTs(START_CHECK, ['--json'], env);
    assert.equal(started.code, 0, started.stderr);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    // Some batches written, others in flight.
    await until('a first batch', async () => ((await db.checkResult.count()) > 0 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const cleanup = await runTs('src/cli/cleanup.ts', ['--older-than', '1s', '--yes'], env);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.match(cleanup.stdout, new RegExp(`Terminated ${workflowId}`));
    const closed = await db.checkRun.findFirstOrThrow({ where: { workflowId } });
    assert.equal(closed.status, 'cancelled');
    const atClose = await db.checkResult.count();
    // The batches that were in flight finish their GLPI lookups in the next seconds.
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    const later = await db.checkResult.count();
    console.log(`[lifecycle] results at close ${atClose}, 6 s later ${later} (of 1200 devices)`);
    assert.equal(later, atClose, 'no late rows after the run was closed');
    assert.ok(atClose < 1200, 'the run was really cut short');
    const row = await db.checkRun.findFirstOrThrow({ where: { workflowId } });
    assert.equal(row.found + row.conflicts + row.notFound + row.errors, later, 'the closed run’s totals are its rows');
  });

  test('results name a real run and device: the insert refuses a device or a run gone from the database, by name', async () => {
    // check_results has no foreign keys (prisma/schema.prisma says why): its one insert checks both.
    const { db } = await testDatabase();
    await insertDevices(db, [{ serial: 'KEEP-1' }, { serial: 'GONE-1' }]);
    const [keep, gone] = await db.device.findMany({ orderBy: { id: 'asc' } });
    const run = await upsertRun(db, 'wf-keys', 'run-keys', 'manual');
    const row = (deviceId: number): ResultRow => ({
      deviceId,
      status: 'not_found',
      glpiIds: [],
      glpiItems: [],
      statusName: null,
      errorMessage: null,
      findings: [],
    });
    await writeResults(db, run.id, [row(keep.id)]);
    await writeResults(db, run.id, [row(keep.id)]); // a repeated attempt: nothing new, no error
    await db.device.delete({ where: { id: gone.id } });
    const refused = await rejectionOf(writeResults(db, run.id, [row(keep.id), row(gone.id)]));
    assert.ok(refused instanceof UnknownDevicesError, String(refused));
    assert.match(refused.message, new RegExp(`no device with serial or id "?${gone.id}"?`));
    const noRun = await rejectionOf(writeResults(db, run.id + 1, [row(keep.id)]));
    assert.ok(noRun instanceof RunClosedError, String(noRun));
    assert.match(noRun.message, new RegExp(`run ${run.id + 1} is already gone from the database`));
    assert.deepEqual(
      (await db.checkResult.findMany({ select: { checkRunId: true, deviceId: true } })).map((r) => [
        r.checkRunId,
        r.deviceId,
      ]),
      [[run.id, keep.id]],
      'one row: the refused writes left nothing',
    );
  });

  test('doctor: a running check with no worker is critical, GLPI down is critical, an empty inventory warns', async () => {
    const { url, db } = await testDatabase();
    const idle = uniqueTaskQueue('idle');
    const env = {
      ...stackEnv(idle, url),
      // A closed port: GLPI down.
      GLPI_URL: 'http://127.0.0.1:9/apirest.php',
      GLPI_USER_TOKEN: TEST_USER_TOKEN,
      GLPI_RETRY_ATTEMPTS: '1',
    };
    const started = await runTs(START_CHECK, ['--json'], env);
    assert.equal(started.code, 0, started.stderr);
    const doctor = await runTs('src/cli/doctor.ts', ['--json'], env);
    assert.equal(doctor.code, 5);
    const report = JSON.parse(doctor.stdout) as DoctorJson;
    const running = checkOf(report, 'running checks');
    assert.equal(running.verdict, 'critical');
    assert.match(running.detail, new RegExp(`no worker polls ${idle}`));
    assert.equal(checkOf(report, 'glpi').verdict, 'critical');
    const inventory = checkOf(report, 'inventory');
    assert.equal(inventory.verdict, 'warning');
    assert.match(inventory.detail, /no active device/);
    assert.equal(await db.device.count(), 0);
    const { workflowId } = JSON.parse(started.stdout) as { workflowId: string };
    await client.workflow.getHandle(workflowId).terminate('test done');
  });

  test(`pollers count as alive only with a poll in the last ${LIVE_POLLER_SECONDS} s`, async () => {
    const { db } = await testDatabase();
    const sim = await startSimulator({ items: [] });
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const config = loadConfig({ TASK_QUEUE: taskQueue, TEMPORAL_ADDRESS: temporalAddress() });
    const live = await until('the worker’s pollers', async () => {
      const p = await taskQueuePollers(client, config);
      return p.workflow.length > 0 && p.activity.length > 0 ? p : undefined;
    });
    assert.equal(live.stale.length, 0);
    // The same pollers, seen as if their last poll were LIVE_POLLER_SECONDS + 1 s old (a SIGKILLed worker).
    const later = await taskQueuePollers(client, config, Date.now() + (LIVE_POLLER_SECONDS + 1) * 1000);
    assert.deepEqual(later.workflow, []);
    assert.deepEqual(later.activity, []);
    assert.ok(later.stale.length > 0 && later.stale.every((p) => p.lastPollAgeMs > LIVE_POLLER_SECONDS * 1000));
  });

  test('a full check of an empty inventory warns in the log, the command and the report, and exits 1', async () => {
    const { db, url } = await testDatabase();
    const sim = await startSimulator({ items: [] });
    const { taskQueue } = await startWorker({ db, glpi: glpiFor(sim) });
    const env = stackEnv(taskQueue, url);
    const run = await runTs(START_CHECK, ['--sync', '--json'], env);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, /warning: the inventory has no active device: nothing was checked/);
    const summary = JSON.parse(run.stdout) as { status: string; total: number; emptyInventoryWarning: string | null };
    assert.equal(summary.status, 'completed');
    assert.equal(summary.total, 0);
    assert.match(summary.emptyInventoryWarning ?? '', /npm run devices -- import/);
  });
});
