/**
 * Chaos: GLPI misbehaving throughout — 10 % 5xx, 2 % malformed bodies, 5 % 429 with
 * Retry-After, the session invalidated every 100 requests. Every answer must still be exact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosDevices, EXACT, exactness, faultMixScenario, summary } from '../support/chaos';

test('a mix of GLPI faults all run long: the run completes, exact', { timeout: 600_000 }, async (t) => {
  const outcome = await faultMixScenario({ devices: chaosDevices(10_000), seed: 14 });
  t.diagnostic(summary('fault mix', outcome));
  assert.deepEqual(exactness(outcome), EXACT);
});
