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

let installed = false;

export function installRuntimeLogger(level: LogLevel, write: (line: string) => void = (line) => console.log(line)) {
  if (installed) return;
  installed = true;
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => write(formatLogEntry(entry))),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) } },
  });
}
