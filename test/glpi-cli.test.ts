/**
 * `glpi ping|find` as an operator runs it: a child process, configured by the environment,
 * against the GLPI simulator.
 */
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startGlpiSimulator, type RunningSimulator } from '../src/dev/glpi-simulator';

const ROOT = path.resolve(__dirname, '..');
const USER_TOKEN = 'cli-user-token-77aa01';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  // Only what the command needs: no GLPI_* leaking in from the developer's shell.
  const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GLPI_')));
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'src/cli/glpi.ts', ...args],
      { cwd: ROOT, env: { ...baseEnv, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('glpi command', () => {
  let sim: RunningSimulator;
  let env: Record<string, string>;
  before(async () => {
    sim = await startGlpiSimulator({
      userToken: USER_TOKEN,
      userName: 'cli-checker',
      items: [
        { id: 1, itemtype: 'Printer', name: 'PRN-1', serial: 'AB&CD', location: 'HQ > Floor 2' },
        { id: 2, itemtype: 'Printer', name: 'PRN-2', serial: 'TWIN-1' },
        { id: 3, itemtype: 'Printer', name: 'PRN-3', serial: 'twin-1' },
      ],
    });
    env = { GLPI_URL: sim.url, GLPI_USER_TOKEN: USER_TOKEN };
  });
  after(() => sim.stop());

  test('find --json prints every serial with its classification and items', async () => {
    const run = await runCli(['find', 'ab&cd', 'TWIN-1', 'NOPE-1', '--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const results = JSON.parse(run.stdout) as { serial: string; status: string; items: { id: number }[] }[];
    assert.deepEqual(
      results.map((r) => [r.serial, r.status, r.items.map((item) => item.id)]),
      [
        ['AB&CD', 'found', [1]],
        ['TWIN-1', 'conflict', [2, 3]],
        ['NOPE-1', 'not_found', []],
      ],
    );
    assert.equal(sim.stats().activeSessions, 0);
  });

  test('an invalid serial is an error row and exit code 1; the others are still looked up', async () => {
    const run = await runCli(['find', 'AB&CD', '   ', '--json'], env);
    assert.equal(run.code, 1);
    const results = JSON.parse(run.stdout) as { serial: string; status: string; error?: string }[];
    assert.equal(results.find((r) => r.serial === 'AB&CD')?.status, 'found');
    assert.equal(results.find((r) => r.status === 'error')?.error?.includes('empty'), true);
  });

  test('find prints a readable summary', async () => {
    const run = await runCli(['find', 'AB&CD'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /AB&CD: found/);
    assert.match(run.stdout, /Printer #1 PRN-1/);
  });

  test('ping reports the user', async () => {
    const run = await runCli(['ping'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /OK: logged in as cli-checker/);
  });

  test('ping with a bad token exits 4 with one clean line and no token', async () => {
    const run = await runCli(['ping'], { ...env, GLPI_USER_TOKEN: 'bad-token-0xDEAD' });
    assert.equal(run.code, 4);
    assert.match(run.stderr, /user token/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.doesNotMatch(run.stderr, /\bat .*\.ts:\d+/); // no stack trace
    assert.ok(!run.stderr.includes('bad-token-0xDEAD') && !run.stdout.includes('bad-token-0xDEAD'));
  });

  test('missing configuration exits 4 naming the variable', async () => {
    const run = await runCli(['ping'], { GLPI_USER_TOKEN: USER_TOKEN });
    assert.equal(run.code, 4);
    assert.match(run.stderr, /GLPI_URL/);
  });

  test('GLPI unreachable exits 3', async () => {
    const down = await startGlpiSimulator({ userToken: USER_TOKEN, faults: { down: true } });
    try {
      const run = await runCli(['find', 'AB&CD'], { ...env, GLPI_URL: down.url, GLPI_RETRY_BASE_DELAY_MS: '10' });
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /unavailable/);
    } finally {
      await down.stop();
    }
  });

  test('--help and usage errors', async () => {
    const help = await runCli(['--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /glpi find <serial>/);
    const unknown = await runCli(['frobnicate'], env);
    assert.equal(unknown.code, 2);
    const noSerial = await runCli(['find'], env);
    assert.equal(noSerial.code, 2);
  });
});
