/**
 * A GLPI simulator speaking GLPI's legacy REST API (apirest.php) over real HTTP, with GLPI's
 * quirks, seeded fault injection, and a generator of device/card mixes with known outcomes.
 */
export { startGlpiSimulator } from './server';
export { ALL_FINDINGS_RULES, FINDINGS_SCENARIO, GENERATED_RETIRED_STATES, generateInventory } from './generate';
export { itemsFromFile } from './items-file';
export { csvLine, devicesCsv } from './csv';
export type {
  EndpointName,
  ExpectedFinding,
  ExpectedStatus,
  FaultConfig,
  FaultName,
  GeneratedDevice,
  GeneratedInventory,
  GenerateOptions,
  RunningSimulator,
  SimItem,
  SimProfile,
  SimulatorOptions,
  SimulatorStats,
} from './types';
