/**
 * npm run schedule -- ensure|describe|pause|unpause|trigger|delete
 */
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { loadConfig, type ServiceConfig } from '../config';
import { daylightSavingWarning, deleteWatchdog, describeSchedule, ensureSchedule, triggerSchedule } from '../schedule';
import { CommandError, parseArguments, rejectExtraArguments, runCli, UsageError } from './run';
import { withTemporal } from './temporal';

const USAGE = `Usage: npm run schedule -- <command> [--json] [--note "why"]

Commands:
  ensure     create the daily schedule, or update it to the current configuration
             (CHECK_TIME, default 02:00; CHECK_TIMEZONE, default the host's zone)
  describe   next runs, recent runs, missed and skipped actions
  pause      stop starting nightly runs (--note says why; shown by describe and doctor)
  unpause    start them again
  trigger    start the nightly run now (never while a check is running)
  delete     remove the schedule (running checks go on)`;

const COMMANDS = ['ensure', 'describe', 'pause', 'unpause', 'trigger', 'delete'] as const;
type Command = (typeof COMMANDS)[number];

function parse(args: string[]) {
  const parsed = parseArguments({
    args,
    options: { json: { type: 'boolean', default: false }, note: { type: 'string' } },
    allowPositionals: true,
  });
  const [command] = parsed.positionals;
  if (!command) throw new UsageError('which command?');
  if (!COMMANDS.includes(command as Command)) throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  rejectExtraArguments(parsed.positionals, 1);
  return { command: command as Command, json: parsed.values.json, note: parsed.values.note };
}

const pad = (n: number | undefined) => String(n ?? 0).padStart(2, '0');

/** 2026-12-02 04:30 in `timeZone`, with its UTC offset when it has one (+01:00). */
function localTime(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = get('timeZoneName').replace(/^GMT/, '');
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}${offset ? ` (UTC${offset})` : ''}`;
}

function out(json: boolean, value: unknown, text: string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text);
}

async function describe(client: Client, config: ServiceConfig, json: boolean): Promise<number> {
  const d = await describeSchedule(client, config);
  if (!d) throw new CommandError(`no schedule ${config.schedule.id}: create it with npm run schedule -- ensure`);
  const calendar = d.spec.calendars?.[0];
  const summary = {
    scheduleId: config.schedule.id,
    time: calendar ? `${pad(calendar.hour[0]?.start)}:${pad(calendar.minute[0]?.start)}` : null,
    timezone: d.spec.timezone ?? 'UTC',
    paused: d.state.paused,
    note: d.state.note ?? null,
    overlap: d.policies.overlap,
    catchupWindowMs: d.policies.catchupWindow,
    nextRuns: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentRuns: d.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt.toISOString(),
      takenAt: a.takenAt.toISOString(),
      workflowId: a.action.workflow.workflowId,
    })),
    running: d.info.runningActions.map((a) => a.workflow.workflowId),
    actionsTaken: d.info.numActionsTaken,
    missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    skippedOverlap: d.info.numActionsSkippedOverlap,
    daylightSavingWarning: daylightSavingWarning(config) ?? null,
  };
  // JSON keeps ISO 8601 UTC; people read the schedule's own zone, the one CHECK_TIME is in.
  const local = (date: Date) => localTime(date, summary.timezone);
  const lines = [
    `Schedule ${summary.scheduleId}: daily at ${summary.time} ${summary.timezone}${summary.paused ? ' — PAUSED' : ''}`,
    summary.note ? `  note: ${summary.note}` : '',
    `  overlap ${summary.overlap}, catch-up window ${Math.round(Number(summary.catchupWindowMs) / 60000)} min`,
    `  next runs (${summary.timezone}): ${d.info.nextActionTimes.slice(0, 3).map(local).join(', ') || 'none'}`,
    `  running now: ${summary.running.join(', ') || 'none'}`,
    summary.recentRuns.length === 0 ? '  recent runs: none yet' : `  recent runs (${summary.timezone}):`,
    ...d.info.recentActions.slice(-5).map((a) => `    ${local(a.takenAt)}  ${a.action.workflow.workflowId}`),
    `  actions taken ${summary.actionsTaken}, missed (catch-up window) ${summary.missedCatchupWindow}, skipped (overlap) ${summary.skippedOverlap}`,
    summary.daylightSavingWarning ? `  warning: ${summary.daylightSavingWarning}` : '',
  ];
  out(json, summary, lines.filter(Boolean).join('\n'));
  return 0;
}

async function run(client: Client, config: ServiceConfig, opts: ReturnType<typeof parse>): Promise<number> {
  const handle = client.schedule.getHandle(config.schedule.id);
  const missing = () =>
    new CommandError(`no schedule ${config.schedule.id}: create it with npm run schedule -- ensure`);
  try {
    switch (opts.command) {
      case 'ensure': {
        const outcome = await ensureSchedule(client, config);
        const warning = daylightSavingWarning(config);
        out(
          opts.json,
          {
            scheduleId: config.schedule.id,
            outcome,
            time: config.schedule.time,
            timezone: config.schedule.timezone,
            warning,
          },
          `Schedule ${config.schedule.id} ${outcome}: daily at ${config.schedule.time} ${config.schedule.timezone} ` +
            `(host zone is used unless CHECK_TIMEZONE is set), overlap skip, catch-up window ` +
            `${Math.round(config.schedule.catchupWindowSeconds / 60)} min.` +
            (warning ? `\nwarning: ${warning}` : ''),
        );
        return 0;
      }
      case 'describe':
        return await describe(client, config, opts.json);
      case 'pause':
        await handle.pause(opts.note ?? 'paused with npm run schedule -- pause');
        out(opts.json, { scheduleId: config.schedule.id, paused: true }, `Schedule ${config.schedule.id} paused.`);
        return 0;
      case 'unpause':
        await handle.unpause(opts.note ?? 'unpaused with npm run schedule -- unpause');
        out(opts.json, { scheduleId: config.schedule.id, paused: false }, `Schedule ${config.schedule.id} unpaused.`);
        return 0;
      case 'trigger': {
        const result = await triggerSchedule(client, config);
        if (!result.triggered) {
          out(
            opts.json,
            result,
            `Not triggered: check ${result.runningWorkflowId} is running. Follow it: npm run start-check -- --status ${result.runningWorkflowId} --sync`,
          );
          return 1;
        }
        out(opts.json, result, `Schedule ${config.schedule.id} triggered: the nightly check starts now.`);
        return 0;
      }
      case 'delete':
        await handle.delete();
        await deleteWatchdog(client, config);
        out(opts.json, { scheduleId: config.schedule.id, deleted: true }, `Schedule ${config.schedule.id} deleted.`);
        return 0;
    }
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) throw missing();
    throw error;
  }
}

runCli(USAGE, async (args) => {
  const opts = parse(args);
  const config = loadConfig();
  return withTemporal(config, (client) => run(client, config, opts));
});
