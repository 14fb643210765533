/**
 * The process-wide Temporal logger: one line per entry, timestamped, with the run it belongs
 * to and the entry's fields as `key=value`. Log calls carry values as fields, never built
 * into the message; every field is printed, and redaction (src/redaction.ts) happens here,
 * once, on the whole line: fields named like credentials, Secret values, URL passwords.
 * Installed once, before any worker or connection exists.
 */
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogEntry, type LogLevel } from '@temporalio/worker';
import { isSecretKey, MASK, redactKnownSecrets, Secret } from './redaction';

/** Where an entry comes from, first on the line. */
const RUN_FIELDS = ['workflowId', 'runId', 'workflowType', 'activityType', 'attempt', 'taskQueue'];
/** Temporal's own attributes that say nothing to an operator (ids of tasks, the SDK's component). */
const HIDDEN_FIELDS = new Set([
  'namespace',
  'taskToken',
  'isLocal',
  'activityId',
  'activityRunId',
  'workflowRunId',
  'sdkComponent',
]);
/** A field longer than this is cut: a log line stays a line. */
const MAX_FIELD_CHARS = 300;

function fieldText(key: string, value: unknown): string {
  if (isSecretKey(key) || value instanceof Secret) return MASK;
  let text: string;
  if (value instanceof Error) text = `${value.name}: ${value.message.split('\n')[0]}`;
  else if (Array.isArray(value)) text = value.map(String).join(',');
  else if (typeof value === 'object' && value !== null) {
    text = JSON.stringify(value, (k, v: unknown) => (k !== '' && isSecretKey(k) ? MASK : v));
  } else text = String(value);
  if (text.length > MAX_FIELD_CHARS) text = `${text.slice(0, MAX_FIELD_CHARS)}…`;
  return /\s/.test(text) || text === '' ? JSON.stringify(text) : text;
}

export function formatLogEntry(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta ?? {};
  const keys = [
    ...RUN_FIELDS.filter((key) => key in meta),
    ...Object.keys(meta).filter((key) => !RUN_FIELDS.includes(key) && !HIDDEN_FIELDS.has(key)),
  ].filter((key) => meta[key] !== undefined);
  const context = keys.map((key) => `${key}=${fieldText(key, meta[key])}`).join(' ');
  return redactKnownSecrets(`${time} ${entry.level.padEnd(5)} ${entry.message}${context ? `  [${context}]` : ''}`);
}

/** JSON values of a field: numbers and booleans stay typed, the rest is redacted text. */
function fieldValue(key: string, value: unknown): unknown {
  if (isSecretKey(key) || value instanceof Secret) return MASK;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  let text: string;
  if (value instanceof Error) text = `${value.name}: ${value.message.split('\n')[0]}`;
  else if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value;
  else if (Array.isArray(value)) text = value.map(String).join(',');
  else if (typeof value === 'object' && value !== null) {
    text = JSON.stringify(value, (k, v: unknown) => (k !== '' && isSecretKey(k) ? MASK : v));
  } else text = String(value);
  if (text.length > MAX_FIELD_CHARS) text = `${text.slice(0, MAX_FIELD_CHARS)}…`;
  return redactKnownSecrets(text);
}

/**
 * LOG_FORMAT=json: one JSON object per line — `time`, `level`, `msg`, then every field as a
 * field of its own (typed: numbers stay numbers). Redacted like the text lines: by key, by value.
 */
export function formatLogEntryJson(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta ?? {};
  const line: Record<string, unknown> = { time, level: entry.level, msg: redactKnownSecrets(entry.message) };
  for (const key of [...RUN_FIELDS, ...Object.keys(meta).filter((k) => !RUN_FIELDS.includes(k))]) {
    if (!(key in meta) || meta[key] === undefined || HIDDEN_FIELDS.has(key)) continue;
    if (key in line) continue; // never let a field overwrite time, level or msg
    line[key] = fieldValue(key, meta[key]);
  }
  return redactKnownSecrets(JSON.stringify(line));
}

export interface RuntimeOptions {
  format?: 'TEXT' | 'JSON';
  /** host:port for the SDK's Prometheus exporter (src/metrics); none: no SDK metrics. */
  prometheusBindAddress?: string;
}

let installed = false;
let jsonLines = false;

/**
 * A line the worker prints whatever LOG_LEVEL says (scripts wait for "Worker polling …"): plain
 * text, or under LOG_FORMAT=json an object of its own, so the stream stays one JSON per line.
 */
export function announce(message: string, stream: 'out' | 'err' = 'out'): void {
  const line = jsonLines
    ? JSON.stringify({ time: new Date().toISOString(), level: stream === 'err' ? 'WARN' : 'INFO', msg: message })
    : message;
  (stream === 'err' ? console.error : console.log)(redactKnownSecrets(line));
}

export function installRuntimeLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => console.log(line),
  options: RuntimeOptions = {},
) {
  if (installed) return;
  installed = true;
  jsonLines = options.format === 'JSON';
  const format = options.format === 'JSON' ? formatLogEntryJson : formatLogEntry;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => write(format(entry))),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(options.prometheusBindAddress && {
        metrics: {
          // promtool's conventions: counters end in _total, durations in seconds.
          prometheus: {
            bindAddress: options.prometheusBindAddress,
            countersTotalSuffix: true,
            unitSuffix: true,
            useSecondsForDurations: true,
          },
        },
      }),
    },
  });
}
