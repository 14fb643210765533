/**
 * The error a promise rejects with, for a test to look into (node's assert.rejects checks an
 * error but does not hand it back).
 */
import assert from 'node:assert/strict';

export function rejectionOf(promise: Promise<unknown>, expectation = 'expected a failure'): Promise<unknown> {
  return promise.then(
    () => assert.fail(expectation),
    (error: unknown) => error,
  );
}
