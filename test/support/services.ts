/**
 * What a test file needs from the services `npm test` started (see test/run.ts): its own
 * database cloned from the migrated template, a Temporal client, and workers built by the
 * production factory.
 */
import { after, before } from 'node:test';
import { Client as PgClient } from 'pg';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createDb, type Db } from '../../src/db/client';
import { withPg } from '../../src/db/pg';
import { bundleWorkflows, createWorker, type WorkerDeps } from '../../src/worker';
import { installRuntimeLogger } from '../../src/logging';
import { isSet, readSetting } from '../../src/config';
import type { GlpiPort } from '../../src/activities/glpi-port';

// Workers in tests log warnings and errors only (set LOG_LEVEL=INFO to see the run logs).
installRuntimeLogger(isSet('LOG_LEVEL') ? readSetting('LOG_LEVEL') : 'WARN');

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with npm test`);
  return value;
}

export const temporalAddress = () => required('TEMPORAL_ADDRESS');

function admin<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
  const url = new URL(required('TEST_TEMPLATE_DATABASE_URL'));
  url.pathname = '/postgres';
  return withPg(url.toString(), fn);
}

let databases = 0;

/** A fresh, migrated database of this test file's own, dropped when the file ends. */
export async function testDatabase(): Promise<{ url: string; db: Db }> {
  const template = new URL(required('TEST_TEMPLATE_DATABASE_URL'));
  const name = `${template.pathname.slice(1)}_f${process.pid}_${(databases += 1)}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template.pathname.slice(1)}"`));
  const url = new URL(template.toString());
  url.pathname = `/${name}`;
  const db = createDb(url.toString());
  after(async () => {
    await db.$disconnect();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  });
  return { url: url.toString(), db };
}

export async function temporalClient(): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress() });
  after(() => connection.close());
  return new Client({ connection });
}

/**
 * Temporal's time-skipping test server (the binary npm test points to), started before the
 * calling suite's tests and torn down after them: a workflow waiting on a timer or a retry
 * moves its clock on at once. Call it in a describe(); the getter is usable inside its tests.
 */
export function timeSkippingEnvironment(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  before(async () => {
    const path = required('TEMPORAL_TEST_SERVER_PATH');
    env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  });
  after(() => env?.teardown());
  return () => {
    if (!env) throw new Error('the time-skipping environment is used outside its suite');
    return env;
  };
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The workflow bundle, built once per test process (webpack takes seconds). */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflows();
  return bundle;
}

let queues = 0;
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${(queues += 1)}-${Date.now()}`;
}

export interface RunningWorker {
  worker: Worker;
  taskQueue: string;
  /** Resolves when the worker has stopped. */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

/** A worker built by the production factory, on its own task queue, running until stop(). */
export async function startWorker(deps: {
  db: Db;
  glpi: GlpiPort;
  taskQueue?: string;
  activityOverrides?: WorkerDeps['activityOverrides'];
  notify?: WorkerDeps['notify'];
}): Promise<RunningWorker> {
  const taskQueue = deps.taskQueue ?? uniqueTaskQueue();
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    db: deps.db,
    glpi: deps.glpi,
    workflowBundle: await workflowBundle(),
    shutdownGraceSeconds: 1,
    activityOverrides: deps.activityOverrides,
    notify: deps.notify,
  });
  const stopped = worker.run().finally(() => connection.close());
  let stopping: Promise<void> | undefined;
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    stopping ??= stopped;
    return stopping;
  };
  after(stop);
  return { worker, taskQueue, stopped, stop };
}
