/**
 * Chaos: two production workers share a run and one is SIGKILLed for good; the other takes over
 * its batches once their heartbeats time out (20 s), at once rather than after the 300 s ladder.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECK_DEFAULTS } from '../../src/config/schema';
import { chaosDevices, EXACT, exactness, summary, twoWorkersScenario } from '../support/chaos';

test('two workers, one SIGKILLed: the other finishes the run, exact', { timeout: 300_000 }, async (t) => {
  const outcome = await twoWorkersScenario({
    devices: chaosDevices(10_000),
    seed: 13,
    worker: 'production',
    retryInitialSeconds: CHECK_DEFAULTS.retryInitialSeconds,
    heartbeatTimeoutSeconds: CHECK_DEFAULTS.heartbeatTimeoutSeconds,
  });
  t.diagnostic(summary('two workers', outcome));
  assert.deepEqual(exactness(outcome), EXACT);
  assert.ok(outcome.wallMs <= 120_000, `wall time ${outcome.wallMs} ms (a ladder wait would add 300 s)`);
});
