/**
 * npm run report — the report of a check run (totals, conflicts, devices not found, errors) as
 * text, CSV, JSON or a self-contained HTML page.
 */
import { resolve } from 'node:path';
import { loadConfig, readSetting } from '../config';
import type { Db } from '../db/client';
import {
  FORMATS,
  GlpiLinkError,
  OutputClosedError,
  OutputError,
  RunNotFoundError,
  fileSink,
  glpiWebBase,
  isReportFormat,
  loadReport,
  stdoutSink,
  writeReport,
  type ReportFormat,
} from '../reports';
import { withDatabase } from './database';
import { CommandError, EXIT, parseArguments, rejectExtraArguments, runCli, UsageError } from './run';

const USAGE = `Usage: npm run report -- [options]

Writes the report of a check run: its totals, then every conflict (with links to the GLPI
assets), every device not found in GLPI, and every error with its reason.

Options:
  --run <id>          a check run id, or a Temporal workflow id (its latest run)
                      default: the latest finished run (the latest run if none has finished)
  --format <format>   text (default), csv, json or html
                      without --format, an --output ending in .csv, .json or .html picks it
  --output <file>     write to this file (complete or not at all) instead of stdout
  --help              this text

GLPI ids link to GLPI's form pages: GLPI_WEB_URL, or GLPI_URL without /apirest.php.
Times are shown in CHECK_TIMEZONE (default: this machine's time zone).

Exit codes: 0 written, 1 no such run or the file cannot be written, 2 bad arguments,
3 database unreachable, 4 a setting is wrong.`;

interface Options {
  run?: string;
  format: ReportFormat;
  output?: string;
}

const EXTENSION_FORMATS: Record<string, ReportFormat> = { csv: 'csv', json: 'json', html: 'html', htm: 'html' };

function parse(args: string[]): Options {
  const { values, positionals } = parseArguments({
    args,
    options: { run: { type: 'string' }, format: { type: 'string' }, output: { type: 'string' } },
    allowPositionals: true,
  });
  rejectExtraArguments(positionals);
  if (values.run !== undefined && values.run.trim() === '') throw new UsageError('--run needs a run id or workflow id');
  if (values.output !== undefined && values.output.trim() === '') throw new UsageError('--output needs a file name');
  const extension = values.output?.split('.').pop()?.toLowerCase() ?? '';
  const format = values.format?.trim().toLowerCase() ?? EXTENSION_FORMATS[extension] ?? 'text';
  if (!isReportFormat(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(values.format)}`);
  return { run: values.run?.trim(), format, output: values.output };
}

/** Links are a convenience: a GLPI URL that does not parse costs the links, not the report. */
function glpiBaseOrNull(): string | null {
  try {
    return glpiWebBase();
  } catch (error) {
    if (!(error instanceof GlpiLinkError)) throw error;
    console.error(`warning: ${error.message}: GLPI ids are not linked`);
    return null;
  }
}

function defaultItemtype(): string | undefined {
  return readSetting('GLPI_ITEMTYPES').split(',')[0];
}

async function write(db: Db, options: Options, timeZone: string): Promise<number> {
  const { report, warning } = await loadReport(db, {
    reference: options.run,
    links: { glpiBase: glpiBaseOrNull(), defaultItemtype: defaultItemtype() },
    timeZone,
  }).catch((error: unknown) => {
    if (error instanceof RunNotFoundError) throw new CommandError(error.message, EXIT.failed);
    throw error;
  });
  if (warning) console.error(`note: ${warning}`);

  const sink = options.output ? fileSink(options.output) : stdoutSink();
  try {
    await writeReport(options.format, report, sink);
    await sink.close();
  } catch (error) {
    await sink.abort();
    if (error instanceof OutputClosedError) return EXIT.ok;
    if (error instanceof OutputError) throw new CommandError(error.message, EXIT.failed);
    throw error;
  }
  if (options.output) {
    console.log(`Wrote the ${options.format} report of run ${report.run.id} to ${resolve(options.output)}`);
  }
  return EXIT.ok;
}

runCli(USAGE, async (args) => {
  const options = parse(args);
  const config = loadConfig();
  return withDatabase(config.databaseUrl, (db) => write(db, options, config.schedule.timezone));
});
