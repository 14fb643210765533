/**
 * npm run doctor — one line per health check; exit 0 ok, 1 warning, 2 critical.
 */
import { connectClient } from '../client';
import { ConfigError, loadConfig, type ServiceConfig } from '../config';
import {
  DEFAULT_THRESHOLDS,
  checkDatabase,
  checkGlpi,
  checkInventory,
  checkOrphanedRuns,
  checkNotifications,
  checkRunningChecks,
  checkSchedule,
  checkWorkers,
  type DoctorCheck,
  type DoctorThresholds,
  type Verdict,
} from '../doctor/checks';
import { createGlpiPort } from '../glpi/port';
import { createDb } from '../db/client';
import { COMMAND_CONNECT_TIMEOUT_MS } from '../db/pg';
import { configuredChannels, loadNotifyConfig } from '../notify/config';
import { EXIT as EXIT_CODES, parseArguments, runCli, UsageError } from './run';

const USAGE = `Usage: npm run doctor -- [--json] [--max-run-age-hours 6] [--backlog 100]

Checks, one line each: Temporal reachable; workers polling the task queue (a poll in the
last 70 s: Temporal lists a killed worker for minutes); running checks and their age (critical
when no worker polls); activities beyond their second attempt; task-queue backlog; the daily
schedule (missing, paused, a missed night); run rows still "running" in the database whose
workflow is not (npm run cleanup closes them); GLPI reachable with accepted credentials
(down or not answering as GLPI is critical); the database reachable and migrated; an
inventory with no active device; notification deliveries that
failed in the last 7 days.

Exit codes: 0 all ok, 1 at least one warning, 2 bad arguments, 5 at least one critical —
fit for cron and monitoring (a cron job that mails on non-zero; in a Nagios/Icinga check,
map 1 to WARNING and 5 to CRITICAL).`;

/** A warning is the shared "look at it" code; critical has a code of its own. */
const EXIT: Record<Verdict, number> = { ok: EXIT_CODES.ok, warning: EXIT_CODES.failed, critical: EXIT_CODES.critical };

function parse(args: string[]): { json: boolean; thresholds: DoctorThresholds } {
  const { values } = parseArguments({
    args,
    options: {
      json: { type: 'boolean', default: false },
      'max-run-age-hours': { type: 'string' },
      backlog: { type: 'string' },
    },
  });
  const number = (raw: string | undefined, name: string, fallback: number) => {
    if (raw === undefined) return fallback;
    if (!/^\d+(\.\d+)?$/.test(raw)) throw new UsageError(`--${name} must be a number`);
    return Number(raw);
  };
  return {
    json: values.json,
    thresholds: {
      ...DEFAULT_THRESHOLDS,
      maxRunAgeHours: number(values['max-run-age-hours'], 'max-run-age-hours', DEFAULT_THRESHOLDS.maxRunAgeHours),
      backlog: number(values.backlog, 'backlog', DEFAULT_THRESHOLDS.backlog),
    },
  };
}

async function temporalChecks(config: ServiceConfig, thresholds: DoctorThresholds): Promise<DoctorCheck[]> {
  let client;
  try {
    client = await connectClient(config);
  } catch (error) {
    return [
      {
        name: 'temporal',
        verdict: 'critical',
        detail: (error as Error).message.split('\n')[0],
      },
    ];
  }
  try {
    const guard = async (name: string, fn: () => Promise<DoctorCheck[]>): Promise<DoctorCheck[]> =>
      fn().catch((error: unknown) => [{ name, verdict: 'critical' as const, detail: (error as Error).message }]);
    let alive: boolean | undefined;
    const workers = await guard('workers', async () => {
      const result = await checkWorkers(client, config, thresholds);
      alive = result.alive;
      return result.checks;
    });
    const taskQueue = config.temporal.taskQueue;
    return [
      {
        name: 'temporal',
        verdict: 'ok',
        detail: `${config.temporal.address}, namespace ${config.temporal.namespace} (${config.temporal.source})`,
      },
      ...workers,
      ...(await guard('running checks', () =>
        checkRunningChecks(client, thresholds, Date.now(), { taskQueue, workersAlive: alive }),
      )),
      ...(await guard('schedule', async () => [await checkSchedule(client, config, thresholds)])),
      ...(await databaseChecks(config, (db) => checkOrphanedRuns(client, db))),
    ];
  } finally {
    await client.connection.close();
  }
}

/**
 * A check that reads the database; when the database cannot be used, the database line says
 * so already, and this one is left out.
 */
async function databaseChecks(
  config: ServiceConfig,
  check: (db: ReturnType<typeof createDb>) => Promise<DoctorCheck>,
): Promise<DoctorCheck[]> {
  const db = createDb(config.databaseUrl, { poolSize: 1, connectTimeoutMs: COMMAND_CONNECT_TIMEOUT_MS });
  try {
    return [await check(db)];
  } catch {
    return [];
  } finally {
    await db.$disconnect();
  }
}

runCli(USAGE, async (args) => {
  const { json, thresholds } = parse(args);
  let config: ServiceConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const check: DoctorCheck = { name: 'configuration', verdict: 'critical', detail: error.message };
    console.log(
      json
        ? JSON.stringify({ verdict: 'critical', checks: [check] }, null, 2)
        : `CRITICAL configuration  ${error.message}`,
    );
    return EXIT.critical;
  }
  let notifyChannels: string[] | Error;
  try {
    notifyChannels = configuredChannels(loadNotifyConfig());
  } catch (error) {
    notifyChannels = error as Error;
  }
  const [temporalResults, glpi, database, inventory, notifications] = await Promise.all([
    temporalChecks(config, thresholds),
    checkGlpi(() => createGlpiPort()),
    checkDatabase(config.databaseUrl),
    databaseChecks(config, checkInventory),
    notifyChannels instanceof Error
      ? Promise.resolve<DoctorCheck>({ name: 'notifications', verdict: 'critical', detail: notifyChannels.message })
      : checkNotifications(config.databaseUrl, notifyChannels),
  ]);
  const checks = [...temporalResults, glpi, database, ...inventory, notifications];
  const worst = checks.reduce<Verdict>((w, c) => (EXIT[c.verdict] > EXIT[w] ? c.verdict : w), 'ok');
  if (json) console.log(JSON.stringify({ verdict: worst, checks }, null, 2));
  else {
    const width = Math.max(...checks.map((c) => c.name.length));
    for (const c of checks) console.log(`${c.verdict.toUpperCase().padEnd(8)} ${c.name.padEnd(width)}  ${c.detail}`);
  }
  return EXIT[worst];
});
