/**
 * The one configuration (src/config): every numeric setting has a range enforced with an error
 * naming the variable (issue 17's triggers, as a unit and through the real commands), secrets
 * are never echoed, `.env` is read under the real environment, and the workflow's single
 * batch-size default is the one planRun receives.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../src/activities';
import type { PlanRunInput } from '../src/activities';
import {
  CHECK_DEFAULTS,
  ConfigError,
  SETTINGS,
  checkNumber,
  loadConfig,
  readSetting,
  readEnvFile,
  withEnvFile,
  type Setting,
  type SettingName,
} from '../src/config';
import { MAX_TIMER_MS } from '../src/config/schema';
import { EXIT } from '../src/cli/run';
import { GlpiConfigError, loadGlpiConfig } from '../src/glpi';
import { createWorker } from '../src/worker';
import { checkAllDevices } from '../src/workflows';
import { glpiFor, inventoryOnBothSides } from './support/glpi';
import { runTs } from './support/processes';
import { temporalAddress, temporalClient, uniqueTaskQueue, workflowBundle } from './support/services';

const GLPI_ENV = { GLPI_URL: 'https://glpi.example.org/apirest.php', GLPI_USER_TOKEN: 'cfg-token-93b1' };

/** The process environment without any service setting, so a test sets exactly what it means. */
function bareEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !(key in SETTINGS) || key === 'PATH'));
}

function numericSettings(): [SettingName, Extract<Setting, { kind: 'integer' | 'decimal' }>][] {
  return (Object.entries(SETTINGS) as [SettingName, Setting][]).filter(
    (entry): entry is [SettingName, Extract<Setting, { kind: 'integer' | 'decimal' }>] =>
      entry[1].kind === 'integer' || entry[1].kind === 'decimal',
  );
}

describe('configuration ranges', () => {
  test('every numeric setting has a range that holds its default and fits a Node timer when in ms', () => {
    for (const [name, setting] of numericSettings()) {
      assert.ok(Number.isFinite(setting.min) && Number.isFinite(setting.max), `${name} has a finite range`);
      if (setting.default !== undefined) {
        assert.ok(setting.default === 0 || (setting.default >= setting.min && setting.default <= setting.max), name);
      }
      if (setting.kind === 'integer' && setting.unit === 'ms')
        assert.ok(setting.max <= MAX_TIMER_MS, `${name} cannot overflow a timer`);
      // Just outside the range on either side is refused, naming the variable.
      for (const outside of [setting.max + 1, setting.min - (setting.kind === 'integer' ? 1 : 0.01)]) {
        if (outside === 0 && setting.kind === 'decimal' && setting.zeroMeans) continue;
        assert.throws(
          () => checkNumber(name, outside),
          (error: unknown) => {
            assert.ok(error instanceof ConfigError);
            assert.equal(error.variable, name);
            assert.match(error.message, new RegExp(`^${name} must be .*${setting.min} to ${setting.max}`));
            return true;
          },
        );
      }
    }
  });

  // Issue 17: each of these used to be accepted (the first one as a 1 ms timeout).
  const triggers: [SettingName, string, RegExp][] = [
    ['GLPI_TIMEOUT_MS', '99999999999', /GLPI_TIMEOUT_MS must be a whole number from 100 to 600000 ms/],
    ['CHECK_CATCHUP_WINDOW_SECONDS', '999999999999999', /CHECK_CATCHUP_WINDOW_SECONDS must be a whole number from 60/],
    ['CHECK_RETRY_INITIAL_SECONDS', '9007199254740991', /CHECK_RETRY_INITIAL_SECONDS must be a whole number from 1/],
    ['GLPI_MAX_REQUESTS_PER_SECOND', '0.0001', /GLPI_MAX_REQUESTS_PER_SECOND must be a number from 0.1 .* or 0/],
  ];
  for (const [name, value, message] of triggers) {
    test(`${name}=${value} is refused, naming the variable and its range`, () => {
      const load = () =>
        name.startsWith('GLPI_') ? loadGlpiConfig({ ...GLPI_ENV, [name]: value }) : loadConfig({ [name]: value });
      assert.throws(load, (error: unknown) => {
        assert.ok(error instanceof ConfigError || error instanceof GlpiConfigError, String(error));
        assert.match((error as Error).message, message);
        assert.ok(!(error as Error).message.includes(value), 'the value is not echoed');
        return true;
      });
    });
  }

  test('a choice is read in any case and comes back as the schema spells it', () => {
    assert.equal(loadConfig({ CHECK_STRATEGY: 'search' }).check.strategy, 'search');
    assert.equal(loadConfig({ CHECK_STRATEGY: 'SCAN' }).check.strategy, 'scan');
    assert.equal(loadConfig({ LOG_LEVEL: 'info' }).logLevel, 'INFO');
    assert.equal(readSetting('WEB_AUTH', { WEB_AUTH: 'basic' }), 'basic');
    assert.throws(() => loadConfig({ CHECK_STRATEGY: 'both' }), /CHECK_STRATEGY must be one of auto, search, scan/);
  });

  test('GLPI_MAX_REQUESTS_PER_SECOND=0 still means no limit', () => {
    assert.equal(loadGlpiConfig({ ...GLPI_ENV, GLPI_MAX_REQUESTS_PER_SECOND: '0' }).maxRequestsPerSecond, 0);
  });

  test('a secret is never echoed: it "is invalid"', () => {
    assert.throws(
      () => loadGlpiConfig({ ...GLPI_ENV, GLPI_USER_TOKEN: 'leaky SECRET-cfg-77' }),
      (error: unknown) => {
        assert.ok(error instanceof GlpiConfigError);
        assert.match(error.message, /^GLPI_USER_TOKEN is invalid: it must not contain white space/);
        assert.ok(!error.message.includes('SECRET-cfg-77'));
        return true;
      },
    );
  });

  test('the commands refuse the triggers before doing anything, naming the variable', async () => {
    const env = { ...bareEnv(), ...GLPI_ENV };
    const glpi = await runTs('src/cli/glpi.ts', ['ping'], { ...env, GLPI_TIMEOUT_MS: '99999999999' });
    assert.equal(glpi.code, EXIT.configuration);
    assert.match(glpi.stderr, /GLPI_TIMEOUT_MS must be a whole number from 100 to 600000 ms/);

    const schedule = await runTs('src/cli/schedule.ts', ['ensure'], {
      ...env,
      CHECK_CATCHUP_WINDOW_SECONDS: '999999999999999',
    });
    assert.equal(schedule.code, EXIT.configuration);
    assert.match(schedule.stderr, /CHECK_CATCHUP_WINDOW_SECONDS must be a whole number from 60 to 604800 s/);

    const start = await runTs('src/cli/start-check.ts', [], {
      ...env,
      CHECK_RETRY_INITIAL_SECONDS: '9007199254740991',
    });
    assert.equal(start.code, EXIT.configuration);
    assert.match(start.stderr, /CHECK_RETRY_INITIAL_SECONDS must be a whole number from 1 to 86400 s/);
    assert.doesNotMatch(start.stdout, /Started/);

    const rate = await runTs('src/cli/glpi.ts', ['ping'], { ...env, GLPI_MAX_REQUESTS_PER_SECOND: '0.0001' });
    assert.equal(rate.code, EXIT.configuration);
    assert.match(rate.stderr, /GLPI_MAX_REQUESTS_PER_SECOND must be a number from 0.1 to 10000, or 0/);
  });
});

describe('.env', () => {
  test('is parsed by Node, and the real environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gdc-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nCHECK_TIME=03:30\nCHECK_BATCH_SIZE=7\nTASK_QUEUE="from-file"\n');
    const parsed = readEnvFile(file);
    assert.deepEqual(parsed, { CHECK_TIME: '03:30', CHECK_BATCH_SIZE: '7', TASK_QUEUE: 'from-file' });
    const config = loadConfig(withEnvFile(parsed, { CHECK_BATCH_SIZE: '9' }));
    assert.equal(config.schedule.time, '03:30');
    assert.equal(config.check.batchSize, 9);
    assert.equal(config.temporal.taskQueue, 'from-file');
    assert.deepEqual(readEnvFile(join(dir, 'absent.env')), {}, 'no file, no variables');
    assert.deepEqual(readEnvFile(null), {}, 'ENV_FILE=none');
  });

  test('a command reads ENV_FILE under its environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gdc-env-'));
    const file = join(dir, 'glpi.env');
    // The file configures a GLPI that is down; its invalid concurrency is overridden by the real environment.
    writeFileSync(
      file,
      'GLPI_URL=http://127.0.0.1:1/apirest.php\nGLPI_USER_TOKEN=file-token\nGLPI_MAX_CONCURRENCY=0\nGLPI_RETRY_ATTEMPTS=1\n',
    );
    const withFile = await runTs('src/cli/glpi.ts', ['ping'], {
      ...bareEnv(),
      ENV_FILE: file,
      GLPI_MAX_CONCURRENCY: '2',
    });
    assert.equal(withFile.code, EXIT.unreachable, `GLPI unavailable, so the file was read: ${withFile.stderr}`);
    const fileAlone = await runTs('src/cli/glpi.ts', ['ping'], { ...bareEnv(), ENV_FILE: file });
    assert.equal(fileAlone.code, EXIT.configuration);
    assert.match(fileAlone.stderr, /GLPI_MAX_CONCURRENCY must be a whole number from 1 to 64/);
    const none = await runTs('src/cli/glpi.ts', ['ping'], { ...bareEnv(), ENV_FILE: 'none' });
    assert.equal(none.code, EXIT.configuration);
    assert.match(none.stderr, /GLPI_URL is required/);
  });
});

describe('run defaults', () => {
  test('planRun gets the workflow’s batch size: the schema default, or the one given', async () => {
    const { sim, db } = await inventoryOnBothSides(30, 3);
    const glpi = glpiFor(sim);
    const real = createActivities({ db, glpi });
    const seen: PlanRunInput[] = [];
    const taskQueue = uniqueTaskQueue('defaults');
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    const worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue,
      db,
      glpi,
      workflowBundle: await workflowBundle(),
      shutdownGraceSeconds: 1,
      activityOverrides: {
        planRun: (input) => {
          seen.push(input);
          return real.planRun(input);
        },
      },
    });
    const client = await temporalClient();
    try {
      await worker.runUntil(async () => {
        for (const [id, args] of [
          ['none', {}],
          ['seven', { batchSize: 7 }],
        ] as const) {
          const report = await client.workflow.execute(checkAllDevices, {
            taskQueue,
            workflowId: `${taskQueue}-${id}`,
            args: [args],
          });
          assert.equal(report.checked, 30);
        }
      });
    } finally {
      await connection.close();
    }
    assert.deepEqual(
      seen.map((input) => input.batchSize),
      [CHECK_DEFAULTS.batchSize, 7],
    );
    assert.equal(CHECK_DEFAULTS.batchSize, SETTINGS.CHECK_BATCH_SIZE.default);
  });
});
