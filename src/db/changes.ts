/**
 * Changes since the previous completed full check: per status and per finding kind, what is new,
 * resolved and persisting. Set-based SQL over check_results (unique on run and device, so each side
 * is an index range), never a walk in Node. For the CLI, the reports and the web page.
 */
import type { Db } from './client';
import { RESULT_STATUSES, type ResultStatus } from '../core/results';

export interface ChangeCounts {
  new: number;
  resolved: number;
  persisting: number;
}

export interface ChangeSummary {
  /** The run compared with; null: there is none (the first full check), nothing to compare with. */
  previousRunId: number | null;
  previousStartedAt: string | null;
  byStatus: Record<ResultStatus, ChangeCounts>;
  /** Per finding kind (only kinds present in either run). */
  byFinding: Record<string, ChangeCounts>;
}

export type ChangeKind = keyof ChangeCounts;

export interface StatusChange {
  deviceId: number;
  serial: string;
  name: string | null;
  /** null: the device was not in that run (new to the inventory, or deactivated). */
  before: ResultStatus | null;
  after: ResultStatus | null;
}

/** The latest completed full check (schedule or manual) before this run, or null: what "changed since" compares with. */
export async function previousFullRun(db: Db, checkRunId: number) {
  return db.checkRun.findFirst({
    where: {
      id: { lt: checkRunId },
      trigger: { in: ['schedule', 'manual'] },
      status: { in: ['completed', 'completed_with_errors'] },
    },
    orderBy: { id: 'desc' },
  });
}

function emptyCounts(): ChangeCounts {
  return { new: 0, resolved: 0, persisting: 0 };
}

export async function changeSummary(db: Db, checkRunId: number): Promise<ChangeSummary> {
  const previous = await previousFullRun(db, checkRunId);
  const byStatus = Object.fromEntries(RESULT_STATUSES.map((s) => [s, emptyCounts()])) as Record<
    ResultStatus,
    ChangeCounts
  >;
  const summary: ChangeSummary = {
    previousRunId: previous?.id ?? null,
    previousStartedAt: previous?.startedAt.toISOString() ?? null,
    byStatus,
    byFinding: {},
  };
  if (!previous) return summary;
  const statusRows = await db.$queryRaw<{ status: ResultStatus; new: number; resolved: number; persisting: number }[]>`
    WITH cur AS (SELECT device_id, status FROM check_results WHERE check_run_id = ${checkRunId}),
         prev AS (SELECT device_id, status FROM check_results WHERE check_run_id = ${previous.id}),
         pairs AS (SELECT c.status AS after, p.status AS before FROM cur c FULL JOIN prev p USING (device_id))
    SELECT s.status::text AS status,
           count(*) FILTER (WHERE after = s.status AND before IS DISTINCT FROM s.status)::int AS new,
           count(*) FILTER (WHERE before = s.status AND after IS DISTINCT FROM s.status)::int AS resolved,
           count(*) FILTER (WHERE before = s.status AND after = s.status)::int AS persisting
      FROM pairs CROSS JOIN unnest(enum_range(NULL::result_status)) AS s(status)
     GROUP BY s.status`;
  for (const row of statusRows)
    byStatus[row.status] = { new: row.new, resolved: row.resolved, persisting: row.persisting };
  // A finding is the same when its kind and card are (a device's no_serial finding has no card).
  const findingRows = await db.$queryRaw<{ kind: string; new: number; resolved: number; persisting: number }[]>`
    WITH cur AS (
           SELECT r.device_id, f->>'kind' AS kind, coalesce(f->>'itemtype', '') || '#' || coalesce(f->>'glpiId', '') AS card
             FROM check_results r, jsonb_array_elements(r.findings) f
            WHERE r.check_run_id = ${checkRunId} AND r.findings <> '[]'::jsonb),
         prev AS (
           SELECT r.device_id, f->>'kind' AS kind, coalesce(f->>'itemtype', '') || '#' || coalesce(f->>'glpiId', '') AS card
             FROM check_results r, jsonb_array_elements(r.findings) f
            WHERE r.check_run_id = ${previous.id} AND r.findings <> '[]'::jsonb)
    SELECT coalesce(c.kind, p.kind) AS kind,
           count(*) FILTER (WHERE p.kind IS NULL)::int AS new,
           count(*) FILTER (WHERE c.kind IS NULL)::int AS resolved,
           count(*) FILTER (WHERE c.kind IS NOT NULL AND p.kind IS NOT NULL)::int AS persisting
      FROM cur c FULL JOIN prev p ON c.device_id = p.device_id AND c.kind = p.kind AND c.card = p.card
     GROUP BY 1 ORDER BY 1`;
  for (const row of findingRows) {
    summary.byFinding[row.kind] = { new: row.new, resolved: row.resolved, persisting: row.persisting };
  }
  return summary;
}

/** A device's status in both runs, as the change queries select it. */
interface ChangeRow {
  device_id: number;
  serial: string;
  name: string | null;
  before: ResultStatus | null;
  after: ResultStatus | null;
}

function statusChange(row: ChangeRow): StatusChange {
  return { deviceId: row.device_id, serial: row.serial, name: row.name, before: row.before, after: row.after };
}

/**
 * The devices behind one count of the summary: `new` devices now `status` that were not before,
 * `resolved` ones that were and are not any more, `persisting` ones that are in both. Device id order.
 */
export async function listStatusChanges(
  db: Db,
  checkRunId: number,
  options: { change: ChangeKind; status: ResultStatus; limit?: number; offset?: number },
): Promise<StatusChange[]> {
  const previous = await previousFullRun(db, checkRunId);
  if (!previous) return [];
  const { change, status } = options;
  const rows = await db.$queryRaw<ChangeRow[]>`
    WITH cur AS (SELECT device_id, status FROM check_results WHERE check_run_id = ${checkRunId}),
         prev AS (SELECT device_id, status FROM check_results WHERE check_run_id = ${previous.id})
    SELECT device_id, d.serial, d.name, p.status::text AS before, c.status::text AS after
      FROM cur c FULL JOIN prev p USING (device_id) JOIN devices d ON d.id = device_id
     WHERE CASE ${change}
             WHEN 'new' THEN c.status::text = ${status} AND p.status::text IS DISTINCT FROM ${status}
             WHEN 'resolved' THEN p.status::text = ${status} AND c.status::text IS DISTINCT FROM ${status}
             ELSE p.status::text = ${status} AND c.status::text = ${status}
           END
     ORDER BY device_id LIMIT ${options.limit ?? 1000} OFFSET ${options.offset ?? 0}`;
  return rows.map(statusChange);
}

/**
 * Every device whose status differs between the previous completed full check and this run (new to
 * either side included), device id order, with how many there are in all. For the web page.
 */
export async function listChangedDevices(
  db: Db,
  checkRunId: number,
  options: { limit?: number } = {},
): Promise<{ previousRunId: number | null; total: number; devices: StatusChange[] }> {
  const previous = await previousFullRun(db, checkRunId);
  if (!previous) return { previousRunId: null, total: 0, devices: [] };
  const rows = await db.$queryRaw<(ChangeRow & { total: number })[]>`
    WITH cur AS (SELECT device_id, status FROM check_results WHERE check_run_id = ${checkRunId}),
         prev AS (SELECT device_id, status FROM check_results WHERE check_run_id = ${previous.id})
    SELECT device_id, d.serial, d.name, p.status::text AS before, c.status::text AS after,
           (count(*) OVER ())::int AS total
      FROM cur c FULL JOIN prev p USING (device_id) JOIN devices d ON d.id = device_id
     WHERE c.status IS DISTINCT FROM p.status
     ORDER BY device_id LIMIT ${options.limit ?? 20}`;
  return {
    previousRunId: previous.id,
    total: rows[0]?.total ?? 0,
    devices: rows.map(statusChange),
  };
}
