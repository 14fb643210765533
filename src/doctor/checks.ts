/**
 * The health checks behind `npm run doctor`: everything the old system's operators had to
 * find out with ps, grep and Redis scripts, one verdict per line.
 */
import type { Client } from '@temporalio/client';
import { LIVE_POLLER_SECONDS, runningChecks, runStartedAt, taskQueuePollers } from '../client';
import type { ServiceConfig } from '../config';
import { duration } from '../core/duration';
import { createDb, type Db } from '../db/client';
import { pendingMigrations } from '../db/migrate';
import { failedDeliveries } from '../db/notifications';
import { describeOrphan, findOrphanedRuns } from '../orphaned-runs';
import { redactDatabaseUrl } from '../db/url';
import type { GlpiPort } from '../activities/glpi-port';
import { describeScope, scopeWarning } from '../glpi/scope';
import { describeSchedule } from '../schedule';

export type Verdict = 'ok' | 'warning' | 'critical';

export interface DoctorCheck {
  name: string;
  verdict: Verdict;
  detail: string;
}

export interface DoctorThresholds {
  maxRunAgeHours: number;
  backlog: number;
  /** A schedule that has not started a run for this long has missed a night. */
  missedNightHours: number;
}

export const DEFAULT_THRESHOLDS: DoctorThresholds = { maxRunAgeHours: 6, backlog: 100, missedNightHours: 26 };

const ok = (name: string, detail: string): DoctorCheck => ({ name, verdict: 'ok', detail });
const warning = (name: string, detail: string): DoctorCheck => ({ name, verdict: 'warning', detail });
const critical = (name: string, detail: string): DoctorCheck => ({ name, verdict: 'critical', detail });

function hours(ms: number): string {
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * Workers alive on the task queue: only a poll within LIVE_POLLER_SECONDS counts (Temporal keeps
 * listing a killed worker's pollers for minutes). Also says whether any worker is alive, for the
 * running-checks line.
 */
export async function checkWorkers(
  client: Client,
  config: ServiceConfig,
  t: DoctorThresholds,
): Promise<{ checks: DoctorCheck[]; alive: boolean }> {
  const pollers = await taskQueuePollers(client, config);
  const workers = new Set([...pollers.workflow, ...pollers.activity]);
  const queue = config.temporal.taskQueue;
  const gone =
    pollers.stale.length > 0
      ? `; not counted (no poll for over ${LIVE_POLLER_SECONDS} s): ` +
        pollers.stale.map((p) => `${p.identity} (last poll ${duration(p.lastPollAgeMs)} ago)`).join(', ')
      : '';
  const alive = workers.size > 0;
  const result = [
    !alive
      ? critical(
          'workers',
          `no worker has polled task queue ${queue} in the last ${LIVE_POLLER_SECONDS} s: checks will wait until one starts (npm run worker)${gone}`,
        )
      : pollers.activity.length === 0 || pollers.workflow.length === 0
        ? critical(
            'workers',
            `workers poll only ${pollers.workflow.length ? 'workflow' : 'activity'} tasks on ${queue}${gone}`,
          )
        : ok(
            'workers',
            `${workers.size} worker(s) polling ${queue} (a poll in the last ${LIVE_POLLER_SECONDS} s): ` +
              [...workers].map((w) => `${w} (${duration(pollers.lastPollAgeMs[w] ?? 0)} ago)`).join(', ') +
              gone,
          ),
  ];
  result.push(
    pollers.backlog > t.backlog
      ? warning('backlog', `${pollers.backlog} tasks waiting on ${config.temporal.taskQueue} (threshold ${t.backlog})`)
      : ok('backlog', `${pollers.backlog} tasks waiting`),
  );
  return { checks: result, alive };
}

/**
 * Running checks of the task queue and their age; with no worker alive (`workersAlive` false)
 * a running check makes no progress at all: critical.
 */
export async function checkRunningChecks(
  client: Client,
  t: DoctorThresholds,
  now = Date.now(),
  scope: { taskQueue?: string; workersAlive?: boolean } = {},
): Promise<DoctorCheck[]> {
  const running = await Promise.all(
    (await runningChecks(client, undefined, scope.taskQueue)).map(async (run) => ({
      ...run,
      startTime: await runStartedAt(client, run),
    })),
  );
  const result: DoctorCheck[] = [];
  const old = running.filter((r) => now - r.startTime.getTime() > t.maxRunAgeHours * 3_600_000);
  if (running.length === 0) result.push(ok('running checks', 'none'));
  else if (scope.workersAlive === false) {
    result.push(
      critical(
        'running checks',
        `${running.map((r) => `${r.workflowId} (${hours(now - r.startTime.getTime())})`).join('; ')} running, ` +
          `but no worker polls ${scope.taskQueue ?? 'the task queue'}: nothing progresses until one starts (npm run worker)`,
      ),
    );
  } else if (old.length > 0) {
    result.push(
      warning(
        'running checks',
        old.map((r) => `${r.workflowId} running for ${hours(now - r.startTime.getTime())}`).join('; ') +
          ` (over ${t.maxRunAgeHours} h; npm run cleanup lists and stops them)`,
      ),
    );
  } else {
    result.push(
      ok('running checks', running.map((r) => `${r.workflowId} (${hours(now - r.startTime.getTime())})`).join('; ')),
    );
  }
  const retrying: string[] = [];
  for (const run of running) {
    const description = await client.workflow.getHandle(run.workflowId, run.runId).describe();
    for (const activity of description.raw.pendingActivities ?? []) {
      if ((activity.attempt ?? 0) > 2) {
        const failure = activity.lastFailure?.message ?? 'no failure recorded';
        retrying.push(`${run.workflowId}: ${activity.activityType?.name} attempt ${activity.attempt} — ${failure}`);
      }
    }
  }
  result.push(
    retrying.length > 0
      ? warning('retries', retrying.join('; '))
      : ok('retries', 'no activity beyond its second attempt'),
  );
  return result;
}

export async function checkSchedule(
  client: Client,
  config: ServiceConfig,
  t: DoctorThresholds,
  now = Date.now(),
): Promise<DoctorCheck> {
  const d = await describeSchedule(client, config);
  if (!d)
    return warning(
      'schedule',
      `no schedule ${config.schedule.id}: nightly checks do not run (npm run schedule -- ensure)`,
    );
  if (d.state.paused) return warning('schedule', `paused${d.state.note ? `: ${d.state.note}` : ''}`);
  const last = d.info.recentActions.at(-1);
  const sinceLast = last ? now - last.takenAt.getTime() : now - d.info.createdAt.getTime();
  const skipped = d.info.numActionsSkippedOverlap;
  const missed = d.info.numActionsMissedCatchupWindow;
  const counters = `skipped (overlap) ${skipped}, missed (catch-up window) ${missed}`;
  if (sinceLast > t.missedNightHours * 3_600_000) {
    return critical(
      'schedule',
      `no scheduled run for ${hours(sinceLast)}${last ? ` (last: ${last.takenAt.toISOString()})` : ''}: a night was missed; ${counters}`,
    );
  }
  const next = d.info.nextActionTimes[0];
  return ok('schedule', `next run ${next ? next.toISOString() : 'none'}; ${counters}`);
}

export async function checkGlpi(makeGlpi: () => GlpiPort): Promise<DoctorCheck> {
  let glpi: GlpiPort;
  try {
    glpi = makeGlpi();
  } catch (error) {
    return critical('glpi', (error as Error).message);
  }
  try {
    const who = await glpi.ping();
    const user = who.user ? ` (user ${who.user})` : '';
    const partial = who.scope ? scopeWarning(who.scope) : null;
    if (partial) return warning('glpi', `credentials accepted${user}, but ${partial}`);
    return ok(
      'glpi',
      `credentials accepted${user}, ${who.scope ? describeScope(who.scope) : 'all entities switched to'}`,
    );
  } catch (error) {
    const name = (error as Error).name;
    const message = (error as Error).message;
    // Down or answering HTML: no check can succeed until it is back, so critical as well.
    return critical('glpi', name === 'GlpiUnavailableError' ? `unavailable: ${message}` : message);
  }
}

/** Run rows still `running` whose workflow is not running in Temporal (src/orphaned-runs.ts). */
export async function checkOrphanedRuns(client: Client, db: Db): Promise<DoctorCheck> {
  const orphans = await findOrphanedRuns(client, db);
  if (orphans.length === 0) return ok('run rows', 'every run marked running in the database is running in Temporal');
  return warning(
    'run rows',
    `${orphans.length} run(s) marked running in the database but not running in Temporal: ` +
      `${orphans.slice(0, 5).map(describeOrphan).join('; ')}${orphans.length > 5 ? '; …' : ''} ` +
      '(npm run cleanup closes them)',
  );
}

/** A full check of an empty inventory checks nothing: almost always a mistake (a failed import). */
export async function checkInventory(db: Db): Promise<DoctorCheck> {
  const active = await db.device.count({ where: { active: true } });
  if (active > 0) return ok('inventory', `${active} active device(s)`);
  const total = await db.device.count();
  return warning(
    'inventory',
    `no active device${total > 0 ? ` (${total} inactive)` : ''}: every full check checks nothing ` +
      '(import the inventory: npm run devices -- import <file.csv>)',
  );
}

export async function checkDatabase(url: string): Promise<DoctorCheck> {
  try {
    const pending = await pendingMigrations(url);
    return pending.length > 0
      ? critical('database', `${pending.length} migration(s) not applied: ${pending.join(', ')} (npm run db:migrate)`)
      : ok('database', `${redactDatabaseUrl(url)} reachable and migrated`);
  } catch (error) {
    return critical('database', `cannot use ${redactDatabaseUrl(url)}: ${(error as Error).message}`);
  }
}

/**
 * Notifications: which channels this configuration has, and any delivery that failed for good
 * in the last `days` days (the channel and the reason recorded by the worker).
 */
export async function checkNotifications(
  url: string,
  channels: readonly string[],
  days = 7,
  now = Date.now(),
): Promise<DoctorCheck> {
  const configured = channels.length ? `channels ${channels.join(', ')}` : 'no channel configured';
  const db = createDb(url, { poolSize: 1, connectTimeoutMs: 5_000 });
  try {
    const failed = await failedDeliveries(db, new Date(now - days * 86_400_000));
    if (failed.length === 0) return ok('notifications', `${configured}; no failed delivery in ${days} days`);
    const lines = failed
      .slice(0, 3)
      .map(
        (f) =>
          `${f.channel} (${f.kind}${f.checkRunId !== null ? `, run ${f.checkRunId}` : ''}, ${f.attempts} attempts): ${f.lastError ?? 'no reason recorded'}`,
      );
    const more = failed.length > 3 ? `; ${failed.length - 3} more` : '';
    return warning(
      'notifications',
      `${failed.length} delivery(ies) failed in ${days} days: ${lines.join('; ')}${more}`,
    );
  } catch (error) {
    return warning('notifications', `cannot read the delivery records: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    await db.$disconnect();
  }
}
