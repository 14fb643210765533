/**
 * Run rows still `running` in the database whose workflow is not running any more: a run
 * terminated in the Temporal UI, a workflow that failed before this code closed its row, a
 * history that was reset or deleted. Nothing will ever close them by itself; `npm run doctor`
 * reports them and `npm run cleanup` closes them, both through this module.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from './db/client';
import { closeRun, runningRuns } from './db/runs';
import type { RunOutcome } from './core/results';

export interface OrphanedRun {
  checkRunId: number;
  workflowId: string;
  runId: string;
  startedAt: Date;
  /** What Temporal says of the run's execution chain: TERMINATED, FAILED, … or NOT_FOUND. */
  temporalStatus: string;
}

/**
 * The status of a run's execution chain, identified by its workflow id and its first run id
 * (continue-as-new keeps the first; a later chain may reuse the workflow id).
 */
async function chainStatus(client: Client, workflowId: string, firstRunId: string): Promise<string> {
  try {
    const latest = await client.workflow.getHandle(workflowId).describe();
    const latestFirst = latest.raw.workflowExecutionInfo?.firstRunId ?? latest.runId;
    if (latestFirst === firstRunId) return latest.status.name;
    // A newer chain holds the workflow id, so this one has ended: how, its first execution says.
    const first = await client.workflow.getHandle(workflowId, firstRunId).describe();
    return first.status.name === 'CONTINUED_AS_NEW' ? 'ENDED' : first.status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}

/** Rows `running` in the database whose workflow chain is not running in Temporal. */
export async function findOrphanedRuns(client: Client, db: Db): Promise<OrphanedRun[]> {
  const orphans: OrphanedRun[] = [];
  for (const row of await runningRuns(db)) {
    const status = await chainStatus(client, row.workflowId, row.runId);
    if (status === 'RUNNING') continue;
    // The run may have closed its row between the two reads: only a row still running counts.
    const still = await db.checkRun.findUnique({ where: { id: row.id }, select: { status: true } });
    if (still?.status !== 'running') continue;
    orphans.push({
      checkRunId: row.id,
      workflowId: row.workflowId,
      runId: row.runId,
      startedAt: row.startedAt,
      temporalStatus: status,
    });
  }
  return orphans;
}

/** One line per orphan, for doctor and cleanup. */
export function describeOrphan(orphan: OrphanedRun): string {
  return `run ${orphan.checkRunId} (${orphan.workflowId}, started ${orphan.startedAt.toISOString()}): workflow ${orphan.temporalStatus.toLowerCase().replace(/_/g, ' ')}`;
}

/**
 * Closes orphaned rows with the totals of the results they hold: a workflow that was
 * terminated or cancelled gives `cancelled`, anything else `failed`; the reason says who closed it.
 */
export async function closeOrphanedRuns(db: Db, orphans: readonly OrphanedRun[], closedBy: string): Promise<number> {
  let closed = 0;
  for (const orphan of orphans) {
    const outcome: RunOutcome =
      orphan.temporalStatus === 'TERMINATED' || orphan.temporalStatus === 'CANCELLED' ? 'cancelled' : 'failed';
    const reason =
      `its workflow ${orphan.workflowId} is ${orphan.temporalStatus.toLowerCase().replace(/_/g, ' ')} in Temporal ` +
      `but the run was still marked running: closed by ${closedBy}`;
    const before = await db.checkRun.findUnique({ where: { id: orphan.checkRunId }, select: { status: true } });
    if (before?.status !== 'running') continue;
    await closeRun(db, orphan.checkRunId, outcome, reason);
    closed += 1;
  }
  return closed;
}
