/**
 * npm run devices -- import|list|show: the printer inventory the nightly check walks.
 */
import { FINDING_KINDS, isFindingKind } from '../core/findings';
import { readFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { loadConfig } from '../config';
import type { Delimiter } from '../devices/csv';
import { encodingName } from '../devices/encoding';
import { deviceListText, deviceText } from '../devices/format';
import { DeactivationRefusedError, importInventory } from '../devices/import';
import { InventoryError, readInventory } from '../devices/inventory';
import { findDevice, listDevices, recentResults } from '../db/devices';
import { RESULT_STATUSES } from '../core/results';
import { importSummaryText, summariseImport } from '../devices/import-summary';
import type { ResultStatus } from '../core/results';
import { unknownDevicesMessage } from '../core/device-reference';
import { quoted } from '../core/text';
import { withDatabase } from './database';
import { CommandError, EXIT, parseArguments, rejectExtraArguments, runCli, UsageError } from './run';

const USAGE = `Usage:
  npm run devices -- import <file.csv> [options]
  npm run devices -- list [options]
  npm run devices -- show <serial|id> [--json]

import   creates and updates devices from an inventory CSV, in one transaction.
         A header row is required: serial (required), name, model, location,
         organisation (or organization), active; names are case-insensitive, other
         columns are ignored. A column the file lacks leaves that field of existing
         devices as it is; an empty active means active (true/false, yes/no, 1/0,
         oui/non). Devices are matched by normalised serial (case, accents and
         surrounding spaces do not count) and are never deleted.
  --dry-run              report what would change, write nothing
  --deactivate-missing   set the active devices the file does not mention inactive;
                         more than 10 % of the active devices is refused without --yes
                         (--dry-run shows the share)
  --yes                  confirm a --deactivate-missing beyond 10 % of the active devices
  --delimiter <d>        , ; tab or | (default: detected from the header line)
  --encoding <name>      utf-8, latin1, windows-1252, utf-16le… (default: detected:
                         BOM, else UTF-8, else windows-1252, and the report says so)
  --verbose              list every skipped row (the first 20 otherwise)
  --json                 the report as JSON, every row included

list     devices in id order with their latest check result.
  --status <status>      only devices whose latest result is found, conflict, not_found or error
  --finding <kind>       only devices whose latest result has this finding: location_mismatch,
                         model_mismatch, name_mismatch, stale, retired_state, only_in_trash,
                         no_serial, serial_whitespace
  --inactive             the inactive devices instead of the active ones
  --all                  active and inactive devices
  --limit <n>            at most n devices (default 50, 0 = no limit)
  --json                 machine-readable output

show     one device, its last 10 results and their findings: by serial (any case), or by id when no
         device has that number as its serial; id:42 or #42 is always device id 42.
  --json                 machine-readable output

Exit codes: 0 ok (also for an import with skipped rows: they are listed), 1 the file could
not be imported or the device is unknown, 2 bad arguments, 3 database unreachable,
4 a setting is wrong.`;

const DEFAULT_LIST_LIMIT = 50;
const RECENT_RESULTS = 10;

const DELIMITER_NAMES: Record<string, Delimiter> = {
  ',': ',',
  comma: ',',
  ';': ';',
  semicolon: ';',
  tab: '\t',
  '\t': '\t',
  '\\t': '\t',
  '|': '|',
  pipe: '|',
};

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  return parseArguments({ args, options, allowPositionals: true, strict: true });
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length === 0) throw new UsageError(`give the ${what}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
  if (positionals[0].trim() === '') throw new UsageError(`the ${what} is empty`);
  return positionals[0];
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

function readFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new CommandError(`cannot read ${file}: ${reason}`);
  }
}

async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    'dry-run': { type: 'boolean', default: false },
    'deactivate-missing': { type: 'boolean', default: false },
    yes: { type: 'boolean', default: false },
    delimiter: { type: 'string' },
    encoding: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const file = onePositional(positionals, 'CSV file to import');
  let delimiter: Delimiter | undefined;
  if (values.delimiter !== undefined) {
    delimiter = DELIMITER_NAMES[values.delimiter.toLowerCase()];
    if (!delimiter) throw new UsageError(`--delimiter must be , ; tab or |, got ${JSON.stringify(values.delimiter)}`);
  }
  if (values.encoding !== undefined && !encodingName(values.encoding)) {
    throw new UsageError(`unknown --encoding ${JSON.stringify(values.encoding)} (try utf-8, latin1, utf-16le)`);
  }
  if (values.yes && !values['deactivate-missing'])
    throw new UsageError('--yes confirms --deactivate-missing: give both');
  const options = {
    dryRun: values['dry-run'],
    deactivateMissing: values['deactivate-missing'],
    confirmed: values.yes,
  };
  const databaseUrl = loadConfig().databaseUrl;

  const started = performance.now();
  try {
    const inventory = readInventory(readFile(file), { delimiter, encoding: values.encoding });
    const read = performance.now();
    const plan = await withDatabase(databaseUrl, (db) => importInventory(db, inventory, options));
    const timings = { fileMs: Math.round(read - started), databaseMs: Math.round(performance.now() - read) };
    const report = summariseImport(file, inventory, plan, options, timings);
    if (values.json) print(report);
    else console.log(importSummaryText(report, values.verbose));
    return 0;
  } catch (error) {
    if (error instanceof InventoryError) throw new CommandError(`${file}: ${error.message}; nothing was imported`);
    if (error instanceof DeactivationRefusedError) throw new CommandError(`${file}: ${error.message}`);
    throw error;
  }
}

async function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    status: { type: 'string' },
    finding: { type: 'string' },
    inactive: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    limit: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  rejectExtraArguments(positionals);
  const status = values.status as ResultStatus | undefined;
  if (status !== undefined && !RESULT_STATUSES.includes(status)) {
    throw new UsageError(`--status must be one of ${RESULT_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
  }
  const finding = values.finding?.trim();
  if (finding !== undefined && !isFindingKind(finding)) {
    throw new UsageError(`--finding must be one of ${FINDING_KINDS.join(', ')}, got ${JSON.stringify(values.finding)}`);
  }
  if (values.inactive && values.all) throw new UsageError('--inactive and --all do not mix');
  let limit: number | undefined = DEFAULT_LIST_LIMIT;
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit.trim())) {
      throw new UsageError(`--limit must be a whole number, got ${JSON.stringify(values.limit)}`);
    }
    limit = Number(values.limit) || undefined;
  }
  const active = values.all ? undefined : !values.inactive;

  // One row more than asked tells whether the list was cut, without counting everything.
  const rows = await withDatabase(loadConfig().databaseUrl, (db) =>
    listDevices(db, { active, status, finding, limit: limit === undefined ? undefined : limit + 1 }),
  );
  const truncated = limit !== undefined && rows.length > limit;
  const devices = truncated ? rows.slice(0, limit) : rows;
  if (values.json) {
    print({ devices, truncated });
    return 0;
  }
  if (devices.length === 0) {
    console.log('No devices match.');
    return 0;
  }
  console.log(deviceListText(devices, active === undefined));
  console.log(
    truncated ? `First ${devices.length} devices; more with --limit <n> (0 = all).` : `${devices.length} device(s).`,
  );
  return 0;
}

async function showCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false } });
  const reference = onePositional(positionals, 'serial or id of the device');
  return withDatabase(loadConfig().databaseUrl, async (db) => {
    const found = await findDevice(db, reference);
    if (!found) throw new CommandError(unknownDevicesMessage([reference]), EXIT.failed);
    const results = await recentResults(db, found.device.id, RECENT_RESULTS);
    if (found.alsoMatches) {
      console.error(
        `note: ${quoted(reference.trim())} is the serial of device ${found.device.id} and also the id of ` +
          `device ${found.alsoMatches.id}: showing device ${found.device.id} (id:${found.alsoMatches.id} shows the other)`,
      );
    }
    if (values.json) print({ device: found.device, results, alsoMatches: found.alsoMatches ?? null });
    else console.log(deviceText(found, results));
    return 0;
  });
}

const COMMANDS = new Map<string, (args: string[]) => Promise<number>>([
  ['import', importCommand],
  ['list', listCommand],
  ['show', showCommand],
]);

runCli(USAGE, async (args) => {
  const [command, ...rest] = args;
  const run = command === undefined ? undefined : COMMANDS.get(command);
  if (!run) {
    throw new UsageError(
      command === undefined ? 'give a command: import, list or show' : `unknown command ${JSON.stringify(command)}`,
    );
  }
  return run(rest);
});
