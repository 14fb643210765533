/**
 * The process-wide Temporal logger: one line per entry, timestamped, with the run it
 * belongs to. Installed once, before any worker or connection exists.
 */
import { DefaultLogger, Runtime, makeTelemetryFilterString, type LogEntry, type LogLevel } from '@temporalio/worker';

const RUN_META = ['workflowId', 'runId', 'activityType', 'attempt', 'workflowType', 'taskQueue', 'state'];
// Without the GLPI client's fields a request line or a retry warning does not say which request
// failed or why. None holds a secret (src/glpi/transport.ts; test/secrets-audit.test.ts checks).
const GLPI_META = [
  'method',
  'endpoint',
  'status',
  'code',
  'ms',
  'delayMs',
  'itemtype',
  'serials',
  'total',
  'serialCount',
];
const KEPT_META = [...RUN_META, ...GLPI_META];

export function formatLogEntry(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  const meta = entry.meta ?? {};
  const context = KEPT_META.filter((key) => meta[key] !== undefined)
    .map((key) => `${key}=${String(meta[key])}`)
    .join(' ');
  return `${time} ${entry.level.padEnd(5)} ${entry.message}${context ? `  [${context}]` : ''}`;
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
