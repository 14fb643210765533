/**
 * What every report format is written from: the run, its totals, and the problem devices of
 * each category as async streams (a run may hold 100,000 results; none is held in memory whole).
 */
import type { GlpiScope } from '../glpi/scope';
import type { FleetView } from './fleet';
import type { Finding, FindingCounts } from '../core/findings';
import type { GlpiItem } from '../glpi/types';
import type { ResultStatus, RunStatus, RunTrigger } from '../core/results';

export type ProblemCategory = Exclude<ResultStatus, 'found'>;

/** The order of the sections in every format. */
export const CATEGORIES: readonly ProblemCategory[] = ['conflict', 'not_found', 'error'];

export interface ReportRun {
  id: number;
  workflowId: string;
  runId: string;
  trigger: RunTrigger;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  failureReason: string | null;
  /** The GLPI entities the run's user saw; null for runs recorded before scopes were. */
  scope: GlpiScope | null;
}

export interface ReportTotals {
  /** Devices the run planned to check. */
  total: number;
  /** Devices with a result so far (equals total once a run completed). */
  checked: number;
  found: number;
  conflicts: number;
  notFound: number;
  errors: number;
  /** Findings (a device may have several, whatever its status). */
  findings: number;
  /** The same per kind (kinds that occur only). */
  findingsByKind: FindingCounts;
}

/** One GLPI asset carrying the device's serial. */
export interface GlpiRef extends GlpiItem {
  /** Its GLPI form page, or null when the GLPI web address is unknown. */
  url: string | null;
}

export interface ProblemRow {
  category: ProblemCategory;
  deviceId: number;
  serial: string;
  name: string | null;
  model: string | null;
  location: string | null;
  /** Conflicts: every GLPI asset with the serial. Empty otherwise. */
  glpi: GlpiRef[];
  /** Errors: why the lookup failed. */
  error: string | null;
}

/** One data-quality finding: the device, the card, what is wrong with it and where to fix it. */
export interface FindingRow {
  deviceId: number;
  serial: string;
  name: string | null;
  model: string | null;
  location: string | null;
  /** The device's result. */
  status: ResultStatus;
  finding: Finding;
  /** The sentence every format shows (describeFinding): the values compared and the fix. */
  message: string;
  /** The GLPI card it is about; null for a device without a serial (no card to link). */
  card: { itemtype: string; glpiId: number } | null;
  /** The card's GLPI form page, or null when the GLPI web address is unknown. */
  url: string | null;
}

/** The longest value of each text column of a category, so plain text can align it without buffering. */
export interface ColumnWidths {
  serial: number;
  name: number;
  model: number;
  location: number;
}

export interface Report {
  run: ReportRun;
  totals: ReportTotals;
  /** How the run was chosen, said in the report ("latest finished run", "--run 12"). */
  selection: string;
  generatedAt: Date;
  /** IANA zone the text and HTML formats show times in. */
  timeZone: string;
  /** Whether GLPI ids can be links (a GLPI web address is configured). */
  linked: boolean;
  rows(category: ProblemCategory): AsyncIterable<ProblemRow>;
  findings(): AsyncIterable<FindingRow>;
  columnWidths(category: ProblemCategory): Promise<ColumnWidths>;
  /** Strategy, reverse check and changes (src/reports/fleet.ts). */
  fleet: FleetView;
}

export function categoryCount(totals: ReportTotals, category: ProblemCategory): number {
  if (category === 'conflict') return totals.conflicts;
  if (category === 'not_found') return totals.notFound;
  return totals.errors;
}
