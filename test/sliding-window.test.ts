/**
 * The sliding window of src/workflows/check-run.ts on its own: the workflow and Temporal are
 * real (the time-skipping test server, so the 300/1200/4800 s retry ladder costs nothing),
 * the four activities are stubs handed to the production worker factory through
 * `activityOverrides`. The database and GLPI given to the factory throw on any use, which
 * proves that no real activity ran. Each test holds the workflow to the exact activity calls
 * it made, with their arguments, and to its final result.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { CheckActivities } from '../src/activities';
import type { GlpiPort } from '../src/activities/glpi-port';
import type { Db } from '../src/db/client';
import { GlpiAuthError, GlpiUnavailableError } from '../src/glpi/errors';
import { createWorker } from '../src/worker';
import { checkAllDevices, progressQuery } from '../src/workflows';
import type { BatchDescriptor, BatchSummary, CheckOptions, RunPlan, RunReport } from '../src/workflows/types';
import type { History } from './support/history';
import { rejectionOf } from './support/rejection';
import { timeSkippingEnvironment, uniqueTaskQueue, workflowBundle } from './support/services';

/** The finding rules every checkBatch call carries: the configuration's defaults. */
const DEFAULT_RULES = { compareFields: 'location,model', retiredStates: '', staleDays: 7 };
const CHECK_RUN_ID = 41;
const BATCHES: BatchDescriptor[] = [
  { index: 0, fromId: 1, toId: 2 },
  { index: 1, fromId: 3, toId: 4 },
  { index: 2, fromId: 5, toId: 6 },
];
const PLAN: RunPlan = {
  checkRunId: CHECK_RUN_ID,
  total: 6,
  batches: BATCHES,
  startedAt: '2026-01-05T02:00:00.000Z',
  glpiUser: 'glpi-check',
};
const CONFLICT = { deviceId: 5, serial: 'SN-5', name: 'prn-5', glpiIds: [50, 51] };

/** What the finishRun stub answers. */
const REPORT: RunReport = {
  checkRunId: CHECK_RUN_ID,
  status: 'completed_with_errors',
  total: 6,
  checked: 6,
  found: 3,
  conflicts: 1,
  notFound: 0,
  errors: 2,
  durationMs: 1000,
  startedAt: PLAN.startedAt,
  finishedAt: '2026-01-05T02:00:01.000Z',
  conflictList: [CONFLICT],
  conflictListTruncated: false,
};

function summary(index: number, counts: Partial<BatchSummary>): BatchSummary {
  return { index, checked: 2, found: 0, conflicts: 0, notFound: 0, errors: 0, conflictSample: [], ...counts };
}

/** A dependency no activity may reach: every stubbed activity test would fail on its first use. */
function untouchable<T extends object>(what: string): T {
  return new Proxy({} as T, {
    get: (_, key) => {
      throw new Error(`${what} used (.${String(key)}) although every activity is stubbed`);
    },
  });
}

/** The batches whose checkBatch the workflow asked to cancel, read from its history. */
function cancelRequested(history: History): BatchDescriptor[] {
  const inputs = new Map<string, BatchDescriptor>();
  const cancelled: BatchDescriptor[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'checkBatch') {
      const data = scheduled.input?.payloads?.[0]?.data;
      assert.ok(data, 'checkBatch was scheduled with an input');
      const input = JSON.parse(Buffer.from(data).toString('utf8')) as { batch: BatchDescriptor };
      inputs.set(String(event.eventId), input.batch);
    }
    const request = event.activityTaskCancelRequestedEventAttributes;
    if (request) cancelled.push(inputs.get(String(request.scheduledEventId))!);
  }
  return cancelled;
}

type ActivityName = keyof CheckActivities;
interface Call {
  activity: ActivityName;
  input: unknown;
  attempt: number;
}

/** Stubs for all four activities the workflows call, recording each call as it starts. */
function stubs(behaviour: Pick<CheckActivities, 'checkBatch'> & Partial<CheckActivities>): {
  calls: Call[];
  ladderWaits: (number | string | undefined)[];
  activities: CheckActivities;
} {
  const calls: Call[] = [];
  const ladderWaits: (number | string | undefined)[] = [];
  // Every call but closeUnstartedRun carries the run's first ladder wait (the default here); the
  // recorded input leaves it out, so the expectations read as the workflow's own decisions.
  const record = (activity: ActivityName, input: unknown) => {
    const { retryInitialSeconds, ...rest } = input as { retryInitialSeconds?: number };
    ladderWaits.push(activity === 'closeUnstartedRun' ? 'none' : retryInitialSeconds);
    calls.push({ activity, input: rest, attempt: activityInfo().attempt });
  };
  const activities: CheckActivities = {
    planRun: (input) => {
      record('planRun', input);
      return Promise.resolve(PLAN);
    },
    checkBatch: (input) => {
      record('checkBatch', input);
      return behaviour.checkBatch(input);
    },
    // PLAN has no scan lists: the scan activities are never called.
    scanCards: () => Promise.reject(new Error('unexpected')),
    finishScan: () => Promise.reject(new Error('unexpected')),
    replanForSearch: () => Promise.reject(new Error('unexpected')),
    classifyBatch: () => Promise.reject(new Error('unexpected')),
    markBatchFailed: (input) => {
      record('markBatchFailed', input);
      return behaviour.markBatchFailed ? behaviour.markBatchFailed(input) : Promise.reject(new Error('unexpected'));
    },
    finishRun: (input) => {
      record('finishRun', input);
      return behaviour.finishRun ? behaviour.finishRun(input) : Promise.reject(new Error('unexpected'));
    },
    closeUnstartedRun: (input) => {
      record('closeUnstartedRun', input);
      return behaviour.closeUnstartedRun ? behaviour.closeUnstartedRun(input) : Promise.reject(new Error('unexpected'));
    },
  };
  return { calls, ladderWaits, activities };
}

// A window that goes wrong tends to wait instead of failing: the timeout turns that into a failure.
describe('the sliding window, with stubbed activities (time skipping)', { timeout: 60_000 }, () => {
  const environment = timeSkippingEnvironment();

  /**
   * Runs checkAllDevices with `options` on a worker of the production factory whose activities
   * are `activities`; `outcome` reads what the test needs while the worker still runs (a query
   * needs one). Also gives the planRun call the workflow must have made first.
   */
  async function runStubbed<T>(
    activities: CheckActivities,
    options: CheckOptions,
    outcome: (handle: WorkflowHandle<typeof checkAllDevices>) => Promise<T>,
  ): Promise<{ outcome: T; planned: Call }> {
    const env = environment();
    const taskQueue = uniqueTaskQueue('window');
    const workflowId = `window-${taskQueue}`;
    const worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      db: untouchable<Db>('the database'),
      glpi: untouchable<GlpiPort>('GLPI'),
      workflowBundle: await workflowBundle(),
      shutdownGraceSeconds: 1,
      activityOverrides: activities,
    });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start(checkAllDevices, { taskQueue, workflowId, args: [options] });
      // The workflow applies the schema's defaults for the strategy and the reverse check.
      const input = {
        workflowId,
        runId: handle.firstExecutionRunId,
        trigger: 'manual',
        batchSize: options.batchSize,
        strategy: 'auto',
        reverse: true,
      };
      return { outcome: await outcome(handle), planned: { activity: 'planRun', input, attempt: 1 } };
    });
  }

  test('a batch that exhausts its retries is marked failed and the run goes on to completed_with_errors', async () => {
    const outage = new GlpiUnavailableError('HTTP_503', 'GLPI answered 503 Service Unavailable');
    const { calls, ladderWaits, activities } = stubs({
      checkBatch: ({ batch }) => {
        if (batch.index === 1) return Promise.reject(outage);
        return Promise.resolve(
          batch.index === 0
            ? summary(0, { found: 2 })
            : summary(2, { found: 1, conflicts: 1, conflictSample: [CONFLICT] }),
        );
      },
      markBatchFailed: ({ batch }) => Promise.resolve(summary(batch.index, { errors: 2 })),
      finishRun: () => Promise.resolve(REPORT),
    });
    const {
      outcome: { report, progress },
      planned,
    } = await runStubbed(
      activities,
      // One batch at a time: the order of the calls is then the window's own, exactly.
      { batchSize: 2, batchConcurrency: 1 },
      async (handle) => ({ report: await handle.result(), progress: await handle.query(progressQuery) }),
    );

    const check = (index: number, attempt = 1): Call => ({
      activity: 'checkBatch',
      input: { checkRunId: CHECK_RUN_ID, batch: BATCHES[index], rules: DEFAULT_RULES },
      attempt,
    });
    assert.ok(
      ladderWaits.every((wait) => wait === 300 || wait === 'none'),
      `each activity call carries the ladder's first wait: ${ladderWaits.join(', ')}`,
    );
    assert.deepEqual(calls, [
      planned,
      check(0),
      check(1, 1),
      check(1, 2),
      check(1, 3),
      check(1, 4),
      {
        activity: 'markBatchFailed',
        input: { checkRunId: CHECK_RUN_ID, batch: BATCHES[1], reason: 'GLPI answered 503 Service Unavailable' },
        attempt: 1,
      },
      check(2),
      // No outcome: the run completed, and finishRun reads from the results whether with errors.
      { activity: 'finishRun', input: { checkRunId: CHECK_RUN_ID }, attempt: 1 },
    ]);
    assert.deepEqual(report, REPORT, "the run's result is finishRun's report");
    // What the workflow folded itself from the three batch summaries, the failed one included.
    assert.deepEqual(
      {
        checked: progress.checked,
        found: progress.found,
        conflicts: progress.conflicts,
        notFound: progress.notFound,
        errors: progress.errors,
        batchesDone: progress.batchesDone,
        batchesTotal: progress.batchesTotal,
        recentConflicts: progress.recentConflicts,
        phase: progress.phase,
      },
      {
        checked: 6,
        found: 3,
        conflicts: 1,
        notFound: 0,
        errors: 2,
        batchesDone: 3,
        batchesTotal: 3,
        recentConflicts: [CONFLICT],
        phase: 'finishing',
      },
    );
  });

  test('a fatal error from one batch fails the run at once and cancels the batch in flight', async () => {
    const refused = new GlpiAuthError(
      'USER_TOKEN_REJECTED',
      'GLPI refused the user token (ERROR_GLPI_LOGIN_USER_TOKEN)',
    );
    let secondStarted: () => void = () => undefined;
    const second = new Promise<void>((resolve) => (secondStarted = resolve));
    const cancellations: string[] = [];
    const { calls, activities } = stubs({
      checkBatch: async ({ batch }) => {
        if (batch.index === 0) {
          // Fails only once batch 1 is in flight, so that there is one to cancel.
          await second;
          throw refused;
        }
        secondStarted();
        // Heartbeats until the workflow's cancellation reaches it (Context.sleep rejects then).
        try {
          for (;;) {
            heartbeat();
            await Context.current().sleep(100);
          }
        } catch (error) {
          cancellations.push(`batch ${batch.index}: ${(error as Error).message}`);
          throw error;
        }
      },
      finishRun: () => Promise.resolve({ ...REPORT, status: 'failed' }),
    });
    const {
      outcome: { error, history },
      planned,
    } = await runStubbed(
      activities,
      { batchSize: 2, batchConcurrency: 2, heartbeatTimeoutSeconds: 1 },
      async (handle) => ({
        error: await rejectionOf(handle.result(), 'the run should fail'),
        history: await handle.fetchHistory(),
      }),
    );

    assert.ok(error instanceof WorkflowFailedError, `the run failed (${String(error)})`);
    assert.ok(error.cause instanceof ApplicationFailure);
    assert.equal(error.cause.type, 'CheckFailed');
    assert.equal(error.cause.message, `check failed: ${refused.message}`);
    const [plan, ...rest] = calls;
    assert.deepEqual(plan, planned);
    // The window's two batches start together, in either order; batch 2 never starts, batch 0
    // is not retried, nothing is marked failed.
    const inWindow = rest.slice(0, 2).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(inWindow, [
      {
        activity: 'checkBatch',
        input: { checkRunId: CHECK_RUN_ID, batch: BATCHES[0], rules: DEFAULT_RULES },
        attempt: 1,
      },
      {
        activity: 'checkBatch',
        input: { checkRunId: CHECK_RUN_ID, batch: BATCHES[1], rules: DEFAULT_RULES },
        attempt: 1,
      },
    ]);
    assert.deepEqual(rest.slice(2), [
      {
        activity: 'finishRun',
        input: { checkRunId: CHECK_RUN_ID, outcome: 'failed', reason: refused.message },
        attempt: 1,
      },
    ]);
    // The workflow asked to cancel batch 1 (it does not wait for the answer: the stub hears of
    // it through its heartbeat, or finds the run already closed).
    assert.deepEqual(cancelRequested(history), [BATCHES[1]], 'the workflow cancelled the batch still in flight');
    assert.equal(cancellations.length, 1);
    assert.match(cancellations[0], /^batch 1: (CANCELLED|NOT_FOUND)$/);
  });
});
