/**
 * The workflows the worker registers. Every workflow a client can start is exported from
 * here, and test/registration.test.ts fails if the worker does not register one of them
 * (the old system's lost nights came from exactly that).
 */
import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { runCheck, type RunIdentity } from './check-run';
import type { RunTrigger } from '../core/results';
import type { CheckAllDevicesInput, CheckDevicesInput, RunReport } from './types';

export { progressQuery } from './check-run';
export { notifyRun, watchNightlyRun } from './notify';

/** This execution chain's run: the chain's first run id names it in the database. */
function runOf(trigger: RunTrigger, database: string | undefined): RunIdentity {
  const { workflowId, firstExecutionRunId } = workflowInfo();
  return { workflowId, runId: firstExecutionRunId, trigger, ...(database ? { database } : {}) };
}

/** The nightly job: every active device of the inventory. */
export async function checkAllDevices(input: CheckAllDevicesInput = {}): Promise<RunReport> {
  const { resume, trigger = 'manual', database, searchAttributes, ...options } = input;
  return runCheck({
    options,
    resume,
    visibility: { trigger, searchAttributes: searchAttributes === true },
    run: runOf(trigger, database),
    continueWith: (state) => continueAsNew<typeof checkAllDevices>({ ...input, resume: state }),
  });
}

/** One or several devices, by serial or id, under a run of their own. */
export async function checkDevices(input: CheckDevicesInput): Promise<RunReport> {
  const { resume, devices, database, searchAttributes, ...options } = input;
  return runCheck({
    options,
    resume,
    visibility: { trigger: 'devices', searchAttributes: searchAttributes === true },
    run: runOf('devices', database),
    devices,
    continueWith: (state) => continueAsNew<typeof checkDevices>({ ...input, resume: state }),
  });
}
