/**
 * Check runs and their results: the queries the activities, the CLI and the reports share
 * (the devices a run walks are read in devices.ts).
 */
import type { Db } from './client';
import { UnknownDevicesError } from './devices';
import { inTransaction } from './pg';
import type { CheckRun } from './generated/client';
import type { FatalErrorType } from '../core/error-kinds';
import type { ResultStatus, RunOutcome, RunTrigger, Totals } from '../core/results';
import type { GlpiScope } from '../glpi/scope';
import { isFindingKind, type Finding, type FindingCounts } from '../core/findings';
import type { GlpiItem } from '../glpi/types';
import type { BatchDescriptor, ConflictSummary } from '../workflows/types';

export interface ResultRow {
  deviceId: number;
  status: ResultStatus;
  glpiIds: number[];
  glpiItems: GlpiItem[];
  statusName: string | null;
  errorMessage: string | null;
  /** Data-quality findings on the cards found (empty when none). */
  findings: Finding[];
}

/**
 * A batch's results arrived after its run was closed (npm run cleanup terminated it, or closed
 * it as orphaned): they are not written, and the batch stops.
 */
export class RunClosedError extends Error {
  override readonly name = 'RunClosedError' satisfies FatalErrorType;
  constructor(
    readonly checkRunId: number,
    readonly status: string,
  ) {
    super(`run ${checkRunId} is already ${status}: its late results are not written`);
  }
}

/** Creates the run row, or returns the existing one when a retried plan comes back. */
export async function upsertRun(db: Db, workflowId: string, runId: string, trigger: RunTrigger) {
  return db.checkRun.upsert({
    where: { workflowId_runId: { workflowId, runId } },
    create: { workflowId, runId, trigger },
    update: {},
  });
}

export async function setRunTotal(db: Db, checkRunId: number, total: number): Promise<void> {
  await db.checkRun.update({ where: { id: checkRunId }, data: { total } });
}

/**
 * Writes a batch's results in one statement (so one transaction). A repeated attempt (a
 * worker that died after the commit but before reporting) writes nothing new: the first
 * result stands, and the summary is read back from the database, so totals count each
 * device once.
 *
 * One raw INSERT from a JSON document rather than Prisma's createMany: the bench showed
 * createMany spending ~100 ms of the worker's only JS thread per 500 rows (blocking the
 * progress query meanwhile); this statement takes ~14 ms.
 *
 * Only a running run takes results: once cleanup closed the run (cancelled), a batch still in
 * flight on some worker writes nothing and gets RunClosedError, so the closed run's rows and
 * totals stay what they were when it was closed. (The check and the insert are one statement;
 * a close that commits while that statement runs can still let that one batch in.)
 */
export async function writeResults(db: Db, checkRunId: number, rows: ResultRow[]): Promise<void> {
  await writeEncodedResults(
    db,
    checkRunId,
    rows.map((row) => JSON.stringify(row)),
  );
}

/**
 * writeResults with each row already JSON: the scan's classification encodes a result as soon as
 * it is made, so that only a string of it stays until the chunk is written.
 */
export async function writeEncodedResults(db: Db, checkRunId: number, encoded: readonly string[]): Promise<void> {
  if (encoded.length === 0) return;
  // The record's columns are named like ResultRow's fields (quoted): the rows as they are.
  const json = `[${encoded.join(',')}]`;
  // Through db.pg: the batch's JSON is a large parameter (src/db/client.ts says why). The
  // statement checks what foreign keys would (check_results has none, prisma/schema.prisma says
  // why): the run once, running and share-locked until the commit, and each device by its key.
  const { rowCount: inserted } = await db.pg.query(
    `INSERT INTO check_results (check_run_id, device_id, status, glpi_ids, glpi_items, status_name, error_message, findings)
     SELECT $1, r."deviceId", r.status::result_status, r."glpiIds", r."glpiItems", r."statusName", r."errorMessage",
            coalesce(r.findings, '[]'::jsonb)
       FROM jsonb_to_recordset($2::jsonb)
         AS r("deviceId" int, status text, "glpiIds" int[], "glpiItems" jsonb, "statusName" text, "errorMessage" text,
              findings jsonb)
      WHERE EXISTS (SELECT 1 FROM check_runs WHERE id = $1 AND status = 'running' FOR SHARE)
        AND EXISTS (SELECT 1 FROM devices WHERE id = r."deviceId")
     ON CONFLICT (check_run_id, device_id) DO NOTHING`,
    [checkRunId, json],
  );
  if ((inserted ?? 0) < encoded.length) {
    // Fewer rows than given: a repeated attempt (they exist already), a run no longer running,
    // or a device that is not in the database (removed by hand while the run went on).
    const run = await db.checkRun.findUnique({ where: { id: checkRunId }, select: { status: true } });
    if (run?.status !== 'running') throw new RunClosedError(checkRunId, run?.status ?? 'gone from the database');
    const { rows: missing } = await db.pg.query<{ id: number }>(
      `SELECT (e->>'deviceId')::int AS id FROM jsonb_array_elements($1::jsonb) e
        WHERE NOT EXISTS (SELECT 1 FROM devices WHERE id = (e->>'deviceId')::int)`,
      [json],
    );
    if (missing.length > 0) throw new UnknownDevicesError(missing.map((row) => String(row.id)));
  }
}

/** How the run asks GLPI (search or scan). */
export async function setRunStrategy(db: Db, checkRunId: number, strategy: 'search' | 'scan'): Promise<void> {
  await db.checkRun.update({ where: { id: checkRunId }, data: { strategy } });
}

/** What the run's GLPI user sees, recorded when the run is planned. */
export async function setRunScope(db: Db, checkRunId: number, scope: GlpiScope): Promise<void> {
  const json: object = scope; // plain data: ids, names, flags
  await db.checkRun.update({ where: { id: checkRunId }, data: { scope: json } });
}

/**
 * The number of data-quality findings of a run's results. Only results with findings are read
 * (a partial index holds them), so this stays fast at 1,000,000 results.
 */
export async function countFindings(db: Db, checkRunId: number): Promise<number> {
  const [row] = await db.$queryRaw<{ findings: number }[]>`
    SELECT coalesce(sum(jsonb_array_length(findings)), 0)::int AS findings
      FROM check_results WHERE check_run_id = ${checkRunId} AND findings <> '[]'::jsonb`;
  return row?.findings ?? 0;
}

/** A run's findings per kind (a batch's, with `batch`): kinds that occur only. */
export async function countFindingsByKind(db: Db, checkRunId: number, batch?: BatchDescriptor): Promise<FindingCounts> {
  const ids = batch?.deviceIds ?? null;
  const from = batch && !batch.deviceIds ? (batch.fromId ?? 0) : null;
  const to = batch && !batch.deviceIds ? (batch.toId ?? 0) : null;
  const rows = await db.$queryRaw<{ kind: string; n: number }[]>`
    SELECT f->>'kind' AS kind, count(*)::int AS n
      FROM check_results r CROSS JOIN LATERAL jsonb_array_elements(r.findings) AS f
     WHERE r.check_run_id = ${checkRunId} AND r.findings <> '[]'::jsonb
       AND (${ids}::int[] IS NULL OR r.device_id = ANY(${ids}::int[]))
       AND (${from}::int IS NULL OR r.device_id BETWEEN ${from}::int AND ${to}::int)
     GROUP BY 1`;
  const counts: FindingCounts = {};
  for (const row of rows) if (isFindingKind(row.kind)) counts[row.kind] = row.n;
  return counts;
}

function deviceFilter(batch: BatchDescriptor) {
  return batch.deviceIds ? { in: batch.deviceIds } : { gte: batch.fromId ?? 0, lte: batch.toId ?? 0 };
}

export async function countResults(db: Db, checkRunId: number, batch?: BatchDescriptor): Promise<Totals> {
  const groups = await db.checkResult.groupBy({
    by: ['status'],
    where: { checkRunId, ...(batch ? { deviceId: deviceFilter(batch) } : {}) },
    _count: { _all: true },
  });
  return totalsOf((status) => groups.find((g) => g.status === status)?._count._all ?? 0);
}

function totalsOf(count: (status: ResultStatus) => number): Totals {
  const totals = {
    found: count('found'),
    conflicts: count('conflict'),
    notFound: count('not_found'),
    errors: count('error'),
  };
  return { ...totals, checked: totals.found + totals.conflicts + totals.notFound + totals.errors };
}

export async function listConflicts(
  db: Db,
  checkRunId: number,
  options: { batch?: BatchDescriptor; limit?: number } = {},
): Promise<ConflictSummary[]> {
  const rows = await db.checkResult.findMany({
    where: { checkRunId, status: 'conflict', ...(options.batch ? { deviceId: deviceFilter(options.batch) } : {}) },
    select: { deviceId: true, glpiIds: true, device: { select: { serial: true, name: true } } },
    orderBy: { deviceId: 'asc' },
    take: options.limit,
  });
  return rows.map((row) => ({
    deviceId: row.deviceId,
    serial: row.device.serial,
    name: row.device.name,
    glpiIds: row.glpiIds,
  }));
}

/**
 * Closes a run with its outcome and the totals of the results it holds. The run's row is locked
 * first, and a batch's insert holds a share lock on it until it commits (writeEncodedResults): so
 * the count sees every row written while the run was running, and none can come after it (a
 * cleanup that closed a run while batches were in flight once counted 200 of the 250 rows that
 * landed). `outcome` may be decided from the totals. A run closed already (by cleanup, or by a
 * retried finishRun whose first attempt committed) stays as it was closed.
 */
export async function closeRun(
  db: Db,
  checkRunId: number,
  outcome: RunOutcome | ((totals: Totals) => RunOutcome),
  failureReason: string | null,
): Promise<{ run: CheckRun; totals: Totals; outcome: RunOutcome }> {
  const { totals, decided } = await inTransaction(db.pg, async (client) => {
    const {
      rows: [row],
    } = await client.query<{ status: string; started_at: Date; finished_at: Date | null }>(
      'SELECT status::text AS status, started_at, finished_at FROM check_runs WHERE id = $1 FOR UPDATE',
      [checkRunId],
    );
    if (!row) throw new Error(`check run ${checkRunId} does not exist`);
    const { rows: counts } = await client.query<{ status: ResultStatus; n: number }>(
      'SELECT status::text AS status, count(*)::int AS n FROM check_results WHERE check_run_id = $1 GROUP BY status',
      [checkRunId],
    );
    const counted = totalsOf((status) => counts.find((c) => c.status === status)?.n ?? 0);
    const chosen = typeof outcome === 'function' ? outcome(counted) : outcome;
    if (row.status === 'running') {
      const finishedAt = row.finished_at ?? new Date();
      await client.query(
        `UPDATE check_runs SET status = $2::run_status, finished_at = $3, duration_ms = $4, found = $5, conflicts = $6,
                not_found = $7, errors = $8, failure_reason = $9
          WHERE id = $1`,
        [
          checkRunId,
          chosen,
          finishedAt,
          finishedAt.getTime() - row.started_at.getTime(),
          counted.found,
          counted.conflicts,
          counted.notFound,
          counted.errors,
          failureReason,
        ],
      );
    }
    return { totals: counted, decided: chosen };
  });
  const run = await db.checkRun.findUniqueOrThrow({ where: { id: checkRunId } });
  return { run, totals, outcome: decided };
}

/**
 * Closes the row of a run that ended before its batches could start (planning failed: unknown
 * devices, credentials refused, GLPI down through every retry; or cancelled while planning).
 * Creates the row when planning never got to it, so every run that reached a worker has one.
 * A row that is already closed is left as it is.
 */
export async function closeUnstartedRun(
  db: Db,
  input: { workflowId: string; runId: string; trigger: RunTrigger; outcome: 'failed' | 'cancelled'; reason: string },
) {
  const run = await upsertRun(db, input.workflowId, input.runId, input.trigger);
  if (run.status !== 'running') return run;
  return (await closeRun(db, run.id, input.outcome, input.reason)).run;
}

/** Rows still `running`, oldest first (doctor and cleanup compare them with Temporal). */
export function runningRuns(db: Db) {
  return db.checkRun.findMany({
    where: { status: 'running' },
    select: { id: true, workflowId: true, runId: true, trigger: true, startedAt: true },
    orderBy: { id: 'asc' },
  });
}
/** What the metrics read at each scrape: the last finished and the running full check (src/metrics). */
export async function runSnapshot(db: Db) {
  const full = { trigger: { in: ['schedule', 'manual'] as RunTrigger[] } };
  const [lastFinished, lastCompleted, running] = await Promise.all([
    db.checkRun.findFirst({
      where: { ...full, status: { not: 'running' }, finishedAt: { not: null } },
      orderBy: { finishedAt: 'desc' },
    }),
    db.checkRun.findFirst({
      where: { ...full, status: { in: ['completed', 'completed_with_errors'] }, finishedAt: { not: null } },
      orderBy: { finishedAt: 'desc' },
      select: { finishedAt: true },
    }),
    db.checkRun.findFirst({ where: { ...full, status: 'running' }, orderBy: { startedAt: 'desc' } }),
  ]);
  const done = running ? await db.checkResult.count({ where: { checkRunId: running.id } }) : 0;
  return {
    ...(lastFinished?.finishedAt && {
      lastFinished: {
        status: lastFinished.status,
        finishedAt: lastFinished.finishedAt,
        durationSeconds:
          (lastFinished.durationMs ?? lastFinished.finishedAt.getTime() - lastFinished.startedAt.getTime()) / 1000,
        found: lastFinished.found,
        conflicts: lastFinished.conflicts,
        notFound: lastFinished.notFound,
        errors: lastFinished.errors,
      },
    }),
    ...(lastCompleted?.finishedAt && { lastCompletedAt: lastCompleted.finishedAt }),
    ...(running && { running: { total: running.total, done, startedAt: running.startedAt } }),
  };
}
