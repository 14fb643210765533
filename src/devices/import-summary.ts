/**
 * What an import did (or would do), for people and for scripts. Every row of the file
 * appears with its line number, so a skipped or surprising row can be found and fixed.
 */
import { shortened } from '../core/text';
import { delimiterName } from './csv';
import {
  deactivationShare,
  MAX_UNCONFIRMED_DEACTIVATION,
  needsDeactivationConfirmation,
  type FieldChange,
  type ImportOptions,
  type ImportPlan,
} from './import';
import type { Inventory, SkippedRow } from './inventory';

export interface ImportSummary {
  file: string;
  dryRun: boolean;
  deactivateMissing: boolean;
  encoding: string;
  encodingNote: string | null;
  delimiter: string;
  columns: string[];
  ignoredColumns: string[];
  rows: number;
  blankRows: number;
  counts: { created: number; updated: number; unchanged: number; skipped: number; deactivated: number };
  /** Rows of the file without a serial, kept as devices (every check flags them no_serial). */
  withoutSerial: number;
  created: { line: number; serial: string }[];
  updated: { line: number; id: number; serial: string; changes: FieldChange[] }[];
  unchanged: { line: number; id: number; serial: string }[];
  skipped: SkippedRow[];
  deactivated: { id: number; serial: string }[];
  /** Active devices before the import (null without --deactivate-missing). */
  activeBefore: number | null;
  /** More than MAX_UNCONFIRMED_DEACTIVATION of them would be deactivated: a real import needs --yes. */
  deactivationNeedsConfirmation: boolean;
  durationMs: number;
  /** Reading and checking the file, then planning and writing in the database. */
  timings: { fileMs: number; databaseMs: number };
}

export function summariseImport(
  file: string,
  inventory: Inventory,
  plan: ImportPlan,
  options: ImportOptions,
  timings: { fileMs: number; databaseMs: number },
): ImportSummary {
  return {
    file,
    dryRun: options.dryRun,
    deactivateMissing: options.deactivateMissing,
    encoding: inventory.encoding,
    encodingNote: inventory.encodingNote ?? null,
    delimiter: delimiterName(inventory.delimiter),
    columns: inventory.columns,
    ignoredColumns: inventory.ignoredColumns,
    rows: inventory.rows,
    blankRows: inventory.blankRows,
    counts: {
      created: plan.create.length,
      updated: plan.update.length,
      unchanged: plan.unchanged.length,
      skipped: inventory.skipped.length,
      deactivated: plan.deactivate.length,
    },
    withoutSerial: inventory.entries.filter((entry) => entry.serial === '').length,
    created: plan.create.map((entry) => ({ line: entry.line, serial: entry.serial })),
    updated: plan.update.map((u) => ({
      line: u.entry.line,
      id: u.device.id,
      serial: u.entry.serial,
      changes: u.changes,
    })),
    unchanged: plan.unchanged.map((u) => ({ line: u.entry.line, id: u.device.id, serial: u.entry.serial })),
    skipped: inventory.skipped,
    deactivated: plan.deactivate,
    activeBefore: plan.activeBefore,
    deactivationNeedsConfirmation: needsDeactivationConfirmation(plan),
    durationMs: timings.fileMs + timings.databaseMs,
    timings,
  };
}

/** Long lists are cut on a terminal (--json has them all; --verbose shows every skipped row). */
const SHOWN = 20;

function show(value: string | boolean | null): string {
  if (value === null) return '(empty)';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return JSON.stringify(value);
}

function section<T>(
  lines: string[],
  title: string,
  items: T[],
  line: (item: T) => string,
  limit = SHOWN,
  more = '--json lists them all',
): void {
  if (items.length === 0) return;
  lines.push(`${title}:`);
  for (const item of items.slice(0, limit)) lines.push(`  ${line(item)}`);
  if (items.length > limit) lines.push(`  … and ${items.length - limit} more (${more})`);
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** `verbose` lists every skipped row (they are what the operator has to fix in the file). */
export function importSummaryText(summary: ImportSummary, verbose = false): string {
  const verb = summary.dryRun
    ? { create: 'would create', update: 'would update', deactivate: 'would deactivate' }
    : { create: 'created', update: 'updated', deactivate: 'deactivated' };
  const lines = [
    `${summary.file}: ${summary.rows} row(s), encoding ${summary.encoding}, delimiter ${JSON.stringify(summary.delimiter)}, ` +
      `columns ${summary.columns.join(', ')}` +
      (summary.ignoredColumns.length > 0 ? ` (ignored: ${summary.ignoredColumns.join(', ')})` : ''),
  ];
  if (summary.encodingNote) lines.push(`note: ${summary.encodingNote}`);
  section(lines, capitalise(verb.create), summary.created, (c) => `line ${c.line}  ${c.serial}`);
  section(
    lines,
    capitalise(verb.update),
    summary.updated,
    (u) =>
      `line ${u.line}  ${u.serial}  ` + u.changes.map((c) => `${c.field} ${show(c.from)} → ${show(c.to)}`).join(', '),
  );
  section(
    lines,
    'Skipped',
    summary.skipped,
    (s) => `line ${s.line}  ${s.serial ? shortened(s.serial) : '(no serial)'}: ${s.reason}`,
    verbose ? Infinity : SHOWN,
    '--verbose or --json lists them all',
  );
  section(lines, capitalise(verb.deactivate), summary.deactivated, (d) => `device ${d.id}  ${d.serial}`);
  if (summary.deactivationNeedsConfirmation) {
    const share = deactivationShare({ deactivate: summary.deactivated, activeBefore: summary.activeBefore });
    lines.push(
      `warning: ${summary.dryRun ? 'would deactivate' : 'deactivated'} ${share}, more than ` +
        `${MAX_UNCONFIRMED_DEACTIVATION * 100} %` +
        (summary.dryRun ? ': the import without --dry-run refuses this unless given --yes' : ' (confirmed by --yes)'),
    );
  }
  const c = summary.counts;
  lines.push(
    `${summary.dryRun ? 'Dry run, nothing written: ' : ''}${verb.create} ${c.created}, ${verb.update} ${c.updated}, ` +
      `unchanged ${c.unchanged}, skipped ${c.skipped}` +
      (summary.deactivateMissing ? `, ${verb.deactivate} ${c.deactivated}` : '') +
      (summary.withoutSerial > 0
        ? ` (${summary.withoutSerial} rows without a serial, kept and flagged no_serial in every check)`
        : '') +
      ` — ${seconds(summary.durationMs)} (file ${seconds(summary.timings.fileMs)}, ` +
      `database ${seconds(summary.timings.databaseMs)})`,
  );
  return lines.join('\n');
}

function capitalise(text: string): string {
  return text[0].toUpperCase() + text.slice(1);
}
