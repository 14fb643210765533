/**
 * Loading a run's report from the database: which run, its totals, and its problem devices
 * page by page (keyset pagination on the device id, so memory stays flat at any run size).
 */
import type { Db } from '../db/client';
import { countFindingsByKind, countResults } from '../db/runs';
import { describeFinding, findingCard, parseFindings, totalFindings } from '../core/findings';
import { parseScope } from '../glpi/scope';
import { GLPI_CONFIG_DEFAULTS } from '../glpi/config';
import { glpiFormUrl } from './glpi-links';
import { loadFleet } from './fleet';
import type {
  ColumnWidths,
  FindingRow,
  GlpiRef,
  ProblemCategory,
  ProblemRow,
  Report,
  ReportRun,
  ReportTotals,
} from './model';
import { quoted } from '../core/text';

export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
}

const PAGE_SIZE = 1000;

type RunRow = Awaited<ReturnType<Db['checkRun']['findFirst']>> & object;

export interface SelectedRun {
  run: ReportRun;
  /** Devices the run planned to check (set once planned). */
  plannedTotal: number;
  /** How it was chosen, for the report's header. */
  selection: string;
  /** Set when the default picked a run that has not finished: the reader must know. */
  warning?: string;
}

/**
 * `reference` is a CheckRun id or a Temporal workflow id (the latest run of that id).
 * Without one: the latest finished full check (not a --device check), else the latest
 * finished run, else the latest run at all; `warning` says when that was not the obvious one.
 */
export async function selectRun(db: Db, reference?: string): Promise<SelectedRun> {
  if (reference !== undefined) {
    const run = await findByReference(db, reference);
    if (!run) throw new RunNotFoundError(`no check run with id or workflow id ${quoted(reference)}`);
    const selection =
      String(run.id) === reference ? `chosen by --run ${reference}` : `latest run of workflow ${reference}`;
    return { run: toReportRun(run), plannedTotal: run.total, selection };
  }
  // A check of a few chosen devices (start-check --device) says little about the inventory:
  // the default is the latest finished full check, and a newer device check is pointed at.
  const finishedOrder = [{ finishedAt: 'desc' as const }, { id: 'desc' as const }];
  const [full, finished] = await Promise.all([
    db.checkRun.findFirst({
      where: { finishedAt: { not: null }, trigger: { not: 'devices' } },
      orderBy: finishedOrder,
    }),
    db.checkRun.findFirst({ where: { finishedAt: { not: null } }, orderBy: finishedOrder }),
  ]);
  if (full && finished && finished.id !== full.id) {
    return {
      run: toReportRun(full),
      plannedTotal: full.total,
      selection: 'latest finished full check',
      warning:
        `reporting run ${full.id}, the latest finished full check; run ${finished.id}, a check of ` +
        `${finished.total} chosen device(s), is newer (--run ${finished.id} reports it)`,
    };
  }
  if (full) return { run: toReportRun(full), plannedTotal: full.total, selection: 'latest finished run' };
  if (finished) {
    return {
      run: toReportRun(finished),
      plannedTotal: finished.total,
      selection: 'latest finished run (a check of chosen devices: no full check has finished)',
      warning: `no full check has finished yet: reporting run ${finished.id}, a check of ${finished.total} chosen device(s)`,
    };
  }
  const latest = await db.checkRun.findFirst({ orderBy: [{ startedAt: 'desc' }, { id: 'desc' }] });
  if (!latest) throw new RunNotFoundError('there is no check run in the database yet (start one: npm run start-check)');
  return {
    run: toReportRun(latest),
    plannedTotal: latest.total,
    selection: 'latest run (none has finished yet)',
    warning: `no run has finished yet: reporting run ${latest.id}, which is ${latest.status}`,
  };
}

async function findByReference(db: Db, reference: string): Promise<RunRow | null> {
  const trimmed = reference.trim();
  // Only what fits the id column (int4) is tried as an id; anything else can only be a workflow id.
  if (/^\d{1,10}$/.test(trimmed) && Number(trimmed) <= 2 ** 31 - 1) {
    const byId = await db.checkRun.findUnique({ where: { id: Number(trimmed) } });
    if (byId) return byId;
  }
  // A workflow id keeps its run rows across continue-as-new and reruns: the newest is meant.
  return db.checkRun.findFirst({
    where: { workflowId: trimmed },
    orderBy: [{ startedAt: 'desc' }, { id: 'desc' }],
  });
}

function toReportRun(run: RunRow): ReportRun {
  return {
    id: run.id,
    workflowId: run.workflowId,
    runId: run.runId,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    failureReason: run.failureReason,
    scope: parseScope(run.scope),
  };
}

/** Counted from the results, so they match the listed rows even for a run still going. */
export async function loadTotals(db: Db, checkRunId: number, plannedTotal: number): Promise<ReportTotals> {
  const [counts, findingsByKind] = await Promise.all([
    countResults(db, checkRunId),
    countFindingsByKind(db, checkRunId),
  ]);
  return {
    findings: totalFindings(findingsByKind),
    findingsByKind,
    total: Math.max(plannedTotal, counts.checked),
    checked: counts.checked,
    found: counts.found,
    conflicts: counts.conflicts,
    notFound: counts.notFound,
    errors: counts.errors,
  };
}

export interface LinkOptions {
  /** GLPI web base, or null for ids without links. */
  glpiBase: string | null;
  /** The itemtype assumed for an id whose GLPI item was not stored (the first checked itemtype). */
  defaultItemtype?: string;
}

/** The problem devices of one category in device id order, fetched PAGE_SIZE at a time. */
export async function* problemRows(
  db: Db,
  checkRunId: number,
  category: ProblemCategory,
  links: LinkOptions,
  pageSize = PAGE_SIZE,
): AsyncGenerator<ProblemRow> {
  let after = 0;
  for (;;) {
    const page = await db.checkResult.findMany({
      where: { checkRunId, status: category, deviceId: { gt: after } },
      orderBy: { deviceId: 'asc' },
      take: pageSize,
      select: {
        deviceId: true,
        glpiIds: true,
        glpiItems: true,
        errorMessage: true,
        device: { select: { serial: true, name: true, model: true, location: true } },
      },
    });
    for (const row of page) {
      yield {
        category,
        deviceId: row.deviceId,
        serial: row.device.serial,
        name: row.device.name,
        model: row.device.model,
        location: row.device.location,
        glpi: category === 'conflict' ? glpiRefs(row.glpiIds, row.glpiItems, links) : [],
        error: category === 'error' ? (row.errorMessage ?? 'unknown error') : null,
      };
    }
    if (page.length < pageSize) return;
    after = page[page.length - 1].deviceId;
  }
}

/** Every data-quality finding of a run, in device id order, fetched PAGE_SIZE devices at a time. */
export async function* findingRows(
  db: Db,
  checkRunId: number,
  links: LinkOptions,
  pageSize = PAGE_SIZE,
): AsyncGenerator<FindingRow> {
  let after = 0;
  for (;;) {
    const page = await db.$queryRaw<
      {
        device_id: number;
        status: FindingRow['status'];
        findings: unknown;
        serial: string;
        name: string | null;
        model: string | null;
        location: string | null;
      }[]
    >`
      SELECT r.device_id, r.status::text AS status, r.findings, d.serial, d.name, d.model, d.location
        FROM check_results r JOIN devices d ON d.id = r.device_id
       WHERE r.check_run_id = ${checkRunId} AND r.device_id > ${after} AND r.findings <> '[]'::jsonb
       ORDER BY r.device_id
       LIMIT ${pageSize}`;
    for (const row of page) {
      for (const finding of parseFindings(row.findings)) {
        yield {
          deviceId: row.device_id,
          serial: row.serial,
          name: row.name,
          model: row.model,
          location: row.location,
          status: row.status,
          finding,
          message: describeFinding(finding),
          card: findingCard(finding),
          url: cardUrl(links.glpiBase, findingCard(finding)),
        };
      }
    }
    if (page.length < pageSize) return;
    after = page[page.length - 1].device_id;
  }
}

function cardUrl(base: string | null, card: { itemtype: string; glpiId: number } | null): string | null {
  return card ? glpiFormUrl(base, card.itemtype, card.glpiId) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/**
 * The stored GLPI items, plus any id of glpiIds without an item (rows written by other tools):
 * the ids are what the check decided on, so none may go missing from the report.
 */
export function glpiRefs(ids: number[], items: unknown, links: LinkOptions): GlpiRef[] {
  const fallbackItemtype = links.defaultItemtype ?? GLPI_CONFIG_DEFAULTS.itemtypes[0];
  const refs: GlpiRef[] = [];
  const unmatched = [...ids];
  for (const item of Array.isArray(items) ? items : []) {
    if (typeof item !== 'object' || item === null) continue;
    const fields = item as Record<string, unknown>;
    const id = Number(fields.id);
    if (!Number.isSafeInteger(id)) continue;
    const itemtype = text(fields.itemtype) ?? fallbackItemtype;
    const index = unmatched.indexOf(id);
    if (index >= 0) unmatched.splice(index, 1);
    refs.push({
      itemtype,
      id,
      name: text(fields.name),
      serial: text(fields.serial),
      statusName: text(fields.statusName),
      location: text(fields.location),
      entity: text(fields.entity),
      url: glpiFormUrl(links.glpiBase, itemtype, id),
    });
  }
  for (const id of unmatched) {
    refs.push({
      itemtype: fallbackItemtype,
      id,
      name: null,
      serial: null,
      statusName: null,
      location: null,
      entity: null,
      url: glpiFormUrl(links.glpiBase, fallbackItemtype, id),
    });
  }
  return refs;
}

export async function columnWidths(db: Db, checkRunId: number, category: ProblemCategory): Promise<ColumnWidths> {
  const [row] = await db.$queryRaw<ColumnWidths[]>`
    SELECT coalesce(max(char_length(d.serial)), 0)::int AS serial,
           coalesce(max(char_length(d.name)), 0)::int AS name,
           coalesce(max(char_length(d.model)), 0)::int AS model,
           coalesce(max(char_length(d.location)), 0)::int AS location
    FROM check_results r JOIN devices d ON d.id = r.device_id
    WHERE r.check_run_id = ${checkRunId} AND r.status = ${category}::result_status`;
  return row;
}

/** Everything a format needs, rows fetched lazily as the format writes them. */
export async function loadReport(
  db: Db,
  options: { reference?: string; links: LinkOptions; timeZone: string; now?: Date },
): Promise<{ report: Report; warning?: string }> {
  const { run, plannedTotal, selection, warning } = await selectRun(db, options.reference);
  const totals = await loadTotals(db, run.id, plannedTotal);
  const report: Report = {
    run,
    totals,
    selection,
    generatedAt: options.now ?? new Date(),
    timeZone: options.timeZone,
    linked: options.links.glpiBase !== null,
    rows: (category) => problemRows(db, run.id, category, options.links),
    findings: () => findingRows(db, run.id, options.links),
    columnWidths: (category) => columnWidths(db, run.id, category),
    fleet: await loadFleet(db, run, options.links.glpiBase),
  };
  return { report, warning };
}
