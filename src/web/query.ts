/**
 * What the web page reads from the database beyond the report queries it shares
 * (src/reports/query.ts, src/db/runs.ts): a run's results filtered, sorted and paged by keyset
 * (so page 1 and page 20,000 of a 1,000,000-result run cost the same), the runs list, and a
 * device's history. Every query is one indexed walk; see prisma/migrations/*_web_indexes.
 */
import type { Db } from '../db/client';
import { Prisma } from '../db/generated/client';
import { parseFindings, type Finding } from '../core/findings';
import type { ResultStatus, RunStatus, RunTrigger } from '../core/results';
import type { Cursor, RunFilter, SortColumn } from './filters';
import { countFindingsByKind } from '../db/runs';
import { totalFindings } from '../core/findings';
import { loadTotals } from '../reports/query';
import type { ReportTotals } from '../reports/model';

/** The rows of a filtered count are counted up to this many: beyond it the page says "more than". */
export const COUNT_CAP = 10_000;

export interface ResultRow {
  deviceId: number;
  serial: string;
  name: string | null;
  model: string | null;
  location: string | null;
  organisation: string | null;
  status: ResultStatus;
  glpiIds: number[];
  glpiItems: unknown;
  errorMessage: string | null;
  findings: Finding[];
  /** The row's sort value as text (the keyset cursor's first half). */
  sortKey: string;
}

/** The sort expression of each column; text columns read blank as '' (indexed that way). */
const SORT_SQL: Record<SortColumn, Prisma.Sql> = {
  device: Prisma.sql`r.device_id`,
  serial: Prisma.sql`d.serial_normalized`,
  name: Prisma.sql`coalesce(d.name, '')`,
  model: Prisma.sql`coalesce(d.model, '')`,
  location: Prisma.sql`coalesce(d.location, '')`,
  organisation: Prisma.sql`coalesce(d.organisation, '')`,
  status: Prisma.sql`r.status`,
};

/** LIKE's wildcards taken literally. */
function likeEscape(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function conditions(runId: number, filter: RunFilter): Prisma.Sql[] {
  const where: Prisma.Sql[] = [Prisma.sql`r.check_run_id = ${runId}`];
  if (filter.status) where.push(Prisma.sql`r.status = ${filter.status}::result_status`);
  if (filter.finding === 'any') where.push(Prisma.sql`r.findings <> '[]'::jsonb`);
  else if (filter.finding) {
    const contains = JSON.stringify([{ kind: filter.finding }]);
    where.push(Prisma.sql`r.findings <> '[]'::jsonb AND r.findings @> ${contains}::jsonb`);
  }
  if (filter.organisation !== undefined) where.push(Prisma.sql`coalesce(d.organisation, '') = ${filter.organisation}`);
  if (filter.location !== undefined) where.push(Prisma.sql`coalesce(d.location, '') = ${filter.location}`);
  if (filter.model !== undefined) where.push(Prisma.sql`coalesce(d.model, '') = ${filter.model}`);
  if (filter.q !== undefined) {
    const text = `%${likeEscape(filter.q)}%`;
    const serial = `%${likeEscape(filter.qSerial ?? filter.q)}%`;
    where.push(Prisma.sql`(d.serial_normalized LIKE ${serial} OR d.name ILIKE ${text})`);
  }
  return where;
}

/** Whether the filter narrows the run beyond a status: its count then needs a (capped) walk. */
export function needsCount(filter: RunFilter): boolean {
  return (
    filter.finding !== undefined ||
    filter.organisation !== undefined ||
    filter.location !== undefined ||
    filter.model !== undefined ||
    filter.q !== undefined
  );
}

export interface ResultPage {
  rows: ResultRow[];
  /** Cursor of the page after this one, or null on the last page. */
  next: Cursor | null;
  /** Cursor of the page before this one, or null on the first page. */
  previous: Cursor | null;
}

interface RawRow {
  device_id: number;
  serial: string;
  name: string | null;
  model: string | null;
  location: string | null;
  organisation: string | null;
  status: ResultStatus;
  glpi_ids: number[];
  glpi_items: unknown;
  error_message: string | null;
  findings: unknown;
  sort_key: string;
}

function keyValue(sort: SortColumn, key: string): Prisma.Sql {
  if (sort === 'device') return Prisma.sql`${Number(key)}::int`;
  if (sort === 'status') return Prisma.sql`${key}::result_status`;
  return Prisma.sql`${key}`;
}

/**
 * One page of the run's results. `cursor` with `backwards` false: the rows after it; with
 * `backwards` true: the rows before it (a "previous" link). Fetches one row more than the page
 * to know whether another page follows.
 */
export async function resultPage(
  db: Db,
  runId: number,
  filter: RunFilter,
  options: { size: number; cursor?: Cursor; backwards?: boolean },
): Promise<ResultPage> {
  const sortSql = SORT_SQL[filter.sort];
  // Device-column sorts tie-break on d.id, so the devices' (value, id) index gives the order.
  const tie = filter.sort === 'device' || filter.sort === 'status' ? Prisma.sql`r.device_id` : Prisma.sql`d.id`;
  const where = conditions(runId, filter);
  const ascending = (filter.dir === 'asc') !== (options.backwards ?? false);
  if (options.cursor) {
    const key = keyValue(filter.sort, options.cursor.key);
    const id = options.cursor.deviceId;
    // The bound is given on both sides of the join, so a merge join starts at the cursor.
    if (filter.sort === 'device')
      where.push(
        ascending ? Prisma.sql`r.device_id > ${id} AND d.id > ${id}` : Prisma.sql`r.device_id < ${id} AND d.id < ${id}`,
      );
    else
      where.push(
        ascending
          ? Prisma.sql`(${sortSql}, ${tie}) > (${key}, ${id}::int)`
          : Prisma.sql`(${sortSql}, ${tie}) < (${key}, ${id}::int)`,
      );
  }
  const direction = Prisma.raw(ascending ? 'ASC' : 'DESC');
  const order =
    filter.sort === 'device'
      ? Prisma.sql`r.device_id ${direction}`
      : Prisma.sql`${sortSql} ${direction}, ${tie} ${direction}`;
  const raw = await db.$queryRaw<RawRow[]>`
    SELECT r.device_id, d.serial, d.name, d.model, d.location, d.organisation, r.status::text AS status,
           r.glpi_ids, r.glpi_items, r.error_message, r.findings, (${sortSql})::text AS sort_key
      FROM check_results r JOIN devices d ON d.id = r.device_id
     WHERE ${Prisma.join(where, ' AND ')}
     ORDER BY ${order}
     LIMIT ${options.size + 1}`;
  const more = raw.length > options.size;
  const page = raw.slice(0, options.size);
  if (options.backwards) page.reverse();
  const rows = page.map((row): ResultRow => ({
    deviceId: row.device_id,
    serial: row.serial,
    name: row.name,
    model: row.model,
    location: row.location,
    organisation: row.organisation,
    status: row.status,
    glpiIds: row.glpi_ids,
    glpiItems: row.glpi_items,
    errorMessage: row.error_message,
    findings: parseFindings(row.findings),
    sortKey: row.sort_key,
  }));
  const cursorOf = (row: ResultRow | undefined): Cursor | null =>
    row ? { key: row.sortKey, deviceId: row.deviceId } : null;
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (options.backwards) {
    // Going back: a page before exists when more rows were there; the page after always does.
    return { rows, previous: more ? cursorOf(first) : null, next: cursorOf(last) };
  }
  return { rows, next: more ? cursorOf(last) : null, previous: options.cursor ? cursorOf(first) : null };
}

/** How many results match, counted up to COUNT_CAP (`capped` when there are more). */
export async function countMatching(
  db: Db,
  runId: number,
  filter: RunFilter,
): Promise<{ count: number; capped: boolean }> {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM check_results r JOIN devices d ON d.id = r.device_id
       WHERE ${Prisma.join(conditions(runId, filter), ' AND ')}
       LIMIT ${COUNT_CAP + 1}) AS matching`;
  const count = row?.n ?? 0;
  return { count: Math.min(count, COUNT_CAP), capped: count > COUNT_CAP };
}

/** Every matching result in the filter's order, a page at a time (the CSV export). */
export async function* allMatching(db: Db, runId: number, filter: RunFilter, pageSize = 1000) {
  let cursor: Cursor | undefined;
  for (;;) {
    const page = await resultPage(db, runId, filter, { size: pageSize, cursor });
    yield* page.rows;
    if (!page.next) return;
    cursor = page.next;
  }
}

export type FacetColumn = 'organisation' | 'location' | 'model';
export const FACET_COLUMNS: readonly FacetColumn[] = ['organisation', 'location', 'model'];

/**
 * The distinct values of a device column (the filter's suggestions), up to `limit`: a loose
 * index scan, one index probe per value, so it costs the number of values, not of devices.
 */
export async function facetValues(db: Db, column: FacetColumn, limit = 200): Promise<string[]> {
  const col = Prisma.raw(`coalesce("${column}", '')`);
  const rows = await db.$queryRaw<{ value: string }[]>`
    WITH RECURSIVE v(value) AS (
      (SELECT ${col} FROM devices WHERE ${col} > '' ORDER BY ${col} LIMIT 1)
      UNION ALL
      SELECT (SELECT ${col} FROM devices WHERE ${col} > v.value ORDER BY ${col} LIMIT 1) FROM v WHERE v.value IS NOT NULL
    )
    SELECT value FROM v WHERE value IS NOT NULL LIMIT ${limit}`;
  // A value longer than a filter takes is no suggestion.
  return rows.map((row) => row.value).filter((value) => [...value].length <= 255);
}

/** Findings per kind of each run (only results with findings are read: a partial index). */
export async function findingsByKind(db: Db, runIds: number[]): Promise<Map<number, Map<string, number>>> {
  const result = new Map<number, Map<string, number>>();
  if (runIds.length === 0) return result;
  const rows = await db.$queryRaw<{ run: number; kind: string; n: number }[]>`
    SELECT r.check_run_id AS run, f.value->>'kind' AS kind, count(*)::int AS n
      FROM check_results r CROSS JOIN LATERAL jsonb_array_elements(r.findings) AS f(value)
     WHERE r.check_run_id = ANY(${runIds}::int[]) AND r.findings <> '[]'::jsonb
     GROUP BY 1, 2`;
  for (const row of rows) {
    const kinds = result.get(row.run) ?? new Map<string, number>();
    kinds.set(row.kind, row.n);
    result.set(row.run, kinds);
  }
  return result;
}

export interface RunListRow {
  id: number;
  workflowId: string;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  total: number;
  found: number;
  conflicts: number;
  notFound: number;
  errors: number;
  failureReason: string | null;
}

/** The newest runs (before the run id `before`, for the "older" link). */
/** The columns a line of a run list shows. */
const RUN_LIST_SELECT = {
  id: true,
  workflowId: true,
  trigger: true,
  status: true,
  startedAt: true,
  finishedAt: true,
  durationMs: true,
  total: true,
  found: true,
  conflicts: true,
  notFound: true,
  errors: true,
  failureReason: true,
} as const;

export async function listRuns(db: Db, options: { limit: number; before?: number }): Promise<RunListRow[]> {
  return db.checkRun.findMany({
    where: options.before !== undefined ? { id: { lt: options.before } } : {},
    orderBy: { id: 'desc' },
    take: options.limit,
    select: RUN_LIST_SELECT,
  });
}

/** The last finished full checks, newest first (the runs page's chart). */
export async function listFinishedFullChecks(db: Db, limit: number): Promise<RunListRow[]> {
  return db.checkRun.findMany({
    where: { finishedAt: { not: null }, trigger: { not: 'devices' } },
    orderBy: { id: 'desc' },
    take: limit,
    select: RUN_LIST_SELECT,
  });
}

export interface HistoryRow {
  runId: number;
  trigger: RunTrigger;
  runStatus: RunStatus;
  runStartedAt: Date;
  status: ResultStatus;
  glpiIds: number[];
  glpiItems: unknown;
  errorMessage: string | null;
  findings: Finding[];
  checkedAt: Date;
}

/** A device's results across runs, newest first (the (device_id, checked_at) index). */
export async function deviceHistory(db: Db, deviceId: number, limit = 100): Promise<HistoryRow[]> {
  const rows = await db.checkResult.findMany({
    where: { deviceId },
    orderBy: { checkedAt: 'desc' },
    take: limit,
    select: {
      checkRunId: true,
      status: true,
      glpiIds: true,
      glpiItems: true,
      errorMessage: true,
      findings: true,
      checkedAt: true,
      run: { select: { trigger: true, status: true, startedAt: true } },
    },
  });
  return rows.map((row) => ({
    runId: row.checkRunId,
    trigger: row.run.trigger,
    runStatus: row.run.status,
    runStartedAt: row.run.startedAt,
    status: row.status,
    glpiIds: row.glpiIds,
    glpiItems: row.glpiItems,
    errorMessage: row.errorMessage,
    findings: parseFindings(row.findings),
    checkedAt: row.checkedAt,
  }));
}

/**
 * A run's totals. A finished run's row holds them (finishRun counts them from the results), so
 * its page reads one row instead of counting 1,000,000 results; a run still going, or one whose
 * row has none (cancelled early, written by other tools), is counted from its results.
 */
export async function runTotals(db: Db, runId: number, plannedTotal: number): Promise<ReportTotals> {
  const row = await db.checkRun.findUnique({
    where: { id: runId },
    select: { status: true, found: true, conflicts: true, notFound: true, errors: true },
  });
  const checked = row ? row.found + row.conflicts + row.notFound + row.errors : 0;
  if (!row || (row.status !== 'completed' && row.status !== 'completed_with_errors') || checked === 0) {
    return loadTotals(db, runId, plannedTotal);
  }
  const findingsByKind = await countFindingsByKind(db, runId);
  return {
    total: Math.max(plannedTotal, checked),
    checked,
    found: row.found,
    conflicts: row.conflicts,
    notFound: row.notFound,
    errors: row.errors,
    findings: totalFindings(findingsByKind),
    findingsByKind,
  };
}
