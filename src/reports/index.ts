/**
 * The report formats, and the one entry point the CLI (or anything else) writes a report through.
 */
import { writeCsv } from './csv';
import { writeHtml } from './html';
import { writeJson } from './json';
import type { Report } from './model';
import type { Sink } from './sink';
import { writeText } from './text';

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

export { glpiWebBase, GlpiLinkError } from './glpi-links';
export { loadReport, RunNotFoundError } from './query';
export { fileSink, OutputClosedError, OutputError, stdoutSink, type Sink } from './sink';
export type { Report } from './model';
