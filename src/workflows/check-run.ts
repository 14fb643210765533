/**
 * The durable core shared by both check workflows: plan once, run the batches through a
 * sliding window, fold their summaries into the run's totals, continue-as-new before the
 * history grows too long, and finish with a report. Deterministic: all I/O is in activities.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setDefaultQueryHandler,
  setHandler,
  sleep,
  workflowInfo,
  defineQuery,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { CHECK_DEFAULTS } from '../config/schema';
import type { CheckActivities } from '../activities';
import { isFatalErrorType, NON_RETRYABLE_ERROR_TYPES } from '../core/error-kinds';
import { addTotals, EMPTY_TOTALS, type RunOutcome, type RunTrigger } from '../core/results';
import { addFindingCounts } from '../core/findings';
import { CHECK_DEVICES_TOTAL, CHECK_OUTCOME, CHECK_RUN_ID, CHECK_TRIGGER } from './search-attributes';
import { CRASH_RETRY, MAXIMUM_ATTEMPTS, scanLadderInitialSeconds } from '../core/retry-ladder';
import { planningProgress, progressFields, progressLine, progressOf } from './progress';
import { startRunNotification } from './notify';
import {
  type BatchDescriptor,
  type BatchSummary,
  type CheckOptions,
  type PlanningState,
  type Progress,
  type RunPlan,
  type RunReport,
  type RunState,
} from './types';

export const progressQuery = defineQuery<Progress>('progress');

/** The schema's defaults (src/config/schema.ts), for input that leaves an option out. */
export const DEFAULTS = CHECK_DEFAULTS satisfies Required<CheckOptions>;

const RECENT_CONFLICTS = 10;

/**
 * Every activity the workflows call, by name. The worker registers what the factory in
 * src/activities builds; test/registration.test.ts checks the two agree on a real worker.
 */
export const WORKFLOW_ACTIVITIES = [
  'planRun',
  'checkBatch',
  'markBatchFailed',
  'finishRun',
  'closeUnstartedRun',
  'scanCards',
  'finishScan',
  'replanForSearch',
  'classifyBatch',
] as const satisfies readonly (keyof CheckActivities)[];

/** The ladder's attempts: the first one and three retries. */
const MAX_ATTEMPTS = 4;
const BACKOFF = 4;

function activitiesFor(options: Required<CheckOptions>) {
  // The retry policy is the crash policy: a timeout (a worker killed mid-batch) is retried after
  // 1 s, so the batch resumes on another worker as soon as the heartbeat timeout notices. The
  // ladder the operators asked for (300, 1200, 4800 s) is applied by the activities to their own
  // failures, through nextRetryDelay (src/core/retry-ladder.ts, src/activities/retry-ladder.ts).
  const retry = {
    initialInterval: `${CRASH_RETRY.initialSeconds}s`,
    backoffCoefficient: CRASH_RETRY.backoff,
    maximumInterval: `${CRASH_RETRY.maximumSeconds}s`,
    maximumAttempts: MAXIMUM_ATTEMPTS,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  };
  // Every batch activity heartbeats (onRetryLadder), so a dead worker is noticed within the heartbeat timeout.
  const heartbeatTimeout = `${options.heartbeatTimeoutSeconds}s`;
  const batches = proxyActivities<CheckActivities>({ startToCloseTimeout: '30m', heartbeatTimeout, retry });
  const short = proxyActivities<CheckActivities>({ startToCloseTimeout: '5m', heartbeatTimeout, retry });
  // Planning walks the same ladder, but the workflow waits between the attempts itself: so
  // the progress query can say which attempt comes, why the last one failed, and when.
  const planning = proxyActivities<CheckActivities>({
    startToCloseTimeout: '5m',
    retry: { ...retry, maximumAttempts: 1 },
  });
  // Closing the row of a run that never started: a short retry (the database may blink), not the ladder.
  const closing = proxyActivities<CheckActivities>({
    startToCloseTimeout: '1m',
    retry: { ...retry, initialInterval: '2s', maximumInterval: '30s', backoffCoefficient: 2, maximumAttempts: 6 },
  });
  // Each call carries the run's first ladder wait: the activity picks its nextRetryDelay from it.
  const ladder = { retryInitialSeconds: options.retryInitialSeconds };
  // A scan reads a whole list in one activity; its cursor is in the heartbeat, so a retry reads on.
  const scanning = proxyActivities<CheckActivities>({ startToCloseTimeout: '2h', heartbeatTimeout, retry });
  return {
    planRun: (input) => planning.planRun({ ...input, ...ladder }),
    checkBatch: (input) => batches.checkBatch({ ...input, ...ladder }),
    markBatchFailed: (input) => short.markBatchFailed({ ...input, ...ladder }),
    finishRun: (input) => short.finishRun({ ...input, ...ladder }),
    closeUnstartedRun: (input) => closing.closeUnstartedRun(input),
    // A shorter ladder (SCAN_LADDER_DIVISOR): a scan that keeps failing gives way to the searches.
    scanCards: (input) =>
      scanning.scanCards({ ...input, retryInitialSeconds: scanLadderInitialSeconds(options.retryInitialSeconds) }),
    finishScan: (input) => short.finishScan({ ...input, ...ladder }),
    replanForSearch: (input) => short.replanForSearch({ ...input, ...ladder }),
    classifyBatch: (input) => batches.classifyBatch({ ...input, ...ladder }),
  } satisfies Pick<CheckActivities, (typeof WORKFLOW_ACTIVITIES)[number]>;
}

export function withDefaults(input: CheckOptions): Required<CheckOptions> {
  return {
    batchSize: input.batchSize ?? DEFAULTS.batchSize,
    batchConcurrency: input.batchConcurrency ?? DEFAULTS.batchConcurrency,
    retryInitialSeconds: input.retryInitialSeconds ?? DEFAULTS.retryInitialSeconds,
    historyEventLimit: input.historyEventLimit ?? DEFAULTS.historyEventLimit,
    heartbeatTimeoutSeconds: input.heartbeatTimeoutSeconds ?? DEFAULTS.heartbeatTimeoutSeconds,
    compareFields: input.compareFields ?? DEFAULTS.compareFields,
    staleDays: input.staleDays ?? DEFAULTS.staleDays,
    retiredStates: input.retiredStates ?? DEFAULTS.retiredStates,
    strategy: input.strategy ?? DEFAULTS.strategy,
    reverse: input.reverse ?? DEFAULTS.reverse,
  };
}

function initialState(plan: RunPlan): RunState {
  const { batches, ...rest } = plan;
  return {
    plan: rest,
    remaining: batches,
    batchesTotal: batches.length,
    batchesDone: 0,
    totals: { ...EMPTY_TOTALS },
    findings: {},
    recentConflicts: [],
    continuedAsNew: 0,
  };
}

/** A short, single-line reason for the logs and the report; never a stack. */
function reasonOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function isFatal(error: unknown): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && isFatalErrorType(cause.type);
}

/** What the Temporal UI shows of a run: its search attributes (when registered) and current details. */
export interface Visibility {
  trigger: RunTrigger;
  searchAttributes: boolean;
}

function headline(visibility: Visibility, total: number): string {
  return `Check of ${total} device${total === 1 ? '' : 's'} (${visibility.trigger})`;
}

function showPlanned(visibility: Visibility, state: RunState): void {
  if (visibility.searchAttributes) {
    upsertSearchAttributes([
      { key: CHECK_TRIGGER, value: visibility.trigger },
      { key: CHECK_DEVICES_TOTAL, value: state.plan.total },
      { key: CHECK_RUN_ID, value: state.plan.checkRunId },
    ]);
  }
  setCurrentDetails(`${headline(visibility, state.plan.total)}: ${progressLine(progressOf(state))}`);
}

function showOutcome(visibility: Visibility, outcome: RunOutcome, details: string): void {
  if (visibility.searchAttributes) upsertSearchAttributes([{ key: CHECK_OUTCOME, value: outcome }]);
  setCurrentDetails(details);
}

/** Which run this is: its row in the database is keyed by the chain's workflow id and first run id. */
export interface RunIdentity {
  workflowId: string;
  runId: string;
  trigger: RunTrigger;
  /** The run's database (see src/db/identity.ts); absent in input from before it existed. */
  database?: string;
}

export interface RunCheckArgs {
  options: CheckOptions;
  run: RunIdentity;
  visibility: Visibility;
  /** A check of chosen devices: their references. */
  devices?: string[];
  resume?: RunState;
  continueWith: (state: RunState) => Promise<never>;
}

/**
 * planRun through the retry ladder, the workflow waiting between the attempts (see
 * activitiesFor): `planning` always says where it stands, for the progress query.
 */
async function planWithRetries(
  attempt: () => Promise<RunPlan>,
  options: Required<CheckOptions>,
  planning: PlanningState,
): Promise<RunPlan> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (isCancellation(error) || isFatal(error) || planning.attempt >= planning.maxAttempts) throw error;
      const waitSeconds = options.retryInitialSeconds * BACKOFF ** (planning.attempt - 1);
      planning.lastFailure = reasonOf(error);
      planning.nextAttemptAt = new Date(Date.now() + waitSeconds * 1000).toISOString();
      const line = `attempt ${planning.attempt}/${planning.maxAttempts} failed: ${planning.lastFailure}; next at ${planning.nextAttemptAt}`;
      setCurrentDetails(`Planning the run: ${line}`);
      log.warn('Planning failed: retrying', {
        attempt: planning.attempt,
        reason: planning.lastFailure,
        nextAttemptAt: planning.nextAttemptAt,
      });
      await sleep(waitSeconds * 1000);
      planning.attempt += 1;
      planning.nextAttemptAt = undefined;
    }
  }
}

export async function runCheck({
  options: given,
  run: id,
  visibility,
  devices,
  resume,
  continueWith,
}: RunCheckArgs): Promise<RunReport> {
  const options = withDefaults(given);
  const acts = activitiesFor(options);
  const { database } = id;
  let state: RunState | undefined = resume;
  const planning: PlanningState = { attempt: 1, maxAttempts: MAX_ATTEMPTS };

  setHandler(progressQuery, () => (state ? progressOf(state) : planningProgress(planning)));
  setDefaultQueryHandler((name) => {
    throw ApplicationFailure.nonRetryable(`unknown query ${name}; this workflow answers "progress"`);
  });

  if (!state) {
    let planned: RunPlan;
    try {
      planned = await planWithRetries(
        () =>
          acts.planRun({
            ...id,
            batchSize: options.batchSize,
            devices,
            strategy: options.strategy,
            reverse: options.reverse,
          }),
        options,
        planning,
      );
    } catch (error) {
      const cancelled = isCancellation(error);
      const reason = reasonOf(error);
      // Every run that reached a worker ends with its row closed, with the reason.
      const closed = await CancellationScope.nonCancellable(() =>
        acts.closeUnstartedRun({ ...id, outcome: cancelled ? 'cancelled' : 'failed', reason }),
      ).catch((closeError: unknown) => {
        log.error('The run row could not be closed', { reason: reasonOf(closeError) });
        return undefined;
      });
      showOutcome(
        visibility,
        cancelled ? 'cancelled' : 'failed',
        `Check (${visibility.trigger}) ${cancelled ? 'cancelled' : 'failed'} before it started: ${reason}`,
      );
      await startRunNotification({
        checkRunId: closed?.checkRunId,
        outcome: cancelled ? 'cancelled' : 'failed',
        reason,
      });
      if (cancelled) throw error;
      log.error('Check failed before it started', { reason, attempt: planning.attempt });
      throw ApplicationFailure.nonRetryable(`check failed: ${reason}`, 'CheckFailed');
    }
    state = initialState(planned);
    log.info('Check started', {
      checkRunId: planned.checkRunId,
      devices: planned.total,
      batches: planned.batches.length,
      glpiUser: planned.glpiUser,
    });
  }
  const run = state;
  showPlanned(visibility, run);

  try {
    if (!run.scan && run.plan.scanLists && run.plan.scanLists.length > 0) await runScan(run, options, acts);
    await runBatches(run, options, acts, database, headline(visibility, run.plan.total));
  } catch (error) {
    const outcome = isCancellation(error) ? 'cancelled' : 'failed';
    const reason = reasonOf(error);
    // Bookkeeping must still happen when the run itself was cancelled.
    await CancellationScope.nonCancellable(() =>
      acts.finishRun({ checkRunId: run.plan.checkRunId, outcome, reason, database }),
    );
    await startRunNotification({ checkRunId: run.plan.checkRunId, outcome, reason });
    log.error(outcome === 'cancelled' ? 'Check cancelled' : 'Check failed', {
      checkRunId: run.plan.checkRunId,
      reason,
    });
    showOutcome(visibility, outcome, `${headline(visibility, run.plan.total)} ${outcome}: ${reason}`);
    if (isCancellation(error)) throw error;
    throw ApplicationFailure.nonRetryable(`check ${outcome}: ${reason}`, 'CheckFailed');
  }

  if (run.remaining.length > 0) {
    log.info('History full: continuing as new', {
      historyLength: workflowInfo().historyLength,
      batchesLeft: run.remaining.length,
    });
    return continueWith({ ...run, continuedAsNew: run.continuedAsNew + 1 });
  }
  const report = await acts.finishRun({ checkRunId: run.plan.checkRunId, database });
  showOutcome(
    visibility,
    report.status,
    `${headline(visibility, report.total)} ${report.status}: found ${report.found}, conflicts ${report.conflicts}, ` +
      `not found ${report.notFound}, errors ${report.errors}`,
  );
  await startRunNotification({ checkRunId: report.checkRunId, outcome: report.status });
  return report;
}

/**
 * The scan phase: every list at once (a handful), each one activity with its cursor in heartbeats.
 * Cards go to the database, never through the history. A scan that fails after its retries does
 * not fail the run: the devices are searched instead, and the report says the reverse check did not run.
 */
async function runScan(
  state: RunState,
  options: Required<CheckOptions>,
  acts: ReturnType<typeof activitiesFor>,
): Promise<void> {
  const { checkRunId } = state.plan;
  const lists = state.plan.scanLists ?? [];
  setCurrentDetails(`Scanning GLPI: ${lists.length} list(s)`);
  let failed: string | undefined;
  const summaries = await Promise.all(
    lists.map((list) =>
      acts
        .scanCards({ checkRunId, list, serialColumn: state.plan.serialColumn ?? 'serial' })
        .catch((error: unknown) => {
          if (isCancellation(error) || isFatal(error)) throw error;
          failed ??= reasonOf(error);
          return null;
        }),
    ),
  );
  const done = summaries.filter((summary) => summary !== null);
  state.scan = await acts.finishScan({ checkRunId, lists: done, reverse: state.plan.reverse === true, failed });
  if (failed !== undefined && state.plan.strategy === 'scan') {
    log.warn('Scan failed after all retries: searching instead', { reason: failed });
    const batches = await acts.replanForSearch({ checkRunId, batchSize: options.batchSize });
    state.plan = { ...state.plan, strategy: 'search' };
    state.remaining = batches;
    state.batchesTotal = batches.length;
  }
  log.info('Scan done', {
    cards: state.scan.cards,
    requests: state.scan.requests,
    unknownCards: state.scan.unknownCards ?? 'not checked',
    unknownNoSerial: state.scan.unknownNoSerial ?? 'not checked',
  });
}

function historyIsFull(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= limit;
}

/**
 * The sliding window: up to batchConcurrency batches in flight; a batch that exhausted its
 * retries becomes `error` results for its devices (never silently skipped); a configuration
 * or credential error stops everything. Stops launching once the history is full, so that
 * continue-as-new carries only what is not done.
 */
async function runBatches(
  state: RunState,
  options: Required<CheckOptions>,
  acts: ReturnType<typeof activitiesFor>,
  database: string | undefined,
  title: string,
): Promise<void> {
  let inFlight = 0;
  let fatal: Error | undefined;
  // Every batch runs in this scope, so one fatal error cancels the batches still in flight
  // instead of letting them run through their own retries.
  const batches = new CancellationScope();
  const queue = [...state.remaining];

  const settle = (batch: BatchDescriptor, summary: BatchSummary) => {
    state.remaining = state.remaining.filter((b) => b.index !== batch.index);
    state.batchesDone += 1;
    state.totals = addTotals(state.totals, summary);
    state.findings = addFindingCounts(state.findings ?? {}, summary.findings);
    // Oldest first, like the report: batches in the order they settled, each in device id order.
    state.recentConflicts = [...state.recentConflicts, ...summary.conflictSample].slice(-RECENT_CONFLICTS);
    const progress = progressOf(state);
    setCurrentDetails(`${title}: ${progressLine(progress)}`);
    // A batch is the unit of progress: one line per settled batch.
    log.info('Progress', progressFields(progress));
  };

  const runOne = async (batch: BatchDescriptor) => {
    try {
      try {
        const rules = {
          compareFields: options.compareFields,
          staleDays: options.staleDays,
          retiredStates: options.retiredStates,
        };
        const input = { checkRunId: state.plan.checkRunId, batch, database, rules };
        settle(batch, await (state.plan.strategy === 'scan' ? acts.classifyBatch(input) : acts.checkBatch(input)));
      } catch (error) {
        if (isCancellation(error) || isFatal(error)) throw error;
        const reason = reasonOf(error);
        log.warn('Batch failed after all retries: its devices are recorded as errors', {
          batch: batch.index,
          devices: batch.deviceIds?.length,
          reason,
        });
        settle(batch, await acts.markBatchFailed({ checkRunId: state.plan.checkRunId, batch, reason, database }));
      }
    } catch (error) {
      if (fatal === undefined && !isCancellation(error)) batches.cancel();
      fatal ??= error as Error;
    } finally {
      inFlight -= 1;
    }
  };

  while (queue.length > 0 && fatal === undefined && !historyIsFull(options.historyEventLimit)) {
    await condition(() => inFlight < options.batchConcurrency || fatal !== undefined);
    if (fatal !== undefined) break;
    const batch = queue.shift()!;
    inFlight += 1;
    void batches.run(() => runOne(batch));
  }
  await condition(() => inFlight === 0);
  if (fatal !== undefined) throw fatal;
}
