/**
 * Service configuration from the environment, validated once at start with an error that
 * names the variable. GLPI's own settings live in src/glpi/config.ts.
 */
import { databaseUrl } from './db/url';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ServiceConfig {
  temporal: { address: string; namespace: string; taskQueue: string; uiUrl: string };
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
  };
  worker: { maxConcurrentActivities: number; shutdownGraceSeconds: number; ensureSchedule: boolean };
  schedule: { id: string; time: string; timezone: string; catchupWindowSeconds: number };
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

export function hostTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function timezone(env: NodeJS.ProcessEnv): string {
  const zone = env.CHECK_TIMEZONE?.trim() || hostTimezone();
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    throw new ConfigError(`CHECK_TIMEZONE must be an IANA time zone such as Europe/Paris, got ${JSON.stringify(zone)}`);
  }
  return zone;
}

function checkTime(env: NodeJS.ProcessEnv): string {
  const raw = env.CHECK_TIME?.trim() || '02:00';
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(raw);
  if (!match) throw new ConfigError(`CHECK_TIME must be HH:MM (24 h), got ${JSON.stringify(raw)}`);
  return `${match[1].padStart(2, '0')}:${match[2]}`;
}

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const address = env.TEMPORAL_ADDRESS?.trim() || '127.0.0.1:7233';
  const logLevel = (env.LOG_LEVEL?.trim().toUpperCase() || 'INFO') as ServiceConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return {
    temporal: {
      address,
      namespace: env.TEMPORAL_NAMESPACE?.trim() || 'default',
      taskQueue: env.TASK_QUEUE?.trim() || 'glpi-device-check',
      uiUrl: (env.TEMPORAL_UI_URL?.trim() || 'http://localhost:8233').replace(/\/$/, ''),
    },
    databaseUrl: databaseUrl(env),
    check: {
      // At most 1000: a batch's heartbeat carries its results so far (~280 bytes a device)
      // and must stay under Temporal's 256 KB payload warning.
      batchSize: integer(env, 'CHECK_BATCH_SIZE', 500, 1, 1000),
      batchConcurrency: integer(env, 'CHECK_BATCH_CONCURRENCY', 8, 1, 15),
      retryInitialSeconds: integer(env, 'CHECK_RETRY_INITIAL_SECONDS', 300, 1),
      historyEventLimit: integer(env, 'CHECK_HISTORY_EVENT_LIMIT', 4000, 100, 50000),
      heartbeatTimeoutSeconds: integer(env, 'CHECK_HEARTBEAT_TIMEOUT_SECONDS', 60, 1, 3600),
    },
    worker: {
      maxConcurrentActivities: integer(env, 'WORKER_MAX_CONCURRENT_ACTIVITIES', 8, 1, 1000),
      shutdownGraceSeconds: integer(env, 'WORKER_SHUTDOWN_GRACE_SECONDS', 30, 0, 3600),
      ensureSchedule: boolean(env, 'WORKER_ENSURE_SCHEDULE', false),
    },
    schedule: {
      id: env.SCHEDULE_ID?.trim() || 'glpi-device-check-daily',
      time: checkTime(env),
      timezone: timezone(env),
      catchupWindowSeconds: integer(env, 'CHECK_CATCHUP_WINDOW_SECONDS', 4 * 3600, 60),
    },
    logLevel,
  };
}
