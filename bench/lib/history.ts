/**
 * What a run cost Temporal: the executions of its continue-as-new chain, their history
 * lengths, the largest payload any event carried, and activity timings read from the event
 * times (the profile used to explain where the wall time went).
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface ExecutionHistory {
  runId: string;
  /** `describe().historyLength` of this execution. */
  historyLength: number;
  history: History;
}

export interface PayloadLocation {
  bytes: number;
  /** e.g. "ActivityTaskCompleted(checkBatch).result.payloads[0]". */
  where: string;
}

export interface ChainStats {
  executions: number;
  /** Sum of the history lengths over the chain. */
  totalEvents: number;
  /** The longest single execution. */
  maxEvents: number;
  largestPayload: PayloadLocation;
}

/**
 * Follows the chain from its first execution through every continue-as-new, by the run id
 * each ContinuedAsNew event names: exact, where listing by workflow id depends on visibility.
 */
export async function fetchChain(client: Client, workflowId: string, firstRunId: string): Promise<ExecutionHistory[]> {
  const chain: ExecutionHistory[] = [];
  for (let runId: string | null | undefined = firstRunId; runId; runId = nextRunId(chain[chain.length - 1].history)) {
    const handle = client.workflow.getHandle(workflowId, runId);
    const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    chain.push({ runId, historyLength: description.historyLength, history });
  }
  return chain;
}

function nextRunId(history: History): string | null | undefined {
  return history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
}

/** The executions visibility lists for a workflow id on one task queue (a cross-check of fetchChain). */
export async function listExecutions(client: Client, workflowId: string, taskQueue: string): Promise<string[]> {
  const runIds: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    if (execution.taskQueue === taskQueue) runIds.push(execution.runId);
  }
  return runIds;
}

export function chainStats(chain: ExecutionHistory[]): ChainStats {
  let largest: PayloadLocation = { bytes: 0, where: 'none' };
  for (const execution of chain) {
    const candidate = largestPayload(execution.history);
    if (candidate.bytes > largest.bytes) largest = candidate;
  }
  return {
    executions: chain.length,
    totalEvents: chain.reduce((sum, e) => sum + e.historyLength, 0),
    maxEvents: Math.max(0, ...chain.map((e) => e.historyLength)),
    largestPayload: largest,
  };
}

function eventTypeName(event: HistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? 'UNKNOWN';
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

function isPayload(value: object): value is { data: Uint8Array; metadata?: unknown } {
  return 'data' in value && value.data instanceof Uint8Array && 'metadata' in value;
}

/** Every payload in an event (inputs, results, failures' details, heartbeat details carried by timeouts). */
function* payloadsIn(value: unknown, path: string): Generator<PayloadLocation> {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  if (isPayload(value)) {
    yield { bytes: value.data.byteLength, where: path };
    return;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* payloadsIn(value[i], `${path}[${i}]`);
    return;
  }
  for (const [key, child] of Object.entries(value)) {
    if (child !== null && typeof child === 'object') yield* payloadsIn(child, path ? `${path}.${key}` : key);
  }
}

export function largestPayload(history: History): PayloadLocation {
  const activityTypes = new Map<number, string>();
  let largest: PayloadLocation = { bytes: 0, where: 'none' };
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) activityTypes.set(Number(event.eventId), scheduled.activityType?.name ?? '?');
    const attributes = Object.entries(event as Record<string, unknown>).find(([key]) =>
      key.endsWith('EventAttributes'),
    );
    if (!attributes) continue;
    const value = attributes[1];
    const scheduledId = (value as { scheduledEventId?: unknown } | null)?.scheduledEventId;
    const activity = scheduled
      ? scheduled.activityType?.name
      : scheduledId
        ? activityTypes.get(Number(scheduledId))
        : undefined;
    const label = `${eventTypeName(event)}${activity ? `(${activity})` : ''}`;
    for (const found of payloadsIn(value, '')) {
      if (found.bytes > largest.bytes) largest = { bytes: found.bytes, where: `${label}.${found.where}` };
    }
  }
  return largest;
}

export interface ActivityTimings {
  count: number;
  /** Scheduled → started: how long the task waited for a worker slot. */
  meanQueueMs: number;
  /** Started → completed. */
  meanRunMs: number;
  p95RunMs: number;
  totalRunMs: number;
}

export interface RunProfile {
  activities: Record<string, ActivityTimings>;
  /** Mean time from a batch's completion to the next batch being scheduled (a workflow task round trip). */
  meanRescheduleMs: number;
  workflowTasks: number;
  meanWorkflowTaskMs: number;
}

function percentileOf(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Timings from the event times of a whole chain. */
export function runProfile(chain: ExecutionHistory[]): RunProfile {
  const runs = new Map<string, { queue: number[]; run: number[] }>();
  const reschedules: number[] = [];
  const workflowTaskDurations: number[] = [];
  for (const { history } of chain) {
    const scheduledAt = new Map<number, { type: string; at: number }>();
    const startedAt = new Map<number, number>();
    let lastBatchCompletedAt: number | undefined;
    let workflowTaskStartedAt: number | undefined;
    for (const event of history.events ?? []) {
      const at = tsToMs(event.eventTime);
      const id = Number(event.eventId);
      if (event.activityTaskScheduledEventAttributes) {
        const type = event.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
        scheduledAt.set(id, { type, at });
        if (type === 'checkBatch' && lastBatchCompletedAt !== undefined) {
          reschedules.push(at - lastBatchCompletedAt);
          lastBatchCompletedAt = undefined;
        }
      } else if (event.activityTaskStartedEventAttributes) {
        startedAt.set(Number(event.activityTaskStartedEventAttributes.scheduledEventId), at);
      } else if (event.activityTaskCompletedEventAttributes) {
        const scheduledId = Number(event.activityTaskCompletedEventAttributes.scheduledEventId);
        const scheduled = scheduledAt.get(scheduledId);
        const started = startedAt.get(scheduledId);
        if (scheduled && started !== undefined) {
          const entry = runs.get(scheduled.type) ?? { queue: [], run: [] };
          entry.queue.push(started - scheduled.at);
          entry.run.push(at - started);
          runs.set(scheduled.type, entry);
          if (scheduled.type === 'checkBatch') lastBatchCompletedAt ??= at;
        }
      } else if (event.workflowTaskStartedEventAttributes) {
        workflowTaskStartedAt = at;
      } else if (event.workflowTaskCompletedEventAttributes && workflowTaskStartedAt !== undefined) {
        workflowTaskDurations.push(at - workflowTaskStartedAt);
        workflowTaskStartedAt = undefined;
      }
    }
  }
  const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0);
  const activities: Record<string, ActivityTimings> = {};
  for (const [type, { queue, run }] of runs) {
    const sorted = [...run].sort((a, b) => a - b);
    activities[type] = {
      count: run.length,
      meanQueueMs: Math.round(mean(queue)),
      meanRunMs: Math.round(mean(run)),
      p95RunMs: Math.round(percentileOf(sorted, 95)),
      totalRunMs: Math.round(run.reduce((a, b) => a + b, 0)),
    };
  }
  return {
    activities,
    meanRescheduleMs: Math.round(mean(reschedules)),
    workflowTasks: workflowTaskDurations.length,
    meanWorkflowTaskMs: Math.round(mean(workflowTaskDurations)),
  };
}
