/**
 * npm run worker — one worker process: it polls the task queue and runs the check workflows
 * and their activities until SIGINT/SIGTERM (graceful: WORKER_SHUTDOWN_GRACE_SECONDS).
 */
import { startConfiguredWorker } from '../worker';
import { parseArguments, rejectExtraArguments, runCli } from './run';

const USAGE = `Usage: npm run worker

Runs one worker until Ctrl-C or SIGTERM (in-flight batches get WORKER_SHUTDOWN_GRACE_SECONDS
to finish). Run as many as you like: they share the batches of a run.

It takes no options: settings come from the environment (README, Configuration). The ones it
needs: DATABASE_URL (migrated: npm run db:migrate), TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
TASK_QUEUE, GLPI_URL and its credentials; WORKER_MAX_CONCURRENT_ACTIVITIES and
WORKER_ENSURE_SCHEDULE tune it.

Exit codes: 0 stopped on a signal, 1 it could not start (the message says why), 2 bad
arguments, 4 a setting is wrong.`;

runCli(
  USAGE,
  async (args) => {
    rejectExtraArguments(parseArguments({ args, options: {}, allowPositionals: true }).positionals);
    const { done } = await startConfiguredWorker();
    await done;
  },
  // Temporal's Runtime, once installed, keeps the process alive (and takes SIGTERM for a worker
  // that never came): a start that failed after it would wait for SIGKILL. Everything started
  // has been stopped by then (startConfiguredWorker's cleanup, or the worker's own run()).
  { exitWhenDone: true },
);
