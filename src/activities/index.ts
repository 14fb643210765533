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
  setRunStrategy,
  setRunTotal,
  upsertRun,
  writeEncodedResults,
  writeResults,
  type ResultRow,
} from '../db/runs';
import { loadBatchDevices, planIdRanges, resolveDevices, type BatchDevice } from '../db/devices';
import { assertOwnDatabase } from '../db/identity';
import type { RunOutcome, RunTrigger } from '../core/results';
import { classifyDevice, DEFAULT_RULES, parseCompareFields, parseStateList } from '../core/classify';
import type { Classification, DeviceFacts, FindingRules } from '../core/classify';
import { totalFindings } from '../core/findings';
import { isNoSerialKey } from '../core/serial';
import type {
  BatchDescriptor,
  BatchRules,
  BatchSummary,
  ChangeTotals,
  RunPlan,
  RunReport,
  ScanListRef,
  ScanListSummary,
  ScanOutcome,
} from '../workflows/types';
import { GlpiConfigError } from '../glpi/errors';
import { newCursor, type ScanCursor } from '../glpi/scan';
import {
  analyseScanCards,
  devicesWithCards,
  dropScanCardsAfter,
  insertScanCards,
  pruneScanCards,
  type DeviceWithCards,
} from '../db/scan';
import { countUnknownCards } from '../db/unknown-cards';
import { changeSummary } from '../db/changes';
import { chooseStrategy } from '../core/strategy';
import { selectCandidates } from '../core/scan-match';
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
  /** Full checks only (a check of chosen devices always searches, without a reverse check). */
  strategy?: 'auto' | 'search' | 'scan';
  reverse?: boolean;
}

/** What a full check of an empty inventory says, in the log, the report and the commands. */
export const EMPTY_INVENTORY_WARNING =
  'the inventory has no active device: nothing was checked (an empty inventory is almost always a mistake: ' +
  'import it with npm run devices -- import <file.csv>)';

/** Devices per classification activity of the scan strategy (database work only, no GLPI). */
export const SCAN_BATCH_SIZE = 5000;
/** Devices a classification holds in memory at once (with their cards and results). */
const CLASSIFY_CHUNK_SIZE = 500;
/** Runs whose scanned cards are kept (the unknown-card lists of older reports are gone). */
const KEEP_SCANS = 3;

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

function deviceFacts(device: Pick<BatchDevice, 'serialNormalized' | 'name' | 'model' | 'location'>): DeviceFacts {
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
  return resultRow(device.id, classifyDevice(facts, live, trashed, rules, nowMs));
}

/** The stored result of one classified device (either strategy). */
function resultRow(deviceId: number, result: Classification<GlpiItem>): ResultRow {
  return {
    deviceId,
    status: result.status,
    glpiIds: result.items.map((item) => item.id),
    glpiItems: result.items,
    statusName: result.items.length === 1 ? result.items[0].statusName : null,
    errorMessage: null,
    findings: result.findings,
  };
}

/** The scan strategy's result of one device, from the scanned cards of its serial. */
function classifyScanned(device: DeviceWithCards, rules: FindingRules, nowMs: number): ResultRow {
  const facts = deviceFacts(device);
  // A device without a serial ('no-serial:' key) has no card to match: classifyDevice says no_serial.
  const { live, trashed } =
    facts.serialNormalized === null
      ? { live: [], trashed: [] }
      : selectCandidates(facts.serialNormalized, device.cards);
  return resultRow(
    device.id,
    classifyDevice(
      facts,
      live,
      trashed.map((candidate) => candidate.card),
      rules,
      nowMs,
    ),
  );
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
        await setRunTotal(db, run.id, planned.total);
        await setRunStrategy(db, run.id, 'search');
        return {
          checkRunId: run.id,
          startedAt: run.startedAt.toISOString(),
          glpiUser: user ?? 'unknown',
          ...planned,
          strategy: 'search',
        };
      }
      const support = glpi.scanSupport();
      const reverseWanted = input.reverse !== false;
      const devices = (await planIdRanges(db, batchSize)).total;
      // One cheap request per itemtype: GLPI's count of live cards, for auto's estimate.
      const cards =
        (input.strategy ?? 'auto') === 'auto' && !reverseWanted && support.serialColumn !== null
          ? await glpi.withSession(async (session) => {
              let sum = 0;
              for (const itemtype of support.itemtypes) sum += await session.countCards(itemtype);
              return sum;
            })
          : 0;
      const choice = chooseStrategy({
        requested: input.strategy ?? 'auto',
        reverse: reverseWanted,
        devices,
        cards,
        itemtypes: support.itemtypes.length,
        batchSize,
        scanUnsupported:
          support.serialColumn === null ? (support.reason ?? 'the scan cannot read the serial field') : null,
      });
      if (choice.strategy === 'scan' && support.serialColumn === null) {
        throw new GlpiConfigError('SCAN_UNSUPPORTED', `CHECK_STRATEGY=scan cannot be used: ${support.reason}`);
      }
      const reverse = reverseWanted && support.serialColumn !== null;
      if (reverseWanted && !reverse) log.warn('Reverse check skipped', { reason: support.reason });
      planned = await planIdRanges(db, choice.strategy === 'scan' ? SCAN_BATCH_SIZE : batchSize);
      const scanLists: ScanListRef[] =
        choice.strategy === 'scan' || reverse
          ? support.itemtypes.flatMap((itemtype) => [
              { itemtype, trashed: false },
              // The trash is read where a finding needs it: a scan that classifies.
              ...(choice.strategy === 'scan' ? [{ itemtype, trashed: true }] : []),
            ])
          : [];
      await setRunTotal(db, run.id, planned.total);
      if (planned.total === 0 && !input.devices)
        log.warn('No active device to check', { warning: EMPTY_INVENTORY_WARNING });
      await setRunStrategy(db, run.id, choice.strategy);
      log.info('Strategy chosen', { strategy: choice.strategy, reason: choice.reason, reverse });
      return {
        checkRunId: run.id,
        startedAt: run.startedAt.toISOString(),
        glpiUser: user ?? 'unknown',
        ...planned,
        strategy: choice.strategy,
        strategyReason: choice.reason,
        scanLists,
        ...(support.serialColumn ? { serialColumn: support.serialColumn } : {}),
        reverse,
      };
    },

    /**
     * Reads one card list of GLPI into scan_cards, page by page (src/glpi/scan.ts). The cursor is
     * heartbeated after every stored page: a retried attempt reads on from there.
     */
    async scanCards(
      input: { checkRunId: number; list: ScanListRef; serialColumn: string } & LadderInput,
    ): Promise<ScanListSummary> {
      // The heartbeat details of the last attempt; the cursor in them is where this one reads on.
      const state = heartbeatState<{ scan: ScanCursor }>();
      const resuming = state.scan !== undefined;
      // The same object is read by every beat (onRetryLadder beats while GLPI answers).
      const cursor: ScanCursor = (state.scan = state.scan ? { ...state.scan } : newCursor());
      if (!cursor.done) {
        // What an earlier attempt stored past the cursor is read and stored again from it.
        const dropped = await dropScanCardsAfter(db, input.checkRunId, input.list, cursor.lastId);
        if (resuming || dropped > 0)
          log.info('Scan resuming', {
            itemtype: input.list.itemtype,
            trashed: input.list.trashed,
            offset: cursor.offset,
            lastId: cursor.lastId,
            dropped,
          });
        await glpi.withSession((session) =>
          session.scanList(
            {
              itemtype: input.list.itemtype,
              trashed: input.list.trashed,
              serialColumn: input.serialColumn,
              onCards: (cards) => insertScanCards(db, input.checkRunId, cards),
              onAdvance: beat,
            },
            cursor,
          ),
        );
        beat();
      }
      const { offset: _offset, lastId: _lastId, done: _done, ...counts } = cursor;
      return { ...input.list, ...counts };
    },

    /** Closes the scan phase: records what it read and noticed, and counts the reverse check. */
    async finishScan(input: {
      checkRunId: number;
      lists: ScanListSummary[];
      reverse: boolean;
      failed?: string;
    }): Promise<ScanOutcome> {
      const warnings = scanWarnings(input.lists);
      // Fresh statistics first: the classification joins and the reverse count plan from them.
      await analyseScanCards(db);
      const unknown = input.reverse && !input.failed ? await countUnknownCards(db, input.checkRunId) : null;
      const outcome: ScanOutcome = {
        cards: input.lists.reduce((sum, list) => sum + list.cards, 0),
        requests: input.lists.reduce((sum, list) => sum + list.requests, 0),
        unknownCards: unknown ? unknown.withSerial : input.reverse && !input.failed ? 0 : null,
        unknownNoSerial: unknown ? unknown.withoutSerial : input.reverse && !input.failed ? 0 : null,
        warnings,
        ...(input.failed ? { failed: input.failed } : {}),
      };
      // Plain data: counts and sentences.
      const scan: object = { lists: input.lists, warnings, ...(input.failed ? { failed: input.failed } : {}) };
      await db.checkRun.update({
        where: { id: input.checkRunId },
        data: {
          scan,
          unknownCards: outcome.unknownCards,
          unknownNoSerial: outcome.unknownNoSerial,
        },
      });
      // After the update: the runs kept are those that scanned, this one included.
      await pruneScanCards(db, KEEP_SCANS);
      for (const warning of warnings) log.warn('Scan warning', { warning });
      return outcome;
    },

    /** A scan that failed after its retries: the run searches instead (batches of the search size). */
    async replanForSearch(input: { checkRunId: number; batchSize: number }): Promise<BatchDescriptor[]> {
      await setRunStrategy(db, input.checkRunId, 'search');
      return (await planIdRanges(db, input.batchSize)).batches;
    },

    /**
     * The scan strategy's classification of a batch: one join gives each device the scanned cards
     * of its normalised serial; the cards the searches would match (core/scan-match.ts) go through
     * the one classification (core/classify.ts). Database work only.
     */
    async classifyBatch({
      checkRunId,
      batch,
      database,
      rules: batchRules,
    }: { checkRunId: number; batch: BatchDescriptor; rules?: BatchRules } & OfDatabase &
      LadderInput): Promise<BatchSummary> {
      await assertOwnDatabase(db, database);
      const rules = findingRules(batchRules);
      const nowMs = Date.now();
      // Chunk by chunk, each written as it is classified: a retried attempt writes the same rows
      // again, which writeResults leaves as the first attempt wrote them. Each device is
      // classified as its row arrives and only its result's JSON is kept (src/db/scan.ts).
      const classify = (device: DeviceWithCards) => JSON.stringify(classifyScanned(device, rules, nowMs));
      for await (const encoded of devicesWithCards(db, checkRunId, batch, CLASSIFY_CHUNK_SIZE, classify)) {
        await writeEncodedResults(db, checkRunId, encoded);
        beat();
      }
      return summarise(checkRunId, batch);
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
      const findingsByKind = await countFindingsByKind(db, input.checkRunId);
      const findings = totalFindings(findingsByKind);
      const fullCheck = await db.checkRun.findUniqueOrThrow({
        where: { id: input.checkRunId },
        select: { trigger: true, strategy: true, unknownCards: true, unknownNoSerial: true, scan: true },
      });
      const { run, totals, outcome } = await closeRun(
        db,
        input.checkRunId,
        (counted) => input.outcome ?? (counted.errors > 0 ? 'completed_with_errors' : 'completed'),
        input.reason ?? null,
      );
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
      if (fullCheck.strategy === 'search' || fullCheck.strategy === 'scan') report.strategy = fullCheck.strategy;
      if (fullCheck.trigger !== 'devices') {
        report.unknownCards = fullCheck.unknownCards;
        report.unknownNoSerial = fullCheck.unknownNoSerial;
        const scanInfo = fullCheck.scan as { warnings?: string[] } | null;
        if (scanInfo?.warnings && scanInfo.warnings.length > 0) report.scanWarnings = scanInfo.warnings;
        report.changes = changeTotals(await changeSummary(db, input.checkRunId));
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

/** The sentences a scan's counters call for (empty when GLPI held still). */
function scanWarnings(lists: readonly ScanListSummary[]): string[] {
  const warnings: string[] = [];
  for (const list of lists) {
    const name = `${list.itemtype}${list.trashed ? ' (trash)' : ''}`;
    if (list.firstTotal !== null && list.lastTotal !== null && list.firstTotal !== list.lastTotal) {
      warnings.push(
        `GLPI's ${name} total changed during the scan (${list.firstTotal} → ${list.lastTotal}): cards added or deleted meanwhile are as GLPI had them when their page was read`,
      );
    }
    if (list.backups > 0) {
      warnings.push(
        `${name}: rows vanished ahead of the scan ${list.backups} time(s); it backed up and re-read, nothing skipped`,
      );
    }
    if (list.duplicates > 0) warnings.push(`${name}: ${list.duplicates} row(s) GLPI returned twice were counted once`);
    if (list.shortPages > 0) {
      warnings.push(
        `${name}: ${list.shortPages} page(s) had fewer rows than their Content-Range; the scan read on from the last row received`,
      );
    }
    if (list.lastTotal !== null && list.read !== list.lastTotal && list.firstTotal === list.lastTotal) {
      warnings.push(`${name}: ${list.read} cards read where GLPI counts ${list.lastTotal}`);
    }
  }
  return warnings;
}

function changeTotals(summary: Awaited<ReturnType<typeof changeSummary>>): ChangeTotals {
  const sum = (key: 'new' | 'resolved') =>
    Object.values(summary.byFinding).reduce((total, counts) => total + counts[key], 0);
  return {
    previousRunId: summary.previousRunId,
    newConflicts: summary.byStatus.conflict.new,
    resolvedConflicts: summary.byStatus.conflict.resolved,
    newNotFound: summary.byStatus.not_found.new,
    resolvedNotFound: summary.byStatus.not_found.resolved,
    newErrors: summary.byStatus.error.new,
    resolvedErrors: summary.byStatus.error.resolved,
    newFindings: sum('new'),
    resolvedFindings: sum('resolved'),
  };
}

function logFinalReport(report: RunReport, reason?: string): void {
  const changes = report.changes;
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
    ...(report.strategy ? { strategy: report.strategy } : {}),
    ...(report.unknownCards !== undefined ? { unknownCards: report.unknownCards ?? 'not checked' } : {}),
    ...(report.unknownNoSerial !== undefined && report.unknownNoSerial !== null
      ? { unknownNoSerial: report.unknownNoSerial }
      : {}),
    ...(changes
      ? changes.previousRunId === null
        ? { changes: 'nothing to compare with (first full check)' }
        : {
            comparedWith: changes.previousRunId,
            newConflicts: changes.newConflicts,
            resolvedConflicts: changes.resolvedConflicts,
            newNotFound: changes.newNotFound,
            resolvedNotFound: changes.resolvedNotFound,
            newFindings: changes.newFindings,
            resolvedFindings: changes.resolvedFindings,
          }
      : {}),
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
