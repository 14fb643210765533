/**
 * The workflows the worker registers. Every workflow a client can start is exported from
 * here, and test/registration.test.ts fails if one is missing from the worker (the old
 * system's lost nights came from exactly that).
 */
import { continueAsNew, workflowInfo } from '@temporalio/workflow';
import { runCheck } from './check-run';
import type { CheckAllDevicesInput, CheckDevicesInput, RunReport } from './types';

export { progressQuery } from './check-run';

/** The nightly job: every active device of the inventory. */
export async function checkAllDevices(input: CheckAllDevicesInput = {}): Promise<RunReport> {
  const { resume, trigger = 'manual', ...options } = input;
  const info = workflowInfo();
  return runCheck({
    options,
    resume,
    plan: (acts) =>
      acts.planRun({
        workflowId: info.workflowId,
        runId: info.firstExecutionRunId,
        trigger,
        batchSize: options.batchSize,
      }),
    continueWith: (_, state) => continueAsNew<typeof checkAllDevices>({ ...input, resume: state }),
  });
}

/** One or several devices, by serial or id, under a run of their own. */
export async function checkDevices(input: CheckDevicesInput): Promise<RunReport> {
  const { resume, devices, ...options } = input;
  const info = workflowInfo();
  return runCheck({
    options,
    resume,
    plan: (acts) =>
      acts.planRun({
        workflowId: info.workflowId,
        runId: info.firstExecutionRunId,
        trigger: 'devices',
        batchSize: options.batchSize,
        devices,
      }),
    continueWith: (_, state) => continueAsNew<typeof checkDevices>({ ...input, resume: state }),
  });
}
