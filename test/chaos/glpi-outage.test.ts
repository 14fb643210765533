/**
 * Chaos: GLPI stops answering mid-run (the server closed: connections refused, sessions lost)
 * and comes back on the same port. With a short retry ladder the batches sit the outage out;
 * none may turn its devices into not_found.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosDevices, EXACT, exactness, glpiOutageScenario, summary } from '../support/chaos';

test('GLPI down for 10 s mid-run: the run completes, exact', { timeout: 600_000 }, async (t) => {
  const outcome = await glpiOutageScenario({ devices: chaosDevices(10_000), seed: 12, outageMs: 10_000 });
  t.diagnostic(summary('glpi outage', outcome));
  assert.deepEqual(exactness(outcome), EXACT);
});
