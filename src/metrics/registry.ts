/**
 * The service's own Prometheus metrics, in a registry of their own (prom-client's global one
 * stays empty): what this worker did (devices checked, GLPI requests and their latency, run
 * durations), and what the database says about the runs (the last completed one, the one in
 * progress), read at scrape time so that every worker reports the same, restarts included.
 * The SDK's metrics (temporal_*) come from the Runtime's own exporter and are appended to the
 * same /metrics answer (src/metrics/server.ts).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Totals } from '../core/results';

export const PREFIX = 'glpi_device_check_';

/** The runs as the database has them, read once per scrape. */
export interface RunSnapshot {
  /** The last full check (scheduled or manual) that finished, whatever its outcome. */
  lastFinished?: {
    status: string;
    finishedAt: Date;
    durationSeconds: number;
    found: number;
    conflicts: number;
    notFound: number;
    errors: number;
  };
  /** When the last full check that completed (with or without errors) finished. */
  lastCompletedAt?: Date;
  /** The newest full check still running. */
  running?: { total: number; done: number; startedAt: Date };
  /** Per notification channel that ever settled a delivery: whether its latest settled delivery failed. */
  channels?: { channel: string; failing: boolean }[];
}

export type GlpiOutcome = 'ok' | 'auth_rejected' | 'unavailable' | 'error';

export interface ServiceMetrics {
  registry: Registry;
  /** Batch totals as a batch settles on this worker. */
  countBatch(totals: Totals): void;
  observeGlpiRequest(endpoint: string, outcome: GlpiOutcome, seconds: number): void;
  observeRunFinished(status: string, seconds: number): void;
  /** 1 while this worker polls and its Temporal connection answers. */
  setPolling(polling: boolean): void;
  /** One notification attempt on this worker (src/activities/notify.ts's DeliveryObserver). */
  observeNotificationAttempt(channel: string, outcome: 'delivered' | 'retrying' | 'failed'): void;
}

const STATUSES = ['found', 'conflict', 'not_found', 'error'] as const;

/** `search/Printer` stays as it is; ids in a path (`Printer/12`) become `:id` so labels stay few. */
export function endpointLabel(endpoint: string): string {
  return endpoint
    .split('?')[0]
    .split('/')
    .map((part) => (/^\d+$/.test(part) ? ':id' : part))
    .join('/');
}

export function createServiceMetrics(snapshot: () => Promise<RunSnapshot>): ServiceMetrics {
  const registry = new Registry();
  const registers = [registry];

  const devices = new Counter({
    name: `${PREFIX}devices_checked_total`,
    help: 'Devices checked by this worker, by result status',
    labelNames: ['status'],
    registers,
  });
  for (const status of STATUSES) devices.inc({ status }, 0);

  const requests = new Counter({
    name: `${PREFIX}glpi_requests_total`,
    help: 'GLPI API requests of this worker, by endpoint and outcome (auth_rejected: GLPI refused the credentials)',
    labelNames: ['endpoint', 'outcome'],
    registers,
  });
  const latency = new Histogram({
    name: `${PREFIX}glpi_request_duration_seconds`,
    help: 'Latency of GLPI API requests, by endpoint',
    labelNames: ['endpoint'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const runDuration = new Histogram({
    name: `${PREFIX}run_duration_seconds`,
    help: 'Duration of the runs this worker finished, by outcome',
    labelNames: ['status'],
    buckets: [10, 30, 60, 300, 600, 1800, 3600, 7200, 14_400, 28_800],
    registers,
  });
  const notificationAttempts = new Counter({
    name: `${PREFIX}notification_attempts_total`,
    help: 'Notification attempts of this worker, by channel and outcome (retrying: another attempt follows; failed: given up)',
    labelNames: ['channel', 'outcome'],
    registers,
  });
  const polling = new Gauge({
    name: `${PREFIX}worker_polling`,
    help: '1 while this worker polls its task queue and Temporal answers',
    registers,
  });

  // One database read per scrape, shared by the gauges below.
  let pending: Promise<RunSnapshot> | undefined;
  const read = () => {
    pending ??= snapshot().finally(() => setTimeout(() => (pending = undefined), 1_000).unref());
    return pending;
  };
  const fromDb = (name: string, help: string, labelNames: string[], fill: (g: Gauge, s: RunSnapshot) => void) =>
    new Gauge({
      name: `${PREFIX}${name}`,
      help,
      labelNames,
      registers,
      async collect() {
        this.reset();
        fill(this, await read());
      },
    });

  fromDb(
    'last_completed_run_timestamp_seconds',
    'When the last full check that completed (with or without device errors) finished, Unix time; absent before the first',
    [],
    (g, s) => s.lastCompletedAt && g.set(s.lastCompletedAt.getTime() / 1000),
  );
  fromDb('last_run_duration_seconds', 'Duration of the last finished full check', [], (g, s) => {
    if (s.lastFinished) g.set(s.lastFinished.durationSeconds);
  });
  fromDb('last_run_devices', 'Devices of the last finished full check, by result status', ['status'], (g, s) => {
    const f = s.lastFinished;
    if (!f) return;
    g.set({ status: 'found' }, f.found);
    g.set({ status: 'conflict' }, f.conflicts);
    g.set({ status: 'not_found' }, f.notFound);
    g.set({ status: 'error' }, f.errors);
  });
  fromDb('last_run_failed', '1 when the last finished full check failed or was cancelled (no totals)', [], (g, s) => {
    if (s.lastFinished) g.set(['failed', 'cancelled'].includes(s.lastFinished.status) ? 1 : 0);
  });
  fromDb('run_in_progress', '1 while a full check is running', [], (g, s) => g.set(s.running ? 1 : 0));
  fromDb('run_devices_planned', 'Devices of the running full check (0 while it plans)', [], (g, s) => {
    if (s.running) g.set(s.running.total);
  });
  fromDb('run_devices_done', 'Devices of the running full check with a result so far', [], (g, s) => {
    if (s.running) g.set(s.running.done);
  });
  fromDb('run_started_timestamp_seconds', 'When the running full check started, Unix time', [], (g, s) => {
    if (s.running) g.set(s.running.startedAt.getTime() / 1000);
  });

  fromDb(
    'notification_channel_failing',
    "1 when the channel's latest settled delivery failed (out of attempts, or refused for good), 0 when it was delivered",
    ['channel'],
    (g, s) => {
      for (const { channel, failing } of s.channels ?? []) g.set({ channel }, failing ? 1 : 0);
    },
  );

  return {
    registry,
    countBatch(totals) {
      devices.inc({ status: 'found' }, totals.found);
      devices.inc({ status: 'conflict' }, totals.conflicts);
      devices.inc({ status: 'not_found' }, totals.notFound);
      devices.inc({ status: 'error' }, totals.errors);
    },
    observeGlpiRequest(endpoint, outcome, seconds) {
      const label = endpointLabel(endpoint);
      requests.inc({ endpoint: label, outcome });
      latency.observe({ endpoint: label }, seconds);
    },
    observeRunFinished(status, seconds) {
      runDuration.observe({ status }, seconds);
    },
    setPolling(value) {
      polling.set(value ? 1 : 0);
    },
    observeNotificationAttempt(channel, outcome) {
      notificationAttempts.inc({ channel, outcome });
    },
  };
}
