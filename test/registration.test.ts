/**
 * The old system lost whole nights because a worker had not registered a task. Here the
 * production worker factory, on the real dev server, must register every workflow a
 * client can start and every activity those workflows call.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NativeConnection } from '@temporalio/worker';
import { STARTABLE_WORKFLOWS } from '../src/client';
import { createGlpiPort } from '../src/glpi/port';
import { createWorker } from '../src/worker';
import * as workflows from '../src/workflows';
import { WORKFLOW_ACTIVITIES } from '../src/workflows/check-run';
import { NOTIFY_ACTIVITIES } from '../src/workflows/notify';
import { temporalAddress, testDatabase, uniqueTaskQueue, workflowBundle } from './support/services';

describe('worker registration', () => {
  test('every startable workflow is exported by the module the worker bundles', () => {
    assert.ok(STARTABLE_WORKFLOWS.length >= 2);
    // The notification workflows are started by the checks and the watchdog Schedule, not by a client.
    for (const name of [...STARTABLE_WORKFLOWS, 'notifyRun', 'watchNightlyRun']) {
      assert.equal(typeof (workflows as Record<string, unknown>)[name], 'function', `workflow ${name}`);
    }
  });

  test('the production worker registers every activity the workflows call', async () => {
    const { db } = await testDatabase();
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    try {
      const worker = await createWorker({
        connection,
        namespace: 'default',
        taskQueue: uniqueTaskQueue('registration'),
        db,
        glpi: createGlpiPort({ url: 'http://127.0.0.1:9/apirest.php', userToken: 'unused' }),
        workflowBundle: await workflowBundle(),
      });
      // Run it (a worker that never ran keeps its connection), check, and shut it down.
      const registered = await worker.runUntil(() => Promise.resolve([...worker.options.activities.keys()]));
      for (const name of [...WORKFLOW_ACTIVITIES, ...NOTIFY_ACTIVITIES])
        assert.ok(registered.includes(name), `activity ${name} is registered`);
    } finally {
      await connection.close();
    }
  });
});
