/**
 * The rough edges a newcomer hit (issue 17), each reproduced as a spawned command: settings
 * that name the variable and the fix, usage errors that are usage errors, a schedule shown
 * in its own time zone, recent conflicts in order, and no terminal codes in a pipe.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { bold, colourEnabled } from '../src/cli/colour';
import { quoted, shortened } from '../src/core/text';
import { postgresUrl } from '../src/config/schema';
import { withPg } from '../src/db/pg';
import type { BatchSummary, Progress } from '../src/workflows/types';
import { checkAllDevices, progressQuery } from '../src/workflows';
import { glpiFor, inventoryOnBothSides, startSimulator, TEST_USER_TOKEN } from './support/glpi';
import { runTs } from './support/processes';
import { startWorker, temporalAddress, testDatabase, uniqueTaskQueue } from './support/services';

const ESC = '\x1b';

describe('settings named with their fix', () => {
  test('DATABASE_URL that is not a PostgreSQL URL is a configuration error (exit 4) naming it', async () => {
    const [garbage, mysql, migrate] = await Promise.all([
      runTs('src/cli/devices.ts', ['list'], { DATABASE_URL: 'garbage' }),
      runTs('src/cli/report.ts', [], { DATABASE_URL: 'mysql://root:t0psecret@127.0.0.1:3306/inventory' }),
      runTs('src/cli/db.ts', ['migrate'], { DATABASE_URL: 'garbage' }),
    ]);
    for (const run of [garbage, mysql, migrate]) {
      assert.equal(run.code, 4, run.stderr);
      assert.match(
        run.stderr,
        /^error: DATABASE_URL is invalid: it must be a postgresql:\/\/ URL \(postgresql:\/\/user:password@host:5432\/database\)/,
      );
      assert.doesNotMatch(run.stderr, /Can't reach database server|copyData|t0psecret/);
    }
    assert.equal(postgresUrl('postgres://u@db.example:5432/x'), 'postgres://u@db.example:5432/x');
    assert.equal(postgresUrl('postgresql:///nohost'), undefined);
    assert.equal(postgresUrl('garbage'), undefined);
  });

  test('a database that does not exist: create it with db:migrate, not "is PostgreSQL running?"', async () => {
    const { url } = await testDatabase();
    const missing = new URL(url);
    missing.pathname = `/glpi_missing_${process.pid}`;
    const run = await runTs('src/cli/devices.ts', ['list'], { DATABASE_URL: missing.toString() });
    assert.equal(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`has no database "glpi_missing_${process.pid}": create it with its tables by npm run db:migrate`),
    );
    assert.doesNotMatch(run.stderr, /Is PostgreSQL running/);
  });

  test('a database without the tables: an import says to migrate first, not a driver error', async () => {
    const { url } = await testDatabase();
    const empty = new URL(url);
    empty.pathname = `/glpi_unmigrated_${process.pid}`;
    const name = empty.pathname.slice(1);
    const admin = new URL(url);
    admin.pathname = '/postgres';
    await withPg(admin.toString(), (pg) => pg.query(`CREATE DATABASE ${name}`));
    after(() => withPg(admin.toString(), (pg) => pg.query(`DROP DATABASE IF EXISTS ${name}`)));
    const dir = mkdtempSync(join(tmpdir(), 'cli-edges-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'inventory.csv');
    writeFileSync(file, 'serial,name\nUNMIGRATED-1,One\n');
    // The import reads and writes through plain pg (src/devices/import.ts): its error is PostgreSQL's own.
    const run = await runTs('src/cli/devices.ts', ['import', file], { DATABASE_URL: empty.toString() });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /has no tables yet: run npm run db:migrate first/);
    assert.doesNotMatch(run.stderr, /DatabaseError|relation "devices" does not exist/);
  });

  test('TEMPORAL_ADDRESS at something that speaks HTTP/2 but is not Temporal: exit 3 naming the setting', async () => {
    const server: Http2Server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/html' });
      response.end('<html>not here</html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => server.close());
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const env = { TEMPORAL_ADDRESS: address, DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/unused' };
    const runs = await Promise.all([
      runTs('src/cli/start-check.ts', [], env),
      runTs('src/cli/schedule.ts', ['describe'], env),
    ]);
    for (const run of runs) {
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, new RegExp(`something answers at ${address} but not as a Temporal server`));
      assert.match(run.stderr, /TEMPORAL_ADDRESS must be the frontend's gRPC address \(port 7233 by default\)/);
      assert.doesNotMatch(run.stderr, /Failed to list workflows|Failed to describe schedule/);
    }
  });
});

describe('a worker that cannot start', () => {
  test('exits 1 at once, naming the database, after Temporal’s runtime was installed', async () => {
    const missing = new URL((await testDatabase()).url);
    missing.pathname = '/glpi_worker_start_missing';
    const run = runTs('src/cli/worker.ts', [], {
      ENV_FILE: 'none',
      DATABASE_URL: missing.toString(),
      TEMPORAL_ADDRESS: temporalAddress(),
      GLPI_URL: 'http://127.0.0.1:9/apirest.php',
      GLPI_USER_TOKEN: 'not-used-token',
      METRICS_PORT: '0',
    });
    const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 30_000).unref());
    const outcome = await Promise.race([run, hung]);
    assert.notEqual(outcome, 'hung', 'the worker was still running 30 s after its start failed');
    const { code, stderr } = outcome as Awaited<typeof run>;
    assert.equal(code, 1, stderr);
    assert.match(stderr, /^error: cannot use the database postgresql:\/\/[^ ]*glpi_worker_start_missing: /m);
  });
});

describe('usage errors and help', () => {
  test('worker --help is help, whatever the settings; bad arguments are exit 2 everywhere', async () => {
    const broken = { DATABASE_URL: 'garbage', CHECK_TIME: '99:99' };
    const help = await runTs('src/cli/worker.ts', ['--help'], broken);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: npm run worker/);
    assert.equal(help.stderr, '');

    const cases: [string, string[], RegExp][] = [
      ['src/cli/worker.ts', ['--bogus'], /Unknown option '--bogus'/],
      ['src/cli/worker.ts', ['extra'], /unexpected argument "extra"/],
      ['src/cli/db.ts', ['migrate', '--bogus'], /Unknown option '--bogus'/],
      ['src/cli/db.ts', ['migrate', 'now'], /unexpected argument "now"/],
      ['src/cli/db.ts', [], /give a command: migrate or migration/],
      ['src/cli/demo.ts', ['--devices', '-5'], /Option '--devices' argument is ambiguous/],
      ['src/cli/demo.ts', ['--devices=-5'], /--devices must be a positive number/],
    ];
    const runs = await Promise.all(cases.map(([script, args]) => runTs(script, args, broken)));
    runs.forEach((run, i) => {
      assert.equal(run.code, 2, `${cases[i][0]} ${cases[i][1].join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, cases[i][2]);
      assert.ok(!run.stderr.includes(ESC), 'no terminal codes in a pipe');
    });
    const demoHelp = await runTs('src/cli/demo.ts', ['--help']);
    assert.match(demoHelp.stdout, /npm run demo -- \[--once\]/);
  });

  test('glpi find "" names the empty serial instead of printing ": error:"', async () => {
    const sim = await startSimulator({ items: [] });
    const run = await runTs('src/cli/glpi.ts', ['find', ''], { GLPI_URL: sim.url, GLPI_USER_TOKEN: TEST_USER_TOKEN });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^\(empty serial ""\): error: invalid serial "": empty or only white space$/m);
    assert.doesNotMatch(run.stdout, /^: /m);
  });

  test('long values are cut in messages; colour only on a terminal, NO_COLOR and FORCE_COLOR obeyed', () => {
    const huge = 'S'.repeat(100_000);
    assert.equal(shortened(huge), `${'S'.repeat(80)}… (100000 characters)`);
    assert.equal(quoted('short'), '"short"');
    assert.equal(quoted(huge, 4), '"SSSS"… (100000 characters)');

    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    assert.equal(colourEnabled(tty, {}), true);
    assert.equal(colourEnabled(pipe, {}), false);
    assert.equal(colourEnabled(tty, { NO_COLOR: '1' }), false);
    assert.equal(colourEnabled(tty, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count');
    assert.equal(colourEnabled(tty, { TERM: 'dumb' }), false);
    assert.equal(colourEnabled(pipe, { FORCE_COLOR: '1' }), true);
    assert.equal(colourEnabled(tty, { FORCE_COLOR: '0' }), false);
    assert.equal(colourEnabled(tty, { NO_COLOR: '1', FORCE_COLOR: '1' }), false, 'NO_COLOR wins');
    assert.equal(bold('[demo]', pipe), '[demo]');
  });
});

describe('schedule and --status on the real Temporal', async () => {
  const { sim, db, url } = await inventoryOnBothSides(6, 3);
  const client = new Client({ connection: await Connection.connect({ address: temporalAddress() }) });
  after(() => client.connection.close());

  test('ensure twice says unchanged; describe shows CHECK_TIMEZONE and "none yet"', async () => {
    const queue = uniqueTaskQueue('edges-schedule');
    const env = {
      TEMPORAL_ADDRESS: temporalAddress(),
      TASK_QUEUE: queue,
      SCHEDULE_ID: `schedule-${queue}`,
      DATABASE_URL: url,
      CHECK_TIME: '04:30',
      CHECK_TIMEZONE: 'Europe/Paris',
    };
    after(() =>
      client.schedule
        .getHandle(env.SCHEDULE_ID)
        .delete()
        .catch(() => undefined),
    );
    const first = await runTs('src/cli/schedule.ts', ['ensure'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /created: daily at 04:30 Europe\/Paris/);
    const second = await runTs('src/cli/schedule.ts', ['ensure', '--json'], env);
    assert.equal((JSON.parse(second.stdout) as { outcome: string }).outcome, 'unchanged');
    const text = await runTs('src/cli/schedule.ts', ['ensure'], env);
    assert.match(text.stdout, /unchanged: daily at 04:30 Europe\/Paris/);
    const changed = await runTs('src/cli/schedule.ts', ['ensure', '--json'], { ...env, CHECK_TIME: '05:15' });
    assert.equal((JSON.parse(changed.stdout) as { outcome: string }).outcome, 'updated');

    const described = await runTs('src/cli/schedule.ts', ['describe'], { ...env, CHECK_TIME: '05:15' });
    assert.equal(described.code, 0, described.stderr);
    // 05:15 in Paris is 04:15 UTC in winter, 03:15 in summer: the text shows the local time.
    assert.match(described.stdout, /next runs \(Europe\/Paris\): \d{4}-\d\d-\d\d 05:15 \(UTC\+0[12]:00\)/);
    assert.doesNotMatch(described.stdout, /T0[34]:15:00/);
    assert.match(described.stdout, /recent runs: none yet/);
    const json = JSON.parse(
      (await runTs('src/cli/schedule.ts', ['describe', '--json'], { ...env, CHECK_TIME: '05:15' })).stdout,
    ) as { nextRuns: string[] };
    assert.match(json.nextRuns[0], /Z$/, 'JSON keeps UTC ISO times');
  });

  test('--status lists recent conflicts oldest first, as they were found', async () => {
    const devices = await db.device.findMany({ orderBy: { id: 'asc' } });
    let releaseLast!: () => void;
    const last = new Promise<void>((resolve) => (releaseLast = resolve));
    after(() => releaseLast());
    const conflict = (serial: string, deviceId: number) => ({ deviceId, serial, name: null, glpiIds: [1, 2] });
    const worker = await startWorker({
      db,
      glpi: glpiFor(sim),
      activityOverrides: {
        // Three batches settle in turn, two conflicts each; the fourth holds the run open.
        checkBatch: async ({ batch }): Promise<BatchSummary> => {
          if (batch.index >= 3) await last;
          const ids = batch.deviceIds ?? [batch.fromId ?? 0];
          const sample = [conflict(`B${batch.index}-a`, ids[0]), conflict(`B${batch.index}-b`, ids[0])];
          return {
            index: batch.index,
            checked: 1,
            found: 0,
            conflicts: 2,
            notFound: 0,
            errors: 0,
            conflictSample: sample,
          };
        },
      },
    });
    const workflowId = `edges-status-${worker.taskQueue}`;
    const handle = await client.workflow.start(checkAllDevices, {
      taskQueue: worker.taskQueue,
      workflowId,
      // By search: the stubbed checkBatch is what the full check must run.
      args: [{ batchSize: 1, batchConcurrency: 1, strategy: 'search', reverse: false }],
    });
    after(() => handle.terminate('test done').catch(() => undefined));
    assert.ok(devices.length >= 4);
    let progress: Progress | undefined;
    for (let i = 0; i < 120 && (progress?.batchesDone ?? 0) < 3; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      progress = await handle.query(progressQuery).catch(() => undefined);
    }
    assert.equal(progress?.batchesDone, 3);

    const status = await runTs('src/cli/start-check.ts', ['--status', workflowId], {
      TEMPORAL_ADDRESS: temporalAddress(),
      TASK_QUEUE: worker.taskQueue,
      DATABASE_URL: url,
    });
    assert.equal(status.code, 0, status.stderr);
    const listed = [...status.stdout.matchAll(/^ {2}(B\d-[ab]) /gm)].map((m) => m[1]);
    assert.match(status.stdout, /recent conflicts \(oldest first\):/);
    assert.deepEqual(listed, ['B0-a', 'B0-b', 'B1-a', 'B1-b', 'B2-a', 'B2-b']);
  });
});
