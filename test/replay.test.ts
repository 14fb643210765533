/**
 * Replay safety: the histories recorded from real runs (npm run record-histories, in
 * test/fixtures/histories/) replay on the current workflow code. A change of workflow code that
 * would break the checks in flight on a running cluster fails here, in CI, before it is deployed
 * (README: Changing workflow code).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { historyFromObject, readHistoryFixtures } from './support/history-fixtures';
import { workflowBundle } from './support/services';

const SCENARIOS = [
  'continue-as-new-first',
  'continue-as-new-last',
  'failed-batch',
  'full-check-search',
  'full-check',
  'single-devices',
];

function histories() {
  return readHistoryFixtures().map((fixture) => ({
    workflowId: fixture.workflowId,
    history: historyFromObject(fixture.history),
  }));
}

async function replayErrors(bundle: Awaited<ReturnType<typeof workflowBundle>>): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  const results = Worker.runReplayHistories({ workflowBundle: bundle, replayName: 'fixtures' }, histories());
  for await (const result of results) {
    if (result.error) errors.set(result.workflowId, `${result.error.name}: ${result.error.message.split('\n')[0]}`);
  }
  return errors;
}

describe('replay of recorded histories', () => {
  test('the fixtures cover every recorded scenario, each a closed run of this project', () => {
    const fixtures = readHistoryFixtures();
    assert.deepEqual(
      fixtures.map((f) => f.scenario),
      SCENARIOS,
    );
    for (const fixture of fixtures) {
      const events = historyFromObject(fixture.history).events ?? [];
      assert.ok(events.length > 10, `${fixture.file} holds a whole history`);
      const type = events[0].workflowExecutionStartedEventAttributes?.workflowType?.name;
      assert.ok(type === 'checkAllDevices' || type === 'checkDevices', `${fixture.file} starts a check (${type})`);
    }
    const last = (scenario: string) => {
      const events = historyFromObject(fixtures.find((f) => f.scenario === scenario)!.history).events;
      return events[events.length - 1];
    };
    assert.ok(last('continue-as-new-first').workflowExecutionContinuedAsNewEventAttributes, 'continued as new');
    assert.ok(last('full-check').workflowExecutionCompletedEventAttributes, 'completed');
    const failed = historyFromObject(fixtures.find((f) => f.scenario === 'failed-batch')!.history).events;
    assert.ok(
      failed.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'markBatchFailed'),
      'the failed-batch history records its batch as failed',
    );
  });

  test('every recorded history replays on the current workflow code', async () => {
    assert.deepEqual(Object.fromEntries(await replayErrors(await workflowBundle())), {});
  });

  test('a workflow change that reorders its steps fails the replay', async () => {
    const reordered = await bundleWorkflowCode({
      workflowsPath: join(__dirname, 'fixtures', 'replay', 'reordered-workflows.ts'),
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
    const errors = await replayErrors(reordered);
    const fullCheck = readHistoryFixtures().find((f) => f.scenario === 'full-check')!;
    assert.match(errors.get(fullCheck.workflowId) ?? 'replayed without error', /DeterminismViolation|Nondeterminism/i);
  });
});
