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
  workflowInfo,
  defineQuery,
  setCurrentDetails,
} from '@temporalio/workflow';
import { CHECK_DEFAULTS } from '../config/schema';
import type { CheckActivities } from '../activities';
import { isFatalErrorType, NON_RETRYABLE_ERROR_TYPES } from '../core/error-kinds';
import { addTotals, EMPTY_TOTALS } from '../core/results';
import { planningProgress, progressFields, progressLine, progressOf } from './progress';
import {
  type BatchDescriptor,
  type BatchSummary,
  type CheckOptions,
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
] as const satisfies readonly (keyof CheckActivities)[];

function activitiesFor(options: Required<CheckOptions>) {
  const initial = options.retryInitialSeconds;
  // The retry ladder the operators asked for: waits of 300, 1200 and 4800 s, i.e. four
  // attempts with a backoff of 4. A shorter first wait (tests, chaos runs) keeps the shape.
  const retry = {
    initialInterval: `${initial}s`,
    backoffCoefficient: 4,
    maximumInterval: `${initial * 16}s`,
    maximumAttempts: 4,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  };
  const { checkBatch } = proxyActivities<CheckActivities>({
    startToCloseTimeout: '30m',
    heartbeatTimeout: `${options.heartbeatTimeoutSeconds}s`,
    retry,
  });
  const { planRun, markBatchFailed, finishRun } = proxyActivities<CheckActivities>({
    startToCloseTimeout: '5m',
    retry,
  });
  return { planRun, checkBatch, markBatchFailed, finishRun } satisfies Pick<
    CheckActivities,
    (typeof WORKFLOW_ACTIVITIES)[number]
  >;
}

export function withDefaults(input: CheckOptions): Required<CheckOptions> {
  return {
    batchSize: input.batchSize ?? DEFAULTS.batchSize,
    batchConcurrency: input.batchConcurrency ?? DEFAULTS.batchConcurrency,
    retryInitialSeconds: input.retryInitialSeconds ?? DEFAULTS.retryInitialSeconds,
    historyEventLimit: input.historyEventLimit ?? DEFAULTS.historyEventLimit,
    heartbeatTimeoutSeconds: input.heartbeatTimeoutSeconds ?? DEFAULTS.heartbeatTimeoutSeconds,
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

export interface RunCheckArgs {
  options: CheckOptions;
  resume?: RunState;
  /** Gets the options with their defaults applied, so the activity never picks a default of its own. */
  plan: (acts: ReturnType<typeof activitiesFor>, options: Required<CheckOptions>) => Promise<RunPlan>;
  continueWith: (state: RunState) => Promise<never>;
}

export async function runCheck({ options: given, resume, plan, continueWith }: RunCheckArgs): Promise<RunReport> {
  const options = withDefaults(given);
  const acts = activitiesFor(options);
  let state: RunState | undefined = resume;

  setHandler(progressQuery, () => (state ? progressOf(state) : planningProgress()));
  setDefaultQueryHandler((name) => {
    throw ApplicationFailure.nonRetryable(`unknown query ${name}; this workflow answers "progress"`);
  });

  if (!state) {
    let planned: RunPlan;
    try {
      planned = await plan(acts, options);
    } catch (error) {
      if (isCancellation(error)) throw error;
      const reason = reasonOf(error);
      log.error('Check failed before it started', { reason });
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

  try {
    await runBatches(run, options, acts);
  } catch (error) {
    const outcome = isCancellation(error) ? 'cancelled' : 'failed';
    const reason = reasonOf(error);
    // Bookkeeping must still happen when the run itself was cancelled.
    await CancellationScope.nonCancellable(() => acts.finishRun({ checkRunId: run.plan.checkRunId, outcome, reason }));
    log.error(outcome === 'cancelled' ? 'Check cancelled' : 'Check failed', {
      checkRunId: run.plan.checkRunId,
      reason,
    });
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
  return acts.finishRun({ checkRunId: run.plan.checkRunId });
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
    // Oldest first, like the report: batches in the order they settled, each in device id order.
    state.recentConflicts = [...state.recentConflicts, ...summary.conflictSample].slice(-RECENT_CONFLICTS);
    const progress = progressOf(state);
    setCurrentDetails(`Checking devices: ${progressLine(progress)}`);
    // A batch is the unit of progress: one line per settled batch.
    log.info('Progress', progressFields(progress));
  };

  const runOne = async (batch: BatchDescriptor) => {
    try {
      try {
        settle(batch, await acts.checkBatch({ checkRunId: state.plan.checkRunId, batch }));
      } catch (error) {
        if (isCancellation(error) || isFatal(error)) throw error;
        const reason = reasonOf(error);
        log.warn('Batch failed after all retries: its devices are recorded as errors', {
          batch: batch.index,
          devices: batch.deviceIds?.length,
          reason,
        });
        settle(batch, await acts.markBatchFailed({ checkRunId: state.plan.checkRunId, batch, reason }));
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
