/**
 * npm run report — the report of a check run (totals, conflicts, devices not found, errors) as
 * text, CSV, JSON or a self-contained HTML page.
 */
import { basename, resolve } from 'node:path';
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
  type ReportPart,
  writeReportPart,
} from '../reports';
import { withDatabase } from './database';
import { CommandError, EXIT, parseArguments, rejectExtraArguments, runCli, UsageError } from './run';

const USAGE = `Usage: npm run report -- [options]

Writes the report of a check run: its totals, then every conflict (with links to the GLPI
assets), every device not found in GLPI, and every error with its reason.

Options:
  --run <id>          a check run id, or a Temporal workflow id (its latest run)
                      default: the latest finished full check (not a --device check);
                      the latest run if none has finished. stderr says when a newer
                      run was passed over, and which run a CSV holds
  --format <format>   text (default), csv, json or html
                      without --format, the --output extension picks it (.txt, .csv,
                      .json, .html); another extension, or one that contradicts
                      --format, is refused
  --output <file>     write to this file (complete or not at all) instead of stdout
  --unknown           only the reverse check: the GLPI cards no active device has
                      (and those without a serial); text, csv or json
  --changes           only the changes since the previous completed full check:
                      new, resolved, persisting per status and finding; text, csv or json
  --help              this text

GLPI ids link to GLPI's form pages: GLPI_WEB_URL, or GLPI_URL without /apirest.php.
Times are shown in CHECK_TIMEZONE (default: this machine's time zone).

Exit codes: 0 written, 1 no such run or the file cannot be written, 2 bad arguments,
3 database unreachable, 4 a setting is wrong.`;

interface Options {
  run?: string;
  format: ReportFormat;
  output?: string;
  /** Only the reverse check, or only the changes. */
  part?: ReportPart;
}

const EXTENSION_FORMATS: Record<string, ReportFormat> = {
  csv: 'csv',
  json: 'json',
  html: 'html',
  htm: 'html',
  txt: 'text',
  text: 'text',
  log: 'text',
};

/**
 * The format from --format, else from the --output extension. An extension that names no
 * format (r.xlsx), or .csv/.json/.html with another --format (--format csv --output r.json), is refused:
 * a file whose name lies about its content is worse than no file.
 */
function formatOf(requested: string | undefined, output: string | undefined): ReportFormat {
  const format = requested?.trim().toLowerCase();
  if (format !== undefined && !isReportFormat(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(requested)}`);
  }
  const name = output ? basename(output) : '';
  const extension = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  const implied = EXTENSION_FORMATS[extension];
  if (format === undefined) {
    if (extension === '' || implied) return implied ?? 'text';
    throw new UsageError(
      `--output ${output}: .${extension} is not a report format; name the file .txt, .csv, .json or .html, ` +
        'or give --format',
    );
  }
  // A .txt holds any text (CSV and JSON are text); .csv, .json and .html promise their format.
  if (implied && implied !== 'text' && implied !== format) {
    throw new UsageError(`--output ${output} names a ${implied} file but --format is ${format}: make them agree`);
  }
  return format;
}

function parse(args: string[]): Options {
  const { values, positionals } = parseArguments({
    args,
    options: {
      run: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      unknown: { type: 'boolean' },
      changes: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  rejectExtraArguments(positionals);
  if (values.run !== undefined && values.run.trim() === '') throw new UsageError('--run needs a run id or workflow id');
  if (values.output !== undefined && values.output.trim() === '') throw new UsageError('--output needs a file name');
  if (values.unknown && values.changes) throw new UsageError('--unknown and --changes: give one of them');
  const part = values.unknown ? 'unknown' : values.changes ? 'changes' : undefined;
  const format = formatOf(values.format, values.output);
  if (part && format === 'html')
    throw new UsageError(`--${part} writes text, csv or json; the html report has every section`);
  return { run: values.run?.trim(), format, output: values.output, part };
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
  // Text, JSON and HTML name the run and how it was chosen; a CSV has only rows, so stderr says it.
  else if (options.format === 'csv' && options.run === undefined && !options.output) {
    console.error(`note: run ${report.run.id} (${report.selection})`);
  }

  const sink = options.output ? fileSink(options.output) : stdoutSink();
  try {
    if (options.part) await writeReportPart(options.part, options.format, report, sink);
    else await writeReport(options.format, report, sink);
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
