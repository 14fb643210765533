/**
 * Which errors a retry can fix. Temporal matches an activity's failure to a retry policy by
 * the error's `name` (it becomes the ApplicationFailure's type), so these lists are the
 * class names of the errors thrown below the workflow. The classes declare their `name`
 * with the same literals, and test/core.test.ts checks that every name listed here is a
 * class that exists and carries it.
 */

/** No retry can fix them and they concern the whole run: it fails at once with their message. */
export const FATAL_ERROR_TYPES = [
  'GlpiConfigError',
  'GlpiAuthError',
  'ConfigError',
  'UnknownDevicesError',
  // The run belongs to another database than the worker's (two stacks on one Temporal).
  'ForeignDatabaseError',
  // The run's row was closed (npm run cleanup terminated it): nothing may be written to it any more.
  'RunClosedError',
] as const;

/** No retry can fix them but they concern one batch only: its devices are recorded as errors. */
export const NOT_WORTH_RETRYING_ERROR_TYPES = ['GlpiRequestError', 'InvalidSerialError'] as const;

export type FatalErrorType = (typeof FATAL_ERROR_TYPES)[number];
export type NotWorthRetryingErrorType = (typeof NOT_WORTH_RETRYING_ERROR_TYPES)[number];

/** Every error type a retry policy must not retry. Anything else is retried (300, 1200, 4800 s). */
export const NON_RETRYABLE_ERROR_TYPES: readonly string[] = [...FATAL_ERROR_TYPES, ...NOT_WORTH_RETRYING_ERROR_TYPES];

export function isFatalErrorType(type: string | undefined | null): boolean {
  return (FATAL_ERROR_TYPES as readonly string[]).includes(type ?? '');
}
