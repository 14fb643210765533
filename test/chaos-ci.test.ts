/**
 * The chaos suite in small (1,000 devices, fewer blows), so that every `npm test` breaks the
 * worker, GLPI, the database and the start command at least once. The full-size scenarios are
 * in test/chaos/ (`npm run test:chaos`, excluded from `npm test` for their run time).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  chaosDevices,
  concurrentStartsScenario,
  databaseKillScenario,
  faultMixScenario,
  glpiOutageScenario,
  sigkillScenario,
  EXACT,
  exactness,
  summary,
  type ChaosOutcome,
} from './support/chaos';

const devices = Number(process.env.CHAOS_CI_DEVICES ?? chaosDevices(1000));

/** Prints what the scenario did, then holds its run to the ground truth. */
function assertExactRun(t: { diagnostic(message: string): void }, name: string, outcome: ChaosOutcome): void {
  t.diagnostic(summary(name, outcome));
  assert.deepEqual(exactness(outcome), EXACT);
}

describe(`chaos, small (${devices} devices)`, { timeout: 300_000 }, () => {
  test('the worker killed 3 times mid-run', async (t) => {
    // 60 ms a GLPI answer: the run must outlast three kills 2-4 s apart (at 20 ms a run on a fast
    // worker was over after the second, and the scenario then proves nothing).
    assertExactRun(t, 'sigkill', await sigkillScenario({ devices, seed: 21, kills: 3, latencyMs: 60 }));
  });

  test('GLPI down for 4 s mid-run', async (t) => {
    assertExactRun(t, 'glpi outage', await glpiOutageScenario({ devices, seed: 22, outageMs: 4000 }));
  });

  test('database connections killed twice mid-run', async (t) => {
    assertExactRun(
      t,
      'database kills',
      await databaseKillScenario({ devices, seed: 23, terminations: 2, latencyMs: 20 }),
    );
  });

  // A 1,000-device run makes only a few dozen searches: denser faults, so that every kind
  // is met at least once (the full scenario keeps the 10 % / 2 % / every-100 mix).
  test('5xx, malformed bodies, 429 and lost sessions all run long', async (t) => {
    const faults = { errorRate: 0.1, malformedRate: 0.1, rateLimitRate: 0.1, invalidateSessionEvery: 25 };
    assertExactRun(t, 'fault mix', await faultMixScenario({ devices, seed: 24, faults }));
  });

  test('8 concurrent start-check commands give one run', async (t) => {
    assertExactRun(t, 'concurrent starts', await concurrentStartsScenario({ devices, seed: 25, starts: 8 }));
  });
});
