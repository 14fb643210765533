/**
 * The GLPI client's configuration: its shape, and the rules about how settings combine (a
 * token or a login, a URL without credentials). Which variables exist, their defaults and
 * ranges are the schema's (src/config/schema.ts).
 */
import {
  checkNumber,
  ConfigError,
  ITEMTYPE,
  defaultOf,
  environment,
  loadGlpiSettings,
  SETTINGS,
  type Env,
  type Setting,
  type SettingName,
} from '../config';
import { GlpiConfigError } from './errors';
import { Secret } from '../redaction';

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
  /** A session that does not see every entity is a configuration error (instead of a warning). */
  requireFullScope: boolean;
  /**
   * Send the user token as a `user_token` query parameter of initSession instead of the
   * Authorization header, for web servers that drop that header. It can land in web server logs.
   */
  userTokenInQuery: boolean;
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
  requireFullScope?: boolean;
  userTokenInQuery?: boolean;
}

/** The option each environment variable sets; names in errors come from here. */
const SETTING_OF = {
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
  requireFullScope: 'GLPI_REQUIRE_FULL_SCOPE',
  userTokenInQuery: 'GLPI_USER_TOKEN_IN_QUERY',
} as const satisfies Record<keyof GlpiConfigOptions, SettingName>;

/** The defaults, from the one schema (src/config/schema.ts). */
export const GLPI_CONFIG_DEFAULTS = {
  verifyTls: defaultOf('GLPI_VERIFY_TLS'),
  timeoutMs: defaultOf('GLPI_TIMEOUT_MS'),
  itemtypes: defaultOf('GLPI_ITEMTYPES').split(','),
  serialField: defaultOf('GLPI_SERIAL_FIELD'),
  maxConcurrency: defaultOf('GLPI_MAX_CONCURRENCY'),
  maxRequestsPerSecond: defaultOf('GLPI_MAX_REQUESTS_PER_SECOND'),
  pageSize: defaultOf('GLPI_PAGE_SIZE'),
  maxUrlBytes: defaultOf('GLPI_MAX_URL_BYTES'),
  maxInputVars: defaultOf('GLPI_MAX_INPUT_VARS'),
  retryAttempts: defaultOf('GLPI_RETRY_ATTEMPTS'),
  retryBaseDelayMs: defaultOf('GLPI_RETRY_BASE_DELAY_MS'),
  retryBudgetMs: defaultOf('GLPI_RETRY_BUDGET_MS'),
  requireFullScope: defaultOf('GLPI_REQUIRE_FULL_SCOPE'),
  userTokenInQuery: defaultOf('GLPI_USER_TOKEN_IN_QUERY'),
} as const;

type Namer = (key: keyof GlpiConfigOptions) => string;

function invalid(variable: string, problem: string): GlpiConfigError {
  // The value itself is never quoted: it may be a secret, or a URL with credentials in it.
  // A secret's rule is worded as the schema words it: "is invalid: it must …".
  const secret = (SETTINGS as Record<string, Setting>)[variable]?.secret === true && problem.startsWith('must');
  return new GlpiConfigError(
    'CONFIG_INVALID',
    secret ? `${variable} is invalid: it ${problem}` : `${variable} ${problem}`,
    {
      variable,
    },
  );
}

/** The configuration layer's error, as the GLPI client's own kind (a fatal, non-retryable one). */
function asGlpiError(error: unknown): unknown {
  return error instanceof ConfigError
    ? new GlpiConfigError('CONFIG_INVALID', error.message, { variable: error.variable })
    : error;
}

/**
 * Reads the GLPI settings from the environment (src/config), with `overrides` on top (the local
 * stack's simulator). Throws GlpiConfigError naming the variable at fault (never its value).
 */
export function loadGlpiConfig(env: Env = environment(), overrides: Partial<GlpiConfigOptions> = {}): GlpiConfig {
  let settings: ReturnType<typeof loadGlpiSettings>;
  try {
    settings = loadGlpiSettings(env);
  } catch (error) {
    throw asGlpiError(error);
  }
  const options = { ...settings, ...overrides };
  if (options.url === undefined) throw invalid('GLPI_URL', 'is required (the URL of apirest.php)');
  return buildConfig({ ...options, url: options.url }, (key) => SETTING_OF[key]);
}

/** Builds a validated config from options (tests, scripts). Errors name the option. */
export function createGlpiConfig(options: GlpiConfigOptions): GlpiConfig {
  return buildConfig(options, (key) => `option ${key}`);
}

function buildConfig(options: GlpiConfigOptions, name: Namer): GlpiConfig {
  // The ranges are the schema's, for an option as for its variable.
  const number = <K extends NumberOption>(key: K, fallback: number): number => {
    try {
      return checkNumber(SETTING_OF[key], options[key] ?? fallback, name(key));
    } catch (error) {
      throw asGlpiError(error);
    }
  };

  const itemtypes = options.itemtypes ?? [...GLPI_CONFIG_DEFAULTS.itemtypes];
  if (itemtypes.length === 0) throw invalid(name('itemtypes'), 'must list at least one itemtype');
  for (const itemtype of itemtypes) {
    if (!ITEMTYPE.test(itemtype)) {
      throw invalid(name('itemtypes'), 'must be a comma-separated list of GLPI itemtypes such as Printer,Computer');
    }
  }

  return {
    url: validateUrl(options.url, name('url')),
    appToken: optionalToken(options.appToken, name('appToken')),
    credentials: credentials(options, name),
    verifyTls: options.verifyTls ?? GLPI_CONFIG_DEFAULTS.verifyTls,
    timeoutMs: number('timeoutMs', GLPI_CONFIG_DEFAULTS.timeoutMs),
    itemtypes: [...new Set(itemtypes)],
    serialField: number('serialField', GLPI_CONFIG_DEFAULTS.serialField),
    labelSerialField: options.labelSerialField == null ? null : number('labelSerialField', 0),
    maxConcurrency: number('maxConcurrency', GLPI_CONFIG_DEFAULTS.maxConcurrency),
    maxRequestsPerSecond: number('maxRequestsPerSecond', GLPI_CONFIG_DEFAULTS.maxRequestsPerSecond),
    pageSize: number('pageSize', GLPI_CONFIG_DEFAULTS.pageSize),
    maxUrlBytes: number('maxUrlBytes', GLPI_CONFIG_DEFAULTS.maxUrlBytes),
    maxInputVars: number('maxInputVars', GLPI_CONFIG_DEFAULTS.maxInputVars),
    retryAttempts: number('retryAttempts', GLPI_CONFIG_DEFAULTS.retryAttempts),
    retryBaseDelayMs: number('retryBaseDelayMs', GLPI_CONFIG_DEFAULTS.retryBaseDelayMs),
    retryBudgetMs: number('retryBudgetMs', GLPI_CONFIG_DEFAULTS.retryBudgetMs),
    requireFullScope: options.requireFullScope ?? GLPI_CONFIG_DEFAULTS.requireFullScope,
    userTokenInQuery: options.userTokenInQuery ?? GLPI_CONFIG_DEFAULTS.userTokenInQuery,
  };
}

type NumberOption = {
  [K in keyof GlpiConfigOptions]-?: NonNullable<GlpiConfigOptions[K]> extends number ? K : never;
}[keyof GlpiConfigOptions];

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
