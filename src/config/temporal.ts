/**
 * The Temporal connection, configured as Temporal users configure it: a profile of the TOML
 * file `temporal config set` writes (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE), overridden by the
 * standard TEMPORAL_* variables, merged by @temporalio/envconfig.
 *
 * envconfig is lenient where an operator needs it strict: a missing file or profile falls back
 * to localhost, an unreadable certificate surfaces as an fs error, an API key with a newline is
 * sent (and echoed by the SDK in its error text). So this module reads the file itself, checks
 * every part, and throws a ConfigError that names the setting — the variable, or the key of the
 * profile in the file — and never the secret. Certificates are read here, once: a connection
 * never fails halfway through on a file.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  loadClientConfigFromToml,
  loadClientConfigProfile,
  type ClientConfigProfile,
  type ConfigDataSource,
} from '@temporalio/envconfig';
import { registerSecret, Secret } from '../redaction';
import { ConfigError } from './parse';
import { environment, type Env } from './environment';
import { SETTINGS, defaultOf, type SettingName } from './schema';

/** Which setting supplied each part of the connection, so that an error can name it. */
export interface ConnectionLabels {
  address: string;
  namespace: string;
  apiKey: string;
  serverCa: string;
  clientCert: string;
  clientKey: string;
  serverName: string;
}

export interface TemporalTls {
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
  serverNameOverride?: string;
}

export interface TemporalConnection {
  address: string;
  namespace: string;
  /** undefined: plain text; true: TLS with the system's CAs; an object: the configured parts. */
  tls?: true | TemporalTls;
  apiKey?: Secret;
  /** gRPC metadata of the profile (`grpc_meta`); values are treated as secrets. */
  metadata?: Record<string, string>;
  /** 'the environment', or 'profile "prod" of /etc/glpi-device-check/temporal.toml'. */
  source: string;
  labels: ConnectionLabels;
}

/** The variables envconfig reads that this service declares (src/config/schema.ts). */
const ENVCONFIG_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_CERT_DATA',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_DATA',
  'TEMPORAL_TLS_SERVER_NAME',
] as const satisfies readonly SettingName[];

/** Where `temporal config` keeps its file when TEMPORAL_CONFIG_FILE does not say. */
export function defaultConfigFile(): string {
  return join(homedir(), '.config', 'temporalio', 'temporal.toml');
}

function given(env: Env, name: SettingName): string | undefined {
  const setting = SETTINGS[name];
  const value = env[name];
  if (value === undefined) return undefined;
  const text = 'raw' in setting && setting.raw ? value : value.trim();
  return text === '' ? undefined : text;
}

function booleanOf(env: Env, name: 'TEMPORAL_TLS' | 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION'): boolean | undefined {
  const text = given(env, name)?.toLowerCase();
  if (text === undefined) return undefined;
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off'].includes(text)) return false;
  throw new ConfigError(`${name} must be true or false`, name);
}

interface ConfigFile {
  path: string;
  text: string;
  /** The variable that named it, or undefined for the default location. */
  variable?: string;
}

function readConfigFile(env: Env): ConfigFile | undefined {
  const named = given(env, 'TEMPORAL_CONFIG_FILE');
  const path = named ? resolve(named) : defaultConfigFile();
  try {
    return { path, text: readFileSync(path, 'utf8'), variable: named ? 'TEMPORAL_CONFIG_FILE' : undefined };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (!named && code === 'ENOENT') return undefined;
    const who = named ? `TEMPORAL_CONFIG_FILE names ${path}` : `the Temporal configuration file ${path}`;
    throw new ConfigError(`${who}, which cannot be read (${code})`, 'TEMPORAL_CONFIG_FILE');
  }
}

function profileLabel(profile: string, file: ConfigFile, key: string): string {
  return `${key} of profile "${profile}" in ${file.path}`;
}

/** The profile's parts, and which profile (if any) of which file they came from. */
function loadProfile(env: Env): { profile: ClientConfigProfile; name?: string; file?: ConfigFile } {
  const file = readConfigFile(env);
  const wanted = given(env, 'TEMPORAL_PROFILE');
  const overrideEnvVars: Record<string, string> = {};
  for (const name of ENVCONFIG_VARIABLES) {
    const value = given(env, name);
    if (value !== undefined) overrideEnvVars[name] = value;
  }
  const tls = booleanOf(env, 'TEMPORAL_TLS');
  if (tls !== undefined) overrideEnvVars.TEMPORAL_TLS = String(tls);
  if (booleanOf(env, 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION')) {
    throw new ConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is not supported by the TypeScript SDK: set TEMPORAL_TLS_SERVER_NAME to the name in the server certificate instead',
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
    );
  }

  if (!file) {
    if (wanted) {
      throw new ConfigError(
        `TEMPORAL_PROFILE names profile "${wanted}", but there is no Temporal configuration file ` +
          `(TEMPORAL_CONFIG_FILE is unset and ${defaultConfigFile()} does not exist)`,
        'TEMPORAL_PROFILE',
      );
    }
    return { profile: loadClientConfigProfile({ disableFile: true, overrideEnvVars }) };
  }

  let profiles: string[];
  try {
    profiles = Object.keys(loadClientConfigFromToml(Buffer.from(file.text), { strict: true }).profiles);
  } catch (error) {
    // Never the parser's excerpt of the file: the line may hold an API key.
    const line = (error as { line?: unknown }).line;
    const where = typeof line === 'number' ? ` (line ${line})` : '';
    const reason = (error as Error).message.startsWith('Validation error') ? `: ${(error as Error).message}` : '';
    throw new ConfigError(
      `the Temporal configuration file ${file.path} is not valid${where}${reason}`,
      file.variable ?? 'TEMPORAL_CONFIG_FILE',
    );
  }
  const name = wanted ?? 'default';
  if (!profiles.includes(name)) {
    if (wanted) {
      const has = profiles.length > 0 ? `it has ${profiles.map((p) => `"${p}"`).join(', ')}` : 'it has no profile';
      throw new ConfigError(
        `TEMPORAL_PROFILE names profile "${wanted}", which ${file.path} does not have (${has})`,
        'TEMPORAL_PROFILE',
      );
    }
    // The file exists but has no default profile: the environment alone, as with no file.
    return { profile: loadClientConfigProfile({ disableFile: true, overrideEnvVars }) };
  }
  try {
    const profile = loadClientConfigProfile({
      configSource: { data: file.text },
      profile: name,
      configFileStrict: true,
      overrideEnvVars,
    });
    return { profile, name, file };
  } catch (error) {
    throw new ConfigError(
      `profile "${name}" of ${file.path}: ${(error as Error).message.split('\n')[0]}`,
      file.variable ?? 'TEMPORAL_CONFIG_FILE',
    );
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

function readPem(source: ConfigDataSource | undefined, label: string, pattern: RegExp, what: string) {
  if (source === undefined) return undefined;
  let bytes: Buffer;
  if ('path' in source) {
    try {
      bytes = readFileSync(source.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError(`${label} names ${resolve(source.path)}, which cannot be read (${code})`, label);
    }
    if (!pattern.test(bytes.toString('latin1'))) {
      throw new ConfigError(`${label} names ${resolve(source.path)}, which holds no PEM ${what}`, label);
    }
  } else {
    bytes = Buffer.from(source.data);
    if (!pattern.test(bytes.toString('latin1'))) throw new ConfigError(`${label} holds no PEM ${what}`, label);
  }
  return bytes;
}

/** The label of a TLS part: the variable when it was set, else the profile key. */
function labelsFor(env: Env, name: string | undefined, file: ConfigFile | undefined): ConnectionLabels {
  const pick = (variables: SettingName[], key: string) => {
    const set = variables.find((v) => given(env, v) !== undefined);
    if (set || !name || !file) return set ?? variables[0];
    return profileLabel(name, file, key);
  };
  return {
    address: pick(['TEMPORAL_ADDRESS'], 'address'),
    namespace: pick(['TEMPORAL_NAMESPACE'], 'namespace'),
    apiKey: pick(['TEMPORAL_API_KEY'], 'api_key'),
    serverCa: pick(['TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_DATA'], 'tls.server_ca_cert'),
    clientCert: pick(['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_CERT_DATA'], 'tls.client_cert'),
    clientKey: pick(['TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_CLIENT_KEY_DATA'], 'tls.client_key'),
    serverName: pick(['TEMPORAL_TLS_SERVER_NAME'], 'tls.server_name'),
  };
}

const ADDRESS = /^[^\s/]+:\d{1,5}$/;

/**
 * The connection the environment (and the profile it names) describes, every part checked and
 * every file read. Throws a ConfigError naming the setting at fault.
 */
export function loadTemporalConnection(env: Env = environment()): TemporalConnection {
  const { profile, name, file } = loadProfile(env);
  const labels = labelsFor(env, name, file);

  const address = profile.address ?? defaultOf('TEMPORAL_ADDRESS');
  if (!ADDRESS.test(address)) throw new ConfigError(`${labels.address} must be host:port`, labels.address);
  const namespace = profile.namespace ?? defaultOf('TEMPORAL_NAMESPACE');

  let apiKey: Secret | undefined;
  if (profile.apiKey !== undefined && profile.apiKey !== '') {
    registerSecret(profile.apiKey);
    if (/\s/.test(profile.apiKey)) {
      // Sent as is, it would fail as a malformed header, and the SDK's error quotes the header.
      throw new ConfigError(
        `${labels.apiKey} is invalid: it contains white space (a copied newline or space?); remove it`,
        labels.apiKey,
      );
    }
    apiKey = new Secret(profile.apiKey);
  }

  const metadata = profile.grpcMeta && Object.keys(profile.grpcMeta).length > 0 ? profile.grpcMeta : undefined;
  for (const value of Object.values(metadata ?? {})) registerSecret(value);

  let tls: TemporalConnection['tls'];
  const t = profile.tls;
  if (t && t.disabled !== true) {
    const ca = readPem(t.serverCACert, labels.serverCa, PEM_CERTIFICATE, 'certificate');
    const crt = readPem(t.clientCert, labels.clientCert, PEM_CERTIFICATE, 'certificate');
    const key = readPem(t.clientKey, labels.clientKey, PEM_KEY, 'private key');
    if (key) registerSecret(key.toString('utf8').trim());
    if ((crt === undefined) !== (key === undefined)) {
      const missing = crt === undefined ? labels.clientCert : labels.clientKey;
      const present = crt === undefined ? labels.clientKey : labels.clientCert;
      throw new ConfigError(`${present} is set but ${missing} is not: a client certificate needs both`, missing);
    }
    tls = {
      ...(ca && { serverRootCACertificate: ca }),
      ...(crt && key && { clientCertPair: { crt, key } }),
      ...(t.serverName && { serverNameOverride: t.serverName }),
    };
  } else if (!t && apiKey) {
    tls = true; // an API key goes over TLS (envconfig's rule too)
  }

  return {
    address,
    namespace,
    ...(tls !== undefined && { tls }),
    ...(apiKey && { apiKey }),
    ...(metadata && { metadata }),
    source: name && file ? `profile "${name}" of ${file.path}` : 'the environment',
    labels,
  };
}
