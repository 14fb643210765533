/**
 * The retry ladder, and how it is kept apart from crash recovery.
 *
 * Operators asked for waits of 300, 1200 and 4800 s after a failed attempt (GLPI down, the
 * database away…): four attempts, a backoff of 4. A worker that dies mid-batch is another
 * matter: nothing is wrong with GLPI, and its batch should resume on another (or the restarted)
 * worker as soon as the heartbeat timeout notices, not five minutes later. So:
 *
 * - the activities' Temporal retry policy is the crash policy: a short interval, which the server
 *   applies to timeouts (a killed worker's heartbeat or start-to-close timeout);
 * - an activity that fails for a reason of its own fails with an explicit `nextRetryDelay` taken
 *   from this ladder, and counts its failures in its heartbeat details, which Temporal hands to
 *   the next attempt; the failure after the last rung is not retryable, and the workflow records
 *   the batch's devices as `error`.
 *
 * Pure: the workflow (policy) and the activities (delays) both read it.
 */

/** Each wait is the previous one times this. */
export const LADDER_BACKOFF = 4;
/** Waits before giving up: 300, 1200, 4800 s, i.e. four attempts. */
export const LADDER_RUNGS = 3;

/** The waits of the ladder, in seconds, for a first wait of `initialSeconds` (300 → 300, 1200, 4800). */
export function ladderWaitsSeconds(initialSeconds: number): number[] {
  return Array.from({ length: LADDER_RUNGS }, (_, i) => initialSeconds * LADDER_BACKOFF ** i);
}

/**
 * The wait after an attempt's own failure, given how many such failures the activity has had
 * including this one; undefined once the ladder is exhausted (the failure is then final).
 */
export function ladderWaitSeconds(initialSeconds: number, failures: number): number | undefined {
  if (!Number.isInteger(failures) || failures < 1) throw new RangeError('failures counts from 1');
  return ladderWaitsSeconds(initialSeconds)[failures - 1];
}

/**
 * The scan's first wait is the ladder's divided by this (300 s → 60, 240, 960 s: ~21 min in all).
 * A scan is an optimisation: when it keeps failing, the run searches the devices instead, and
 * each of those batches then has the whole ladder. Climbing the full ladder first would hold a
 * night back ~1 h 45 min before a single device is classified.
 */
export const SCAN_LADDER_DIVISOR = 5;

export function scanLadderInitialSeconds(initialSeconds: number): number {
  return initialSeconds / SCAN_LADDER_DIVISOR;
}

/**
 * Retries after a timeout (a worker killed or hung): the first after 1 s, then 2, 4… up to 10 s.
 * A batch that kills every worker it lands on stops after CRASH_ATTEMPTS timeouts (its devices
 * become `error`), so a poison batch cannot keep the run going for ever.
 */
export const CRASH_RETRY = { initialSeconds: 1, backoff: 2, maximumSeconds: 10 } as const;
export const CRASH_ATTEMPTS = 20;

/** The attempts the retry policy allows: every rung of the ladder plus the crash budget. */
export const MAXIMUM_ATTEMPTS = LADDER_RUNGS + 1 + CRASH_ATTEMPTS;

/** What an activity keeps in its heartbeat details about the ladder (merged with its own progress). */
export interface LadderState {
  /** The attempts of this activity that failed for a reason of their own (timeouts not counted). */
  ladderFailures?: number;
}
