/**
 * A GLPI simulator over real HTTP and the real GLPI client pointed at it; a generated
 * inventory on both sides of a check.
 */
import { after } from 'node:test';
import {
  generateInventory,
  startGlpiSimulator,
  type GeneratedInventory,
  type RunningSimulator,
  type SimulatorOptions,
} from '../../src/dev/glpi-simulator';
import { createGlpiPort } from '../../src/glpi/port';
import type { GlpiConfigOptions } from '../../src/glpi/config';
import { insertDevices } from '../../src/db/devices';
import { temporalAddress, testDatabase } from './services';

export const TEST_USER_TOKEN = 'test-user-token-0123456789';

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startGlpiSimulator({ userToken: TEST_USER_TOKEN, ...options });
  after(() => sim.stop());
  return sim;
}

/** The real client, configured like an operator would, for a simulator. */
export function glpiFor(sim: RunningSimulator, overrides: Partial<GlpiConfigOptions> = {}) {
  return createGlpiPort({ url: sim.url, userToken: TEST_USER_TOKEN, ...overrides });
}

function inventory(devices: number, seed = 7): GeneratedInventory {
  return generateInventory({ devices, seed });
}

/**
 * A generated inventory on both sides of a check: its GLPI cards served by a simulator, its
 * devices in a database of the test file's own.
 */
export async function inventoryOnBothSides(devices: number, seed?: number, simulator: SimulatorOptions = {}) {
  const inv = inventory(devices, seed);
  const sim = await startSimulator({ items: inv.items, ...simulator });
  const { db, url } = await testDatabase();
  await insertDevices(db, inv.devices);
  return { inv, sim, db, url };
}

/**
 * The environment of a command (or spawned worker) on the test stack: this Temporal, a task
 * queue, a database and, when given, the simulator with its test credentials.
 */
export function stackEnv(taskQueue: string, databaseUrl: string, glpiUrl?: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: temporalAddress(),
    TASK_QUEUE: taskQueue,
    DATABASE_URL: databaseUrl,
    ...(glpiUrl ? { GLPI_URL: glpiUrl, GLPI_USER_TOKEN: TEST_USER_TOKEN } : {}),
  };
}
