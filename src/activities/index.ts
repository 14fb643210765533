/**
 * The activities of a check run, built by a factory from their dependencies so that tests
 * (and the benchmarks) can hand in another database or GLPI.
 */
import { log } from '@temporalio/activity';
import type { Db } from '../db/client';
import {
  closeRun,
  closeUnstartedRun,
  countFindingsByKind,
  countResults,
  listConflicts,
  setRunScope,
  setRunTotal,
  upsertRun,
  writeResults,
  type ResultRow,
} from '../db/runs';
import { loadBatchDevices, planIdRanges, resolveDevices, type BatchDevice } from '../db/devices';
import { assertOwnDatabase } from '../db/identity';
import type { RunOutcome, RunTrigger } from '../core/results';
import { classifyDevice, DEFAULT_RULES, parseCompareFields, parseStateList } from '../core/classify';
import type { DeviceFacts, FindingRules } from '../core/classify';
import { totalFindings } from '../core/findings';
import { isNoSerialKey } from '../core/serial';
import type { BatchDescriptor, BatchRules, BatchSummary, RunPlan, RunReport } from '../workflows/types';
import { parseScope, scopeWarning } from '../glpi/scope';
import type { GlpiItem, GlpiLookupSession, GlpiPort, SerialLookup } from './glpi-port';
import { beat, heartbeatState, onRetryLadder, type LadderInput } from './retry-ladder';
export { createNotifyActivities, type NotifyActivities, type NotifyDeps } from './notify';

export interface ActivityDeps {
  db: Db;
  glpi: GlpiPort;
  /** Serials looked up between two heartbeats (and resumable after a retry). */
  lookupChunkSize?: number;
}

/** Every activity of a run names the run's database; a worker connected to another refuses (src/db/identity.ts). */
interface OfDatabase {
  database?: string;
}

export interface PlanRunInput extends OfDatabase, LadderInput {
  workflowId: string;
  runId: string;
  trigger: RunTrigger;
  /** Always given by the workflow, which owns the default (src/config/schema.ts). */
  batchSize: number;
  devices?: string[];
}

/** What a full check of an empty inventory says, in the log, the report and the commands. */
export const EMPTY_INVENTORY_WARNING =
  'the inventory has no active device: nothing was checked (an empty inventory is almost always a mistake: ' +
  'import it with npm run devices -- import <file.csv>)';

/** What a batch attempt records in its heartbeat: the results so far, so a retry resumes. */
interface BatchProgress {
  done: number;
  rows: ResultRow[];
  /** The white-space pass over the batch's not_found rows has run (once all its devices are looked up). */
  whitespaceDone?: boolean;
  /** The trash pass has run (after the white-space pass). */
  trashDone?: boolean;
}

const CONFLICT_SAMPLE = 5;
const REPORT_CONFLICTS = 100;

/** The finding rules of a batch, from the run's options (the workflow applied the defaults). */
export function findingRules(rules: BatchRules | undefined): FindingRules {
  if (!rules) return DEFAULT_RULES;
  const fields = rules.compareFields.trim().toLowerCase() === 'none' ? [] : parseCompareFields(rules.compareFields);
  return {
    compareFields: fields ?? DEFAULT_RULES.compareFields,
    staleDays: rules.staleDays,
    retiredStates: parseStateList(rules.retiredStates),
  };
}

function deviceFacts(device: BatchDevice): DeviceFacts {
  return {
    serialNormalized: isNoSerialKey(device.serialNormalized) ? null : device.serialNormalized,
    name: device.name,
    model: device.model,
    location: device.location,
  };
}

function errorRow(deviceId: number, errorMessage: string): ResultRow {
  return { deviceId, status: 'error', glpiIds: [], glpiItems: [], statusName: null, errorMessage, findings: [] };
}

/** One device's result from its lookup (and the trashed cards of its serial, when looked for). */
function toResultRow(
  device: BatchDevice,
  lookup: SerialLookup | undefined,
  rules: FindingRules,
  nowMs: number,
  trashed: readonly GlpiItem[] = [],
): ResultRow {
  const facts = deviceFacts(device);
  if (facts.serialNormalized !== null) {
    // The client answers for every serial it was given; a missing answer is a bug, and
    // must show as an error rather than as "not found".
    if (!lookup) return errorRow(device.id, 'no answer for this serial');
    if (lookup.status === 'error') return errorRow(device.id, lookup.error ?? 'unknown error');
  }
  const live = (lookup?.items ?? []).map((card, i) => ({
    card,
    storedSerial: lookup!.storedSerials?.[i] ?? card.serial ?? '',
  }));
  const result = classifyDevice(facts, live, trashed, rules, nowMs);
  return {
    deviceId: device.id,
    status: result.status,
    glpiIds: result.items.map((item) => item.id),
    glpiItems: result.items,
    statusName: result.items.length === 1 ? result.items[0].statusName : null,
    errorMessage: null,
    findings: result.findings,
  };
}

const hasSerial = (device: BatchDevice) => !isNoSerialKey(device.serialNormalized);

/**
 * A second search over the devices of the batch still `not_found` (serials only): `rowFor` turns
 * what it found into the device's new row, or keeps the row as it is (undefined).
 */
async function searchNotFound(
  devices: readonly BatchDevice[],
  progress: BatchProgress,
  search: (serials: string[]) => Promise<Map<string, SerialLookup>>,
  rowFor: (device: BatchDevice, lookup: SerialLookup) => ResultRow | undefined,
): Promise<void> {
  const byId = new Map(devices.filter(hasSerial).map((d) => [d.id, d]));
  const unmatched = progress.rows.filter((row) => row.status === 'not_found' && byId.has(row.deviceId));
  if (unmatched.length === 0) return;
  const found = await search(unmatched.map((row) => byId.get(row.deviceId)!.serialNormalized));
  progress.rows = progress.rows.map((row) => {
    const device = byId.get(row.deviceId);
    const lookup = device && row.status === 'not_found' ? found.get(device.serialNormalized) : undefined;
    return (lookup && rowFor(device!, lookup)) ?? row;
  });
}

/**
 * One white-space pass for the whole batch (not one per chunk): GLPI cards whose serial is stored
 * with stray white space, for the devices the exact lookups did not find. About one request per batch.
 */
async function whitespacePass(
  session: GlpiLookupSession,
  devices: readonly BatchDevice[],
  progress: BatchProgress,
  rules: FindingRules,
  nowMs: number,
): Promise<void> {
  if (progress.whitespaceDone) return;
  await searchNotFound(
    devices,
    progress,
    (serials) => session.whitespacePass(serials),
    // A failed pass leaves the device `error`: it may well be in GLPI.
    (device, lookup) => (lookup.status !== 'not_found' ? toResultRow(device, lookup, rules, nowMs) : undefined),
  );
  progress.whitespaceDone = true;
}

/**
 * The trash pass, once per batch after the white-space pass: the devices still not_found get an
 * `only_in_trash` finding for each trashed card with their serial. Exact searches with
 * is_deleted=1, about one request per batch. A failed search for one serial leaves its device
 * not_found without the hint (the trash is a hint, never the answer).
 */
async function trashPass(
  session: GlpiLookupSession,
  devices: readonly BatchDevice[],
  progress: BatchProgress,
  rules: FindingRules,
  nowMs: number,
): Promise<void> {
  if (progress.trashDone) return;
  await searchNotFound(
    devices,
    progress,
    (serials) => session.trashPass(serials),
    (device, lookup) =>
      lookup.status === 'error' || lookup.items.length === 0
        ? undefined
        : toResultRow(
            device,
            { ...lookup, status: 'not_found', items: [], storedSerials: [] },
            rules,
            nowMs,
            lookup.items,
          ),
  );
  progress.trashDone = true;
}

export function createActivities({ db, glpi, lookupChunkSize = 100 }: ActivityDeps) {
  async function summarise(checkRunId: number, batch: BatchDescriptor): Promise<BatchSummary> {
    const [totals, conflictSample, findings] = await Promise.all([
      countResults(db, checkRunId, batch),
      listConflicts(db, checkRunId, { batch, limit: CONFLICT_SAMPLE }),
      countFindingsByKind(db, checkRunId, batch),
    ]);
    return { index: batch.index, ...totals, conflictSample, findings };
  }

  return {
    /**
     * Creates the run row first (so a planning that fails still leaves its row, which
     * closeUnstartedRun closes with the reason), resolves the chosen devices, checks the GLPI
     * credentials, and cuts the work into batches.
     */
    async planRun(input: PlanRunInput): Promise<RunPlan> {
      // Before anything is written: a run of another database must not get a row here.
      await assertOwnDatabase(db, input.database);
      const run = await upsertRun(db, input.workflowId, input.runId, input.trigger);
      const { batchSize } = input;
      // The references first: a typo fails the run at once, without a round of GLPI requests.
      const ids = input.devices ? await resolveDevices(db, input.devices) : undefined;
      // A partial scope is recorded (the report says it); with GLPI_REQUIRE_FULL_SCOPE ping refuses it.
      const { user, scope } = await glpi.ping();
      if (scope) {
        await setRunScope(db, run.id, scope);
        if (!scope.complete)
          log.warn('GLPI scope is partial', { entities: scope.entities.length, reason: scope.reason });
      }
      let planned: { total: number; batches: BatchDescriptor[] };
      if (ids) {
        const batches: BatchDescriptor[] = [];
        for (let i = 0; i < ids.length; i += batchSize) {
          batches.push({ index: batches.length, deviceIds: ids.slice(i, i + batchSize) });
        }
        planned = { total: ids.length, batches };
      } else {
        planned = await planIdRanges(db, batchSize);
      }
      await setRunTotal(db, run.id, planned.total);
      if (planned.total === 0 && !input.devices)
        log.warn('No active device to check', { warning: EMPTY_INVENTORY_WARNING });
      return { checkRunId: run.id, startedAt: run.startedAt.toISOString(), glpiUser: user ?? 'unknown', ...planned };
    },

    /**
     * Looks up a batch's devices in GLPI and stores their results. Heartbeats after every
     * chunk with the results so far: a retried attempt (worker crash, GLPI outage) goes on
     * from there instead of starting the batch again.
     */
    async checkBatch({
      checkRunId,
      batch,
      database,
      rules: batchRules,
    }: { checkRunId: number; batch: BatchDescriptor; rules?: BatchRules } & OfDatabase &
      LadderInput): Promise<BatchSummary> {
      await assertOwnDatabase(db, database);
      const devices = await loadBatchDevices(db, batch);
      const rules = findingRules(batchRules);
      const nowMs = Date.now();
      // The heartbeat details of the last attempt (onRetryLadder keeps them beating while GLPI answers).
      const state = heartbeatState<BatchProgress>();
      if (state.done !== undefined)
        log.info('Batch resuming', { batch: batch.index, done: state.done, devices: devices.length });
      state.done ??= 0;
      state.rows = [...(state.rows ?? [])];
      const progress = state as BatchProgress;
      if (progress.done < devices.length || !progress.whitespaceDone || !progress.trashDone) {
        await glpi.withSession(async (session) => {
          while (progress.done < devices.length) {
            const chunk = devices.slice(progress.done, progress.done + lookupChunkSize);
            const serials = chunk.filter(hasSerial).map((d) => d.serialNormalized);
            const found =
              serials.length > 0
                ? await session.lookupSerials(serials, { whitespacePass: false })
                : new Map<string, SerialLookup>();
            for (const device of chunk) {
              // serialNormalized is the lookup's key already: normalised once, at import.
              progress.rows.push(toResultRow(device, found.get(device.serialNormalized), rules, nowMs));
            }
            progress.done += chunk.length;
            beat();
          }
          await whitespacePass(session, devices, progress, rules, nowMs);
          beat();
          await trashPass(session, devices, progress, rules, nowMs);
          beat();
        });
      }
      await writeResults(db, checkRunId, progress.rows);
      return summarise(checkRunId, batch);
    },

    /** A batch that exhausted its retries: its devices get `error` with the last failure. */
    async markBatchFailed(
      input: {
        checkRunId: number;
        batch: BatchDescriptor;
        reason: string;
      } & OfDatabase &
        LadderInput,
    ): Promise<BatchSummary> {
      await assertOwnDatabase(db, input.database);
      const devices = await loadBatchDevices(db, input.batch);
      const reason = `GLPI check failed after all retries: ${input.reason}`;
      await writeResults(
        db,
        input.checkRunId,
        devices.map((d) => errorRow(d.id, reason)),
      );
      return summarise(input.checkRunId, input.batch);
    },

    /** Totals from the database (exact whatever happened on the way), the run row closed, the report logged. */
    async finishRun(
      input: { checkRunId: number; outcome?: RunOutcome; reason?: string } & OfDatabase & LadderInput,
    ): Promise<RunReport> {
      await assertOwnDatabase(db, input.database);
      const [totals, findingsByKind] = await Promise.all([
        countResults(db, input.checkRunId),
        countFindingsByKind(db, input.checkRunId),
      ]);
      const findings = totalFindings(findingsByKind);
      const outcome: RunOutcome = input.outcome ?? (totals.errors > 0 ? 'completed_with_errors' : 'completed');
      const run = await closeRun(db, input.checkRunId, outcome, totals, input.reason ?? null);
      const conflictList = await listConflicts(db, input.checkRunId, { limit: REPORT_CONFLICTS + 1 });
      const report: RunReport = {
        checkRunId: run.id,
        status: outcome,
        total: run.total,
        ...totals,
        durationMs: run.durationMs ?? 0,
        startedAt: run.startedAt.toISOString(),
        finishedAt: (run.finishedAt ?? new Date()).toISOString(),
        conflictList: conflictList.slice(0, REPORT_CONFLICTS),
        conflictListTruncated: conflictList.length > REPORT_CONFLICTS,
        findings,
        findingsByKind,
      };
      const scope = parseScope(run.scope);
      const warning = scope && scopeWarning(scope);
      if (warning) report.scopeWarning = warning;
      if (run.trigger !== 'devices' && run.total === 0 && run.status !== 'failed' && run.status !== 'cancelled') {
        report.emptyInventoryWarning = EMPTY_INVENTORY_WARNING;
      }
      logFinalReport(report, input.reason);
      return report;
    },

    /**
     * The failure path of a run that never got to its batches (planning failed or was
     * cancelled): its row ends failed/cancelled with the reason, created if planning never
     * got that far.
     */
    async closeUnstartedRun(
      input: {
        workflowId: string;
        runId: string;
        trigger: RunTrigger;
        outcome: 'failed' | 'cancelled';
        reason: string;
      } & OfDatabase,
    ): Promise<{ checkRunId: number }> {
      await assertOwnDatabase(db, input.database);
      const run = await closeUnstartedRun(db, input);
      log.warn(input.outcome === 'cancelled' ? 'Check cancelled before it started' : 'Check failed before it started', {
        checkRunId: run.id,
        reason: input.reason,
      });
      return { checkRunId: run.id };
    },
  };
}

/** One fixed message per outcome: the values go in fields. */
const CHECK_ENDED: Record<RunOutcome, string> = {
  completed: 'Check completed',
  completed_with_errors: 'Check completed with errors',
  failed: 'Check failed',
  cancelled: 'Check cancelled',
};

function logFinalReport(report: RunReport, reason?: string): void {
  log.info(CHECK_ENDED[report.status], {
    checkRunId: report.checkRunId,
    seconds: Number((report.durationMs / 1000).toFixed(1)),
    checked: report.checked,
    total: report.total,
    found: report.found,
    conflicts: report.conflicts,
    notFound: report.notFound,
    errors: report.errors,
    findings: report.findings ?? 0,
    // Each kind that occurred as its own field: location_mismatch=3 stale=12 …
    ...report.findingsByKind,
    ...(reason ? { reason } : {}),
  });
  if (report.scopeWarning) log.warn('GLPI scope is partial', { scope: report.scopeWarning });
  if (report.emptyInventoryWarning) log.warn('No active device was checked', { warning: report.emptyInventoryWarning });
  for (const c of report.conflictList) {
    log.info('Conflict', { deviceId: c.deviceId, name: c.name ?? undefined, serial: c.serial, glpiIds: c.glpiIds });
  }
  if (report.conflictListTruncated) {
    log.info('More conflicts than listed here', { hint: `npm run report -- --run ${report.checkRunId}` });
  }
}

/** The check's own activities (the notification ones are NotifyActivities, in ./notify: they keep
 * their own retry policy and are not on the ladder). */
export type CheckActivities = ReturnType<typeof createActivities>;

/**
 * The activities as the worker registers them: each one on the retry ladder (own failures wait
 * 300, 1200, 4800 s; a killed worker's attempt is retried at once), overrides included.
 */
export function withRetryLadder<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      onRetryLadder(activity as (input: LadderInput) => Promise<unknown>),
    ]),
  ) as unknown as T;
}
