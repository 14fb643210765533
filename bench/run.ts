/**
 * npm run bench — the full check measured end to end on the real stack, against the targets
 * of issue 6, and (with --baseline) against the old design. See bench/lib/args.ts for the flags.
 */
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { generateInventory, startGlpiSimulator } from '../src/dev/glpi-simulator';
import { PROJECT_ROOT, testingExecutable } from '../src/dev/temporal-binaries';
import { parseBenchArgs, USAGE, type BenchArgs } from './lib/args';
import { runBaseline } from './lib/baseline';
import { cleanUpOnSignals, onInterrupt } from './lib/cleanup';
import { BENCH_USER_TOKEN, measureRun } from './lib/measure-run';
import {
  appendRecord,
  machineInfo,
  readRecords,
  resultsFile,
  type BaselineRecord,
  type BenchRecord,
  type MachineInfo,
  type RunRecord,
} from './lib/records';
import { evaluateTargets, markdownSummary } from './lib/targets';

const RESULTS_DIR = join(PROJECT_ROOT, 'bench', 'results');

function log(line: string): void {
  console.log(line);
}

function describeRun(r: RunRecord): string {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const endpoints = Object.entries(r.requestsByEndpoint)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const batch = r.profile.activities.checkBatch;
  return [
    `  wall time            ${(r.wallMs / 1000).toFixed(2)} s — ${Math.round(r.devicesPerSecond)} devices/s`,
    `  GLPI requests        ${r.glpiRequests} (${endpoints}) — ${r.requestsPerDevice.toFixed(4)} per device, peak ${r.glpiPeakConcurrency} in flight`,
    `  GLPI-bound limit     ${(r.glpiBoundMs / 1000).toFixed(2)} s (requests × ${r.latencyMs} ms ÷ ${r.glpiConcurrency}) — wall/limit ${r.wallOverBound.toFixed(2)}×`,
    `  worker RSS           ${r.worker.peakRssDuringRunMb} MB peak while checking, ${r.worker.highWaterMarkMb} MB high-water mark (incl. start-up); polling ${r.worker.startupMs ?? '?'} ms after spawn`,
    `  history              ${r.history.totalEvents} events over ${r.history.executions} execution(s) (visibility lists ${r.history.listedExecutions}), longest ${r.history.maxEvents}`,
    `  largest payload      ${kb(r.largestPayload.bytes)} at ${r.largestPayload.where}; largest heartbeat ${kb(r.largestHeartbeatBytes)}`,
    `  progress query       p50 ${r.progress.p50Ms} ms, p95 ${r.progress.p95Ms} ms, max ${r.progress.maxMs} ms over ${r.progress.samples} queries (${r.progress.failures} failed) ${JSON.stringify(r.progress.histogram ?? {})}`,
    `  profile              checkBatch ×${batch?.count ?? 0}: mean ${batch?.meanRunMs ?? 0} ms (p95 ${batch?.p95RunMs ?? 0}), ` +
      `queued ${batch?.meanQueueMs ?? 0} ms; next batch scheduled ${r.profile.meanRescheduleMs} ms after one completes; ` +
      `${r.profile.workflowTasks} workflow tasks of ${r.profile.meanWorkflowTaskMs} ms; ` +
      Object.entries(r.profile.activities)
        .filter(([name]) => name !== 'checkBatch')
        .map(([name, t]) => `${name} ${t.meanRunMs} ms`)
        .join(', '),
    `  CPU during the run   ${Object.entries(r.cpu.seconds)
      .map(([group, seconds]) => `${group} ${seconds} s`)
      .join(', ')} — machine ${Math.round(r.cpu.machineBusy * 100)} % busy over ${r.machine.cpus} cores`,
    ...(r.reverse
      ? [
          `  reverse check        ${r.reverse.unknownCards} GLPI cards not in the inventory — ground truth ${r.reverse.expected}: ${r.reverse.exact ? 'exact' : 'WRONG'}`,
        ]
      : []),
    `  totals               ${JSON.stringify(r.totals)} — ground truth ${JSON.stringify(r.expected)}: ${r.verified ? 'exact' : 'WRONG'}`,
    ...(r.findings
      ? [
          `  findings             ${JSON.stringify(r.findings)} — every device's findings as planted: ${r.verified ? 'exact' : 'WRONG'}`,
        ]
      : []),
  ].join('\n');
}

async function measureBaseline(args: BenchArgs, machine: MachineInfo): Promise<BaselineRecord> {
  // A `contains` search scans every card, so the inventory's size matters as GLPI's would.
  const inventoryDevices = Math.max(args.baselineSample, args.baselineInventory);
  const inventory = generateInventory({ devices: inventoryDevices, seed: args.seed, awkwardSerials: true });
  const sim = await startGlpiSimulator({
    userToken: BENCH_USER_TOKEN,
    items: inventory.items,
    faults: { latencyMs: args.latencyMs },
  });
  try {
    log(
      `\n== baseline: old design, ${args.baselineSample} devices of a ${inventoryDevices}-device inventory, ${args.latencyMs} ms latency`,
    );
    const result = await runBaseline({
      url: sim.url,
      userToken: BENCH_USER_TOKEN,
      inventory,
      sample: args.baselineSample,
    });
    const extrapolated = (devices: number) => (devices / result.devicesPerSecond / 60).toFixed(1);
    log(
      `  ${result.devices} devices in ${(result.wallMs / 1000).toFixed(2)} s — ${result.devicesPerSecond.toFixed(2)} devices/s, ` +
        `${result.requests / result.devices} requests/device, ${result.misclassified} misclassified, ${result.failedRequests} failed requests\n` +
        `  extrapolated (a sample, not a full run): 10,000 devices ≈ ${extrapolated(10_000)} min, 100,000 ≈ ${extrapolated(100_000)} min`,
    );
    return {
      kind: 'baseline',
      at: new Date().toISOString(),
      machine,
      latencyMs: args.latencyMs,
      inventoryDevices,
      sample: result.devices,
      wallMs: Math.round(result.wallMs),
      devicesPerSecond: result.devicesPerSecond,
      requestsPerDevice: result.requests / result.devices,
      misclassified: result.misclassified,
      failedRequests: result.failedRequests,
    };
  } finally {
    await sim.stop();
  }
}

function printSummary(records: BenchRecord[]): void {
  log(`\n${markdownSummary(records)}\n`);
  for (const target of evaluateTargets(records)) log(`${target.status.toUpperCase().padEnd(12)} ${target.target}`);
}

async function main(): Promise<number> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    log(USAGE);
    return 0;
  }
  if (args.summary) {
    printSummary(readRecords(args.summary));
    return 0;
  }

  cleanUpOnSignals(log);
  const machine = machineInfo(PROJECT_ROOT);
  const file = args.results ?? resultsFile(RESULTS_DIR);
  const records: BenchRecord[] = [];
  const record = (entry: BenchRecord) => {
    records.push(entry);
    if (args.record) appendRecord(file, entry);
  };
  log(
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, commit ${machine.commit}`,
  );
  let failed = false;

  if (args.devices.length > 0) {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: testingExecutable('cli'), log: { format: 'pretty', level: 'error' } },
    });
    const stopServer = onInterrupt(() => env.teardown());
    const connection = await Connection.connect({ address: env.address });
    const client = new Client({ connection });
    try {
      log(`Temporal dev server (ephemeral) at ${env.address}`);
      for (const devices of args.devices) {
        for (const strategy of args.strategies) {
          log(
            `\n== ${devices.toLocaleString('en')} devices by ${strategy}, ${args.latencyMs} ms GLPI latency, GLPI concurrency ${args.glpiConcurrency}`,
          );
          const { record: measured, problems } = await measureRun({
            ...args,
            client,
            temporalAddress: env.address,
            machine,
            devices,
            strategy,
            log,
          });
          log(describeRun(measured));
          record(measured);
          if (problems.length > 0) {
            failed = true;
            console.error(`\nFAILED: the results are not exact:\n  ${problems.join('\n  ')}`);
          }
        }
      }
    } finally {
      await connection.close();
      await stopServer();
    }
  }
  if (args.baseline) record(await measureBaseline(args, machine));

  printSummary(records);
  if (args.record) log(`\nRecorded in ${file}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    if (args()) console.error(USAGE);
    process.exit(1);
  },
);

/** Whether the error came from the command line (then the usage helps). */
function args(): boolean {
  try {
    parseBenchArgs(process.argv.slice(2));
    return false;
  } catch {
    return true;
  }
}
