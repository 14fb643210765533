/**
 * Chaos: the production worker (npm start, the build) SIGKILLed mid-run and restarted, with the
 * production retry settings (ladder 300/1200/4800 s, heartbeat timeout 20 s). A killed worker's
 * batches must resume within seconds — a run that touched the ladder would take 300 s more —
 * and heartbeat-resumed batches, retried plans and idempotent writes must still give every
 * device exactly one, exact result.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECK_DEFAULTS } from '../../src/config/schema';
import { chaosDevices, EXACT, exactness, sigkillScenario, summary } from '../support/chaos';

const production = {
  worker: 'production',
  retryInitialSeconds: CHECK_DEFAULTS.retryInitialSeconds,
  heartbeatTimeoutSeconds: CHECK_DEFAULTS.heartbeatTimeoutSeconds,
} as const;

test(
  'one SIGKILL mid-run: the restarted worker completes a batch within 30 s, exact',
  { timeout: 300_000 },
  async (t) => {
    const outcome = await sigkillScenario({
      devices: chaosDevices(10_000),
      seed: 12,
      kills: 1,
      startAt: 0.3,
      ...production,
    });
    t.diagnostic(summary('one sigkill', outcome));
    assert.deepEqual(exactness(outcome), EXACT);
    assert.ok(outcome.recoveryMs <= 30_000, `restart to first completed batch: ${outcome.recoveryMs} ms`);
  },
);

test('10 SIGKILLs a few seconds apart: the run completes exact within 2 minutes', { timeout: 600_000 }, async (t) => {
  const outcome = await sigkillScenario({ devices: chaosDevices(10_000), seed: 11, kills: 10, ...production });
  t.diagnostic(summary('sigkill ×10', outcome));
  assert.deepEqual(exactness(outcome), EXACT);
  assert.ok(outcome.recoveryMs <= 30_000, `restart to first completed batch: ${outcome.recoveryMs} ms`);
  assert.ok(outcome.wallMs <= 120_000, `wall time ${outcome.wallMs} ms`);
});
