/**
 * Chaos: the worker SIGKILLed ten times at random (seeded) points of a 10,000-device run and
 * restarted each time. Heartbeat-resumed batches, retried plans and idempotent writes must
 * still give every device exactly one, exact result.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosDevices, EXACT, exactness, sigkillScenario, summary } from '../support/chaos';

test('the worker killed 10 times mid-run: the run completes, exact', { timeout: 600_000 }, async (t) => {
  const outcome = await sigkillScenario({ devices: chaosDevices(10_000), seed: 11, kills: 10 });
  t.diagnostic(summary('sigkill', outcome));
  assert.deepEqual(exactness(outcome), EXACT);
});
