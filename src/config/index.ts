/**
 * The service's configuration: the settings of src/config/schema.ts read from the environment
 * (src/config/environment.ts) and validated once, with an error that names the variable.
 * GLPI's settings are read here too (loadGlpiSettings) and shaped for the client by
 * src/glpi/config.ts.
 */
import { environment, type Env } from './environment';
import { parseSetting } from './parse';
import { registerSecret } from '../redaction';
import { SETTINGS, type Setting, type SettingName, type SettingValue } from './schema';
import { loadTemporalConnection, type TemporalConnection } from './temporal';

export { ConfigError, checkNumber, invalidSetting } from './parse';
export { CHECK_DEFAULTS, ITEMTYPE, SETTINGS, allowedText, defaultOf, type Setting, type SettingName } from './schema';
export {
  defaultConfigFile,
  loadTemporalConnection,
  type ConnectionLabels,
  type TemporalConnection,
  type TemporalTls,
} from './temporal';
export { ENV_FILE, envFilePath, environment, readEnvFile, withEnvFile, type Env } from './environment';

export interface ServiceConfig {
  /** The Temporal connection and where the service lives on it. */
  temporal: TemporalConnection & { taskQueue: string; uiUrl: string };
  databaseUrl: string;
  check: {
    /** Devices per batch activity: one transaction and a handful of GLPI requests each. */
    batchSize: number;
    /** Batches in flight at once within one run. */
    batchConcurrency: number;
    /** The retry ladder's first wait; the next ones are ×4 (300 → 1200 → 4800 s). */
    retryInitialSeconds: number;
    /** Continue-as-new after this many history events (Temporal suggests at 4096). */
    historyEventLimit: number;
    /** How soon a batch whose worker died is noticed and retried. */
    heartbeatTimeoutSeconds: number;
    /** The finding rules (CHECK_COMPARE_FIELDS, CHECK_STALE_DAYS, CHECK_RETIRED_STATES). */
    compareFields: string;
    staleDays: number;
    retiredStates: string;
    /** search, scan, or auto (from the counts). */
    strategy: 'auto' | 'search' | 'scan';
    /** List the GLPI cards the inventory lacks. */
    reverse: boolean;
  };
  worker: { maxConcurrentActivities: number; shutdownGraceSeconds: number; ensureSchedule: boolean };
  schedule: {
    id: string;
    time: string;
    timezone: string;
    catchupWindowSeconds: number;
    /** NOTIFY_MISSED_NIGHT_GRACE_SECONDS: the watchdog looks this long after the catch-up window ends. */
    missedNightGraceSeconds?: number;
  };
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  logFormat: 'TEXT' | 'JSON';
  /** port 0: no metrics endpoint; sdkPort 0: no SDK metrics. */
  metrics: { port: number; host: string; sdkPort: number };
}

/** One setting from the environment (or `env`), validated; `undefined` only for a setting without default. */
export function readSetting<N extends SettingName>(name: N, env: Env = environment()): SettingValue<N> {
  const value = parseSetting(name, env[name]);
  if (env[name] && typeof value === 'string' && (SETTINGS[name] as Setting).secret) rememberSecret(value);
  return value;
}

/** A secret setting's value (and a URL's password) is masked in every log line from then on. */
function rememberSecret(value: string): void {
  registerSecret(value);
  try {
    const password = decodeURIComponent(new URL(value).password);
    if (password) registerSecret(password);
  } catch {
    // not a URL: the value itself is registered
  }
}

/** Whether the environment gives the setting a value (the local stack starts what is not configured). */
export function isSet(name: SettingName, env: Env = environment()): boolean {
  return (env[name] ?? '').trim() !== '';
}

export function hostTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** The service configuration (everything but GLPI, which only some commands need). */
export function loadConfig(env: Env = environment()): ServiceConfig {
  const read = <N extends SettingName>(name: N) => readSetting(name, env);
  return {
    temporal: { ...loadTemporalConnection(env), taskQueue: read('TASK_QUEUE'), uiUrl: read('TEMPORAL_UI_URL') },
    databaseUrl: read('DATABASE_URL'),
    check: {
      batchSize: read('CHECK_BATCH_SIZE'),
      batchConcurrency: read('CHECK_BATCH_CONCURRENCY'),
      retryInitialSeconds: read('CHECK_RETRY_INITIAL_SECONDS'),
      historyEventLimit: read('CHECK_HISTORY_EVENT_LIMIT'),
      heartbeatTimeoutSeconds: read('CHECK_HEARTBEAT_TIMEOUT_SECONDS'),
      compareFields: read('CHECK_COMPARE_FIELDS'),
      staleDays: read('CHECK_STALE_DAYS'),
      retiredStates: read('CHECK_RETIRED_STATES') ?? '',
      strategy: read('CHECK_STRATEGY'),
      reverse: read('CHECK_REVERSE'),
    },
    worker: {
      maxConcurrentActivities: read('WORKER_MAX_CONCURRENT_ACTIVITIES'),
      shutdownGraceSeconds: read('WORKER_SHUTDOWN_GRACE_SECONDS'),
      ensureSchedule: read('WORKER_ENSURE_SCHEDULE'),
    },
    schedule: {
      id: read('SCHEDULE_ID'),
      time: read('CHECK_TIME'),
      timezone: read('CHECK_TIMEZONE') ?? hostTimezone(),
      catchupWindowSeconds: read('CHECK_CATCHUP_WINDOW_SECONDS'),
      missedNightGraceSeconds: read('NOTIFY_MISSED_NIGHT_GRACE_SECONDS'),
    },
    logLevel: read('LOG_LEVEL'),
    logFormat: read('LOG_FORMAT'),
    metrics: { port: read('METRICS_PORT'), host: read('METRICS_HOST'), sdkPort: read('METRICS_SDK_PORT') },
  };
}

/** The GLPI settings as read from the environment; src/glpi/config.ts checks how they combine. */
export function loadGlpiSettings(env: Env = environment()) {
  const read = <N extends SettingName>(name: N) => readSetting(name, env);
  return {
    url: read('GLPI_URL'),
    appToken: read('GLPI_APP_TOKEN'),
    userToken: read('GLPI_USER_TOKEN'),
    username: read('GLPI_USERNAME'),
    password: read('GLPI_PASSWORD'),
    verifyTls: read('GLPI_VERIFY_TLS'),
    timeoutMs: read('GLPI_TIMEOUT_MS'),
    itemtypes: read('GLPI_ITEMTYPES').split(','),
    serialField: read('GLPI_SERIAL_FIELD'),
    labelSerialField: read('GLPI_LABEL_SERIAL_FIELD') ?? null,
    maxConcurrency: read('GLPI_MAX_CONCURRENCY'),
    maxRequestsPerSecond: read('GLPI_MAX_REQUESTS_PER_SECOND'),
    pageSize: read('GLPI_PAGE_SIZE'),
    maxUrlBytes: read('GLPI_MAX_URL_BYTES'),
    maxInputVars: read('GLPI_MAX_INPUT_VARS'),
    requireFullScope: read('GLPI_REQUIRE_FULL_SCOPE'),
    userTokenInQuery: read('GLPI_USER_TOKEN_IN_QUERY'),
    retryAttempts: read('GLPI_RETRY_ATTEMPTS'),
    retryBaseDelayMs: read('GLPI_RETRY_BASE_DELAY_MS'),
    retryBudgetMs: read('GLPI_RETRY_BUDGET_MS'),
  };
}

/** The notification settings as read from the environment; src/notify/config.ts checks how they combine. */
export function loadNotifySettings(env: Env = environment()) {
  const read = <N extends SettingName>(name: N) => readSetting(name, env);
  return {
    webhookUrl: read('NOTIFY_WEBHOOK_URL'),
    webhookSecret: read('NOTIFY_WEBHOOK_SECRET'),
    webhookOn: read('NOTIFY_WEBHOOK_ON'),
    chatUrl: read('NOTIFY_CHAT_WEBHOOK_URL'),
    chatOn: read('NOTIFY_CHAT_ON'),
    smtpUrl: read('SMTP_URL'),
    smtpRequireTls: read('SMTP_REQUIRE_TLS'),
    smtpCaFile: read('SMTP_TLS_CA_FILE'),
    emailTo: read('NOTIFY_EMAIL_TO'),
    emailFrom: read('NOTIFY_EMAIL_FROM'),
    emailOn: read('NOTIFY_EMAIL_ON'),
    on: read('NOTIFY_ON'),
    maxProblems: read('NOTIFY_MAX_PROBLEMS'),
    timeoutMs: read('NOTIFY_TIMEOUT_MS'),
    retryInitialSeconds: read('NOTIFY_RETRY_INITIAL_SECONDS'),
    maxAttempts: read('NOTIFY_MAX_ATTEMPTS'),
    missedNightGraceSeconds: read('NOTIFY_MISSED_NIGHT_GRACE_SECONDS'),
    uiUrl: read('TEMPORAL_UI_URL'),
    webUrl: read('WEB_PUBLIC_URL'),
    namespace: read('TEMPORAL_NAMESPACE'),
  };
}
