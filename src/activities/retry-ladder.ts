/**
 * The activity side of the retry ladder (src/core/retry-ladder.ts): every activity runs inside
 * `onRetryLadder`, which keeps it heartbeating and turns a failure of its own into a failure
 * with the ladder's next wait (`nextRetryDelay`), counted in the heartbeat details so that the
 * next attempt knows how far up the ladder it is. Timeouts (a worker killed) never reach this
 * code: the server retries them after the short crash interval of the workflow's retry policy.
 */
import { activityInfo, Context, heartbeat } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { NON_RETRYABLE_ERROR_TYPES } from '../core/error-kinds';
import { ladderWaitSeconds, type LadderState } from '../core/retry-ladder';
import { CHECK_DEFAULTS } from '../config/schema';

/** What every activity input may carry: the first wait of the run's ladder (default 300 s). */
export interface LadderInput {
  retryInitialSeconds?: number;
}

const states = new WeakMap<Context, LadderState>();

/**
 * This attempt's heartbeat details: what the previous attempt last heartbeated (its progress
 * and its ladder count), one object per attempt that the activity may add its progress to.
 */
export function heartbeatState<T extends object>(): Partial<T> & LadderState {
  const context = Context.current();
  let state = states.get(context);
  if (!state) {
    const details = activityInfo().heartbeatDetails as LadderState | undefined;
    state = details && typeof details === 'object' ? { ...details } : {};
    states.set(context, state);
  }
  return state as Partial<T> & LadderState;
}

/** Sends this attempt's heartbeat details (throttled by the SDK). */
export function beat(): void {
  heartbeat(heartbeatState());
}

/** The type Temporal gives a thrown error, and that retry policies match (its class name). */
function errorType(error: Error): string {
  const constructorName = (error.constructor as { name?: string } | undefined)?.name;
  return constructorName && constructorName !== 'Error' ? constructorName : error.name;
}

/** The failure an activity ends with: the ladder's next wait, or final once the ladder is climbed. */
function onLadder(error: unknown, initialSeconds: number): unknown {
  if (!(error instanceof Error) || error instanceof CancelledFailure) return error;
  if (error instanceof ApplicationFailure && (error.nonRetryable || error.nextRetryDelay !== undefined)) return error;
  const type = error instanceof ApplicationFailure && error.type ? error.type : errorType(error);
  // Configuration, credentials, one refused serial: the retry policy does not retry those.
  if (NON_RETRYABLE_ERROR_TYPES.includes(type)) return error;
  const state = heartbeatState();
  const failures = (state.ladderFailures ?? 0) + 1;
  state.ladderFailures = failures;
  // The next attempt reads the count from these details (Temporal flushes them with the failure).
  heartbeat(state);
  const wait = ladderWaitSeconds(initialSeconds, failures);
  return ApplicationFailure.create({
    type,
    message: error.message,
    ...(wait === undefined ? { nonRetryable: true } : { nextRetryDelay: `${wait}s` }),
  });
}

/**
 * Wraps an activity: heartbeats while it runs (well inside its heartbeat timeout, so a live but
 * slow attempt is never taken for a dead worker) and puts its own failures on the ladder.
 */
export function onRetryLadder<I extends LadderInput, R>(activity: (input: I) => Promise<R>): (input: I) => Promise<R> {
  return async (input: I) => {
    const timeoutMs = activityInfo().heartbeatTimeoutMs;
    const keepAlive = timeoutMs ? setInterval(beat, Math.min(5_000, Math.max(250, timeoutMs / 4))) : undefined;
    try {
      return await activity(input);
    } catch (error) {
      throw onLadder(error, input?.retryInitialSeconds ?? CHECK_DEFAULTS.retryInitialSeconds);
    } finally {
      if (keepAlive) clearInterval(keepAlive);
    }
  };
}
