/**
 * The worker: the one process that runs check workflows and their activities.
 * Workflows and activities are registered here and nowhere else.
 */
import {
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleOption,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, createNotifyActivities, withRetryLadder, type CheckActivities } from './activities';
import type { GlpiPort } from './activities/glpi-port';
import type { NotifyDeps } from './activities/notify';
import { loadNotifyConfig } from './notify/config';
import { glpiWebBase } from './reports/glpi-links';
import { defaultOf, loadConfig, type ServiceConfig } from './config';
import { createDb, type Db } from './db/client';
import { pendingMigrations } from './db/migrate';
import { redactDatabaseUrl } from './db/url';
import { GlpiClient, loadGlpiConfig, type GlpiConfig } from './glpi';
import { announce, installRuntimeLogger } from './logging';
import { metricsInterceptor } from './metrics/interceptor';
import { startMonitoring } from './metrics/monitoring';
import type { ServiceMetrics } from './metrics/registry';
import { connectClient } from './client';
import { connectNative } from './temporal/connection';
import { daylightSavingWarning, ensureSchedule } from './schedule';
import { quietBundlerLogger, verifiedWorkflowBundle } from './workflow-bundle';

export const WORKFLOWS_PATH = require.resolve('./workflows');

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  glpi: GlpiPort;
  maxConcurrentActivities?: number;
  shutdownGraceSeconds?: number;
  /** A prebuilt bundle skips webpack at start (tests build it once per process; the build's worker loads lib/bundle). */
  workflowBundle?: WorkflowBundleOption;
  identity?: string;
  /** The notification channels; none when absent (tests that do not notify). */
  notify?: NotifyDeps;
  /** Tests replace single activities (e.g. a batch that always fails) and keep the rest real. */
  activityOverrides?: Partial<CheckActivities>;
  /** The worker's metrics (src/metrics): batches and runs are counted as they settle. */
  metrics?: ServiceMetrics;
}

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

/**
 * Compiled (lib/worker.js, `npm start`): the prebuilt bundle of `npm run build`, refused when the
 * sources changed since. From the sources (`npm run worker`, tsx): undefined, webpack bundles at start.
 */
export function prebuiltBundle(): WorkflowBundleOption | undefined {
  return __filename.endsWith('.js') ? { codePath: verifiedWorkflowBundle().codePath } : undefined;
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    // Bundled here rather than by Worker.create, whose webpack report fills the log at INFO.
    workflowBundle: deps.workflowBundle ?? (await bundleWorkflows()),
    activities: {
      // Overrides (tests) run on the retry ladder too, like the activities they replace.
      ...withRetryLadder({ ...createActivities({ db: deps.db, glpi: deps.glpi }), ...deps.activityOverrides }),
      // Notifications keep their own retry policy (a channel's backoff, not the GLPI ladder).
      ...createNotifyActivities(deps.db, deps.notify),
    },
    maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities ?? defaultOf('WORKER_MAX_CONCURRENT_ACTIVITIES'),
    shutdownGraceTime: `${deps.shutdownGraceSeconds ?? defaultOf('WORKER_SHUTDOWN_GRACE_SECONDS')}s`,
    // A workflow task queued for a dead worker's sticky queue moves to the shared queue after
    // this (default 10 s): part of how fast a run goes on after a crash.
    stickyQueueScheduleToStartTimeout: '5s',
    ...(deps.identity ? { identity: deps.identity } : {}),
    ...(deps.metrics && { interceptors: { activity: [metricsInterceptor(deps.metrics)] } }),
  });
}

/** WORKER_ENSURE_SCHEDULE=true: the worker creates or updates the daily schedule as it starts. */
async function ensureScheduleAtStart(config: ServiceConfig): Promise<void> {
  const client = await connectClient(config);
  try {
    const outcome = await ensureSchedule(client, config);
    announce(`Schedule ${config.schedule.id} ${outcome}: daily at ${config.schedule.time} ${config.schedule.timezone}`);
    const warning = daylightSavingWarning(config);
    if (warning) announce(`warning: ${warning}`, 'err');
  } finally {
    await client.connection.close();
  }
}

/** A worker against a missing or outdated database would only fail batch after batch: refuse to start. */
async function requireMigratedDatabase(url: string): Promise<void> {
  let pending: string[];
  try {
    pending = await pendingMigrations(url);
  } catch (error) {
    throw new Error(`cannot use the database ${redactDatabaseUrl(url)}: ${(error as Error).message}`);
  }
  if (pending.length > 0) {
    throw new Error(
      `the database ${redactDatabaseUrl(url)} lacks migrations ${pending.join(', ')}: run npm run db:migrate`,
    );
  }
}

export interface RunningWorker {
  worker: Worker;
  /** Settles when the worker has stopped and its connections are closed. */
  done: Promise<void>;
}

/**
 * Starts a worker with the given configuration (by default the environment's). It runs until
 * SIGINT/SIGTERM (Temporal's runtime turns them into a graceful shutdown) or worker.shutdown().
 */
export async function startConfiguredWorker(
  givenConfig?: ServiceConfig,
  givenGlpiConfig?: GlpiConfig,
): Promise<RunningWorker> {
  // First: a stale build must not start anything (no port bound, no schedule ensured, no connection opened).
  const workflowBundle = prebuiltBundle();
  const config = givenConfig ?? loadConfig();
  const glpiConfig = givenGlpiConfig ?? loadGlpiConfig();
  // The metrics port next: one in use fails the start before anything else (exit 4).
  const monitoring = await startMonitoring(config);
  installRuntimeLogger(config.logLevel, undefined, {
    format: config.logFormat,
    prometheusBindAddress: monitoring.sdkBindAddress,
  });
  // Read (and checked) at start: a wrong notification setting stops the worker with its name.
  let notify: NotifyDeps;
  try {
    notify = {
      config: loadNotifyConfig(),
      glpiWebBase: glpiWebBase(),
      ...(monitoring.deliveryObserver && { observer: monitoring.deliveryObserver }),
    };
  } catch (error) {
    await monitoring.close();
    throw error;
  }
  let connection: NativeConnection | undefined;
  let db: Db | undefined;
  let glpi: GlpiClient | undefined;
  const cleanup = async () => {
    await monitoring.close();
    await connection?.close();
    await db?.$disconnect();
    glpi?.close();
  };
  let worker: Worker;
  try {
    if (config.worker.ensureSchedule) await ensureScheduleAtStart(config);
    glpi = new GlpiClient(glpiConfig, { logger: Runtime.instance().logger, observer: monitoring.glpiObserver });
    await requireMigratedDatabase(config.databaseUrl);
    db = createDb(config.databaseUrl);
    connection = await connectNative(config.temporal);
    worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      glpi,
      notify,
      maxConcurrentActivities: config.worker.maxConcurrentActivities,
      shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
      metrics: monitoring.metrics,
      workflowBundle,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  monitoring.attach({ worker, connection, db });
  // A line whatever LOG_LEVEL says: scripts and tests wait for it.
  announce(
    `Worker polling task queue ${config.temporal.taskQueue} on ${config.temporal.address} ` +
      `(namespace ${config.temporal.namespace})` +
      (monitoring.port ? `; metrics on http://${config.metrics.host}:${monitoring.port}/metrics` : ''),
  );
  return { worker, done: worker.run().finally(cleanup) };
}
