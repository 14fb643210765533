/**
 * The CSV report (RFC 4180): one row per problem device, conflicts first, then not found, then
 * errors, then one row per data-quality finding (status `finding`, the card in glpi_ids and
 * glpi_links). Columns: status, device_id, serial, name, model, location, glpi_ids (";"-separated),
 * glpi_links (space-separated), error, finding (the sentence, with the values compared), finding_kind
 * (location_mismatch, stale, … see core/findings.ts; empty on the other rows). A no_serial finding has no card.
 */
import { CATEGORIES, type FindingRow, type ProblemRow, type Report } from './model';
import { fleetCsvRows } from './fleet';
import type { Sink } from './sink';

export const COLUMNS = [
  'status',
  'device_id',
  'serial',
  'name',
  'model',
  'location',
  'glpi_ids',
  'glpi_links',
  'error',
  'finding',
  'finding_kind',
];

/**
 * A spreadsheet runs a cell starting with = + - @ (or tab / carriage return, which some strip
 * first) as a formula: a serial such as `=HYPERLINK(...)` must stay text. The `'` shows, and says why.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: (string | number | null)[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

function rowCells(row: ProblemRow): (string | number | null)[] {
  const links = row.glpi.map((ref) => ref.url).filter((url): url is string => url !== null);
  return [
    row.category,
    row.deviceId,
    row.serial,
    row.name,
    row.model,
    row.location,
    row.glpi.map((ref) => ref.id).join(';'),
    links.join(' '),
    row.error,
    null,
    null,
  ];
}

function findingCells(row: FindingRow): (string | number | null)[] {
  const { finding } = row;
  return [
    'finding',
    row.deviceId,
    row.serial,
    row.name,
    row.model,
    row.location,
    row.card?.glpiId ?? null,
    row.url,
    null,
    row.message,
    finding.kind,
  ];
}

export async function writeCsv(report: Report, out: Sink): Promise<void> {
  await out.write(csvLine(COLUMNS));
  for (const category of CATEGORIES) {
    for await (const row of report.rows(category)) await out.write(csvLine(rowCells(row)));
  }
  for await (const row of report.findings()) await out.write(csvLine(findingCells(row)));
  for await (const cells of fleetCsvRows(report.fleet)) await out.write(csvLine(cells));
}
