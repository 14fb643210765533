/**
 * The GLPI client as the activities see it (src/activities/glpi-port.ts), configured from
 * the environment by default.
 */
import type { GlpiPort } from '../activities/glpi-port';
import { GlpiClient, type GlpiClientOptions } from './client';
import { createGlpiConfig, loadGlpiConfig, type GlpiConfigOptions } from './config';

export function createGlpiPort(
  options?: GlpiConfigOptions,
  clientOptions: GlpiClientOptions = {},
): GlpiPort & { close(): void } {
  const config = options ? createGlpiConfig(options) : loadGlpiConfig();
  return new GlpiClient(config, clientOptions);
}
