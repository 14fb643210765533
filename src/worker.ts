/**
 * The worker: the one process that runs check workflows and their activities.
 * Workflows and activities are registered here and nowhere else.
 */
import {
  NativeConnection,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities, type CheckActivities } from './activities';
import type { GlpiPort } from './activities/glpi-port';
import { defaultOf, loadConfig, type ServiceConfig } from './config';
import { createDb, type Db } from './db/client';
import { pendingMigrations } from './db/migrate';
import { redactDatabaseUrl } from './db/url';
import { GlpiClient, loadGlpiConfig, type GlpiConfig } from './glpi';
import { installRuntimeLogger } from './logging';
import { connectClient } from './client';
import { daylightSavingWarning, ensureSchedule } from './schedule';

export const WORKFLOWS_PATH = require.resolve('./workflows');

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: Db;
  glpi: GlpiPort;
  maxConcurrentActivities?: number;
  shutdownGraceSeconds?: number;
  /** A prebuilt bundle skips webpack at start (tests build it once per process). */
  workflowBundle?: WorkflowBundleWithSourceMap;
  identity?: string;
  /** Tests replace single activities (e.g. a batch that always fails) and keep the rest real. */
  activityOverrides?: Partial<CheckActivities>;
}

export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    // Bundled here rather than by Worker.create, whose webpack report fills the log at INFO.
    workflowBundle: deps.workflowBundle ?? (await bundleWorkflows()),
    activities: { ...createActivities({ db: deps.db, glpi: deps.glpi }), ...deps.activityOverrides },
    maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities ?? defaultOf('WORKER_MAX_CONCURRENT_ACTIVITIES'),
    shutdownGraceTime: `${deps.shutdownGraceSeconds ?? defaultOf('WORKER_SHUTDOWN_GRACE_SECONDS')}s`,
    ...(deps.identity ? { identity: deps.identity } : {}),
  });
}

/** WORKER_ENSURE_SCHEDULE=true: the worker creates or updates the daily schedule as it starts. */
async function ensureScheduleAtStart(config: ServiceConfig): Promise<void> {
  const client = await connectClient(config);
  try {
    const outcome = await ensureSchedule(client, config);
    console.log(
      `Schedule ${config.schedule.id} ${outcome}: daily at ${config.schedule.time} ${config.schedule.timezone}`,
    );
    const warning = daylightSavingWarning(config);
    if (warning) console.warn(`warning: ${warning}`);
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
  config: ServiceConfig = loadConfig(),
  glpiConfig: GlpiConfig = loadGlpiConfig(),
): Promise<RunningWorker> {
  installRuntimeLogger(config.logLevel);
  if (config.worker.ensureSchedule) await ensureScheduleAtStart(config);
  const glpi = new GlpiClient(glpiConfig, { logger: Runtime.instance().logger });
  await requireMigratedDatabase(config.databaseUrl);
  const db = createDb(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporal.address }).catch((error: unknown) => {
    throw new Error(
      `cannot reach Temporal at ${config.temporal.address} (${(error as Error).message.split('\n')[0]}); ` +
        'start one with npm run dev, or set TEMPORAL_ADDRESS',
    );
  });
  const cleanup = async () => {
    await connection.close();
    await db.$disconnect();
    glpi.close();
  };
  let worker: Worker;
  try {
    worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      glpi,
      maxConcurrentActivities: config.worker.maxConcurrentActivities,
      shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
  // A plain line whatever LOG_LEVEL says: scripts and tests wait for it.
  console.log(
    `Worker polling task queue ${config.temporal.taskQueue} on ${config.temporal.address} ` +
      `(namespace ${config.temporal.namespace})`,
  );
  return { worker, done: worker.run().finally(cleanup) };
}
