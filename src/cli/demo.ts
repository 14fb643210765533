/**
 * npm run demo — the whole service on a fresh machine with nothing configured: Temporal
 * dev server with its UI, a database, the GLPI simulator with sample printers, the device
 * list imported, a worker, a live check, and its report. Runs the real commands, and
 * prints each one, so a newcomer sees what to type later.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { LocalStack } from '../dev/stack';
import { checkStackPorts } from '../dev/ports';
import { PROJECT_ROOT } from '../dev/temporal-binaries';
import { environment, isSet, readSetting } from '../config';
import { redactDatabaseUrl } from '../db/url';
import type { RunningWorker } from '../worker';
import type { RunningWeb } from '../web';
import { bold } from './colour';
import { CommandError, EXIT, parseArguments, runCli, UsageError } from './run';

const USAGE = `Usage: npm run demo -- [--once] [--devices N]

(The -- matters: npm keeps the options after it for the demo; \`npm run demo --once\`
makes npm warn about an unknown config of its own.)

Starts everything locally and runs one full check live:
  - a Temporal dev server (gRPC 127.0.0.1:TEMPORAL_DEV_PORT, 7233; UI http://localhost:8233,
    TEMPORAL_DEV_UI_PORT) unless TEMPORAL_ADDRESS is set,
  - the database glpi_device_check_demo on the local PostgreSQL unless DATABASE_URL is set,
  - the GLPI simulator (port GLPI_SIM_PORT, 8990) with sample printers (found, conflicts,
    missing, trashed duplicates, awkward serials) unless GLPI_URL is set,
  - imports the matching device list, runs a worker on the task queue glpi-device-check-demo
    (unless TASK_QUEUE is set: a \`npm run dev\` worker on the same Temporal never takes the
    demo's runs), checks every device with a progress bar, and prints the report.
Then keeps running (UI, worker, simulator) until Ctrl-C; --once exits after the report.
A port already taken fails the demo at once, naming the port and the setting to change.`;

const DEMO_DIR = join(PROJECT_ROOT, '.temporal');
/** The demo's own database, unless DATABASE_URL is set. */
const DEMO_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/glpi_device_check_demo';
/** The demo's own task queue, unless TASK_QUEUE is set: another stack's workers never take its runs. */
export const DEMO_TASK_QUEUE = 'glpi-device-check-demo';

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

/** A value as a POSIX shell reads it back. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The environment another terminal needs to talk to this very stack (doctor, report, start-check).
 * No real secret is printed: a DATABASE_URL of the operator's is shown with its password masked,
 * and a real GLPI's token is not shown at all.
 */
function pasteableEnvironment(stack: LocalStack, simulatorToken: string): string[] {
  const { config } = stack;
  const lines: string[] = [];
  const databaseUrl = redactDatabaseUrl(config.databaseUrl);
  const masked = databaseUrl !== config.databaseUrl;
  lines.push(`export DATABASE_URL=${shellWord(databaseUrl)}${masked ? '   # your DATABASE_URL, password masked' : ''}`);
  lines.push(`export TEMPORAL_ADDRESS=${shellWord(config.temporal.address)}`);
  lines.push(`export TEMPORAL_UI_URL=${shellWord(config.temporal.uiUrl)}`);
  lines.push(`export TASK_QUEUE=${shellWord(config.temporal.taskQueue)}`);
  if (stack.simulator) {
    lines.push(`export GLPI_URL=${shellWord(stack.simulator.url)}`);
    // Printed on purpose: the simulator's fixed test credential, known to this code and valid
    // nowhere else. A real GLPI's token (GLPI_URL set) is never printed.
    lines.push(`export GLPI_USER_TOKEN=${shellWord(simulatorToken)}   # the simulator's fixed test token`);
  } else {
    lines.push(`export GLPI_URL=${shellWord(stack.glpi.url)}   # and your GLPI credentials, as given to the demo`);
  }
  return lines;
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

runCli(
  USAGE,
  async (args) => {
    const opts = parse(args);
    mkdirSync(DEMO_DIR, { recursive: true });
    const html = join(DEMO_DIR, 'demo-report.html');
    // An earlier run's report must never pass for this one's.
    rmSync(html, { force: true });
    const defaults = { DATABASE_URL: DEMO_DATABASE_URL, TASK_QUEUE: DEMO_TASK_QUEUE };
    // A taken port fails the demo within a second or two: checked before the stack's modules
    // (Temporal's native worker, Prisma, the simulator) are even loaded.
    await checkStackPorts(environment());
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the port check (see above)
    const { DEMO_USER_TOKEN, startLocalStack } = require('../dev/stack') as typeof import('../dev/stack');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the port check (see above)
    const { devicesCsv } = require('../dev/glpi-simulator') as typeof import('../dev/glpi-simulator');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the port check (see above)
    const { installRuntimeLogger } = require('../logging') as typeof import('../logging');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the port check (see above)
    const { startConfiguredWorker } = require('../worker') as typeof import('../worker');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the port check (see above)
    const { startWebServer } = require('../web') as typeof import('../web');
    /** The web page on WEB_PORT, or on any free port when that one is taken. */
    const startDemoWeb = async (env: Record<string, string>): Promise<RunningWeb> => {
      try {
        return await startWebServer({ env });
      } catch (error) {
        if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
        say(`port ${readSetting('WEB_PORT', env)} (WEB_PORT) is taken: the web page takes a free one`);
        return startWebServer({ env, port: 0 });
      }
    };
    const workerLog = join(DEMO_DIR, 'demo-worker.log');
    const logFile = createWriteStream(workerLog, { flags: 'a' });

    const stack = await startLocalStack({ sampleDevices: opts.devices, log: say, defaults });
    let running: RunningWorker | undefined;
    let web: RunningWeb | undefined;
    try {
      const { config, childEnv } = stack;
      if (isSet('TASK_QUEUE') && config.temporal.taskQueue !== DEMO_TASK_QUEUE) {
        say(
          `Task queue ${config.temporal.taskQueue} (TASK_QUEUE): a worker of another stack polling it would refuse these runs`,
        );
      }
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
      // Installed once the servers are up: the worker's log lines would tear the progress bar apart, so they go to a file.
      installRuntimeLogger('INFO', (line) => logFile.write(`${line}\n`));
      running = await startConfiguredWorker(config, stack.glpi);
      say(`Worker running on task queue ${config.temporal.taskQueue} (its log: ${relative(PROJECT_ROOT, workerLog)})`);
      say(`Temporal UI: ${config.temporal.uiUrl}/namespaces/default/workflows`);
      web = await startDemoWeb(childEnv);
      say(`Web page: ${web.url}/ (runs, devices, the live progress of the check below; npm run web serves it alone)`);

      const checkCode = await runCommand('start-check', ['--sync'], childEnv);
      const reportCode = await runCommand(
        'report',
        ['--format', 'html', '--output', relative(PROJECT_ROOT, html)],
        childEnv,
      );
      if (reportCode === 0) say(`Open the report in a browser: ${html}`);
      else say(`No report was written (exit ${reportCode}): see the messages above`);
      say(`See the run in the Temporal UI: ${config.temporal.uiUrl}/namespaces/default/workflows`);
      say(`See it on the web page: ${web.url}/`);
      say('To use this stack from another terminal, paste:');
      for (const line of pasteableEnvironment(stack, DEMO_USER_TOKEN)) console.log(`    ${line}`);
      console.log('    npm run doctor');
      console.log('    npm run report');
      console.log('    npm run start-check -- --sync');

      if (opts.once) {
        running.worker.shutdown();
      } else {
        say('Everything keeps running until Ctrl-C.');
      }
      await running.done;
      running = undefined;
      return checkCode !== 0 ? checkCode : reportCode === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      if (running) {
        // A failure after the worker started: stop it before the servers it talks to.
        if (running.worker.getState() === 'RUNNING') running.worker.shutdown();
        await running.done.catch(() => undefined);
      }
      await web?.close();
      await stack.stop();
      logFile.end();
      say('stopped');
    }
  },
  { exitWhenDone: true },
);
