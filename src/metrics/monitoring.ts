/**
 * The worker's monitoring, wired by a few lines of src/worker.ts: binds the metrics port first
 * (a port in use fails the start before anything else, exit 4), gives the SDK exporter its
 * address, counts GLPI requests and batches, and answers readiness from the live worker, its
 * Temporal connection and the database.
 */
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ServiceConfig } from '../config';
import type { Db } from '../db/client';
import { channelHealth } from '../db/notifications';
import { runSnapshot } from '../db/runs';
import type { DeliveryObserver } from '../activities/notify';
import type { GlpiRequestObserver } from '../glpi/transport';
import { nativeConnectionAlive } from '../temporal/connection';
import { createServiceMetrics, type RunSnapshot, type ServiceMetrics } from './registry';
import { MetricsPortError, requirePortFree, startMetricsServer, type MetricsServer, type Readiness } from './server';

export interface Monitored {
  worker: Worker;
  connection: NativeConnection;
  db: Db;
}

export interface Monitoring {
  /** undefined with METRICS_PORT=0. */
  metrics?: ServiceMetrics;
  glpiObserver?: GlpiRequestObserver;
  /** Counts notification attempts (undefined when metrics are off). */
  deliveryObserver?: DeliveryObserver;
  /** For Runtime.install (src/logging.ts); undefined: no SDK metrics. */
  sdkBindAddress?: string;
  /** The port /metrics listens on (0 when off). */
  port: number;
  attach(parts: Monitored): void;
  close(): Promise<void>;
}

const OFF: Monitoring = { port: 0, attach: () => undefined, close: () => Promise.resolve() };

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startMonitoring(config: ServiceConfig): Promise<Monitoring> {
  const { port, host, sdkPort } = config.metrics;
  if (port === 0) return OFF;
  if (sdkPort !== 0 && sdkPort === port) {
    throw new MetricsPortError(`METRICS_SDK_PORT must differ from METRICS_PORT (both are ${port})`, 'METRICS_SDK_PORT');
  }
  if (sdkPort !== 0) await requirePortFree('127.0.0.1', sdkPort, 'METRICS_SDK_PORT');

  let parts: Monitored | undefined;
  const snapshot = async (): Promise<RunSnapshot> => {
    if (!parts) return {};
    const [runs, channels] = await withTimeout(Promise.all([runSnapshot(parts.db), channelHealth(parts.db)]), 5_000);
    return { ...runs, channels };
  };
  const metrics = createServiceMetrics(snapshot);

  let temporalMisses = 0;
  let calls = 0;
  let applied = 0;
  const readiness = async (): Promise<Readiness> => {
    if (!parts) {
      return { ready: false, checks: { worker: { ok: false, detail: 'starting' } } };
    }
    const { worker, connection, db } = parts;
    const call = ++calls;
    const [temporal, database] = await Promise.all([
      nativeConnectionAlive(connection, 5_000),
      withTimeout(db.$queryRaw`SELECT 1`, 5_000).then(
        () => ({ ok: true }),
        (error: unknown) => ({ ok: false, detail: (error as Error).message.split('\n')[0] }),
      ),
    ]);
    // The state after the checks, not before: the first call comes as the worker starts to run,
    // and a slow answer (a cold database pool) must not leave the gauge at that moment's value.
    const state = worker.getState();
    const polling = state === 'RUNNING';
    // Calls overlap (scrapes, /readyz, the tick): only a newer one than the last applied sets the gauge.
    if (call > applied) {
      applied = call;
      // The gauge drives the no-worker alert: one answer missed by a loaded machine is not an outage,
      // two in a row (the tick runs every 10 s) are. /readyz answers with this check alone.
      temporalMisses = temporal ? 0 : temporalMisses + 1;
      metrics.setPolling(polling && temporalMisses < 2);
    }
    return {
      ready: polling && temporal && database.ok,
      checks: {
        worker: { ok: polling, detail: state.toLowerCase() },
        temporal: { ok: temporal, ...(temporal ? {} : { detail: `no answer from ${config.temporal.address}` }) },
        database,
      },
    };
  };

  const server: MetricsServer = await startMetricsServer({
    host,
    port,
    registry: metrics.registry,
    ...(sdkPort !== 0 && { sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics` }),
    readiness,
  });
  // The polling gauge follows the worker between scrapes too.
  const tick = setInterval(() => void readiness().catch(() => undefined), 10_000);
  tick.unref();

  return {
    metrics,
    glpiObserver: (endpoint, outcome, seconds) => metrics.observeGlpiRequest(endpoint, outcome, seconds),
    deliveryObserver: { attempt: ({ channel, outcome }) => metrics.observeNotificationAttempt(channel, outcome) },
    ...(sdkPort !== 0 && { sdkBindAddress: `127.0.0.1:${sdkPort}` }),
    port: server.port,
    attach(given) {
      parts = given;
      void readiness().catch(() => undefined);
    },
    async close() {
      clearInterval(tick);
      metrics.setPolling(false);
      await server.close();
    },
  };
}
