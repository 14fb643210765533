/**
 * npm run cleanup -- [--older-than 6h] [--dry-run] [--yes] [--json]
 * Lists checks that have been running longer than the limit and terminates them; closes the
 * run rows that are still `running` although their workflow is not (src/orphaned-runs.ts).
 */
import { notifyTerminatedRun } from '../notify/start';
import { createInterface } from 'node:readline/promises';
import type { Client } from '@temporalio/client';
import { runningChecks, runStartedAt } from '../client';
import { loadConfig, type ServiceConfig } from '../config';
import { createDb, type Db } from '../db/client';
import { closeRun } from '../db/runs';
import { duration } from '../core/duration';
import { closeOrphanedRuns, describeOrphan, findOrphanedRuns, type OrphanedRun } from '../orphaned-runs';
import { parseArguments, rejectExtraArguments, runCli, UsageError } from './run';
import { withTemporal } from './temporal';

const USAGE = `Usage: npm run cleanup -- [--older-than 6h] [--dry-run] [--yes] [--json]

Lists the checks running for longer than --older-than (units s, m, h, d; default 6h) and
terminates them, recording the reason in Temporal and marking their runs cancelled in the
database (with the totals of the results written until then; a batch still in flight writes
nothing after that). Temporal never loses a run, but a run can still be stuck on a GLPI that
never answers or be started with wrong settings: this is the switch for those.

It also closes orphaned runs: rows still "running" in the database whose workflow is not
running in Temporal (terminated from the UI, say). npm run doctor reports them.

  --dry-run   list only
  --yes       do not ask (on a terminal, cleanup asks before terminating)
  --json      machine-readable output`;

export function parseDuration(raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(raw.trim());
  if (!match) throw new UsageError(`--older-than must look like 30m, 6h or 2d, got ${JSON.stringify(raw)}`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
}

function parse(args: string[]) {
  const { values, positionals } = parseArguments({
    args,
    options: {
      'older-than': { type: 'string', default: '6h' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  rejectExtraArguments(positionals);
  return {
    olderThanMs: parseDuration(values['older-than']),
    olderThan: values['older-than'],
    dryRun: values['dry-run'],
    yes: values.yes,
    json: values.json,
  };
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Closes a terminated workflow's running rows, with the totals of what its batches wrote. */
async function closeTerminated(db: Db, workflowId: string, reason: string): Promise<void> {
  const rows = await db.checkRun.findMany({ where: { workflowId, status: 'running' }, select: { id: true } });
  for (const row of rows) await closeRun(db, row.id, 'cancelled', reason);
}

async function orphans(client: Client, config: ServiceConfig, opts: ReturnType<typeof parse>) {
  const db = createDb(config.databaseUrl);
  try {
    const found: OrphanedRun[] = await findOrphanedRuns(client, db);
    if (!opts.json && found.length > 0) {
      console.log(
        `${found.length} orphaned run(s) (still "running" in the database, not in Temporal):\n` +
          found.map((o) => `  ${describeOrphan(o)}`).join('\n'),
      );
    }
    const closed = opts.dryRun || found.length === 0 ? 0 : await closeOrphanedRuns(db, found, 'npm run cleanup');
    if (!opts.json && closed > 0) console.log(`Closed ${closed} orphaned run(s).`);
    return found.map((o) => ({ ...o, startedAt: o.startedAt.toISOString(), closed: closed > 0 }));
  } finally {
    await db.$disconnect();
  }
}

async function cleanup(client: Client, config: ServiceConfig, opts: ReturnType<typeof parse>): Promise<number> {
  const now = Date.now();
  const running = await Promise.all(
    (await runningChecks(client, undefined, config.temporal.taskQueue)).map(async (run) => ({
      ...run,
      startedAt: await runStartedAt(client, run),
    })),
  );
  const stale = running.filter((run) => now - run.startedAt.getTime() > opts.olderThanMs);
  const listed = stale.map((run) => ({
    workflowId: run.workflowId,
    runId: run.runId,
    workflowType: run.workflowType,
    startedAt: run.startedAt.toISOString(),
    ageMs: now - run.startedAt.getTime(),
  }));
  if (!opts.json) {
    console.log(
      stale.length === 0
        ? `No check has been running for more than ${opts.olderThan} (${running.length} running).`
        : `${stale.length} check(s) running for more than ${opts.olderThan}:\n` +
            listed
              .map((r) => `  ${r.workflowId}  ${r.workflowType}  started ${r.startedAt}  (${duration(r.ageMs)})`)
              .join('\n'),
    );
  }
  if (stale.length === 0 || opts.dryRun) {
    const orphaned = await orphans(client, config, opts);
    if (opts.json)
      console.log(JSON.stringify({ dryRun: opts.dryRun, stale: listed, terminated: [], orphaned }, null, 2));
    return 0;
  }
  if (process.stdin.isTTY && !opts.yes && !(await confirm(`Terminate ${stale.length} check(s)? [y/N] `))) {
    console.log('Nothing terminated.');
    return 0;
  }
  const reason = `terminated by npm run cleanup: running for more than ${opts.olderThan}`;
  const db = createDb(config.databaseUrl);
  const terminated: string[] = [];
  try {
    for (const run of stale) {
      await client.workflow.getHandle(run.workflowId, run.runId).terminate(reason);
      terminated.push(run.workflowId);
      // The workflow cannot close its own run row once terminated: do it here. From then on
      // its batches still in flight on a worker write nothing (RunClosedError).
      await closeTerminated(db, run.workflowId, reason).catch((error: unknown) =>
        console.error(
          `warning: ${run.workflowId} terminated, but its run row was not updated: ${(error as Error).message}`,
        ),
      );
      // Nor notify: the notification workflow is started here, with the key the run would have used.
      const row = await db.checkRun.findFirst({
        where: { workflowId: run.workflowId, status: 'cancelled' },
        orderBy: { id: 'desc' },
      });
      if (row) {
        await notifyTerminatedRun(client, config.temporal.taskQueue, {
          workflowId: row.workflowId,
          runId: row.runId,
          checkRunId: row.id,
          reason,
        }).catch((error: unknown) =>
          console.error(`warning: ${run.workflowId} terminated, but not notified: ${(error as Error).message}`),
        );
      }
      if (!opts.json) console.log(`Terminated ${run.workflowId}.`);
    }
  } finally {
    await db.$disconnect();
  }
  const orphaned = await orphans(client, config, opts);
  if (opts.json) console.log(JSON.stringify({ dryRun: false, stale: listed, terminated, orphaned }, null, 2));
  return 0;
}

runCli(USAGE, async (args) => {
  const opts = parse(args);
  const config = loadConfig();
  return withTemporal(config, (client) => cleanup(client, config, opts));
});
