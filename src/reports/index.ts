/**
 * The report formats, and the one entry point the CLI (or anything else) writes a report through.
 */
import { writeCsv } from './csv';
import { writeHtml } from './html';
import { writeJson } from './json';
import type { Report } from './model';
import type { Sink } from './sink';
import { writeText } from './text';
import { COLUMNS as CSV_COLUMNS, csvLine } from './csv';
import { fleetCsvRows, writeChangesJson, writeChangesText, writeUnknownJson, writeUnknownText } from './fleet';

export const FORMATS = ['text', 'csv', 'json', 'html'] as const;
export type ReportFormat = (typeof FORMATS)[number];

const WRITERS: Record<ReportFormat, (report: Report, out: Sink) => Promise<void>> = {
  text: writeText,
  csv: writeCsv,
  json: writeJson,
  html: writeHtml,
};

export function isReportFormat(value: string): value is ReportFormat {
  return (FORMATS as readonly string[]).includes(value);
}

export function writeReport(format: ReportFormat, report: Report, out: Sink): Promise<void> {
  return WRITERS[format](report, out);
}

/** One part of the fleet view alone (`report --unknown`, `report --changes`). */
export type ReportPart = 'unknown' | 'changes';

export async function writeReportPart(
  part: ReportPart,
  format: ReportFormat,
  report: Report,
  out: Sink,
): Promise<void> {
  const { fleet } = report;
  if (format === 'json') {
    await out.write(`{"run": ${report.run.id}, ${JSON.stringify(part === 'unknown' ? 'unknownCards' : 'changes')}: `);
    await (part === 'unknown' ? writeUnknownJson(fleet, out) : writeChangesJson(fleet, out));
    await out.write('}\n');
    return;
  }
  if (format === 'csv') {
    await out.write(csvLine(CSV_COLUMNS));
    for await (const cells of fleetCsvRows(fleet, { unknown: part === 'unknown', changes: part === 'changes' })) {
      await out.write(csvLine(cells));
    }
    return;
  }
  await out.write(`GLPI device check: run ${report.run.id} (${report.selection})\n`);
  await (part === 'unknown' ? writeUnknownText(fleet, out) : writeChangesText(fleet, out));
}

export { glpiWebBase, GlpiLinkError } from './glpi-links';
export { loadReport, RunNotFoundError } from './query';
export { fileSink, OutputClosedError, OutputError, stdoutSink, type Sink } from './sink';
export type { Report } from './model';
