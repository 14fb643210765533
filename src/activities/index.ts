/**
 * The activities of a check run, built by a factory from their dependencies so that tests
 * (and the benchmarks) can hand in another database or GLPI.
 */
import { activityInfo, heartbeat, log } from '@temporalio/activity';
import type { Db } from '../db/client';
import {
  closeRun,
  closeUnstartedRun,
  countFindings,
  countResults,
  listConflicts,
  setRunScope,
  setRunTotal,
  upsertRun,
  writeResults,
  type ResultRow,
} from '../db/runs';
import { loadBatchDevices, planIdRanges, resolveDevices } from '../db/devices';
import { assertOwnDatabase } from '../db/identity';
import type { RunOutcome, RunTrigger } from '../core/results';
import type { BatchDescriptor, BatchSummary, RunPlan, RunReport } from '../workflows/types';
import { parseScope, scopeWarning } from '../glpi/scope';
import type { GlpiLookupSession, GlpiPort, SerialLookup } from './glpi-port';

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

export interface PlanRunInput extends OfDatabase {
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
}

const CONFLICT_SAMPLE = 5;
const REPORT_CONFLICTS = 100;

function toResultRow(deviceId: number, lookup: SerialLookup | undefined): ResultRow {
  if (!lookup) {
    // The client answers for every serial it was given; a missing answer is a bug, and
    // must show as an error rather than as "not found".
    return {
      deviceId,
      status: 'error',
      glpiIds: [],
      glpiItems: [],
      statusName: null,
      errorMessage: 'no answer for this serial',
      findings: [],
    };
  }
  return {
    deviceId,
    status: lookup.status,
    glpiIds: lookup.items.map((item) => item.id),
    glpiItems: lookup.items,
    statusName: lookup.items.length === 1 ? lookup.items[0].statusName : null,
    errorMessage: lookup.error ?? null,
    findings: lookup.findings ?? [],
  };
}

/**
 * One white-space pass for the whole batch (not one per chunk): GLPI cards whose serial is stored
 * with stray white space, for the devices the exact lookups did not find. About one request per batch.
 */
async function whitespacePass(
  session: GlpiLookupSession,
  devices: readonly { id: number; serialNormalized: string }[],
  progress: BatchProgress,
): Promise<void> {
  if (progress.whitespaceDone) return;
  const serialOf = new Map(devices.map((d) => [d.id, d.serialNormalized]));
  const unmatched = progress.rows.filter((row) => row.status === 'not_found');
  if (unmatched.length > 0) {
    const found = await session.whitespacePass(unmatched.map((row) => serialOf.get(row.deviceId)!));
    progress.rows = progress.rows.map((row) => {
      if (row.status !== 'not_found') return row;
      const lookup = found.get(serialOf.get(row.deviceId)!);
      // A failed pass leaves the device `error`: it may well be in GLPI.
      return lookup && lookup.status !== 'not_found' ? toResultRow(row.deviceId, lookup) : row;
    });
  }
  progress.whitespaceDone = true;
}

export function createActivities({ db, glpi, lookupChunkSize = 100 }: ActivityDeps) {
  async function summarise(checkRunId: number, batch: BatchDescriptor): Promise<BatchSummary> {
    const [totals, conflictSample] = await Promise.all([
      countResults(db, checkRunId, batch),
      listConflicts(db, checkRunId, { batch, limit: CONFLICT_SAMPLE }),
    ]);
    return { index: batch.index, ...totals, conflictSample };
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
    }: { checkRunId: number; batch: BatchDescriptor } & OfDatabase): Promise<BatchSummary> {
      await assertOwnDatabase(db, database);
      const devices = await loadBatchDevices(db, batch);
      const resumed = activityInfo().heartbeatDetails as BatchProgress | undefined;
      const progress: BatchProgress = resumed ? { done: resumed.done, rows: [...resumed.rows] } : { done: 0, rows: [] };
      if (resumed) log.info('Batch resuming', { batch: batch.index, done: resumed.done, devices: devices.length });
      // Keep the heartbeat going while a slow GLPI answers a chunk.
      const keepAlive = setInterval(() => heartbeat(progress), 5_000);
      try {
        if (progress.done < devices.length || !progress.whitespaceDone) {
          await glpi.withSession(async (session) => {
            while (progress.done < devices.length) {
              const chunk = devices.slice(progress.done, progress.done + lookupChunkSize);
              const found = await session.lookupSerials(
                chunk.map((d) => d.serialNormalized),
                { whitespacePass: false },
              );
              for (const device of chunk) {
                // serialNormalized is the lookup's key already: normalised once, at import.
                progress.rows.push(toResultRow(device.id, found.get(device.serialNormalized)));
              }
              progress.done += chunk.length;
              heartbeat(progress);
            }
            await whitespacePass(session, devices, progress);
            heartbeat(progress);
          });
        }
      } finally {
        clearInterval(keepAlive);
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
      } & OfDatabase,
    ): Promise<BatchSummary> {
      await assertOwnDatabase(db, input.database);
      const devices = await loadBatchDevices(db, input.batch);
      const reason = `GLPI check failed after all retries: ${input.reason}`;
      await writeResults(
        db,
        input.checkRunId,
        devices.map((d) => ({
          deviceId: d.id,
          status: 'error',
          glpiIds: [],
          glpiItems: [],
          statusName: null,
          errorMessage: reason,
          findings: [],
        })),
      );
      return summarise(input.checkRunId, input.batch);
    },

    /** Totals from the database (exact whatever happened on the way), the run row closed, the report logged. */
    async finishRun(
      input: { checkRunId: number; outcome?: RunOutcome; reason?: string } & OfDatabase,
    ): Promise<RunReport> {
      await assertOwnDatabase(db, input.database);
      const [totals, findings] = await Promise.all([
        countResults(db, input.checkRunId),
        countFindings(db, input.checkRunId),
      ]);
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

export type CheckActivities = ReturnType<typeof createActivities>;
