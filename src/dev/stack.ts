/**
 * The embedded local stack behind `npm run dev` and `npm run demo`: a persistent Temporal
 * dev server unless TEMPORAL_ADDRESS names one, the local PostgreSQL migrated, and the
 * GLPI simulator with sample printers unless GLPI_URL names a real GLPI.
 */
import { loadConfig, type ServiceConfig } from '../config';
import { applyMigrations, ensureDatabase } from '../db/migrate';
import { redactDatabaseUrl } from '../db/url';
import {
  generateInventory,
  startGlpiSimulator,
  type GeneratedInventory,
  type RunningSimulator,
} from './glpi-simulator';
import { ensurePostgres } from './postgres';
import { startDevServer, type DevServer } from './temporal-dev-server';

/** The simulator's demo credential: a test value, printed on purpose. */
export const DEMO_USER_TOKEN = 'demo-user-token';

export interface LocalStack {
  config: ServiceConfig;
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
}

export async function startLocalStack(options: StackOptions): Promise<LocalStack> {
  const { log } = options;
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    let devServer: DevServer | undefined;
    if (!process.env.TEMPORAL_ADDRESS) {
      log('Starting the Temporal dev server (state in .temporal/dev.db)…');
      devServer = await startDevServer({ log });
      stoppers.push(() => devServer!.stop());
      process.env.TEMPORAL_ADDRESS = devServer.address;
      process.env.TEMPORAL_UI_URL ??= devServer.uiUrl;
    }

    let simulator: RunningSimulator | undefined;
    let inventory: GeneratedInventory | undefined;
    if (!process.env.GLPI_URL) {
      inventory = generateInventory({ devices: options.sampleDevices, seed: 42, awkwardSerials: true });
      simulator = await startGlpiSimulator({
        port: Number(process.env.GLPI_SIM_PORT ?? 8990),
        items: inventory.items,
        userToken: DEMO_USER_TOKEN,
      });
      stoppers.push(() => simulator!.stop());
      process.env.GLPI_URL = simulator.url;
      process.env.GLPI_USER_TOKEN = DEMO_USER_TOKEN;
      log(`No GLPI_URL configured: GLPI simulator with ${inventory.items.length} printer cards at ${simulator.url}`);
    }

    const config = loadConfig();
    await ensurePostgres(config.databaseUrl, log);
    await ensureDatabase(config.databaseUrl);
    const applied = await applyMigrations(config.databaseUrl);
    log(
      `Database ${redactDatabaseUrl(config.databaseUrl)} ${applied.length ? `migrated (${applied.join(', ')})` : 'up to date'}`,
    );
    return { config, devServer, simulator, inventory, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
