/**
 * A running check as the web page shows it: the workflow's `progress` query, asked through
 * Temporal, within a few seconds, whatever state Temporal and the workers are in. Never throws:
 * every failure is a state the page says in words.
 */
import type { Client } from '@temporalio/client';
import { connectClient, queryProgress, taskQueuePollers } from '../client';
import type { ServiceConfig } from '../config';
import type { Progress } from '../workflows/types';

export type LiveState =
  | { state: 'progress'; progress: Progress; workers: number }
  /** The workflow is running but no worker polls its task queue: nothing moves. */
  | { state: 'no_worker'; message: string }
  /** The workflow under this id no longer runs, or runs for another run row. */
  | { state: 'not_running'; message: string }
  | { state: 'unreachable'; message: string };

export interface LiveSource {
  progress(workflowId: string, checkRunId: number): Promise<LiveState>;
  close(): Promise<void>;
}

/** How long the page waits for Temporal before saying it does not answer. */
export const LIVE_TIMEOUT_MS = 3_000;

/** How long an unreachable Temporal is taken as still unreachable. */
const RETRY_AFTER_FAILURE_MS = 10_000;

function timeout<T>(ms: number, what: string): Promise<T> {
  return new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
    timer.unref();
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Live progress from the Temporal server of `config`; the connection is made on first use and remade after a failure. */
export function temporalLiveSource(config: ServiceConfig): LiveSource {
  let client: Promise<Client> | undefined;
  const connect = () => {
    client ??= connectClient(config).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  const ask = async (workflowId: string, checkRunId: number): Promise<LiveState> => {
    let connected: Client;
    try {
      connected = await connect();
    } catch (error) {
      return {
        state: 'unreachable',
        message: `Temporal at ${config.temporal.address} cannot be reached (${firstLine(error)})`,
      };
    }
    try {
      const handle = connected.workflow.getHandle(workflowId);
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') {
        return {
          state: 'not_running',
          message: `the workflow ${workflowId} is ${description.status.name.toLowerCase()}`,
        };
      }
      const pollers = await taskQueuePollers(connected, config);
      if (pollers.workflow.length === 0) {
        return {
          state: 'no_worker',
          message: `no worker polls the task queue ${config.temporal.taskQueue}: the check waits until one starts (npm run worker)`,
        };
      }
      const progress = await queryProgress(handle, LIVE_TIMEOUT_MS - 500);
      if (progress.phase !== 'planning' && progress.checkRunId !== checkRunId) {
        return {
          state: 'not_running',
          message: `the workflow ${workflowId} now runs check run ${progress.checkRunId}`,
        };
      }
      return { state: 'progress', progress, workers: pollers.workflow.length };
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 14) client = undefined; // the connection is gone: make a new one next time
      return { state: 'unreachable', message: `Temporal did not answer: ${firstLine(error)}` };
    }
  };
  // After a failure, pages answer at once for a while instead of waiting on Temporal again.
  let failed: { at: number; state: LiveState } | undefined;
  return {
    progress: async (workflowId, checkRunId) => {
      if (failed && Date.now() - failed.at < RETRY_AFTER_FAILURE_MS) return failed.state;
      const state = await Promise.race([
        ask(workflowId, checkRunId),
        timeout<LiveState>(LIVE_TIMEOUT_MS, `Temporal at ${config.temporal.address}`),
      ]).catch((error: unknown): LiveState => ({ state: 'unreachable', message: firstLine(error) }));
      failed = state.state === 'unreachable' ? { at: Date.now(), state } : undefined;
      return state;
    },
    close: async () => {
      const pending = client;
      client = undefined;
      await pending?.then((c) => c.connection.close()).catch(() => undefined);
    },
  };
}
