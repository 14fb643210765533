/**
 * Notification deliveries (one row per idempotency key: run + channel) and the comparison of a
 * run with the previous finished full check, which the notifications report as "what changed".
 */
import type { Db } from './client';
import { changeSummary, previousFullRun } from './changes';
import { countUnknownCards } from './unknown-cards';
import type { Channel, NotificationKind, NotificationTotals, ProblemEntry, RunChanges } from '../core/notifications';

export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'failed' | 'skipped';

export interface DeliveryRef {
  key: string;
  kind: NotificationKind;
  channel: Channel;
  workflowId: string;
  runId: string;
  checkRunId: number | null;
}

/** The row of a key, created pending on first sight (a retried activity finds the same row). */
export async function recordDelivery(db: Db, ref: DeliveryRef, status: 'pending' | 'skipped' = 'pending') {
  return db.notificationDelivery.upsert({
    where: { key: ref.key },
    create: { ...ref, status },
    update: {},
  });
}

/** An attempt starts: counted before anything is sent, so a worker killed mid-send still shows it. */
export async function startAttempt(db: Db, key: string) {
  return db.notificationDelivery.update({
    where: { key },
    data: { status: 'sending', attempts: { increment: 1 } },
  });
}

export async function markDelivered(db: Db, key: string): Promise<void> {
  await db.notificationDelivery.update({
    where: { key },
    data: { status: 'delivered', deliveredAt: new Date(), lastError: null },
  });
}

/** A failed attempt: `pending` while retries remain, `failed` once none do. */
export async function markAttemptFailed(db: Db, key: string, reason: string, final: boolean): Promise<void> {
  await db.notificationDelivery.update({
    where: { key },
    data: { status: final ? 'failed' : 'pending', lastError: reason.slice(0, 2000) },
  });
}

/** Deliveries that failed for good since `since`, newest first (doctor's warning). */
export async function failedDeliveries(db: Db, since: Date, limit = 10) {
  return db.notificationDelivery.findMany({
    where: { status: 'failed', updatedAt: { gte: since } },
    orderBy: { updatedAt: 'desc' },
    take: limit,
    select: {
      key: true,
      channel: true,
      kind: true,
      checkRunId: true,
      attempts: true,
      lastError: true,
      updatedAt: true,
    },
  });
}

/** Per channel, whether its latest settled delivery (delivered or failed) failed: the metrics' channel health. */
export async function channelHealth(db: Db): Promise<{ channel: string; failing: boolean }[]> {
  const rows = await db.$queryRaw<{ channel: string; status: string }[]>`
    SELECT DISTINCT ON (channel) channel, status::text AS status
      FROM notification_deliveries
     WHERE status IN ('delivered', 'failed')
     ORDER BY channel, updated_at DESC, id DESC`;
  return rows.map((r) => ({ channel: r.channel, failing: r.status === 'failed' }));
}

export async function deliveriesOf(db: Db, filter: { checkRunId?: number; workflowId?: string }) {
  return db.notificationDelivery.findMany({ where: filter, orderBy: { id: 'asc' } });
}

type RunRow = Awaited<ReturnType<Db['checkRun']['findUniqueOrThrow']>>;

export function totalsOfRun(run: RunRow, findings: number): NotificationTotals {
  const checked = run.found + run.conflicts + run.notFound + run.errors;
  return {
    total: run.total,
    checked,
    found: run.found,
    conflicts: run.conflicts,
    notFound: run.notFound,
    errors: run.errors,
    findings,
  };
}

/** Links for a problem of run `checkRunId`: its device's web page (WEB_PUBLIC_URL), then its GLPI cards' form pages. */
export type ProblemLinker = (problem: Omit<ProblemEntry, 'links'>, itemtypes: string[], checkRunId: number) => string[];

/**
 * Where "what changed" comes from. The default compares the totals and the per-device statuses
 * with the previous finished full check, and takes the findings' changes and the missing cards
 * from the fleet view (src/db/changes.ts, src/db/unknown-cards.ts); tests may give another.
 */
export interface ChangeSource {
  changesFor(checkRunId: number, options: { limit: number; link: ProblemLinker }): Promise<RunChanges>;
}

async function findingsOf(db: Db, checkRunId: number): Promise<number> {
  const [row] = await db.$queryRaw<{ findings: number }[]>`
    SELECT coalesce(sum(jsonb_array_length(findings)), 0)::int AS findings FROM check_results WHERE check_run_id = ${checkRunId}`;
  return row?.findings ?? 0;
}

interface ProblemRow {
  status: ProblemEntry['status'];
  device_id: number;
  serial: string;
  name: string | null;
  glpi_ids: number[];
  glpi_items: { itemtype?: string }[];
  error_message: string | null;
  previous_status: string | null;
}

export function totalsChangeSource(db: Db): ChangeSource {
  return {
    async changesFor(checkRunId, { limit, link }) {
      const run = await db.checkRun.findUniqueOrThrow({ where: { id: checkRunId } });
      const full = run.trigger !== 'devices';
      const previous = full ? await previousFullRun(db, checkRunId) : null;
      const previousId = previous?.id ?? -1;
      // New problems: devices whose status is a problem now and was something else (or absent) before.
      const rows = await db.$queryRaw<ProblemRow[]>`
        SELECT r.status::text AS status, r.device_id, d.serial, d.name, r.glpi_ids, r.glpi_items, r.error_message,
               p.status::text AS previous_status
          FROM check_results r
          JOIN devices d ON d.id = r.device_id
          LEFT JOIN check_results p ON p.check_run_id = ${previousId} AND p.device_id = r.device_id
         WHERE r.check_run_id = ${checkRunId} AND r.status <> 'found' AND p.status IS DISTINCT FROM r.status
         ORDER BY CASE r.status WHEN 'conflict' THEN 0 WHEN 'not_found' THEN 1 ELSE 2 END, r.device_id
         LIMIT ${limit}`;
      const [counts] = await db.$queryRaw<{ new_problems: number; resolved: number }[]>`
        SELECT count(*) FILTER (WHERE r.status <> 'found' AND p.status IS DISTINCT FROM r.status)::int AS new_problems,
               count(*) FILTER (WHERE r.status = 'found' AND p.status IS NOT NULL AND p.status <> 'found')::int AS resolved
          FROM check_results r
          LEFT JOIN check_results p ON p.check_run_id = ${previousId} AND p.device_id = r.device_id
         WHERE r.check_run_id = ${checkRunId}`;
      const newProblems = rows.map((row) => {
        const problem = {
          status: row.status,
          deviceId: row.device_id,
          serial: row.serial,
          name: row.name,
          glpiIds: row.glpi_ids,
          previousStatus: row.previous_status,
          reason: row.error_message,
        };
        const itemtypes = (Array.isArray(row.glpi_items) ? row.glpi_items : []).map((i) => i.itemtype ?? 'Printer');
        return { ...problem, links: link(problem, itemtypes, checkRunId) };
      });
      let previousSummary: RunChanges['previous'] = null;
      let deltas: RunChanges['deltas'] = null;
      // The fleet view's comparison (src/db/changes.ts): findings new and resolved, by kind and card.
      const findings: RunChanges['findings'] = {};
      if (previous) {
        const summary = await changeSummary(db, checkRunId);
        for (const [kind, counts] of Object.entries(summary.byFinding)) {
          if (counts.new > 0 || counts.resolved > 0) findings[kind] = { new: counts.new, resolved: counts.resolved };
        }
      }
      const unknown = full ? await countUnknownCards(db, checkRunId) : null;
      if (previous) {
        const [now, before] = await Promise.all([findingsOf(db, checkRunId), findingsOf(db, previous.id)]);
        const a = totalsOfRun(run, now);
        const b = totalsOfRun(previous, before);
        previousSummary = {
          checkRunId: previous.id,
          finishedAt: (previous.finishedAt ?? previous.startedAt).toISOString(),
          totals: b,
        };
        deltas = {
          total: a.total - b.total,
          checked: a.checked - b.checked,
          found: a.found - b.found,
          conflicts: a.conflicts - b.conflicts,
          notFound: a.notFound - b.notFound,
          errors: a.errors - b.errors,
          findings: a.findings - b.findings,
        };
      }
      return {
        previous: previousSummary,
        deltas,
        newProblems,
        newProblemsTotal: counts?.new_problems ?? 0,
        resolvedProblems: previous ? (counts?.resolved ?? 0) : 0,
        findings,
        unknownCards: unknown && { withSerial: unknown.withSerial, withoutSerial: unknown.withoutSerial },
      };
    },
  };
}

/** A full check (scheduled or manual) whose row was created within [from, to]: the night was not missed. */
export async function fullCheckStartedBetween(db: Db, from: Date, to: Date) {
  return db.checkRun.findFirst({
    where: { trigger: { in: ['schedule', 'manual'] }, startedAt: { gte: from, lte: to } },
    orderBy: { startedAt: 'desc' },
  });
}

/** The latest full check, for the missed-night message. */
export async function latestFullCheck(db: Db) {
  return db.checkRun.findFirst({ where: { trigger: { in: ['schedule', 'manual'] } }, orderBy: { startedAt: 'desc' } });
}
