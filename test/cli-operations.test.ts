/**
 * The operators' commands, run as a user would: spawned processes against the real dev
 * server, PostgreSQL and the GLPI simulator, asserting on output and exit codes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { glpiFor, inventoryOnBothSides, TEST_USER_TOKEN } from './support/glpi';
import { runTs } from './support/processes';
import { fullCheckWorkflowId } from '../src/client';
import { startWorker, temporalAddress, uniqueTaskQueue } from './support/services';

const START_CHECK = 'src/cli/start-check.ts';

/**
 * Terminates what this file left running, on its own task queues only: other test files run at
 * the same time against the same Temporal (test/run.ts), and their checks are not ours to stop.
 */
async function terminateRunningChecks(client: Client, taskQueues: readonly string[]): Promise<void> {
  if (taskQueues.length === 0) return;
  const queues = taskQueues.map((queue) => `'${queue}'`).join(', ');
  for await (const e of client.workflow.list({ query: `ExecutionStatus = 'Running' AND TaskQueue IN (${queues})` })) {
    await client.workflow
      .getHandle(e.workflowId, e.runId)
      .terminate('test cleanup')
      .catch(() => undefined);
  }
}

describe('operations commands', async () => {
  // Set up in the suite body, not in before(): node:test 20 ties the after() hooks that
  // the helpers register to the hook that called them, which would drop the database early.
  const { inv, sim, db, url } = await inventoryOnBothSides(120, 17);
  // A connection of our own, so that leftovers are terminated before it closes.
  const client = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  // Every task queue this file starts checks on (the worker's, and the idle ones below).
  const ownQueues: string[] = [];
  after(async () => {
    await terminateRunningChecks(client, ownQueues);
    await client.connection.close();
  });
  const workerQueue = (await startWorker({ db, glpi: glpiFor(sim) })).taskQueue;
  ownQueues.push(workerQueue);
  const env: NodeJS.ProcessEnv = {
    TEMPORAL_ADDRESS: temporalAddress(),
    TASK_QUEUE: workerQueue,
    DATABASE_URL: url,
    GLPI_URL: sim.url,
    GLPI_USER_TOKEN: TEST_USER_TOKEN,
    SCHEDULE_ID: `schedule-${workerQueue}`,
    CHECK_TIMEZONE: 'UTC',
    CHECK_BATCH_SIZE: '25',
  };

  test('start-check --sync --json checks every device and prints the summary', async () => {
    const { code, stdout } = await runTs(START_CHECK, ['--sync', '--json'], env);
    assert.equal(code, 0, stdout);
    const summary = JSON.parse(stdout) as Record<string, unknown> & { conflictList: { glpiIds: number[] }[] };
    assert.equal(summary.total, 120);
    assert.equal(summary.found, inv.counts.found);
    assert.equal(summary.conflicts, inv.counts.conflict);
    assert.equal(summary.notFound, inv.counts.not_found);
    assert.equal(summary.errors, 0);
    assert.equal(summary.conflictList.length, inv.counts.conflict);
    assert.ok(summary.conflictList.every((c) => c.glpiIds.length >= 2));
  });

  test('start-check --status of a finished check prints its summary; unknown ids are refused', async () => {
    const finished = await runTs(START_CHECK, ['--status', fullCheckWorkflowId(workerQueue)], env);
    assert.equal(finished.code, 0, finished.stderr);
    assert.match(finished.stdout, /Check completed/);
    assert.match(finished.stdout, new RegExp(`found:\\s+${inv.counts.found}`));
    const unknown = await runTs(START_CHECK, ['--status', 'no-such-workflow'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no check with workflow id no-such-workflow/);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, 'no stack trace');
  });

  test('start-check --device checks only that device, under a run of its own', async () => {
    const device = await db.device.findFirstOrThrow({ orderBy: { id: 'asc' } });
    const { code, stdout } = await runTs(
      START_CHECK,
      ['--device', device.serial.toLowerCase(), '--sync', '--json'],
      env,
    );
    assert.equal(code, 0, stdout);
    const summary = JSON.parse(stdout) as { total: number; checkRunId: number };
    assert.equal(summary.total, 1);
    const run = await db.checkRun.findUniqueOrThrow({ where: { id: summary.checkRunId } });
    assert.equal(run.trigger, 'devices');
  });

  test('start-check --device with a 12-digit serial: unknown fails within seconds naming it; imported, it is a serial', async () => {
    const serial = '123456789012';
    const startedAt = Date.now();
    const unknown = await runTs(START_CHECK, ['--device', serial], env);
    const seconds = (Date.now() - startedAt) / 1000;
    assert.equal(unknown.code, 1, unknown.stdout + unknown.stderr);
    assert.ok(seconds < 10, `failed after ${seconds.toFixed(1)} s`);
    assert.match(unknown.stderr, /^error: check failed: no device with serial or id "123456789012"$/m);
    assert.doesNotMatch(unknown.stderr, /out of range|\n\s+at /);

    const dir = mkdtempSync(join(tmpdir(), 'digits-'));
    // Inactive, so that the full checks of the other tests still count 120 devices.
    writeFileSync(join(dir, 'one.csv'), `serial,name,active\n${serial},Numeric serial,no\n`);
    const imported = await runTs('src/cli/devices.ts', ['import', join(dir, 'one.csv')], env);
    assert.equal(imported.code, 0, imported.stderr);
    const device = await db.device.findUniqueOrThrow({ where: { serialNormalized: serial } });

    const checked = await runTs(START_CHECK, ['--device', serial, '--sync', '--json'], env);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    const summary = JSON.parse(checked.stdout) as { total: number; checkRunId: number; notFound: number };
    assert.equal(summary.total, 1);
    const results = await db.checkResult.findMany({ where: { checkRunId: summary.checkRunId } });
    assert.deepEqual(
      results.map((r) => [r.deviceId, r.status]),
      [[device.id, 'not_found']],
      'looked up in GLPI as the serial of the imported device',
    );
  });

  test('a start while a check is running attaches to it; with no worker it says so', async () => {
    // A task queue nobody polls: the check stays running, as in the old incident — but visibly.
    const idle = { ...env, TASK_QUEUE: uniqueTaskQueue('idle') };
    ownQueues.push(idle.TASK_QUEUE);
    const first = await runTs(START_CHECK, ['--json'], idle);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /no worker is polling task queue/);
    const started = JSON.parse(first.stdout) as { workflowId: string; runId: string; attached: boolean; ui: string };
    assert.equal(started.attached, false);
    // Another task queue than the default one: the manual check's id carries it (two stacks on one Temporal).
    assert.equal(started.workflowId, `check-all-devices-${idle.TASK_QUEUE}`);
    assert.match(started.ui, /^http:\/\/localhost:8233\/namespaces\/default\/workflows\/check-all-devices-idle-/);

    const second = await runTs(START_CHECK, [], idle);
    assert.equal(second.code, 0);
    assert.match(second.stdout, /already running: attached to it/);
    assert.match(second.stdout, new RegExp(started.runId));

    const doctor = await runTs('src/cli/doctor.ts', ['--json'], idle);
    assert.equal(doctor.code, 5, 'no worker is critical');
    const report = JSON.parse(doctor.stdout) as { checks: { name: string; verdict: string; detail: string }[] };
    assert.equal(report.checks.find((c) => c.name === 'workers')?.verdict, 'critical');

    const dryRun = await runTs('src/cli/cleanup.ts', ['--older-than', '1s', '--dry-run'], idle);
    assert.equal(dryRun.code, 0);
    assert.match(dryRun.stdout, /check-all-devices/);
    assert.equal((await client.workflow.getHandle(started.workflowId).describe()).status.name, 'RUNNING');

    const cleanup = await runTs('src/cli/cleanup.ts', ['--older-than', '1s', '--yes', '--json'], idle);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.deepEqual((JSON.parse(cleanup.stdout) as { terminated: string[] }).terminated, [started.workflowId]);
    assert.equal((await client.workflow.getHandle(started.workflowId).describe()).status.name, 'TERMINATED');
  });

  test('schedule: ensure is idempotent, describe, pause shows in doctor, trigger, delete', async () => {
    await terminateRunningChecks(client, ownQueues);
    const ensure = await runTs('src/cli/schedule.ts', ['ensure', '--json'], env);
    assert.equal(ensure.code, 0, ensure.stderr);
    assert.equal((JSON.parse(ensure.stdout) as { outcome: string }).outcome, 'created');
    const again = await runTs('src/cli/schedule.ts', ['ensure', '--json'], { ...env, CHECK_TIME: '04:30' });
    assert.equal((JSON.parse(again.stdout) as { outcome: string }).outcome, 'updated');

    const described = await runTs('src/cli/schedule.ts', ['describe', '--json'], env);
    const d = JSON.parse(described.stdout) as { time: string; timezone: string; overlap: string; nextRuns: string[] };
    assert.equal(d.time, '04:30');
    assert.equal(d.timezone, 'UTC');
    assert.equal(d.overlap, 'SKIP');
    assert.match(d.nextRuns[0], /T04:30:00/);

    await runTs('src/cli/schedule.ts', ['pause', '--note', 'GLPI upgrade'], env);
    const doctor = await runTs('src/cli/doctor.ts', [], env);
    assert.equal(doctor.code, 1, doctor.stdout);
    assert.match(doctor.stdout, /WARNING\s+schedule\s+paused: GLPI upgrade/);
    assert.match(doctor.stdout, /OK\s+workers/);
    assert.match(doctor.stdout, /OK\s+glpi\s+credentials accepted/);
    assert.match(doctor.stdout, /OK\s+database/);
    await runTs('src/cli/schedule.ts', ['unpause'], env);

    const trigger = await runTs('src/cli/schedule.ts', ['trigger'], env);
    assert.equal(trigger.code, 0, trigger.stdout + trigger.stderr);
    const scheduled = await waitForScheduledRun(client, env.SCHEDULE_ID!);
    const result = (await client.workflow.getHandle(scheduled).result()) as { total: number; status: string };
    assert.equal(result.total, 120);
    const run = await db.checkRun.findFirstOrThrow({ where: { workflowId: scheduled } });
    assert.equal(run.trigger, 'schedule');

    const deleted = await runTs('src/cli/schedule.ts', ['delete'], env);
    assert.equal(deleted.code, 0);
    const gone = await runTs('src/cli/schedule.ts', ['describe'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /no schedule/);
  });

  test('bad arguments and unreachable services give one clear line and an exit code', async () => {
    const bad = await runTs(START_CHECK, ['--bogus'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error: .*bogus/);
    assert.match(bad.stderr, /Usage: npm run start-check/);

    const noTemporal = await runTs(START_CHECK, [], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(noTemporal.code, 3);
    assert.match(noTemporal.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
    assert.doesNotMatch(noTemporal.stderr, /\n\s+at /);

    const badSchedule = await runTs('src/cli/schedule.ts', ['explode'], env);
    assert.equal(badSchedule.code, 2);
    const badTime = await runTs('src/cli/schedule.ts', ['ensure'], { ...env, CHECK_TIME: '25:99' });
    assert.equal(badTime.code, 4, 'a wrong setting is the configuration exit code');
    assert.match(badTime.stderr, /CHECK_TIME must be HH:MM/);
    const badCleanup = await runTs('src/cli/cleanup.ts', ['--older-than', 'soon'], env);
    assert.equal(badCleanup.code, 2);
    assert.match(badCleanup.stderr, /--older-than must look like/);

    const doctor = await runTs('src/cli/doctor.ts', [], {
      ...env,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      DATABASE_URL: 'postgresql://u:SECRET-PW@127.0.0.1:1/x',
    });
    assert.equal(doctor.code, 5);
    assert.match(doctor.stdout, /CRITICAL\s+temporal\s+cannot reach Temporal at 127\.0\.0\.1:1/);
    assert.match(doctor.stdout, /CRITICAL\s+database/);
    assert.doesNotMatch(doctor.stdout + doctor.stderr, /SECRET-PW/);

    for (const script of [START_CHECK, 'src/cli/schedule.ts', 'src/cli/doctor.ts', 'src/cli/cleanup.ts']) {
      const help = await runTs(script, ['--help'], env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Usage: npm run/);
    }
  });
});

async function waitForScheduledRun(client: Client, scheduleId: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const d = await client.schedule.getHandle(scheduleId).describe();
    const action = d.info.recentActions.at(-1);
    if (action) return action.action.workflow.workflowId;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error('the schedule did not start a run');
}
