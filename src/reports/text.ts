/**
 * The plain-text report: for a terminal or an e-mail. Lists are complete (it is a report), in
 * aligned columns; each conflict lists its GLPI assets on lines of their own, with their links.
 */
import { FINDING_KINDS } from '../core/findings';
import {
  CATEGORIES,
  categoryCount,
  type ColumnWidths,
  type ProblemCategory,
  type ProblemRow,
  type Report,
} from './model';
import type { Sink } from './sink';
import { writeFleetText } from './fleet';
import {
  CATEGORY_HINTS,
  CATEGORY_TITLES,
  checkedNote,
  count,
  FINDINGS_HINT,
  FINDINGS_TITLE,
  runDuration,
  scopeLine,
  statusLabel,
  timestamp,
} from './values';

/** Columns stop growing here; a longer value pushes the rest of its own line only. */
const MAX_WIDTH = { serial: 32, name: 32, model: 28, location: 40 };

/** Data comes from the inventory and from GLPI: control characters must not reach a terminal. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

export function clean(value: string | null): string {
  const text = (value ?? '').replace(CONTROL, ' ').trim();
  return text === '' ? '-' : text;
}

function header(report: Report): string {
  const { run, totals } = report;
  const lines = [
    `GLPI device check: report of run ${run.id}`,
    `  selected:     ${report.selection}`,
    `  workflow id:  ${clean(run.workflowId)}`,
    `  trigger:      ${run.trigger}`,
    `  status:       ${statusLabel(run.status)}`,
    `  started:      ${timestamp(run.startedAt, report.timeZone)}`,
    `  finished:     ${run.finishedAt ? timestamp(run.finishedAt, report.timeZone) : 'not yet'}`,
    `  duration:     ${runDuration(run, report.generatedAt)}`,
  ];
  if (run.failureReason) lines.push(`  failure:      ${clean(run.failureReason)}`);
  const note = checkedNote(report);
  const checked = note ? `  (${note})` : '';
  lines.push(
    '',
    'Totals',
    `  devices:      ${count(totals.total)}${checked}`,
    `  found:        ${count(totals.found)}`,
    `  conflicts:    ${count(totals.conflicts)}`,
    `  not found:    ${count(totals.notFound)}`,
    `  errors:       ${count(totals.errors)}`,
    `  findings:     ${count(totals.findings)}${totals.findings > 0 ? ' (listed below)' : ''}`,
    ...FINDING_KINDS.filter((kind) => totals.findingsByKind[kind]).map(
      (kind) => `    ${kind.padEnd(18)}${count(totals.findingsByKind[kind]!)}`,
    ),
  );
  const scope = scopeLine(run);
  if (scope) lines.push('', 'GLPI scope', `  ${scope.warning ? 'WARNING: ' : ''}${clean(scope.text)}`);
  if (!report.linked) lines.push('', 'GLPI ids are not linked: set GLPI_URL or GLPI_WEB_URL to get links.');
  return lines.join('\n') + '\n';
}

interface Column {
  title: string;
  width: number;
  value(row: ProblemRow): string;
}

function columnsFor(category: ProblemCategory, widths: ColumnWidths): Column[] {
  const fit = (title: string, key: keyof ColumnWidths) => Math.max(title.length, Math.min(widths[key], MAX_WIDTH[key]));
  const columns: Column[] = [
    { title: 'SERIAL', width: fit('SERIAL', 'serial'), value: (r) => clean(r.serial) },
    { title: 'NAME', width: fit('NAME', 'name'), value: (r) => clean(r.name) },
    { title: 'MODEL', width: fit('MODEL', 'model'), value: (r) => clean(r.model) },
    { title: 'LOCATION', width: fit('LOCATION', 'location'), value: (r) => clean(r.location) },
  ];
  if (category === 'error') columns.push({ title: 'ERROR', width: 0, value: (r) => clean(r.error) });
  return columns;
}

function line(columns: Column[], cellOf: (column: Column) => string): string {
  const last = columns.length - 1;
  const cells = columns.map((column, i) => (i === last ? cellOf(column) : cellOf(column).padEnd(column.width)));
  return `  ${cells.join('  ')}\n`;
}

/** A conflict's GLPI assets under it, aligned within the conflict. */
function glpiLines(row: ProblemRow): string {
  const cells = row.glpi.map((ref) => [
    `${clean(ref.itemtype)} #${ref.id}`,
    clean(ref.name),
    clean(ref.statusName),
    ref.url ?? '',
  ]);
  const widths = [0, 1, 2].map((i) => Math.max(...cells.map((c) => c[i].length)));
  return cells
    .map((c) => `      ${c.map((value, i) => (i < 3 ? value.padEnd(widths[i]) : value)).join('  ')}`.trimEnd() + '\n')
    .join('');
}

async function section(report: Report, category: ProblemCategory, out: Sink): Promise<void> {
  const total = categoryCount(report.totals, category);
  await out.write(`\n${CATEGORY_TITLES[category]}: ${count(total)} (${CATEGORY_HINTS[category]})\n`);
  if (total === 0) return;
  const columns = columnsFor(category, await report.columnWidths(category));
  await out.write(line(columns, (column) => column.title));
  for await (const row of report.rows(category)) {
    await out.write(line(columns, (column) => column.value(row)));
    if (category === 'conflict') await out.write(glpiLines(row));
  }
}

/** One line per finding: the device, its result, the sentence with the card to fix, the card's link. */
async function findingsSection(report: Report, out: Sink): Promise<void> {
  const total = report.totals.findings;
  await out.write(`\n${FINDINGS_TITLE}: ${count(total)} (${FINDINGS_HINT})\n`);
  if (total === 0) return;
  // Findings are few: a fixed serial column (a longer serial pushes its own line only).
  const serialWidth = 20;
  await out.write(`  ${'SERIAL'.padEnd(serialWidth)}  ${'STATUS'.padEnd(9)}  ${'KIND'.padEnd(17)}  FINDING\n`);
  for await (const row of report.findings()) {
    const link = row.url ? `  ${row.url}` : '';
    const serial = row.serial === '' ? `(${row.name ?? 'no serial'})` : row.serial;
    await out.write(
      `  ${clean(serial).padEnd(serialWidth)}  ${row.status.padEnd(9)}  ${row.finding.kind.padEnd(17)}  ${clean(row.message)}${link}\n`,
    );
  }
}

export async function writeText(report: Report, out: Sink): Promise<void> {
  await out.write(header(report));
  for (const category of CATEGORIES) await section(report, category, out);
  await findingsSection(report, out);
  await writeFleetText(report.fleet, out);
}
