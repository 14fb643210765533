/**
 * npm run report — the report of a check run (totals, conflicts, devices not found, errors) as
 * text, CSV, JSON or a self-contained HTML page.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { createDb, type Db } from '../db/client';
import { redactDatabaseUrl } from '../db/url';
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
import { CommandError, EXIT, runCli, UsageError } from './run';

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
3 database unreachable.`;

interface Options {
  run?: string;
  format: ReportFormat;
  output?: string;
}

const EXTENSION_FORMATS: Record<string, ReportFormat> = { csv: 'csv', json: 'json', html: 'html', htm: 'html' };

function parse(args: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { run: { type: 'string' }, format: { type: 'string' }, output: { type: 'string' } },
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
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
  return process.env.GLPI_ITEMTYPES?.split(',')[0]?.trim() || undefined;
}

/** The driver's own words ("Can't reach database server at …"), without Prisma's call-site frame. */
function databaseReason(error: unknown, url: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const last = message.trim().split('\n').pop() ?? '';
  let reason = /Message: `(.*)`$/.exec(last)?.[1] ?? last;
  // Driver messages do not carry the password today; this keeps it so if one ever does.
  const password = urlPassword(url);
  if (password) reason = reason.split(password).join('***');
  return reason;
}

function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

async function connect(url: string): Promise<Db> {
  const db = createDb(url, { poolSize: 2 });
  try {
    await db.$queryRaw`SELECT 1`;
    return db;
  } catch (error) {
    await db.$disconnect().catch(() => undefined);
    throw new CommandError(
      `cannot reach the database at ${redactDatabaseUrl(url)}: ${databaseReason(error, url)}. ` +
        'Is PostgreSQL running? Is DATABASE_URL right?',
      3,
    );
  }
}

/** Prisma's "table does not exist": a database that was created but never migrated. */
function isMissingTable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2021';
}

async function write(db: Db, options: Options, timeZone: string): Promise<number> {
  const { report, warning } = await loadReport(db, {
    reference: options.run,
    links: { glpiBase: glpiBaseOrNull(), defaultItemtype: defaultItemtype() },
    timeZone,
  }).catch((error: unknown) => {
    if (error instanceof RunNotFoundError) throw new CommandError(error.message, EXIT.failure);
    if (isMissingTable(error))
      throw new CommandError(`the database has no check runs table yet: run npm run db:migrate`, EXIT.failure);
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
    if (error instanceof OutputError) throw new CommandError(error.message, EXIT.failure);
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
  const db = await connect(config.databaseUrl);
  try {
    return await write(db, options, config.schedule.timezone);
  } finally {
    await db.$disconnect();
  }
});
