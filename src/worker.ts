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
import { loadConfig, type ServiceConfig } from './config';
import { createDb, type Db } from './db/client';
import { createGlpiPort } from './glpi/port';
import { installRuntimeLogger } from './logging';

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
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: { ...createActivities({ db: deps.db, glpi: deps.glpi }), ...deps.activityOverrides },
    maxConcurrentActivityTaskExecutions: deps.maxConcurrentActivities ?? 8,
    shutdownGraceTime: `${deps.shutdownGraceSeconds ?? 30}s`,
    ...(deps.identity ? { identity: deps.identity } : {}),
  });
}

/** Runs a worker from the environment's configuration until SIGINT/SIGTERM. */
export async function runWorker(config: ServiceConfig = loadConfig()): Promise<void> {
  installRuntimeLogger(config.logLevel);
  const glpi = createGlpiPort(undefined, { logger: Runtime.instance().logger });
  const db = createDb(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      glpi,
      maxConcurrentActivities: config.worker.maxConcurrentActivities,
      shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
    });
    console.log(
      `Worker polling task queue ${config.temporal.taskQueue} on ${config.temporal.address} ` +
        `(namespace ${config.temporal.namespace})`,
    );
    await worker.run();
  } finally {
    await connection.close();
    await db.$disconnect();
    glpi.close();
  }
}

if (require.main === module) {
  runWorker().catch((error: unknown) => {
    console.error(`worker: ${(error as Error).message}`);
    process.exit(1);
  });
}
