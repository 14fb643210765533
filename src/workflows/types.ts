/**
 * The messages exchanged between workflows, activities and clients. Plain data only: every
 * value here crosses Temporal's history, so it stays compact (ids and counts, never device
 * rows) and never holds a secret.
 */

import type { RunOutcome, RunTrigger, Totals } from '../core/results';
import type { FindingCounts } from '../core/findings';
import type { ScanCounts } from '../core/scan-counts';
import type { CheckStrategy } from '../config/schema';

/** Tunables a run is started with (defaults come from the worker's configuration). */
export interface CheckOptions {
  batchSize?: number;
  batchConcurrency?: number;
  /** First wait of the retry ladder in seconds; the next ones are ×4 (300 → 1200 → 4800). */
  retryInitialSeconds?: number;
  /** Continue-as-new once the history reaches this many events. */
  historyEventLimit?: number;
  /** Heartbeat timeout of a batch: how soon a crashed worker's batch is noticed. */
  heartbeatTimeoutSeconds?: number;
  /** How a full check asks GLPI (CHECK_STRATEGY); a check of chosen devices always searches. */
  strategy?: CheckStrategy;
  /** List the GLPI cards the inventory lacks (CHECK_REVERSE); full checks only. */
  reverse?: boolean;
  /** CHECK_COMPARE_FIELDS as configured: `location,model`, `none`… */
  compareFields?: string;
  /** CHECK_STALE_DAYS. */
  staleDays?: number;
  /** CHECK_RETIRED_STATES, comma-separated ('' for none). */
  retiredStates?: string;
}

/** The finding rules a batch applies (from the run's options). */
export interface BatchRules {
  compareFields: string;
  staleDays: number;
  retiredStates: string;
}

/** Which database the run belongs to: every activity of the run refuses a worker connected to another one. */
export interface RunDatabase {
  /** The database name of the starting command's DATABASE_URL; absent in input from before it existed. */
  database?: string;
}

/** Set by the client that starts the run, carried through continue-as-new. */
export interface VisibilityInput {
  /**
   * The namespace has the check search attributes (src/workflows/search-attributes.ts): the
   * workflow upserts them. Absent (older runs, namespaces without them): it upserts none.
   */
  searchAttributes?: boolean;
}

export interface CheckAllDevicesInput extends CheckOptions, RunDatabase, VisibilityInput {
  trigger?: Exclude<RunTrigger, 'devices'>;
  /** Set by continue-as-new only. */
  resume?: RunState;
}

export interface CheckDevicesInput extends CheckOptions, RunDatabase, VisibilityInput {
  /** Serials (as written in the inventory, any case) or numeric device ids. */
  devices: string[];
  resume?: RunState;
}

/** A slice of the inventory: an id range of active devices, or explicit ids. */
export interface BatchDescriptor {
  index: number;
  fromId?: number;
  toId?: number;
  deviceIds?: number[];
}

/** One card list a scan reads: an itemtype's live cards, or its trash. */
export interface ScanListRef {
  itemtype: string;
  trashed: boolean;
}

export interface RunPlan {
  checkRunId: number;
  total: number;
  batches: BatchDescriptor[];
  startedAt: string;
  glpiUser: string;
  /** How the devices are classified. */
  strategy?: 'search' | 'scan';
  /** Why (auto's estimate, or forced). */
  strategyReason?: string;
  /** The lists to scan first (scan strategy, or the reverse check); empty: no scan. */
  scanLists?: ScanListRef[];
  /** The column a scan reads the serial from. */
  serialColumn?: string;
  /** The reverse check runs (its scan is in scanLists). */
  reverse?: boolean;
}

/** What the scan of one list did (cards read, requests, and what GLPI did meanwhile). */
export interface ScanListSummary extends ScanListRef, ScanCounts {}

/** The scan phase's outcome, carried in the run's state (small: counts and a few sentences). */
export interface ScanOutcome {
  cards: number;
  requests: number;
  /** null when the reverse check did not run. */
  unknownCards: number | null;
  unknownNoSerial: number | null;
  warnings: string[];
  /** The scan failed after its retries: the run searched instead, without a reverse check. */
  failed?: string;
}

export interface ConflictSummary {
  deviceId: number;
  serial: string;
  name: string | null;
  glpiIds: number[];
}

export interface BatchSummary extends Totals {
  index: number;
  /** The batch's findings per kind (a few numbers). Absent from summaries of older workers. */
  findings?: FindingCounts;
  /** A few of the batch's conflicts, for the live view; the report reads them all from the database. */
  conflictSample: ConflictSummary[];
}

/** Everything a run needs to go on after continue-as-new. */
export interface RunState {
  plan: Omit<RunPlan, 'batches'>;
  remaining: BatchDescriptor[];
  batchesTotal: number;
  batchesDone: number;
  totals: Totals;
  /** Findings per kind so far (absent in states carried by older versions). */
  findings?: FindingCounts;
  recentConflicts: ConflictSummary[];
  continuedAsNew: number;
  /** Set once the scan phase is over (or when none was needed, left out). */
  scan?: ScanOutcome;
}

export interface Progress extends Totals {
  total: number;
  percent: number;
  batchesDone: number;
  batchesTotal: number;
  startedAt: string;
  /** Measured on the workflow's clock, i.e. as of its latest step. */
  elapsedMs: number;
  etaMs: number | null;
  recentConflicts: ConflictSummary[];
  checkRunId: number;
  continuedAsNew: number;
  /** Findings per kind so far, and their sum. */
  findings: FindingCounts;
  findingsTotal: number;
  phase: 'planning' | 'scanning' | 'checking' | 'finishing';
  strategy?: 'search' | 'scan';
  /** GLPI cards no active device has (the reverse check), once the scan is done; null before or without one. */
  unknownCards?: number | null;
  unknownNoSerial?: number | null;
  /** While planning, after a failed attempt: which attempt comes, why the last one failed, and when. */
  planning?: PlanningState;
}

/** A planning that keeps failing (GLPI down, answering HTML…) says so, instead of only "planning". */
export interface PlanningState {
  /** The latest attempt started (1 = the first); after it failed, `nextAttemptAt` says when the next one starts. */
  attempt: number;
  maxAttempts: number;
  lastFailure?: string;
  /** ISO time of the next attempt, while waiting for it. */
  nextAttemptAt?: string;
}

export interface RunReport extends Totals {
  checkRunId: number;
  status: RunOutcome;
  total: number;
  durationMs: number;
  startedAt: string;
  finishedAt: string;
  /** The first conflicts (the full list is in the database and in `npm run report`). */
  conflictList: ConflictSummary[];
  conflictListTruncated: boolean;
  /** Findings of the run, all kinds (listed by `npm run report`). */
  findings?: number;
  /** The same per kind (kinds that occur). */
  findingsByKind?: FindingCounts;
  /** Set when the run's GLPI user did not see every entity: devices outside them can only be not_found. */
  scopeWarning?: string;
  /** Set when a full check found no active device: an empty inventory is almost always a mistake. */
  emptyInventoryWarning?: string;
  strategy?: 'search' | 'scan';
  /** The reverse check: GLPI cards no active device has, and those without a serial; null when it did not run. */
  unknownCards?: number | null;
  unknownNoSerial?: number | null;
  /** Against the previous completed full check; null previousRunId: nothing to compare with. */
  changes?: ChangeTotals;
  /** What the scan noticed (GLPI's total changed meanwhile, rows repeated...). */
  scanWarnings?: string[];
}

/** The changes since the previous completed full check, in a few numbers (the lists are in the database). */
export interface ChangeTotals {
  previousRunId: number | null;
  newConflicts: number;
  resolvedConflicts: number;
  newNotFound: number;
  resolvedNotFound: number;
  newErrors: number;
  resolvedErrors: number;
  newFindings: number;
  resolvedFindings: number;
}
