/**
 * What a run cost Temporal: the executions of its continue-as-new chain, their history
 * lengths and the largest payload any event carried. The chaos scenarios and the secrets
 * audit read the chain; the benchmarks also profile it (bench/lib/profile.ts).
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

export type History = temporal.api.history.v1.IHistory;
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
