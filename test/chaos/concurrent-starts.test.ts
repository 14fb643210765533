/**
 * Chaos: 20 `start-check --json` commands at once (separate processes, as 20 operators or
 * scripts would). Exactly one run results, and all 20 report its workflow id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosDevices, EXACT, exactness, concurrentStartsScenario, summary } from '../support/chaos';

test('20 concurrent start-check commands: one run, one workflow id', { timeout: 600_000 }, async (t) => {
  const outcome = await concurrentStartsScenario({ devices: chaosDevices(10_000), seed: 15, starts: 20 });
  t.diagnostic(summary('concurrent starts', outcome));
  assert.deepEqual(exactness(outcome), EXACT);
});
