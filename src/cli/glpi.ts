/**
 * `glpi ping` and `glpi find <serial>...`: check the GLPI settings and look serials up by hand,
 * with the same client (and the same matching) as the nightly check.
 */
import { describeFinding, showWhitespace } from '../core/findings';
import {
  describeScope,
  GlpiAuthError,
  GlpiClient,
  GlpiConfigError,
  GlpiUnavailableError,
  loadGlpiConfig,
  scopeWarning,
  type Finding,
  type GlpiItem,
  type GlpiLogger,
  type LookupStatus,
} from '../glpi';
import { environment, type Env } from '../config';
import { tryNormaliseSerial } from '../core/serial';
import { shortened } from '../core/text';
import { EXIT, parseArguments } from './run';

const USAGE = `Usage:
  glpi ping [--json]               log in, switch to all entities, show user, profile, GLPI version and
                                   the entities in scope (a warning when some entities are out of sight)
  glpi find <serial>... [--json]   look serials up: found, conflict, not_found or error, with the items
Options:
  --json       machine-readable output on stdout
  --verbose    log every GLPI request (method, path, status, time) on stderr
  -h, --help   this help
Settings come from the environment: GLPI_URL (apirest.php URL), GLPI_APP_TOKEN, GLPI_USER_TOKEN or
GLPI_USERNAME + GLPI_PASSWORD, GLPI_VERIFY_TLS, GLPI_TIMEOUT_MS, GLPI_ITEMTYPES, GLPI_SERIAL_FIELD,
GLPI_LABEL_SERIAL_FIELD, GLPI_MAX_CONCURRENCY, GLPI_MAX_REQUESTS_PER_SECOND, GLPI_REQUIRE_FULL_SCOPE,
GLPI_USER_TOKEN_IN_QUERY.
Exit codes: 0 ok, 1 a serial's lookup failed or (ping) a warning, 2 bad arguments, 3 GLPI unavailable,
4 configuration or credentials refused.`;

export interface FindOutput {
  serial: string;
  status: LookupStatus;
  items: GlpiItem[];
  findings: Finding[];
  error?: string;
}

interface Io {
  out(line: string): void;
  err(line: string): void;
}

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export async function main(
  argv: string[] = process.argv.slice(2),
  env: Env = environment(),
  io: Io = processIo,
): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    io.err(`glpi: ${(error as Error).message}\n${USAGE}`);
    return EXIT.usage;
  }
  const [command, ...serials] = args.positionals;
  if (args.values.help) {
    io.out(USAGE);
    return EXIT.ok;
  }
  if (command !== 'ping' && command !== 'find') {
    io.err(command ? `glpi: unknown command ${JSON.stringify(command)}\n${USAGE}` : USAGE);
    return EXIT.usage;
  }
  if (command === 'find' && serials.length === 0) {
    io.err(`glpi: find needs at least one serial\n${USAGE}`);
    return EXIT.usage;
  }

  let client: GlpiClient | undefined;
  try {
    const logger = args.values.verbose ? stderrLogger(io) : undefined;
    client = new GlpiClient(loadGlpiConfig(env), logger ? { logger } : {});
    if (command === 'ping') return await ping(client, args.values.json === true, io);
    return await find(client, serials, args.values.json === true, io);
  } catch (error) {
    return reportFailure(error, io);
  } finally {
    client?.close();
  }
}

function parse(argv: string[]) {
  return parseArguments({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function ping(client: GlpiClient, json: boolean, io: Io): Promise<number> {
  const result = await client.ping();
  const warning = scopeWarning(result.scope);
  if (json) {
    io.out(JSON.stringify({ ...result, ...(warning && { warning }) }, null, 2));
  } else {
    const parts = [
      `logged in as ${result.user ?? '(user not exposed)'}`,
      `profile ${result.profile ?? '(not exposed)'}`,
      `GLPI ${result.glpiVersion ?? 'version not exposed'}`,
      `switched to all entities${result.activeEntities === undefined ? '' : ` (${result.activeEntities})`}`,
    ];
    io.out(`${warning ? 'WARNING' : 'OK'}: ${parts.join(', ')}`);
    io.out(warning ? `WARNING: ${warning}` : describeScope(result.scope));
  }
  // A partial scope is a warning: exit code 1, as doctor gives for a warning.
  return warning ? EXIT.failed : EXIT.ok;
}

async function find(client: GlpiClient, rawSerials: string[], json: boolean, io: Io): Promise<number> {
  // Invalid serials are reported like failed lookups, and the valid ones still looked up.
  const outputs = new Map<string, FindOutput>();
  const valid: string[] = [];
  for (const raw of rawSerials) {
    const normalised = tryNormaliseSerial(raw);
    if (normalised.ok) {
      valid.push(raw);
      if (!outputs.has(normalised.serial)) {
        // Replaced by the lookup's result; a placeholder that can never pass for not_found.
        outputs.set(normalised.serial, {
          serial: normalised.serial,
          status: 'error',
          items: [],
          findings: [],
          error: 'not looked up',
        });
      }
    } else {
      outputs.set(`invalid:${raw}`, { serial: raw, status: 'error', items: [], findings: [], error: normalised.error });
    }
  }
  if (valid.length > 0) {
    const lookups = await client.withSession((session) => session.lookupSerials(valid));
    for (const [serial, lookup] of lookups) {
      outputs.set(serial, {
        serial,
        status: lookup.status,
        items: lookup.items,
        findings: lookup.findings,
        ...(lookup.error !== undefined && { error: lookup.error }),
      });
    }
  }

  const results = [...outputs.values()];
  if (json) io.out(JSON.stringify(results, null, 2));
  else for (const result of results) io.out(describe(result));
  return results.some((result) => result.status === 'error') ? EXIT.failed : EXIT.ok;
}

function describe(result: FindOutput): string {
  if (result.status === 'error') {
    // An empty argument (an unset shell variable, stray quotes) must still show which row it is.
    const label =
      result.serial.trim() === '' ? `(empty serial ${JSON.stringify(result.serial)})` : shortened(result.serial);
    return `${label}: error: ${result.error ?? 'unknown'}`;
  }
  const lines = [`${result.serial}: ${result.status}`];
  for (const item of result.items) {
    const details = [
      // Stray white space shown, as in the finding's sentence.
      item.serial !== null &&
        `serial ${item.serial === item.serial.trim() ? item.serial : showWhitespace(item.serial)}`,
      item.statusName !== null && `status ${item.statusName}`,
      item.location !== null && `location ${item.location}`,
      item.entity !== null && `entity ${item.entity}`,
    ].filter(Boolean);
    lines.push(
      `  ${item.itemtype} #${item.id} ${item.name ?? '(no name)'}${details.length ? ` (${details.join(', ')})` : ''}`,
    );
  }
  for (const finding of result.findings) lines.push(`  finding: ${describeFinding(finding)}`);
  return lines.join('\n');
}

function reportFailure(error: unknown, io: Io): number {
  // One line, no stack: these messages are written to be read by whoever runs the command.
  if (error instanceof GlpiConfigError || error instanceof GlpiAuthError) {
    io.err(`glpi: ${error.message}`);
    return EXIT.configuration;
  }
  if (error instanceof GlpiUnavailableError) {
    io.err(`glpi: GLPI unavailable: ${error.message}`);
    return EXIT.unreachable;
  }
  io.err(`glpi: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}

function stderrLogger(io: Io): GlpiLogger {
  const line = (level: string) => (message: string, meta?: Record<string, unknown>) =>
    io.err(`${level} ${message}${meta ? ` ${JSON.stringify(meta)}` : ''}`);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
