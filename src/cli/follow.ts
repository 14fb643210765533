/**
 * Following a running check live: a progress bar on a terminal, a plain line every few
 * seconds otherwise, fed by the workflow's `progress` query.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { queryProgress, waitForReport } from '../client';
import type { Progress, RunReport } from '../workflows/types';
import { isTerminal } from './colour';
import { progressBar } from './format';

/** Follows a run until it ends; Ctrl-C detaches without touching the run (undefined then). */
export async function follow(handle: WorkflowHandle, json: boolean): Promise<RunReport | undefined> {
  const tty = isTerminal(process.stdout) && !json;
  const startedLocal = Date.now();
  let detached = false;
  const onSigint = () => {
    detached = true;
  };
  process.once('SIGINT', onSigint);
  let lastPlain = 0;
  const result = waitForReport(handle);
  let finished = false;
  void result.then(
    () => (finished = true),
    () => (finished = true),
  );
  try {
    while (!finished && !detached) {
      const progress: Progress | undefined = await queryProgress(handle).catch(() => undefined);
      if (progress) {
        const elapsed = Math.max(progress.elapsedMs, Date.now() - Date.parse(progress.startedAt));
        if (tty) process.stdout.write(`\r\x1b[2K${progressBar(progress, 30, elapsed)}`);
        else if (!json && Date.now() - lastPlain >= 5_000) {
          lastPlain = Date.now();
          console.log(progressBar(progress, 20, elapsed));
        }
      } else if (tty) {
        process.stdout.write(`\r\x1b[2Kwaiting for a worker… ${Math.round((Date.now() - startedLocal) / 1000)}s`);
      }
      await Promise.race([result.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (tty) process.stdout.write('\n');
  }
  if (detached) {
    console.error(
      `Detached: the check goes on. Follow it again with: npm run start-check -- --status ${handle.workflowId} --sync`,
    );
    return undefined;
  }
  return result;
}
