/**
 * The embedded local stack behind `npm run dev` and `npm run demo`: a persistent Temporal
 * dev server unless TEMPORAL_ADDRESS names one, the local PostgreSQL migrated, and the
 * GLPI simulator with sample printers unless GLPI_URL names a real GLPI.
 *
 * What it starts is handed on as configuration objects (`config`, `glpi`), and as `childEnv`
 * for the commands a caller spawns; the process environment is never rewritten.
 */
import { environment, isSet, loadConfig, readSetting, type Env, type ServiceConfig } from '../config';
import { loadGlpiConfig, type GlpiConfig } from '../glpi';
import { applyMigrations, ensureDatabase } from '../db/migrate';
import { redactDatabaseUrl } from '../db/url';
import {
  ALL_FINDINGS_RULES,
  FINDINGS_SCENARIO,
  generateInventory,
  startGlpiSimulator,
  type GeneratedInventory,
  type RunningSimulator,
} from './glpi-simulator';
import { checkStackPorts, isAddressInUse, PortInUseError } from './ports';
import { ensurePostgres } from './postgres';
import { startDevServer, type DevServer } from './temporal-dev-server';

export { PortInUseError } from './ports';

/** The simulator's demo credential: a test value, printed on purpose. */
export const DEMO_USER_TOKEN = 'demo-user-token';

export interface LocalStack {
  config: ServiceConfig;
  glpi: GlpiConfig;
  /** The environment for a command run against this stack (`npm run start-check` & co.). */
  childEnv: Record<string, string>;
  devServer?: DevServer;
  simulator?: RunningSimulator;
  /** The simulator's printers and the matching inventory, when the simulator runs. */
  inventory?: GeneratedInventory;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Printers in the simulator when no GLPI is configured. */
  sampleDevices: number;
  log: (line: string) => void;
  /** Where the settings come from; the environment by default. */
  env?: Env;
  /** Defaults of this stack that differ from the service's (the demo's own database and task queue). */
  defaults?: Partial<Record<'DATABASE_URL' | 'TASK_QUEUE', string>>;
}

const SIMULATOR_HOST = '127.0.0.1';

export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const { log } = options;
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };
  const env = withStackDefaults(options.defaults ?? {}, options.env ?? environment());
  try {
    // Read everything first: a configuration error must not leave a server behind.
    const config = loadConfig(env);
    const childEnv: Record<string, string> = { DATABASE_URL: config.databaseUrl };
    const simulatorPort = readSetting('GLPI_SIM_PORT', env);
    const startsTemporal = !isSet('TEMPORAL_ADDRESS', env);
    const startsSimulator = !isSet('GLPI_URL', env);
    // Every port is checked before anything starts.
    await checkStackPorts(env);

    let devServer: DevServer | undefined;
    if (startsTemporal) {
      log('Starting the Temporal dev server (state in .temporal/dev.db)…');
      devServer = await startDevServer({
        log,
        port: readSetting('TEMPORAL_DEV_PORT', env),
        uiPort: readSetting('TEMPORAL_DEV_UI_PORT', env),
      });
      stoppers.push(() => devServer!.stop());
      config.temporal.address = devServer.address;
      if (!isSet('TEMPORAL_UI_URL', env)) config.temporal.uiUrl = devServer.uiUrl;
      Object.assign(childEnv, { TEMPORAL_ADDRESS: config.temporal.address, TEMPORAL_UI_URL: config.temporal.uiUrl });
    }

    let simulator: RunningSimulator | undefined;
    let inventory: GeneratedInventory | undefined;
    let glpi: GlpiConfig;
    if (startsSimulator) {
      inventory = generateInventory({
        devices: options.sampleDevices,
        seed: 42,
        awkwardSerials: true,
        // Some of every finding (drift, stale, retired, trash-only, no serial), with every rule on
        // unless the environment sets the rules itself.
        ...FINDINGS_SCENARIO,
        whitespaceRate: 0.01,
      });
      if (!isSet('CHECK_COMPARE_FIELDS', env)) childEnv.CHECK_COMPARE_FIELDS = ALL_FINDINGS_RULES.compareFields;
      if (!isSet('CHECK_RETIRED_STATES', env)) childEnv.CHECK_RETIRED_STATES = ALL_FINDINGS_RULES.retiredStates;
      simulator = await startGlpiSimulator({
        host: SIMULATOR_HOST,
        port: simulatorPort,
        items: inventory.items,
        userToken: DEMO_USER_TOKEN,
      }).catch((error: unknown) => {
        // Taken between the check and the listen.
        if (isAddressInUse(error))
          throw new PortInUseError(`${SIMULATOR_HOST}:${simulatorPort}`, 'GLPI_SIM_PORT', 'the GLPI simulator');
        throw error;
      });
      stoppers.push(() => simulator!.stop());
      glpi = loadGlpiConfig(env, { url: simulator.url, userToken: DEMO_USER_TOKEN });
      Object.assign(childEnv, { GLPI_URL: simulator.url, GLPI_USER_TOKEN: DEMO_USER_TOKEN });
      log(`No GLPI_URL configured: GLPI simulator with ${inventory.items.length} printer cards at ${simulator.url}`);
    } else {
      glpi = loadGlpiConfig(env);
    }

    await ensurePostgres(config.databaseUrl, log);
    await ensureDatabase(config.databaseUrl);
    const applied = await applyMigrations(config.databaseUrl);
    log(
      `Database ${redactDatabaseUrl(config.databaseUrl)} ${applied.length ? `migrated (${applied.join(', ')})` : 'up to date'}`,
    );
    return { config, glpi, childEnv: { ...definedOnly(env), ...childEnv }, devServer, simulator, inventory, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The stack's own defaults under what the environment sets: a blank variable counts as unset
 * (as everywhere in the configuration), so it does not hide the stack's default either.
 */
export function withStackDefaults(defaults: StackOptions['defaults'] & object, env: Env): Env {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => (value ?? '').trim() !== ''));
  return { ...defaults, ...given };
}

function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
