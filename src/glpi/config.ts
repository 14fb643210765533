import { GlpiConfigError } from './errors';
import { Secret } from './redact';

export type GlpiCredentials =
  { kind: 'user_token'; userToken: Secret } | { kind: 'password'; username: string; password: Secret };

export interface GlpiConfig {
  /** The `apirest.php` base URL, without trailing slash. */
  url: string;
  appToken: Secret | null;
  credentials: GlpiCredentials;
  verifyTls: boolean;
  timeoutMs: number;
  itemtypes: string[];
  /** Search option id of the serial number (5 on every asset type). */
  serialField: number;
  /** Search option id of a second serial (e.g. a custom "label serial" field), or null. */
  labelSerialField: number | null;
  maxConcurrency: number;
  /** 0 = unlimited. */
  maxRequestsPerSecond: number;
  /** Rows asked per search page (`range`). */
  pageSize: number;
  /** Longest search URL we build; proxies commonly refuse 8 KiB and more. */
  maxUrlBytes: number;
  /** Query variables per search, below PHP's max_input_vars (1000 by default; see notes). */
  maxInputVars: number;
  /** Attempts per request when GLPI is unavailable (1 = no retry). */
  retryAttempts: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  retryBaseDelayMs: number;
  /** Total time a request may spend retrying before the error reaches the caller. */
  retryBudgetMs: number;
}

/** Everything a test or a caller may set; the same validation as the environment. */
export interface GlpiConfigOptions {
  url: string;
  appToken?: string | null;
  userToken?: string | null;
  username?: string | null;
  password?: string | null;
  verifyTls?: boolean;
  timeoutMs?: number;
  itemtypes?: string[];
  serialField?: number;
  labelSerialField?: number | null;
  maxConcurrency?: number;
  maxRequestsPerSecond?: number;
  pageSize?: number;
  maxUrlBytes?: number;
  maxInputVars?: number;
  retryAttempts?: number;
  retryBaseDelayMs?: number;
  retryBudgetMs?: number;
}

export const GLPI_CONFIG_DEFAULTS = {
  verifyTls: true,
  timeoutMs: 30_000,
  itemtypes: ['Printer'],
  serialField: 5,
  maxConcurrency: 4,
  maxRequestsPerSecond: 0,
  pageSize: 1000,
  maxUrlBytes: 6000,
  maxInputVars: 900,
  retryAttempts: 3,
  retryBaseDelayMs: 500,
  retryBudgetMs: 30_000,
} as const;

/** Which name to blame in an error: the environment variable, or the option. */
const ENV_NAMES: Record<keyof GlpiConfigOptions, string> = {
  url: 'GLPI_URL',
  appToken: 'GLPI_APP_TOKEN',
  userToken: 'GLPI_USER_TOKEN',
  username: 'GLPI_USERNAME',
  password: 'GLPI_PASSWORD',
  verifyTls: 'GLPI_VERIFY_TLS',
  timeoutMs: 'GLPI_TIMEOUT_MS',
  itemtypes: 'GLPI_ITEMTYPES',
  serialField: 'GLPI_SERIAL_FIELD',
  labelSerialField: 'GLPI_LABEL_SERIAL_FIELD',
  maxConcurrency: 'GLPI_MAX_CONCURRENCY',
  maxRequestsPerSecond: 'GLPI_MAX_REQUESTS_PER_SECOND',
  pageSize: 'GLPI_PAGE_SIZE',
  maxUrlBytes: 'GLPI_MAX_URL_BYTES',
  maxInputVars: 'GLPI_MAX_INPUT_VARS',
  retryAttempts: 'GLPI_RETRY_ATTEMPTS',
  retryBaseDelayMs: 'GLPI_RETRY_BASE_DELAY_MS',
  retryBudgetMs: 'GLPI_RETRY_BUDGET_MS',
};

type Namer = (key: keyof GlpiConfigOptions) => string;

function invalid(variable: string, problem: string): GlpiConfigError {
  // The value itself is never quoted: it may be a secret, or a URL with credentials in it.
  return new GlpiConfigError('CONFIG_INVALID', `${variable} ${problem}`, { variable });
}

/**
 * Reads the GLPI settings from the environment. Throws GlpiConfigError naming the variable at
 * fault (never its value).
 */
export function loadGlpiConfig(env: NodeJS.ProcessEnv = process.env): GlpiConfig {
  const text = (key: keyof GlpiConfigOptions): string | undefined => {
    const value = env[ENV_NAMES[key]];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const integer = (key: keyof GlpiConfigOptions): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (!/^\s*\d+\s*$/.test(value)) throw invalid(ENV_NAMES[key], 'must be a whole number');
    return Number(value);
  };
  const decimal = (key: keyof GlpiConfigOptions): number | undefined => {
    const value = text(key);
    if (value === undefined) return undefined;
    if (!/^\s*\d+(\.\d+)?\s*$/.test(value)) throw invalid(ENV_NAMES[key], 'must be a number');
    return Number(value);
  };
  const boolean = (key: keyof GlpiConfigOptions): boolean | undefined => {
    const value = text(key)?.trim().toLowerCase();
    if (value === undefined) return undefined;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    throw invalid(ENV_NAMES[key], 'must be true or false');
  };

  const url = text('url');
  if (url === undefined) throw invalid('GLPI_URL', 'is required (the URL of apirest.php)');
  const itemtypes = text('itemtypes');

  return buildConfig(
    {
      url,
      appToken: text('appToken') ?? null,
      userToken: text('userToken') ?? null,
      username: text('username') ?? null,
      password: env[ENV_NAMES.password] ?? null, // a password may legitimately be spaces
      verifyTls: boolean('verifyTls'),
      timeoutMs: integer('timeoutMs'),
      itemtypes: itemtypes?.split(',').map((t) => t.trim()),
      serialField: integer('serialField'),
      labelSerialField: integer('labelSerialField') ?? null,
      maxConcurrency: integer('maxConcurrency'),
      maxRequestsPerSecond: decimal('maxRequestsPerSecond'),
      pageSize: integer('pageSize'),
      maxUrlBytes: integer('maxUrlBytes'),
      maxInputVars: integer('maxInputVars'),
      retryAttempts: integer('retryAttempts'),
      retryBaseDelayMs: integer('retryBaseDelayMs'),
      retryBudgetMs: integer('retryBudgetMs'),
    },
    (key) => ENV_NAMES[key],
  );
}

/** Builds a validated config from options (tests, scripts). Errors name the option. */
export function createGlpiConfig(options: GlpiConfigOptions): GlpiConfig {
  return buildConfig(options, (key) => `option ${key}`);
}

function buildConfig(options: GlpiConfigOptions, name: Namer): GlpiConfig {
  const positive = (key: keyof GlpiConfigOptions, value: number | undefined, fallback: number, min = 1): number => {
    const result = value ?? fallback;
    if (!Number.isInteger(result) || result < min) throw invalid(name(key), `must be a whole number >= ${min}`);
    return result;
  };

  const rate = options.maxRequestsPerSecond ?? GLPI_CONFIG_DEFAULTS.maxRequestsPerSecond;
  if (!Number.isFinite(rate) || rate < 0) throw invalid(name('maxRequestsPerSecond'), 'must be >= 0 (0 = unlimited)');

  const itemtypes = options.itemtypes ?? [...GLPI_CONFIG_DEFAULTS.itemtypes];
  if (itemtypes.length === 0) throw invalid(name('itemtypes'), 'must list at least one itemtype');
  for (const itemtype of itemtypes) {
    // GLPI class names, plugin ones included (PluginFooBar, GlpiPlugin\Foo\Bar).
    if (!/^[A-Za-z_][A-Za-z0-9_\\]*$/.test(itemtype)) {
      throw invalid(name('itemtypes'), 'must be a comma-separated list of GLPI itemtypes such as Printer,Computer');
    }
  }

  const maxInputVars = positive('maxInputVars', options.maxInputVars, GLPI_CONFIG_DEFAULTS.maxInputVars, 50);
  return {
    url: validateUrl(options.url, name('url')),
    appToken: optionalToken(options.appToken, name('appToken')),
    credentials: credentials(options, name),
    verifyTls: options.verifyTls ?? GLPI_CONFIG_DEFAULTS.verifyTls,
    timeoutMs: positive('timeoutMs', options.timeoutMs, GLPI_CONFIG_DEFAULTS.timeoutMs),
    itemtypes: [...new Set(itemtypes)],
    serialField: positive('serialField', options.serialField, GLPI_CONFIG_DEFAULTS.serialField),
    labelSerialField:
      options.labelSerialField == null ? null : positive('labelSerialField', options.labelSerialField, 0),
    maxConcurrency: positive('maxConcurrency', options.maxConcurrency, GLPI_CONFIG_DEFAULTS.maxConcurrency),
    maxRequestsPerSecond: rate,
    pageSize: positive('pageSize', options.pageSize, GLPI_CONFIG_DEFAULTS.pageSize),
    maxUrlBytes: positive('maxUrlBytes', options.maxUrlBytes, GLPI_CONFIG_DEFAULTS.maxUrlBytes, 1000),
    maxInputVars,
    retryAttempts: positive('retryAttempts', options.retryAttempts, GLPI_CONFIG_DEFAULTS.retryAttempts),
    retryBaseDelayMs: positive('retryBaseDelayMs', options.retryBaseDelayMs, GLPI_CONFIG_DEFAULTS.retryBaseDelayMs, 0),
    retryBudgetMs: positive('retryBudgetMs', options.retryBudgetMs, GLPI_CONFIG_DEFAULTS.retryBudgetMs, 0),
  };
}

function validateUrl(raw: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(variable, 'is not a valid URL (expected e.g. https://glpi.example.org/apirest.php)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(variable, 'must be an http(s) URL');
  if (url.username || url.password) throw invalid(variable, 'must not contain credentials');
  if (url.search || url.hash) throw invalid(variable, 'must not contain a query string or fragment');
  return url.toString().replace(/\/+$/, '');
}

function optionalToken(raw: string | null | undefined, variable: string): Secret | null {
  if (raw == null || raw.trim() === '') return null;
  const token = raw.trim();
  // GLPI splits `Authorization: user_token X` on single spaces: inner white space cannot work.
  if (/\s/.test(token)) throw invalid(variable, 'must not contain white space');
  return new Secret(token);
}

function credentials(options: GlpiConfigOptions, name: Namer): GlpiCredentials {
  // A user token wins over a login: GLPI itself would fall back to the password if the token
  // were wrong, which would hide a broken token.
  const userToken = optionalToken(options.userToken, name('userToken'));
  if (userToken) return { kind: 'user_token', userToken };

  const username = options.username?.trim() ?? '';
  const password = options.password ?? '';
  if (username === '' && password === '') {
    throw invalid(name('userToken'), `is missing: set it, or ${name('username')} and ${name('password')}`);
  }
  if (username === '') throw invalid(name('username'), `is required with ${name('password')}`);
  if (password === '') throw invalid(name('password'), `is required with ${name('username')}`);
  if (username.includes(':')) throw invalid(name('username'), 'must not contain ":" (HTTP Basic authentication)');
  return { kind: 'password', username, password: new Secret(password) };
}
