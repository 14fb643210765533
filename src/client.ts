/**
 * Client-side entry points: starting checks (or attaching to the one already running),
 * reading their progress and results. The CLI commands are thin layers over these.
 */
import { type Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { defaultOf, type ServiceConfig } from './config';
import { databaseNameOf } from './db/identity';
import { connectTemporalClient } from './temporal/connection';
import { useSearchAttributes } from './temporal/search-attributes';
import { CHECK_TRIGGER } from './workflows/search-attributes';
import { checkAllDevices, checkDevices, progressQuery } from './workflows';
import type { CheckOptions, Progress, RunDatabase, RunReport } from './workflows/types';

/** Every workflow type a client may start; the worker must register each (see test/registration.test.ts). */
export const STARTABLE_WORKFLOWS = [checkAllDevices.name, checkDevices.name] as const;

/**
 * Manual full checks share one workflow id: two operators (or twenty scripts) starting a
 * check at once get the same run. Scheduled runs get `<schedule workflow id>-<time>` from
 * the server, so a manual start also looks for any running full check first.
 */
export const FULL_CHECK_WORKFLOW_ID = 'check-all-devices';

/**
 * The manual full check's workflow id on a task queue: `check-all-devices` on the default queue,
 * `check-all-devices-<queue>` on another one, so that two stacks sharing a Temporal namespace
 * (the demo beside `npm run dev`) never attach to each other's run.
 */
export function fullCheckWorkflowId(taskQueue: string): string {
  return taskQueue === defaultOf('TASK_QUEUE') ? FULL_CHECK_WORKFLOW_ID : `${FULL_CHECK_WORKFLOW_ID}-${taskQueue}`;
}

/** A value inside a visibility query's single quotes. */
function quotedValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export { NotTemporalError, TemporalRefusedError, TemporalUnreachableError } from './temporal/connection';

/**
 * A client on the configured connection (envconfig profile + TEMPORAL_* variables), proven with
 * a first call: a web server answering HTTP/2 (the UI's port, a proxy) would otherwise accept
 * the connection and only fail the first real call, as an opaque "Failed to list workflows".
 */
export function connectClient(config: ServiceConfig): Promise<Client> {
  return connectTemporalClient(config.temporal);
}

export interface StartedCheck {
  handle: WorkflowHandle;
  workflowId: string;
  runId: string;
  /** True when a check was already running and this call attached to it. */
  attached: boolean;
}

export function workflowUiLink(config: ServiceConfig, workflowId: string, runId?: string): string {
  const base = `${config.temporal.uiUrl}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}` : base;
}

export interface RunningCheck {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** When this execution started (after continue-as-new: when the latest execution started). */
  startTime: Date;
}

/**
 * Running check workflows of the given types (default: all of them), newest first; with
 * `taskQueue`, only those of that queue (another stack's runs on the same namespace are not ours).
 */
export async function runningChecks(
  client: Client,
  types: readonly string[] = STARTABLE_WORKFLOWS,
  taskQueue?: string,
): Promise<RunningCheck[]> {
  const typeFilter = types.map((t) => `WorkflowType = '${t}'`).join(' OR ');
  const queueFilter = taskQueue ? ` AND TaskQueue = ${quotedValue(taskQueue)}` : '';
  const found: RunningCheck[] = [];
  const query = `(${typeFilter}) AND ExecutionStatus = 'Running'${queueFilter}`;
  for await (const execution of client.workflow.list({ query })) {
    found.push({
      workflowId: execution.workflowId,
      runId: execution.runId,
      workflowType: execution.type,
      startTime: execution.startTime,
    });
  }
  return found.sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
}

/**
 * When a running check began. Continue-as-new starts a new execution, so ask the workflow
 * itself (it knows when it was planned) and fall back on the execution's start when no
 * worker can answer.
 */
export async function runStartedAt(client: Client, run: RunningCheck): Promise<Date> {
  try {
    const progress = await queryProgress(client.workflow.getHandle(run.workflowId, run.runId));
    return progress.phase === 'planning' ? run.startTime : new Date(progress.startedAt);
  } catch {
    return run.startTime;
  }
}

/** The running full checks (manual or scheduled) of a task queue, newest first. */
export function runningFullChecks(client: Client, taskQueue?: string): Promise<RunningCheck[]> {
  return runningChecks(client, [checkAllDevices.name], taskQueue);
}

async function attachedTo(client: Client, workflowId: string): Promise<StartedCheck> {
  const description = await client.workflow.getHandle(workflowId).describe();
  return {
    handle: client.workflow.getHandle(workflowId, description.runId),
    workflowId,
    runId: description.runId,
    attached: true,
  };
}

export async function startFullCheck(
  client: Client,
  config: ServiceConfig,
  options: CheckOptions = {},
): Promise<StartedCheck> {
  const [running] = await runningFullChecks(client, config.temporal.taskQueue);
  if (running) return attachedTo(client, running.workflowId);
  const workflowId = fullCheckWorkflowId(config.temporal.taskQueue);
  try {
    const searchAttributes = await useSearchAttributes(client, config.temporal.namespace);
    const handle = await client.workflow.start(checkAllDevices, {
      workflowId,
      taskQueue: config.temporal.taskQueue,
      args: [
        { ...checkOptionsFrom(config), ...options, trigger: 'manual', ...(searchAttributes && { searchAttributes }) },
      ],
      ...(searchAttributes && { typedSearchAttributes: [{ key: CHECK_TRIGGER, value: 'manual' }] }),
      staticSummary: 'Full check of the inventory (manual)',
      workflowIdConflictPolicy: 'FAIL',
    });
    return { handle, workflowId: handle.workflowId, runId: handle.firstExecutionRunId, attached: false };
  } catch (error) {
    // Someone else started it between our look and our start: join that run.
    if (error instanceof WorkflowExecutionAlreadyStartedError) return attachedTo(client, workflowId);
    throw error;
  }
}

export async function startDeviceCheck(
  client: Client,
  config: ServiceConfig,
  devices: string[],
  options: CheckOptions = {},
): Promise<StartedCheck> {
  const workflowId = `check-devices-${new Date().toISOString().replace(/[:.]/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
  const searchAttributes = await useSearchAttributes(client, config.temporal.namespace);
  const handle = await client.workflow.start(checkDevices, {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [{ ...checkOptionsFrom(config), ...options, devices, ...(searchAttributes && { searchAttributes }) }],
    ...(searchAttributes && { typedSearchAttributes: [{ key: CHECK_TRIGGER, value: 'devices' }] }),
    staticSummary: `Check of ${devices.length} device${devices.length === 1 ? '' : 's'} (devices)`,
  });
  return { handle, workflowId, runId: handle.firstExecutionRunId, attached: false };
}

/**
 * The run tunables the starting command's configuration sets, passed as workflow input, with
 * the database the run belongs to (a worker of another database refuses it).
 */
export function checkOptionsFrom(config: ServiceConfig): CheckOptions & RunDatabase {
  return {
    database: databaseNameOf(config.databaseUrl),
    batchSize: config.check.batchSize,
    batchConcurrency: config.check.batchConcurrency,
    retryInitialSeconds: config.check.retryInitialSeconds,
    historyEventLimit: config.check.historyEventLimit,
    heartbeatTimeoutSeconds: config.check.heartbeatTimeoutSeconds,
    compareFields: config.check.compareFields,
    staleDays: config.check.staleDays,
    retiredStates: config.check.retiredStates,
    strategy: config.check.strategy,
    reverse: config.check.reverse,
  };
}

/**
 * The progress of a run. A query needs a worker to answer it: with none polling, the call
 * would wait for the whole gRPC deadline, so give up after a few seconds instead.
 */
export function queryProgress(handle: WorkflowHandle, timeoutMs = 3_000): Promise<Progress> {
  return handle.client.connection.withDeadline(Date.now() + timeoutMs, () => handle.query(progressQuery));
}

export function waitForReport(handle: WorkflowHandle): Promise<RunReport> {
  return handle.result() as Promise<RunReport>;
}

/**
 * How recent a poller's last poll must be for the worker to count as alive. A worker polls
 * again as soon as a long poll returns (at most about a minute), but Temporal keeps listing a
 * poller for minutes after its process died (SIGKILL): only a poll within this window counts.
 */
export const LIVE_POLLER_SECONDS = 70;

export interface TaskQueuePollers {
  /** Identities of the workers that polled within LIVE_POLLER_SECONDS. */
  workflow: string[];
  activity: string[];
  backlog: number;
  /** Pollers Temporal still lists but whose last poll is older: gone, most likely. */
  stale: { identity: string; lastPollAgeMs: number }[];
  /** The age of the most recent poll of each live worker. */
  lastPollAgeMs: Record<string, number>;
}

/** Workers seen polling the task queue recently (workflow and activity pollers). */
export async function taskQueuePollers(
  client: Client,
  config: ServiceConfig,
  now = Date.now(),
): Promise<TaskQueuePollers> {
  const describe = async (taskQueueType: temporal.api.enums.v1.TaskQueueType) =>
    client.workflowService.describeTaskQueue({
      namespace: config.temporal.namespace,
      taskQueue: { name: config.temporal.taskQueue },
      taskQueueType,
      reportStats: true,
    });
  const types = temporal.api.enums.v1.TaskQueueType;
  const [workflow, activity] = await Promise.all([
    describe(types.TASK_QUEUE_TYPE_WORKFLOW),
    describe(types.TASK_QUEUE_TYPE_ACTIVITY),
  ]);
  const stale = new Map<string, number>();
  const lastPollAgeMs: Record<string, number> = {};
  const live = (r: typeof workflow) =>
    (r.pollers ?? []).flatMap((p) => {
      const identity = p.identity ?? 'unknown';
      const seconds = Number(p.lastAccessTime?.seconds ?? 0);
      const ageMs = seconds > 0 ? Math.max(0, now - seconds * 1000) : Number.POSITIVE_INFINITY;
      if (ageMs > LIVE_POLLER_SECONDS * 1000) {
        stale.set(identity, Math.min(stale.get(identity) ?? ageMs, ageMs));
        return [];
      }
      lastPollAgeMs[identity] = Math.min(lastPollAgeMs[identity] ?? ageMs, ageMs);
      return [identity];
    });
  const backlog = (r: typeof workflow) => Number(r.stats?.approximateBacklogCount ?? 0);
  const result = {
    workflow: live(workflow),
    activity: live(activity),
    backlog: backlog(workflow) + backlog(activity),
    lastPollAgeMs,
  };
  return {
    ...result,
    stale: [...stale]
      .filter(([identity]) => !(identity in lastPollAgeMs))
      .map(([identity, lastPollAgeMs]) => ({ identity, lastPollAgeMs })),
  };
}
