/**
 * Notifications, apart from the check itself:
 * - notifyRun: a child workflow the check starts as it ends (ParentClosePolicy ABANDON), so the
 *   check is over and recorded before any channel is tried, and a channel that fails for hours
 *   never fails, delays or holds the check. One delivery activity per channel, each with its own
 *   retry policy; the idempotency key per run and channel makes them exactly once.
 * - watchNightlyRun: started by a second Schedule after the night's window: when no check
 *   started in it, a missed-night notification goes out the same way.
 * Deterministic; channel names, keys and the message cross the history, never a URL or password.
 */
import {
  ActivityFailure,
  CancellationScope,
  log,
  ParentClosePolicy,
  proxyActivities,
  startChild,
  workflowInfo,
  WorkflowIdReusePolicy,
  patched,
} from '@temporalio/workflow';
import type { NotifyActivities, NotifyInput, PreparedNotification } from '../activities/notify';
import type { RunOutcome } from '../core/results';

/** The activities these workflows call (test/registration.test.ts checks the worker registers them). */
export const NOTIFY_ACTIVITIES = [
  'prepareNotification',
  'deliverNotification',
  'recordDeliveryFailed',
  'findNightlyRun',
] as const satisfies readonly (keyof NotifyActivities)[];

const { prepareNotification, recordDeliveryFailed, findNightlyRun } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 20 },
});

function reasonOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof ActivityFailure && current.cause) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

export interface DeliveryOutcome {
  channel: string;
  delivered: boolean;
  reason?: string;
}

async function deliverAll(prepared: PreparedNotification): Promise<DeliveryOutcome[]> {
  const { notification, deliveries, retry } = prepared;
  if (!notification) return [];
  const { deliverNotification } = proxyActivities<NotifyActivities>({
    // One attempt's own timeout (connect, send, answer) plus the database bookkeeping around it.
    startToCloseTimeout: `${Math.ceil(retry.timeoutMs / 1000) * 2 + 30}s`,
    // The attempt heartbeats every 2 s: a worker killed mid-send is retried within 10 s.
    heartbeatTimeout: '10s',
    retry: {
      initialInterval: `${retry.initialSeconds}s`,
      backoffCoefficient: 3,
      maximumInterval: '30m',
      maximumAttempts: retry.maxAttempts,
      nonRetryableErrorTypes: ['NotificationRefused'],
    },
  });
  return Promise.all(
    deliveries.map(async ({ channel, key }): Promise<DeliveryOutcome> => {
      try {
        await deliverNotification({ channel, key, notification, maxAttempts: retry.maxAttempts });
        return { channel, delivered: true };
      } catch (error) {
        const reason = reasonOf(error);
        log.warn('Notification not delivered', { channel, key, reason });
        await recordDeliveryFailed({ key, reason });
        return { channel, delivered: false, reason };
      }
    }),
  );
}

/** Sends a run's (or a missed night's) notification to every channel that wants it. */
export async function notifyRun(input: NotifyInput): Promise<DeliveryOutcome[]> {
  return deliverAll(await prepareNotification(input));
}

export interface WatchNightlyRunInput {
  /** The check's schedule (SCHEDULE_ID). */
  scheduleId: string;
  /** How far back from this workflow's start a check must have started (the night's window). */
  lookbackSeconds: number;
}

/** The missed-night watchdog: a check must have started in the window that ends now. */
export async function watchNightlyRun(input: WatchNightlyRunInput): Promise<{ missed: boolean; reason: string }> {
  const to = new Date(Date.now()); // the workflow's clock: this execution's start, replayed identically
  const from = new Date(to.getTime() - input.lookbackSeconds * 1000);
  const verdict = await findNightlyRun({
    scheduleId: input.scheduleId,
    from: from.toISOString(),
    to: to.toISOString(),
  });
  if (verdict.missed) {
    log.warn('Nightly check missed', { scheduleId: input.scheduleId, reason: verdict.reason });
    const { workflowId, firstExecutionRunId } = workflowInfo();
    await deliverAll(
      await prepareNotification({
        kind: 'missed_night',
        workflowId,
        runId: firstExecutionRunId,
        outcome: 'missed',
        reason: verdict.reason,
      }),
    );
  } else {
    log.info('Nightly check found', { scheduleId: input.scheduleId, reason: verdict.reason });
  }
  return verdict;
}

/** The patch id of the notification at a run's end (added in the wave that brought notifications). */
export const NOTIFY_PATCH = 'notify-at-run-end';

/**
 * Called by the check as it ends (completed, with errors, failed, cancelled; not on
 * continue-as-new): starts notifyRun and returns once it has started, without waiting for any
 * delivery. The child's id is derived from the run, so a replay or a retried task cannot start
 * a second one. A failure to start it is logged and never fails the check.
 */
export async function startRunNotification(end: {
  checkRunId?: number;
  outcome: RunOutcome;
  reason?: string;
}): Promise<void> {
  // Runs started before notifications existed end as they began: their histories have no child
  // workflow here (README: Changing workflow code).
  if (!patched(NOTIFY_PATCH)) return;
  const { workflowId, firstExecutionRunId, workflowType } = workflowInfo();
  const input: NotifyInput = {
    kind: 'run',
    workflowId,
    runId: firstExecutionRunId,
    outcome: end.outcome,
    ...(end.checkRunId !== undefined ? { checkRunId: end.checkRunId } : {}),
    ...(end.reason !== undefined ? { reason: end.reason } : {}),
    ...(workflowType === 'checkDevices' ? { trigger: 'devices' as const } : {}),
  };
  try {
    await CancellationScope.nonCancellable(() =>
      startChild(notifyRun, {
        workflowId: `notify-${workflowId}-${firstExecutionRunId}`,
        args: [input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      }),
    );
  } catch (error) {
    log.warn('Notification not started', { reason: reasonOf(error) });
  }
}
