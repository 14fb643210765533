/**
 * Runs the GLPI simulator on its own, for the demo and for trying the client by hand:
 * generated (or loaded) printer cards behind GLPI's legacy REST API on a local port.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  devicesCsv,
  generateInventory,
  itemsFromFile,
  startGlpiSimulator,
  type FaultConfig,
  type GeneratedInventory,
  type SimItem,
  type SimulatorOptions,
} from '../dev/glpi-simulator';
import { parseArguments, runCli, UsageError } from './run';

const USAGE = `Usage: npx tsx src/cli/glpi-sim.ts [options]

Starts a simulated GLPI (legacy REST API, apirest.php) on 127.0.0.1 and prints the
settings a client needs. Stop it with Ctrl-C.

Data:
  --devices N               generate N devices and their GLPI cards (default 1000)
  --seed N                  seed of the generated mix and of the faults (default 1)
  --awkward                 include serials with & % _ + ^ $ " ' # / non-ASCII and spaces
  --items FILE              serve the cards of FILE instead (JSON array, or CSV with id,name,serial,...)
  --export-devices FILE     write the generated device list as CSV (serial,name,model,location,organisation,active)

Server:
  --port N                  port to listen on (default 8990; 0 = any free port)
  --host ADDRESS            address to listen on (default 127.0.0.1)
  --glpi-version 10|11      10 stores & < > HTML-encoded, 11 stores them raw (default 10)
  --app-token X             require this App-Token (default: none, and sending one is an error)
  --user-token X            accepted user_token (default sim-user-token)
  --username X --password Y also accept these credentials (default: credential logins disabled)
  --list-limit N            the session's list_limit (default 20)
  --max-input-vars N        PHP max_input_vars (default 1000)
  --single-entity           one entity only (default: several, visible after changeActiveEntities)

Faults (search requests unless noted):
  --latency-ms N            delay every request by N ms
  --error-rate R            fraction answering 500/502/503
  --malformed-rate R        fraction answering 200 with a broken JSON body
  --html-error-rate R       fraction answering 200 text/html (maintenance, Mysql Error)
  --rate-limit-rate R       fraction answering 429 with Retry-After
  --retry-after N           Retry-After seconds (default 1)
  --hang-rate R             fraction of all requests never answered
  --invalidate-session-every N   every N-th authenticated request loses its session

  --verbose                 print one line per request (never tokens)
  --help                    show this help`;

const OPTIONS = {
  devices: { type: 'string' },
  seed: { type: 'string' },
  awkward: { type: 'boolean' },
  items: { type: 'string' },
  'export-devices': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  'glpi-version': { type: 'string' },
  'app-token': { type: 'string' },
  'user-token': { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'list-limit': { type: 'string' },
  'max-input-vars': { type: 'string' },
  'single-entity': { type: 'boolean' },
  'latency-ms': { type: 'string' },
  'error-rate': { type: 'string' },
  'malformed-rate': { type: 'string' },
  'html-error-rate': { type: 'string' },
  'rate-limit-rate': { type: 'string' },
  'retry-after': { type: 'string' },
  'hang-rate': { type: 'string' },
  'invalidate-session-every': { type: 'string' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function integer(values: Values, name: keyof Values, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || value < min || value > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function rate(values: Values, name: keyof Values): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !(value >= 0 && value <= 1)) {
    throw new UsageError(`--${name} must be a number from 0 to 1, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function parse(args: string[]): Values {
  return parseArguments({ args, options: OPTIONS, strict: true, allowPositionals: false }).values;
}

function faultsFrom(values: Values, seed: number): FaultConfig {
  const faults: FaultConfig = { seed };
  const set = <K extends keyof FaultConfig>(key: K, value: FaultConfig[K] | undefined): void => {
    if (value !== undefined) faults[key] = value;
  };
  set('latencyMs', integer(values, 'latency-ms', 0, 600_000));
  set('errorRate', rate(values, 'error-rate'));
  set('malformedRate', rate(values, 'malformed-rate'));
  set('htmlErrorRate', rate(values, 'html-error-rate'));
  set('rateLimitRate', rate(values, 'rate-limit-rate'));
  set('retryAfterSeconds', integer(values, 'retry-after', 0, 86_400));
  set('hangRate', rate(values, 'hang-rate'));
  set('invalidateSessionEvery', integer(values, 'invalidate-session-every', 1, 1_000_000_000));
  const total =
    (faults.errorRate ?? 0) + (faults.malformedRate ?? 0) + (faults.htmlErrorRate ?? 0) + (faults.rateLimitRate ?? 0);
  if (total > 1) throw new UsageError(`the search fault rates add up to ${total}, more than 1`);
  return faults;
}

function exportDevices(path: string, inventory: GeneratedInventory): void {
  writeFileSync(path, devicesCsv(inventory.devices), 'utf8');
}

async function main(args: string[]): Promise<number> {
  const values = parse(args);
  const seed = integer(values, 'seed', 0, 2 ** 32 - 1) ?? 1;
  const version = values['glpi-version'] ?? '10';
  if (version !== '10' && version !== '11') throw new UsageError(`--glpi-version must be 10 or 11, got ${version}`);
  if (values.items !== undefined && (values.devices !== undefined || values.awkward)) {
    throw new UsageError('--items serves a file: it cannot be combined with --devices or --awkward');
  }
  if (values.items !== undefined && values['export-devices'] !== undefined) {
    throw new UsageError('--export-devices writes generated devices: it cannot be combined with --items');
  }
  if ((values.username === undefined) !== (values.password === undefined)) {
    throw new UsageError('--username and --password go together');
  }

  let items: SimItem[];
  let inventory: GeneratedInventory | undefined;
  if (values.items !== undefined) {
    try {
      items = itemsFromFile(values.items);
    } catch (error) {
      throw new UsageError(`cannot load --items: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    const devices = integer(values, 'devices', 0, 5_000_000) ?? 1000;
    inventory = generateInventory({ devices, seed, awkwardSerials: values.awkward === true });
    items = inventory.items;
    if (values['export-devices'] !== undefined) exportDevices(values['export-devices'], inventory);
  }

  const userToken = values['user-token'] ?? 'sim-user-token';
  const options: SimulatorOptions = {
    port: integer(values, 'port', 0, 65_535) ?? 8990,
    host: values.host ?? '127.0.0.1',
    appToken: values['app-token'] ?? null,
    userToken,
    items,
    glpiVersion: version,
    listLimit: integer(values, 'list-limit', 1, 10_000) ?? 20,
    maxInputVars: integer(values, 'max-input-vars', 1, 1_000_000) ?? 1000,
    multiEntity: values['single-entity'] !== true,
    faults: faultsFrom(values, seed),
    ...(values.username !== undefined ? { username: values.username, password: values.password } : {}),
    ...(values.verbose ? { log: (line: string) => console.log(line) } : {}),
  };
  const simulator = await startGlpiSimulator(options);

  const what = inventory
    ? `${inventory.devices.length} devices, ${items.length} cards, seed ${seed}`
    : `${items.length} cards from ${values.items}`;
  console.log(`GLPI ${version} simulator listening on ${simulator.url} (${what})`);
  if (inventory) {
    const { found, conflict, not_found: notFound } = inventory.counts;
    console.log(`Expected outcome: ${found} found, ${conflict} conflict, ${notFound} not found`);
  }
  if (values['export-devices'] !== undefined) console.log(`Device list written to ${values['export-devices']}`);
  console.log('\n# test credentials of this simulator');
  console.log(`GLPI_URL=${simulator.url}`);
  console.log(`GLPI_USER_TOKEN=${userToken}`);
  if (options.appToken) console.log(`GLPI_APP_TOKEN=${options.appToken}`);
  if (values.username !== undefined) console.log(`GLPI_USERNAME=${values.username}\nGLPI_PASSWORD=${values.password}`);
  console.log('\nPress Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void simulator.stop().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const stats = simulator.stats();
  console.log(`\nStopped after ${stats.total} requests (peak concurrency ${stats.peakConcurrency}).`);
  return 0;
}

runCli(USAGE, main);
