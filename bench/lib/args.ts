/**
 * The bench's command line.
 */
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [options]

Runs the full check (checkAllDevices) on the real stack — an ephemeral Temporal dev server,
PostgreSQL, the GLPI simulator and the worker as a separate process — for each inventory size,
verifies every result against the simulator's ground truth, and appends the measurements to
bench/results/<date>.jsonl.

Options:
  --devices LIST            inventory sizes, comma-separated (default 1000,10000,100000; "none" = no run)
  --strategies LIST         CHECK_STRATEGY of each run, comma-separated: search, scan (default search,scan:
                            every size runs once per strategy; search runs without the reverse check, scan with it)
  --million                 also run 1,000,000 devices (each strategy; minutes, so not by default)
  --latency-ms N            GLPI answer time per request (default 20)
  --glpi-concurrency N      GLPI_MAX_CONCURRENCY of the worker (default 8)
  --batch-size N            devices per batch (default: CHECK_BATCH_SIZE or the configured default)
  --batch-concurrency N     batches in flight (default: CHECK_BATCH_CONCURRENCY or the configured default)
  --worker-activities N     WORKER_MAX_CONCURRENT_ACTIVITIES (default: the worker's own default)
  --worker-node-options S   node options of the worker process only, space-separated
                            (e.g. --worker-node-options=--max-old-space-size=192)
  --production              run the production worker: exactly what npm start runs (package.json's
                            start script: the build in lib/, its node options and environment;
                            run npm run build first)
  --worker-script PATH      run this worker entry point instead of src/cli/worker.ts (same environment),
                            to measure a candidate change before it lands (a .js file runs without tsx)
  --baseline                also measure the old design (sequential login/search/logout per device)
  --baseline-sample N       devices the baseline checks before extrapolating (default 200)
  --baseline-inventory N    devices (and GLPI cards) behind the baseline's simulator
                            (default: the largest --devices size, else 100000)
  --seed N                  seed of the generated inventory (default 42)
  --log-level LEVEL         LOG_LEVEL of the worker (default INFO, as in production)
  --echo-worker             copy the worker's output to stderr as it comes
  --summary FILE            print the table and targets of a results file, run nothing
  --results FILE            append to this file (default bench/results/<date>.jsonl)
  --no-record               do not append to bench/results
  --no-findings             the scenario without planted findings, and no finding rule on
                            (default: FINDINGS_SCENARIO with every finding on, verified device by device)
  --help                    this text`;

export interface BenchArgs {
  devices: number[];
  strategies: ('search' | 'scan')[];
  latencyMs: number;
  glpiConcurrency: number;
  batchSize?: number;
  batchConcurrency?: number;
  workerActivities?: number;
  workerNodeOptions?: string;
  workerScript?: string;
  production: boolean;
  baseline: boolean;
  baselineSample: number;
  baselineInventory: number;
  seed: number;
  logLevel: string;
  echoWorker: boolean;
  summary?: string;
  results?: string;
  record: boolean;
  findings: boolean;
  help: boolean;
}

function wholeNumber(name: string, raw: string | undefined, min = 1): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number >= ${min}`);
  return value;
}

export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      devices: { type: 'string', default: '1000,10000,100000' },
      strategies: { type: 'string', default: 'search,scan' },
      million: { type: 'boolean', default: false },
      'latency-ms': { type: 'string', default: '20' },
      'glpi-concurrency': { type: 'string', default: '8' },
      'batch-size': { type: 'string' },
      'batch-concurrency': { type: 'string' },
      'worker-activities': { type: 'string' },
      'worker-node-options': { type: 'string' },
      'worker-script': { type: 'string' },
      production: { type: 'boolean', default: false },
      baseline: { type: 'boolean', default: false },
      'baseline-sample': { type: 'string', default: '200' },
      'baseline-inventory': { type: 'string' },
      seed: { type: 'string', default: '42' },
      'log-level': { type: 'string', default: 'INFO' },
      'echo-worker': { type: 'boolean', default: false },
      summary: { type: 'string' },
      results: { type: 'string' },
      'no-record': { type: 'boolean', default: false },
      'no-findings': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const devices =
    values.devices.trim() === 'none'
      ? []
      : values.devices.split(',').map((size) => wholeNumber('devices', size.trim()) as number);
  if (values.production && (values['worker-script'] || values['worker-node-options']))
    throw new Error('--production runs what npm start runs: it takes no --worker-script or --worker-node-options');
  const strategies = values.strategies.split(',').map((s) => s.trim());
  for (const strategy of strategies) {
    if (strategy !== 'search' && strategy !== 'scan')
      throw new Error(`--strategies: ${strategy} is not search or scan`);
  }
  if (values.million && !devices.includes(1_000_000)) devices.push(1_000_000);
  return {
    devices,
    strategies: strategies as ('search' | 'scan')[],
    latencyMs: wholeNumber('latency-ms', values['latency-ms'], 0) as number,
    glpiConcurrency: wholeNumber('glpi-concurrency', values['glpi-concurrency']) as number,
    batchSize: wholeNumber('batch-size', values['batch-size']),
    batchConcurrency: wholeNumber('batch-concurrency', values['batch-concurrency']),
    workerActivities: wholeNumber('worker-activities', values['worker-activities']),
    workerNodeOptions: values['worker-node-options'],
    workerScript: values['worker-script'],
    production: values.production,
    baseline: values.baseline,
    baselineSample: wholeNumber('baseline-sample', values['baseline-sample']) as number,
    baselineInventory:
      wholeNumber('baseline-inventory', values['baseline-inventory']) ??
      (devices.length > 0 ? Math.max(...devices) : 100_000),
    seed: wholeNumber('seed', values.seed, 0) as number,
    logLevel: values['log-level'].toUpperCase(),
    echoWorker: values['echo-worker'],
    summary: values.summary,
    results: values.results,
    record: !values['no-record'],
    findings: !values['no-findings'],
    help: values.help,
  };
}
