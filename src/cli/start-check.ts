/**
 * npm run start-check — start the full check (or attach to the one running), check single
 * devices, follow a run live, or print the state of a run.
 */
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  queryProgress,
  startDeviceCheck,
  startFullCheck,
  taskQueuePollers,
  workflowUiLink,
  type StartedCheck,
} from '../client';
import { loadConfig, type ServiceConfig } from '../config';
import type { RunReport } from '../workflows/types';
import { follow } from './follow';
import { progressText, reportJson, reportText } from './format';
import { CommandError, EXIT, parseArguments, rejectExtraArguments, runCli, UsageError } from './run';
import { withTemporal } from './temporal';

const USAGE = `Usage: npm run start-check -- [options]

Starts the full check of every active device and returns at once (the worker does the work).
If a full check is already running, attaches to it instead of starting a second one.

Options:
  --sync                 wait with a live progress bar, then print the report
                         (Ctrl-C detaches; the check goes on)
  --device <serial|id>   check only this device (repeatable; see below)
  --status <workflowId>  print the progress of a running check or the summary of a finished one
                         (with --sync: follow it live)
  --json                 machine-readable output
  --help                 this text

A --device is a serial (any case or spacing; a serial made only of digits too) or a device
id: a number is taken as an id only when no device has it as its serial; #42 or id:42 is
always device id 42. An unknown device fails the command within seconds, naming it.

Exit codes: 0 done / started, 1 the check ended with errors or failed (an unknown device
too), or a full check found no active device to check, 2 bad arguments, 3 Temporal
unreachable, 4 a setting is wrong.`;

interface Options {
  sync: boolean;
  json: boolean;
  devices: string[];
  status?: string;
}

function parse(args: string[]): Options {
  const { values, positionals } = parseArguments({
    args,
    options: {
      sync: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      device: { type: 'string', multiple: true, default: [] },
      status: { type: 'string' },
    },
    allowPositionals: true,
  });
  rejectExtraArguments(positionals);
  if (values.status !== undefined && values.device.length > 0) throw new UsageError('--status and --device do not mix');
  if (values.device.some((d) => d.trim() === '')) throw new UsageError('--device needs a serial or a device id');
  return { sync: values.sync, json: values.json, devices: values.device, status: values.status };
}

function print(json: boolean, value: unknown, text: string): void {
  console.log(json ? JSON.stringify(value, null, 2) : text);
}

async function warnIfNoWorker(client: Client, config: ServiceConfig): Promise<void> {
  const pollers = await taskQueuePollers(client, config).catch(() => undefined);
  // stderr, so that --json output on stdout stays parseable.
  if (pollers && pollers.workflow.length === 0) {
    console.error(
      `warning: no worker is polling task queue ${config.temporal.taskQueue}: the check will wait until one starts ` +
        '(npm run worker, or npm run dev)',
    );
  }
}

/** A check with errors, or a full check that found no active device to check, is a bad answer. */
function exitCodeFor(report: RunReport): number {
  return report.status === 'completed' && !report.emptyInventoryWarning ? EXIT.ok : EXIT.failed;
}

/** How long a device check's start waits to see its planning (the references' lookup) end. */
const PLANNING_WAIT_MS = 8_000;
const PLANNING_POLL_MS = 250;

/**
 * A device check fails while planning when a reference matches no device (a typo, a serial
 * not imported): wait for the planning to end, so that the command says so and fails within
 * seconds instead of reporting a start. A planning still going after PLANNING_WAIT_MS (no
 * worker yet, GLPI retrying) is left to run: the start is reported as before.
 */
async function waitForPlanning(handle: StartedCheck['handle']): Promise<void> {
  const deadline = Date.now() + PLANNING_WAIT_MS;
  while (Date.now() < deadline) {
    const { status } = await handle.describe();
    if (status.name === 'FAILED') {
      const reason = await handle.result().then(
        () => status.name,
        (error: unknown) => (error instanceof WorkflowFailedError && error.cause ? error.cause.message : String(error)),
      );
      throw new CommandError(reason, EXIT.failed);
    }
    if (status.name !== 'RUNNING') return;
    const progress = await queryProgress(handle).catch(() => undefined);
    if (progress && progress.phase !== 'planning') return;
    await new Promise((resolve) => setTimeout(resolve, PLANNING_POLL_MS));
  }
}

function showReport(report: RunReport, json: boolean): number {
  print(json, reportJson(report), reportText(report));
  // stderr too, so that it shows whatever becomes of stdout (--json into a file).
  if (report.emptyInventoryWarning) console.error(`warning: ${report.emptyInventoryWarning}`);
  return exitCodeFor(report);
}

async function status(client: Client, config: ServiceConfig, workflowId: string, opts: Options): Promise<number> {
  const handle = client.workflow.getHandle(workflowId);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new CommandError(`no check with workflow id ${workflowId}`);
    throw error;
  }
  const state = description.status.name;
  if (state === 'RUNNING') {
    if (opts.sync) {
      const report = await follow(handle, opts.json);
      return report ? showReport(report, opts.json) : 0;
    }
    const progress = await queryProgress(handle).catch(() => undefined);
    if (!progress) {
      await warnIfNoWorker(client, config);
      print(opts.json, { workflowId, status: 'RUNNING', progress: null }, `${workflowId}: running (no progress yet)`);
      return 0;
    }
    print(opts.json, { workflowId, status: 'RUNNING', progress }, `${workflowId}: running\n${progressText(progress)}`);
    return 0;
  }
  if (state === 'COMPLETED') return showReport((await handle.result()) as RunReport, opts.json);
  const reason = await handle.result().then(
    () => state,
    (error: unknown) => (error instanceof WorkflowFailedError && error.cause ? error.cause.message : String(error)),
  );
  print(opts.json, { workflowId, status: state, reason }, `${workflowId}: ${state.toLowerCase()} — ${reason}`);
  return 1;
}

async function start(client: Client, config: ServiceConfig, opts: Options): Promise<number> {
  await warnIfNoWorker(client, config);
  const started: StartedCheck =
    opts.devices.length > 0
      ? await startDeviceCheck(client, config, opts.devices)
      : await startFullCheck(client, config);
  if (opts.devices.length > 0 && !started.attached && !opts.sync) await waitForPlanning(started.handle);
  const link = workflowUiLink(config, started.workflowId, started.runId);
  const summary = { workflowId: started.workflowId, runId: started.runId, attached: started.attached, ui: link };
  if (!opts.sync || !opts.json) {
    print(
      opts.json,
      summary,
      [
        started.attached
          ? `A check is already running: attached to it instead of starting a second one.`
          : opts.devices.length > 0
            ? `Started a check of ${opts.devices.length} device(s).`
            : 'Started the full check.',
        `  workflow id: ${started.workflowId}`,
        `  run id:      ${started.runId}`,
        `  Temporal UI: ${link}`,
        opts.sync ? '' : `Follow it: npm run start-check -- --status ${started.workflowId} --sync`,
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }
  if (!opts.sync) return 0;
  const report = await follow(started.handle, opts.json).catch((error: unknown) => {
    if (error instanceof WorkflowFailedError)
      throw new CommandError(`the check failed: ${error.cause?.message ?? error.message}`);
    throw error;
  });
  return report ? showReport(report, opts.json) : 0;
}

runCli(USAGE, async (args) => {
  const opts = parse(args);
  const config = loadConfig();
  return withTemporal(config, (client) =>
    opts.status ? status(client, config, opts.status, opts) : start(client, config, opts),
  );
});
