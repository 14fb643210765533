/**
 * The daily schedule: one Temporal Schedule that starts checkAllDevices at CHECK_TIME in
 * CHECK_TIMEZONE. Overlap SKIP (a night never starts while the previous run is still
 * going) and an explicit catch-up window (a server down at 02:00 still starts the night's
 * run when it comes back within the window).
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
import { checkOptionsFrom, runningFullChecks } from './client';
import type { ServiceConfig } from './config';
import { defaultOf } from './config';
import { useSearchAttributes } from './temporal/search-attributes';
import { checkAllDevices, watchNightlyRun } from './workflows';
import { CHECK_TRIGGER } from './workflows/search-attributes';

/** Scheduled runs get this id plus the scheduled time, e.g. check-all-devices-scheduled-2026-11-26T02:00:00Z. */
export const SCHEDULED_WORKFLOW_ID = 'check-all-devices-scheduled';

function parseTime(time: string): { hour: number; minute: number } {
  const [hour, minute] = time.split(':').map(Number);
  return { hour, minute };
}

/** `searchAttributes`: the namespace has the check search attributes (src/temporal/search-attributes.ts). */
export function scheduleOptions(config: ServiceConfig, searchAttributes = false): ScheduleOptions {
  const { hour, minute } = parseTime(config.schedule.time);
  return {
    scheduleId: config.schedule.id,
    spec: { calendars: [{ hour, minute, comment: 'nightly GLPI device check' }], timezone: config.schedule.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: checkAllDevices,
      args: [{ ...checkOptionsFrom(config), trigger: 'schedule', ...(searchAttributes && { searchAttributes }) }],
      taskQueue: config.temporal.taskQueue,
      workflowId: SCHEDULED_WORKFLOW_ID,
      ...(searchAttributes && { typedSearchAttributes: [{ key: CHECK_TRIGGER, value: 'schedule' }] }),
      staticSummary: 'Nightly full check of the inventory (schedule)',
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: `${config.schedule.catchupWindowSeconds}s`,
      pauseOnFailure: false,
    },
  };
}

/** The missed-night watchdog's schedule: its own id, next to the check's. */
export function watchdogScheduleId(config: ServiceConfig): string {
  return `${config.schedule.id}-watchdog`;
}

/** The watchdog never looks back further than this: yesterday's run must not count for tonight. */
const MAX_LOOKBACK_SECONDS = 22 * 3600;
/** The window opens a little before CHECK_TIME (a schedule's action may start early by its jitter). */
const EARLY_SECONDS = 600;

/**
 * The watchdog runs daily at CHECK_TIME + the catch-up window + the grace (a night's run can
 * start as late as the end of the catch-up window), in the same zone, and looks back to
 * CHECK_TIME. It is a Temporal Schedule too, so it is as durable as the check's own.
 */
export function watchdogScheduleOptions(config: ServiceConfig): ScheduleOptions {
  const { hour, minute } = parseTime(config.schedule.time);
  const grace = config.schedule.missedNightGraceSeconds ?? defaultOf('NOTIFY_MISSED_NIGHT_GRACE_SECONDS');
  const offsetSeconds = Math.min(config.schedule.catchupWindowSeconds + grace, MAX_LOOKBACK_SECONDS);
  const at = (hour * 60 + minute + Math.ceil(offsetSeconds / 60)) % (24 * 60);
  return {
    scheduleId: watchdogScheduleId(config),
    spec: {
      calendars: [{ hour: Math.floor(at / 60), minute: at % 60, comment: 'did the nightly GLPI device check start?' }],
      timezone: config.schedule.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: watchNightlyRun,
      args: [{ scheduleId: config.schedule.id, lookbackSeconds: Math.ceil(offsetSeconds / 60) * 60 + EARLY_SECONDS }],
      taskQueue: config.temporal.taskQueue,
      workflowId: `${SCHEDULED_WORKFLOW_ID}-watchdog`,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '3600s', pauseOnFailure: false },
  };
}

/**
 * Whether CHECK_TIME is skipped or repeated by a daylight-saving change in CHECK_TIMEZONE
 * during the next year. Temporal matches wall-clock times: a time that does not exist
 * that day is skipped (a lost night), a repeated one fires twice.
 */
export function daylightSavingWarning(config: ServiceConfig, from = new Date()): string | undefined {
  const zone = config.schedule.timezone;
  const wanted = config.schedule.time;
  const format = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  });
  const localParts = (date: Date) => {
    const parts = format.formatToParts(date);
    const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
    return {
      day: `${get('year')}-${get('month')}-${get('day')}`,
      time: `${get('hour')}:${get('minute')}`,
      offset: get('timeZoneName'),
    };
  };
  const DAY = 86_400_000;
  for (let day = 0; day < 366; day += 1) {
    const start = from.getTime() + day * DAY;
    if (localParts(new Date(start)).offset === localParts(new Date(start + DAY)).offset) continue;
    // The offset changes within these 24 hours: on the local day of the change, count how
    // often the wanted wall-clock time occurs (normally once).
    let changeDay = '';
    let occurrences = 0;
    for (let minute = 0; minute <= 24 * 60; minute += 1) {
      const before = localParts(new Date(start + (minute - 1) * 60_000));
      const at = localParts(new Date(start + minute * 60_000));
      if (!changeDay && before.offset !== at.offset) changeDay = at.day;
    }
    for (let minute = -30 * 60; minute <= 54 * 60; minute += 1) {
      const local = localParts(new Date(start + minute * 60_000));
      if (local.day === changeDay && local.time === wanted) occurrences += 1;
    }
    if (occurrences === 0) {
      return `${wanted} does not exist in ${zone} on ${changeDay} (daylight saving starts): that night's run would be skipped. Prefer a CHECK_TIME outside 01:00–03:59, or CHECK_TIMEZONE=UTC.`;
    }
    if (occurrences > 1) {
      return `${wanted} happens twice in ${zone} on ${changeDay} (daylight saving ends): that night may run twice. Prefer a CHECK_TIME outside 01:00–03:59, or CHECK_TIMEZONE=UTC.`;
    }
  }
  return undefined;
}

/** Whether an existing schedule already is what `options` describe (then ensure changes nothing). */
export function scheduleMatches(current: ScheduleDescription, options: ScheduleOptions): boolean {
  const wanted = options.spec.calendars?.[0];
  const calendars = current.spec.calendars ?? [];
  const calendar = calendars[0];
  const single = (ranges: readonly { start: number; end: number }[] | undefined, value: unknown) =>
    ranges?.length === 1 && ranges[0].start === value && ranges[0].end === value;
  const action = current.action;
  return (
    calendars.length === 1 &&
    (current.spec.intervals ?? []).length === 0 &&
    single(calendar?.hour, wanted?.hour) &&
    single(calendar?.minute, wanted?.minute) &&
    (current.spec.timezone ?? 'UTC') === (options.spec.timezone ?? 'UTC') &&
    action.type === 'startWorkflow' &&
    action.workflowType === (options.action.workflowType as { name: string }).name &&
    action.taskQueue === options.action.taskQueue &&
    action.workflowId === options.action.workflowId &&
    JSON.stringify(action.args ?? []) === JSON.stringify(options.action.args ?? []) &&
    current.policies.overlap === options.policies?.overlap &&
    current.policies.catchupWindow === msOf(options.policies?.catchupWindow) &&
    current.policies.pauseOnFailure === (options.policies?.pauseOnFailure ?? false)
  );
}

function msOf(window: unknown): number | undefined {
  const match = typeof window === 'string' ? /^(\d+)s$/.exec(window) : null;
  return match ? Number(match[1]) * 1000 : undefined;
}

/**
 * Creates the schedule, or brings an existing one in line with the configuration (keeping
 * its pause state); 'unchanged' when it already was.
 */
export async function ensureSchedule(
  client: Client,
  config: ServiceConfig,
): Promise<'created' | 'updated' | 'unchanged'> {
  const outcome = await ensureOne(
    client,
    scheduleOptions(config, await useSearchAttributes(client, config.temporal.namespace)),
  );
  // The watchdog follows the check's schedule; its own outcome is not what the operator asked about.
  await ensureOne(client, watchdogScheduleOptions(config));
  return outcome;
}

/** Deletes the watchdog with the check's schedule (a deleted schedule is not a missed night to report daily). */
export async function deleteWatchdog(client: Client, config: ServiceConfig): Promise<void> {
  try {
    await client.schedule.getHandle(watchdogScheduleId(config)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}

async function ensureOne(client: Client, options: ScheduleOptions): Promise<'created' | 'updated' | 'unchanged'> {
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(options.scheduleId);
  if (scheduleMatches(await handle.describe(), options)) return 'unchanged';
  await handle.update((previous) => ({
    ...previous,
    spec: options.spec,
    action: options.action,
    policies: options.policies,
    state: { paused: previous.state.paused, note: previous.state.note },
  }));
  return 'updated';
}

export async function describeSchedule(
  client: Client,
  config: ServiceConfig,
): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(config.schedule.id).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Starts the scheduled action now, unless a full check (scheduled or manual) is already
 * running: the schedule's own SKIP policy only sees runs it started itself.
 */
export async function triggerSchedule(
  client: Client,
  config: ServiceConfig,
): Promise<{ triggered: true } | { triggered: false; runningWorkflowId: string }> {
  const [running] = await runningFullChecks(client, config.temporal.taskQueue);
  if (running) return { triggered: false, runningWorkflowId: running.workflowId };
  await client.schedule.getHandle(config.schedule.id).trigger(ScheduleOverlapPolicy.SKIP);
  return { triggered: true };
}
