/**
 * Chaos: every PostgreSQL connection of the run's database terminated (pg_terminate_backend)
 * several times mid-run. Failed writes are retried; committed ones are not written twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosDevices, EXACT, exactness, databaseKillScenario, summary } from '../support/chaos';

test('database connections killed 4 times mid-run: the run completes, exact', { timeout: 600_000 }, async (t) => {
  const outcome = await databaseKillScenario({ devices: chaosDevices(10_000), seed: 13, terminations: 4 });
  t.diagnostic(summary('database kills', outcome));
  assert.deepEqual(exactness(outcome), EXACT);
});
