/**
 * npm run demo — the whole service on a fresh machine with nothing configured: Temporal
 * dev server with its UI, a database, the GLPI simulator with sample printers, the device
 * list imported, a worker, a live check, and its report. Runs the real commands, and
 * prints each one, so a newcomer sees what to type later.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { devicesCsv } from '../dev/glpi-simulator';
import { startLocalStack } from '../dev/stack';
import { PROJECT_ROOT } from '../dev/temporal-binaries';
import { readSetting } from '../config';
import { installRuntimeLogger } from '../logging';
import { startConfiguredWorker } from '../worker';
import { bold } from './colour';
import { CommandError, parseArguments, runCli, UsageError } from './run';

const USAGE = `Usage: npm run demo -- [--once] [--devices N]

(The -- matters: npm keeps the options after it for the demo; \`npm run demo --once\`
makes npm warn about an unknown config of its own.)

Starts everything locally and runs one full check live:
  - a Temporal dev server (UI http://localhost:8233) unless TEMPORAL_ADDRESS is set,
  - the database glpi_device_check_demo on the local PostgreSQL unless DATABASE_URL is set,
  - the GLPI simulator with sample printers (found, conflicts, missing, trashed duplicates,
    awkward serials) unless GLPI_URL is set,
  - imports the matching device list, runs a worker, checks every device with a progress
    bar, and prints the report.
Then keeps running (UI, worker, simulator) until Ctrl-C; --once exits after the report.`;

const DEMO_DIR = join(PROJECT_ROOT, '.temporal');
/** The demo's own database, unless DATABASE_URL is set. */
const DEMO_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/glpi_device_check_demo';

function say(line: string): void {
  console.log(`${bold('[demo]')} ${line}`);
}

/** Runs one of the project's commands in a child process, showing it as typed. */
function runCommand(script: string, args: string[], env: Record<string, string>): Promise<number> {
  say(`$ npm run ${script}${args.length ? ` -- ${args.join(' ')}` : ''}`);
  const child = spawn(
    join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'),
    [join('src', 'cli', `${script}.ts`), ...args],
    {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
      env,
    },
  );
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

function parse(args: string[]) {
  const { values } = parseArguments({
    args,
    options: { once: { type: 'boolean', default: false }, devices: { type: 'string', default: '2000' } },
  });
  if (!/^\d+$/.test(values.devices) || Number(values.devices) < 1)
    throw new UsageError('--devices must be a positive number');
  // `npm run demo --once` (without --) reaches us as npm's own config variable.
  return { once: values.once || readSetting('npm_config_once'), devices: Number(values.devices) };
}

runCli(USAGE, async (args) => {
  const opts = parse(args);
  mkdirSync(DEMO_DIR, { recursive: true });
  const workerLog = join(DEMO_DIR, 'demo-worker.log');
  // The worker's log lines would tear the progress bar apart: they go to a file.
  const logFile = createWriteStream(workerLog, { flags: 'a' });
  installRuntimeLogger('INFO', (line) => logFile.write(`${line}\n`));

  const stack = await startLocalStack({
    sampleDevices: opts.devices,
    log: say,
    defaults: { DATABASE_URL: DEMO_DATABASE_URL },
  });
  try {
    const { config, childEnv } = stack;
    if (stack.inventory) {
      const csv = join(DEMO_DIR, 'demo-devices.csv');
      writeFileSync(csv, devicesCsv(stack.inventory.devices));
      const c = stack.inventory.counts;
      say(
        `Sample inventory: ${stack.inventory.devices.length} printers — expect ${c.found} found, ` +
          `${c.conflict} conflicts, ${c.not_found} not found`,
      );
      if ((await runCommand('devices', ['import', relative(PROJECT_ROOT, csv)], childEnv)) !== 0) {
        throw new CommandError('the device import failed');
      }
    }
    const { worker, done } = await startConfiguredWorker(config, stack.glpi);
    say(`Worker running (its log: ${relative(PROJECT_ROOT, workerLog)})`);
    say(`Temporal UI: ${config.temporal.uiUrl}/namespaces/default/workflows`);

    const checkCode = await runCommand('start-check', ['--sync'], childEnv);
    const html = join(DEMO_DIR, 'demo-report.html');
    await runCommand('report', ['--format', 'html', '--output', relative(PROJECT_ROOT, html)], childEnv);
    say(`Open the report in a browser: ${html}`);
    say(`See the run in the Temporal UI: ${config.temporal.uiUrl}/namespaces/default/workflows`);

    if (opts.once) {
      worker.shutdown();
    } else {
      say('Everything keeps running: try `npm run doctor`, `npm run start-check -- --sync` in another terminal.');
      say('Ctrl-C stops the demo.');
    }
    await done;
    return checkCode;
  } finally {
    await stack.stop();
    logFile.end();
    say('stopped');
  }
});
