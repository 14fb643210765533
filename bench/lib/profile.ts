/**
 * Where a benchmarked run's wall time went, read from its history: activity timings from the
 * event times, the round trip between batches, the workflow tasks.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { ExecutionHistory } from '../../test/support/history';

/** The executions visibility lists for a workflow id on one task queue (a cross-check of fetchChain). */
export async function listExecutions(client: Client, workflowId: string, taskQueue: string): Promise<string[]> {
  const runIds: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    if (execution.taskQueue === taskQueue) runIds.push(execution.runId);
  }
  return runIds;
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
