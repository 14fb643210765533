/**
 * The local stack as a newcomer starts it (issue 17): `npm run demo` / `npm run dev` with a
 * port already taken exit at once naming the port and the setting, a start-up failure stops
 * what was started, and the demo beside a running `npm run dev` on the same Temporal checks
 * its own database through its own task queue and writes its own report.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { portOpen } from '../src/dev/ports';
import { ROOT, runTs, spawnTs } from './support/processes';
import { temporalAddress, testDatabase } from './support/services';

/** Holds a port until the test file ends; `port` 0 takes any free one. */
async function holdPort(port = 0): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

/** A port free right now (the stack is given it and checks it itself). */
async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The settings of a clean machine: nothing of the test harness's own. */
const FRESH = { ENV_FILE: 'none', TEMPORAL_ADDRESS: '', GLPI_URL: '', TASK_QUEUE: '', DATABASE_URL: '' };

async function timed(script: string, args: string[], env: NodeJS.ProcessEnv) {
  const began = Date.now();
  const run = await runTs(script, args, env);
  return { ...run, seconds: (Date.now() - began) / 1000 };
}

describe('local stack start-up errors', () => {
  test('npm run demo with 7233 taken exits at once naming the port and TEMPORAL_DEV_PORT', async () => {
    // The default port, as on a fresh clone; held by whoever has it already, or by this test.
    if (!(await portOpen('127.0.0.1', 7233))) await holdPort(7233);
    const run = await timed('src/cli/demo.ts', ['--once'], FRESH);
    console.log(`[local-stack] demo with 7233 taken exited ${run.code} after ${run.seconds.toFixed(1)} s`);
    assert.equal(run.code, 4, run.stdout + run.stderr);
    assert.match(
      run.stderr,
      /127\.0\.0\.1:7233 \(the Temporal dev server’s gRPC port\) is already in use: set TEMPORAL_DEV_PORT/,
    );
    // Seconds, not the minute and more it used to hang for (the README quotes the measured figure).
    assert.ok(run.seconds < 15, `${run.seconds} s`);
  });

  test('the UI port and the simulator port are named with their settings, in dev and demo alike', async () => {
    const taken = await holdPort();
    const ui = await timed('src/cli/demo.ts', ['--once'], {
      ...FRESH,
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_DEV_UI_PORT: String(taken),
    });
    assert.equal(ui.code, 4, ui.stderr);
    assert.match(
      ui.stderr,
      new RegExp(`127\\.0\\.0\\.1:${taken} \\(the Temporal dev server’s web UI\\).*TEMPORAL_DEV_UI_PORT`),
    );
    for (const script of ['src/cli/demo.ts', 'src/cli/dev.ts']) {
      const sim = await timed(script, [], {
        ...FRESH,
        TEMPORAL_ADDRESS: temporalAddress(),
        GLPI_SIM_PORT: String(taken),
      });
      console.log(
        `[local-stack] ${script} with the simulator port taken exited ${sim.code} after ${sim.seconds.toFixed(1)} s`,
      );
      assert.equal(sim.code, 4, sim.stderr);
      assert.match(
        sim.stderr,
        new RegExp(`127\\.0\\.0\\.1:${taken} \\(the GLPI simulator\\) is already in use: set GLPI_SIM_PORT`),
      );
    }
  });

  test('a failure after something started stops it and exits', async () => {
    const simPort = await freePort();
    const run = await timed('src/cli/demo.ts', ['--once'], {
      ...FRESH,
      TEMPORAL_ADDRESS: temporalAddress(),
      GLPI_SIM_PORT: String(simPort),
      // Not local (no cluster to start) and nothing listens: the database step fails after the simulator started.
      DATABASE_URL: 'postgresql://postgres@127.0.0.2:9/nowhere',
    });
    assert.notEqual(run.code, 0);
    assert.match(run.stdout, new RegExp(`GLPI simulator with \\d+ printer cards at http://127\\.0\\.0\\.1:${simPort}`));
    assert.match(run.stderr, /cannot reach PostgreSQL/);
    assert.equal(await portOpen('127.0.0.1', simPort), false, 'the simulator was stopped');
  });
});

describe('the demo beside npm run dev on the same Temporal', () => {
  test('demo --once checks its own database on its own task queue and writes its own report', async () => {
    const dev = await testDatabase();
    const demo = await testDatabase();
    const common = {
      ENV_FILE: 'none',
      TEMPORAL_ADDRESS: temporalAddress(),
      GLPI_URL: '',
      GLPI_SIM_PORT: '0',
      TASK_QUEUE: '',
    };
    const devStack = spawnTs('src/cli/dev.ts', [], { ...common, DATABASE_URL: dev.url });
    await devStack.waitFor(/Worker polling task queue glpi-device-check /, 120_000);

    const report = join(ROOT, '.temporal', 'demo-report.html');
    writeFileSync(report, '<html>STALE report of an earlier run</html>');
    const began = Date.now();
    const run = spawnTs('src/cli/demo.ts', ['--once', '--devices', '60'], { ...common, DATABASE_URL: demo.url });
    const exited = await run.exited;
    const output = run.output();
    console.log(
      `[local-stack] demo --once beside dev: exit ${exited.code} in ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
    assert.equal(exited.code, 0, output);
    assert.match(output, /Worker running on task queue glpi-device-check-demo/);

    const runs = await demo.db.checkRun.findMany();
    assert.equal(runs.length, 1, 'the demo’s run is in the demo’s database');
    assert.equal(runs[0].status, 'completed');
    assert.equal(runs[0].total, 60);
    assert.equal(runs[0].workflowId, 'check-all-devices-glpi-device-check-demo');
    assert.equal(await dev.db.checkRun.count(), 0, 'the dev worker took nothing');

    assert.ok(existsSync(report));
    const html = readFileSync(report, 'utf8');
    assert.doesNotMatch(html, /STALE/, 'the stale report was replaced');
    assert.match(html, new RegExp(`run ${runs[0].id}\\b`, 'i'));

    // The environment to paste into another terminal, and it works there.
    const exports = Object.fromEntries(
      [...output.matchAll(/^\s+export (\w+)=(\S+)/gm)].map((m) => [m[1], m[2].replace(/^'|'$/g, '')]),
    );
    assert.equal(exports.TASK_QUEUE, 'glpi-device-check-demo');
    assert.equal(exports.DATABASE_URL, demo.url);
    assert.equal(exports.TEMPORAL_ADDRESS, temporalAddress());
    assert.match(exports.GLPI_URL ?? '', /^http:\/\/127\.0\.0\.1:\d+\/apirest\.php$/);
    assert.equal(exports.GLPI_USER_TOKEN, 'demo-user-token');
    const reportThere = await runTs('src/cli/report.ts', ['--format', 'json'], { ENV_FILE: 'none', ...exports });
    assert.equal(reportThere.code, 0, reportThere.stderr);
    assert.equal((JSON.parse(reportThere.stdout) as { run: { id: number } }).run.id, runs[0].id);

    await devStack.kill('SIGINT');
  });
});
