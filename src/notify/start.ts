/**
 * Starting a run's notification from outside the run: a terminated check runs no more code of
 * its own, so `npm run cleanup` starts its notifyRun (same id and key as the check would have used).
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { notifyRun } from '../workflows';

export async function notifyTerminatedRun(
  client: Client,
  taskQueue: string,
  run: { workflowId: string; runId: string; checkRunId: number; reason: string },
): Promise<void> {
  try {
    await client.workflow.start(notifyRun, {
      taskQueue,
      workflowId: `notify-${run.workflowId}-${run.runId}`,
      args: [
        {
          kind: 'run',
          workflowId: run.workflowId,
          runId: run.runId,
          checkRunId: run.checkRunId,
          outcome: 'cancelled',
          reason: run.reason,
        },
      ],
    });
  } catch (error) {
    // The check got to notify before it was terminated: nothing to add.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
