/**
 * The notification activities: compose a run's (or a missed night's) notification and decide
 * per channel (prepareNotification), deliver it on one channel exactly once
 * (deliverNotification), and tell whether the night's run started (findNightlyRun). The
 * channels' URLs and passwords stay here, in the worker's configuration: the workflow only ever
 * holds channel names, keys and the message.
 */
import { activityInfo, Context, heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { Db } from '../db/client';
import {
  deliveryKey,
  shouldNotify,
  summaryOf,
  type Channel,
  type Notification,
  type NotificationKind,
} from '../core/notifications';
import type { RunOutcome, RunTrigger } from '../core/results';
import {
  fullCheckStartedBetween,
  latestFullCheck,
  markAttemptFailed,
  markDelivered,
  recordDelivery,
  startAttempt,
  totalsChangeSource,
  totalsOfRun,
  type ChangeSource,
  type ProblemLinker,
} from '../db/notifications';
import { countFindings } from '../db/runs';
import { configuredChannels, type NotifyConfig } from '../notify/config';
import { deliver, DeliveryError } from '../notify/channels';
import { glpiFormUrl } from '../reports/glpi-links';

/** Where #12's metrics plug in: one call per attempt (the default does nothing). */
export interface DeliveryObserver {
  attempt(event: { channel: Channel; kind: NotificationKind; outcome: 'delivered' | 'retrying' | 'failed' }): void;
}

export interface NotifyDeps {
  config: NotifyConfig;
  /** GLPI's web base (GLPI_WEB_URL, or GLPI_URL without its API path) for the problems' links; null: none. */
  glpiWebBase?: string | null;
  changes?: ChangeSource;
  observer?: DeliveryObserver;
}

export interface NotifyInput {
  kind: Exclude<NotificationKind, 'test'>;
  workflowId: string;
  /** The first execution's run id (a run that continued as new keeps one key). */
  runId: string;
  checkRunId?: number;
  outcome: RunOutcome | 'missed';
  reason?: string;
  trigger?: RunTrigger;
}

export interface PlannedDelivery {
  channel: Channel;
  key: string;
}

export interface PreparedNotification {
  notification: Notification | null;
  deliveries: PlannedDelivery[];
  /** The worker's retry settings, for the workflow's delivery activities. */
  retry: { initialSeconds: number; maxAttempts: number; timeoutMs: number };
}

export interface DeliverInput {
  channel: Channel;
  key: string;
  notification: Notification;
  maxAttempts: number;
}

const NO_OBSERVER: DeliveryObserver = { attempt: () => undefined };

export function temporalUiLink(config: NotifyConfig, workflowId: string, runId: string): string {
  return `${config.uiUrl}/namespaces/${encodeURIComponent(config.namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}`;
}

export function createNotifyActivities(db: Db, deps: NotifyDeps | undefined) {
  const config = deps?.config;
  const changes = deps?.changes ?? totalsChangeSource(db);
  const observer = deps?.observer ?? NO_OBSERVER;
  const webBase = deps?.glpiWebBase ?? null;
  // The web page (WEB_PUBLIC_URL) first: the device's page in this run, which shows its cards and
  // history; then GLPI's form pages of the device's cards.
  const webUrl = config?.webUrl ?? null;
  const reportUrl = (checkRunId: number) => (webUrl ? `${webUrl}/runs/${checkRunId}` : null);
  const link: ProblemLinker = (problem, itemtypes, checkRunId) => [
    ...(webUrl ? [`${webUrl}/devices/${problem.deviceId}?run=${checkRunId}`] : []),
    ...problem.glpiIds
      .map((id, i) => glpiFormUrl(webBase, itemtypes[i] ?? 'Printer', id))
      .filter((u): u is string => u !== null),
  ];

  async function compose(input: NotifyInput, maxProblems: number, cfg: NotifyConfig): Promise<Notification> {
    let base: Omit<Notification, 'summary'> = {
      version: 1,
      kind: input.kind,
      outcome: input.outcome,
      reason: input.reason ?? null,
      trigger: input.trigger ?? null,
      workflowId: input.workflowId,
      runId: input.runId,
      checkRunId: input.checkRunId ?? null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      totals: null,
      changes: null,
      links: { temporalUi: temporalUiLink(cfg, input.workflowId, input.runId), report: null },
    };
    if (input.checkRunId !== undefined) {
      const run = await db.checkRun.findUniqueOrThrow({ where: { id: input.checkRunId } });
      const findings = await countFindings(db, run.id);
      base = {
        ...base,
        trigger: run.trigger,
        startedAt: run.startedAt.toISOString(),
        finishedAt: run.finishedAt?.toISOString() ?? null,
        durationMs: run.durationMs,
        totals: totalsOfRun(run, findings),
        reason: base.reason ?? run.failureReason,
        changes: await changes.changesFor(run.id, { limit: maxProblems, link }),
        links: { ...base.links, report: reportUrl(run.id) },
      };
    }
    return { ...base, summary: summaryOf(base) };
  }

  return {
    /** The message and, per configured channel, whether it goes out (skipped channels are recorded as such). */
    async prepareNotification(input: NotifyInput): Promise<PreparedNotification> {
      const retry = {
        initialSeconds: config?.retryInitialSeconds ?? 10,
        maxAttempts: config?.maxAttempts ?? 10,
        timeoutMs: config?.timeoutMs ?? 15_000,
      };
      const channels = config ? configuredChannels(config) : [];
      if (!config || channels.length === 0) return { notification: null, deliveries: [], retry };
      const notification = await compose(input, config.maxProblems, config);
      const deliveries: PlannedDelivery[] = [];
      for (const channel of channels) {
        const key = deliveryKey(input.kind, input.workflowId, input.runId, channel);
        const when = config[channel]!.when;
        const send = shouldNotify(when, notification);
        const ref = {
          key,
          kind: input.kind,
          channel,
          workflowId: input.workflowId,
          runId: input.runId,
          checkRunId: input.checkRunId ?? null,
        };
        await recordDelivery(db, ref, send ? 'pending' : 'skipped');
        if (send) deliveries.push({ channel, key });
        else log.info('Notification not needed', { channel, when, checkRunId: input.checkRunId });
      }
      return { notification, deliveries, retry };
    },

    /**
     * One attempt on one channel. A key already delivered is not sent again (a retry after the
     * receiver answered but before Temporal heard of it). Refusals that retrying cannot help
     * (4xx, a rejected address) fail at once; the rest are retried by the workflow's policy.
     */
    async deliverNotification(input: DeliverInput): Promise<{ delivered: true; attempts: number; detail: string }> {
      if (!config)
        throw ApplicationFailure.nonRetryable('notifications are not configured on this worker', 'NotificationRefused');
      const row = await db.notificationDelivery.findUnique({ where: { key: input.key } });
      if (row?.status === 'delivered') return { delivered: true, attempts: row.attempts, detail: 'already delivered' };
      const started = await startAttempt(db, input.key);
      const { attempt } = activityInfo();
      // A worker killed mid-send is noticed within the heartbeat timeout, not the attempt's whole timeout.
      const keepAlive = setInterval(() => heartbeat(), 2_000);
      try {
        const receipt = await deliver(config, input.channel, input.notification, input.key);
        await markDelivered(db, input.key);
        observer.attempt({ channel: input.channel, kind: input.notification.kind, outcome: 'delivered' });
        log.info('Notification delivered', {
          channel: input.channel,
          key: input.key,
          attempts: started.attempts,
          answer: receipt.detail,
        });
        return { delivered: true, attempts: started.attempts, detail: receipt.detail };
      } catch (error) {
        if (!(error instanceof DeliveryError)) throw error;
        const final = !error.retryable || attempt >= input.maxAttempts;
        await markAttemptFailed(db, input.key, error.message, final);
        observer.attempt({
          channel: input.channel,
          kind: input.notification.kind,
          outcome: final ? 'failed' : 'retrying',
        });
        log.warn(final ? 'Notification failed' : 'Notification attempt failed, retrying', {
          channel: input.channel,
          key: input.key,
          attempt,
          reason: error.message,
        });
        throw ApplicationFailure.create({
          message: error.message,
          type: error.retryable ? 'NotificationUnavailable' : 'NotificationRefused',
          nonRetryable: !error.retryable,
        });
      } finally {
        clearInterval(keepAlive);
      }
    },

    /** The workflow's last word on a delivery whose attempts ran out (e.g. each one timed out). */
    async recordDeliveryFailed(input: { key: string; reason: string }): Promise<void> {
      await markAttemptFailed(db, input.key, input.reason, true);
    },

    /**
     * Whether the nightly run started in [from, to]: the schedule took an action then, or a full
     * check (a manual one too) has a run row from then. A paused schedule is not a missed night.
     */
    async findNightlyRun(input: {
      scheduleId: string;
      from: string;
      to: string;
    }): Promise<{ missed: boolean; reason: string }> {
      const from = new Date(input.from);
      const to = new Date(input.to);
      const run = await fullCheckStartedBetween(db, from, to);
      if (run) return { missed: false, reason: `check run ${run.id} started at ${run.startedAt.toISOString()}` };
      let schedule;
      try {
        schedule = await Context.current().client.schedule.getHandle(input.scheduleId).describe();
      } catch (error) {
        if (!(error instanceof ScheduleNotFoundError)) throw error;
        return {
          missed: true,
          reason: `the schedule ${input.scheduleId} does not exist, so no night runs (npm run schedule -- ensure)`,
        };
      }
      if (schedule.state.paused) {
        return {
          missed: false,
          reason: `the schedule is paused${schedule.state.note ? `: ${schedule.state.note}` : ''}`,
        };
      }
      const taken = schedule.info.recentActions.find((a) => a.takenAt >= from && a.takenAt <= to);
      if (taken)
        return {
          missed: false,
          reason: `the schedule started ${taken.action.workflow.workflowId} at ${taken.takenAt.toISOString()}`,
        };
      const latest = await latestFullCheck(db);
      const last = latest
        ? `; the last full check started at ${latest.startedAt.toISOString()}`
        : '; no full check ever ran';
      return {
        missed: true,
        reason: `no check started between ${from.toISOString()} and ${to.toISOString()}${last}`,
      };
    },
  };
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
