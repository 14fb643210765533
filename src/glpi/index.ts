export { GlpiClient, type GlpiClientOptions } from './client';
export {
  createGlpiConfig,
  GLPI_CONFIG_DEFAULTS,
  loadGlpiConfig,
  type GlpiConfig,
  type GlpiConfigOptions,
  type GlpiCredentials,
} from './config';
export {
  GlpiAuthError,
  GlpiConfigError,
  GlpiError,
  GlpiRequestError,
  GlpiUnavailableError,
  type GlpiErrorDetails,
} from './errors';
export { redactSecrets, Secret } from '../redaction';
export { decodeGlpiText, encodeGlpi10StoredForm } from './search-query';
// The lookup throws it for a serial it cannot search for; the rule itself lives in src/core.
export { InvalidSerialError } from '../core/serial';
export { describeScope, scopeWarning, type GlpiScope, type ScopeEntity, type ScopeProfile } from './scope';
export { GlpiSession } from './session';
export type {
  Finding,
  GlpiItem,
  GlpiLogger,
  GlpiPingResult,
  LookupOptions,
  LookupStatus,
  SerialLookup,
  SerialWhitespaceFinding,
} from './types';
