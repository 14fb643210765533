/**
 * One measured full check: a fresh database with the generated devices, the simulator with
 * their GLPI cards, the production worker as a separate process, the run started like
 * `npm run start-check` does, then everything it cost, checked against the ground truth.
 */
import type { Client } from '@temporalio/client';
import { startFullCheck, waitForReport } from '../../src/client';
import { environment, loadConfig } from '../../src/config';
import { insertDevices } from '../../src/db/devices';
import {
  ALL_FINDINGS_RULES,
  FINDINGS_SCENARIO,
  generateInventory,
  startGlpiSimulator,
} from '../../src/dev/glpi-simulator';
import { FINDING_KINDS } from '../../src/core/findings';
import type { CheckOptions, RunReport } from '../../src/workflows/types';
import type { BenchArgs } from './args';
import { onInterrupt } from './cleanup';
import { cpuSnapshot, cpuUsage, type CpuUsage } from './cpu';
import { freshDatabase } from './database';
import { verifyRun } from '../../test/support/ground-truth';
import { sampleHeartbeats } from './heartbeats';
import { chainStats, fetchChain } from '../../test/support/history';
import { listExecutions, runProfile } from './profile';
import { pollProgress, type LatencySummary } from './progress-poller';
import type { MachineInfo, RunRecord } from './records';
import { tryNormaliseSerial } from '../../src/core/serial';
import { productionWorkerCommand, spawnWorker, type WorkerProcess } from '../../test/support/worker-process';

export const BENCH_USER_TOKEN = 'bench-user-token';

/** The reverse check's ground truth: live, non-template cards with a serial no device has. */
function countUnknown(inventory: ReturnType<typeof generateInventory>): number {
  // Rows without a serial ('') match no card.
  const known = new Set(
    inventory.devices.flatMap((d) => {
      const serial = tryNormaliseSerial(d.serial);
      return serial.ok ? [serial.serial] : [];
    }),
  );
  let unknown = 0;
  for (const item of inventory.items) {
    if (item.isDeleted || item.isTemplate || item.serial === null) continue;
    const serial = tryNormaliseSerial(item.serial);
    if (serial.ok && !known.has(serial.serial)) unknown++;
  }
  return unknown;
}

/** How to run and measure, as the command line said (bench/lib/args.ts). */
type RunSettings = Pick<
  BenchArgs,
  | 'latencyMs'
  | 'glpiConcurrency'
  | 'batchSize'
  | 'batchConcurrency'
  | 'workerActivities'
  | 'workerNodeOptions'
  | 'workerScript'
  | 'production'
  | 'seed'
  | 'logLevel'
  | 'echoWorker'
>;

export interface MeasureOptions extends RunSettings {
  client: Client;
  temporalAddress: string;
  machine: MachineInfo;
  /** This run's size (the command line may ask for several). */
  devices: number;
  /** Plant every finding and turn every rule on (the default), or neither. */
  findings: boolean;
  strategy: 'search' | 'scan';
  log(line: string): void;
}

export interface Measured {
  record: RunRecord;
  problems: string[];
}

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** The worker inherits the bench's environment: record what in it changes the worker's process. */
function processEnvNotes(): { workerProcessEnv?: Record<string, string> } {
  const notes = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => /^(MALLOC_|CANDIDATE_|UV_THREADPOOL_SIZE$)/.test(entry[0]) && !!entry[1],
    ),
  );
  return Object.keys(notes).length > 0 ? { workerProcessEnv: notes } : {};
}

export async function measureRun(options: MeasureOptions): Promise<Measured> {
  const { client, devices, latencyMs } = options;
  const log = (line: string) => options.log(line);
  const prepared = performance.now();
  const inventory = generateInventory({
    devices,
    seed: options.seed,
    awkwardSerials: true,
    ...(options.findings ? FINDINGS_SCENARIO : {}),
  });
  const sim = await startGlpiSimulator({
    userToken: BENCH_USER_TOKEN,
    items: inventory.items,
    faults: { latencyMs },
  });
  const database = await freshDatabase(`glpi_check_bench_${process.pid}_${devices}`);
  const taskQueue = `bench-${devices}-${Date.now()}`;
  const workerEnv: NodeJS.ProcessEnv = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: options.temporalAddress,
    TASK_QUEUE: taskQueue,
    GLPI_URL: sim.url,
    GLPI_USER_TOKEN: BENCH_USER_TOKEN,
    GLPI_MAX_CONCURRENCY: String(options.glpiConcurrency),
    LOG_LEVEL: options.logLevel,
    ...(options.workerActivities ? { WORKER_MAX_CONCURRENT_ACTIVITIES: String(options.workerActivities) } : {}),
  };
  const cleanUp = onInterrupt(async () => {
    await sim.stop();
    await worker?.kill('SIGTERM', 5_000);
    await database.drop();
  });
  let worker: WorkerProcess | undefined;
  try {
    await insertDevices(database.db, inventory.devices);
    // Spawned once the devices are in, so that its start-up time is its own.
    const production = options.production ? productionWorkerCommand() : undefined;
    const spawned = spawnWorker(production ? { ...production.env, ...workerEnv } : workerEnv, {
      nodeArgs: production?.nodeArgs ?? options.workerNodeOptions?.split(/\s+/).filter(Boolean),
      script: production?.script ?? options.workerScript,
      echo: options.echoWorker,
    });
    worker = spawned;
    await spawned.ready;
    log(
      `  ${production ? 'production' : 'dev'} worker polling ${spawned.startupMs()} ms after its spawn; ` +
        `ready in ${((performance.now() - prepared) / 1000).toFixed(1)} s: ${inventory.items.length} GLPI cards, ` +
        `${devices} devices inserted, worker pid ${spawned.pid} polling ${taskQueue}`,
    );

    // The client side reads the run tunables from the environment like start-check does;
    // the bench flags override them.
    const config = loadConfig({ ...environment(), ...workerEnv });
    const overrides: CheckOptions = {
      ...(options.findings ? ALL_FINDINGS_RULES : { compareFields: 'none' }),
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.batchConcurrency ? { batchConcurrency: options.batchConcurrency } : {}),
      strategy: options.strategy,
      // The search strategy measured alone; the scan does the reverse check on the same requests.
      reverse: options.strategy === 'scan',
    };
    const batchSize = options.batchSize ?? config.check.batchSize;
    const batchConcurrency = options.batchConcurrency ?? config.check.batchConcurrency;

    const cpuGroups = () =>
      cpuSnapshot({ worker: spawned.pid, bench: process.pid }, { temporal: /^temporal/, postgres: /^postgres/ });
    sim.resetStats();
    spawned.markRunStarted();
    const cpuBefore = cpuGroups();
    const started = performance.now();
    const check = await startFullCheck(client, config, overrides);
    if (check.attached) throw new Error(`attached to a check already running (${check.runId}) instead of starting one`);
    const followed = client.workflow.getHandle(check.workflowId);
    const poller = pollProgress(followed, 250);
    const heartbeats = sampleHeartbeats(followed, 1000);
    let report: RunReport;
    let wallMs: number;
    let progress: LatencySummary;
    let largestHeartbeatBytes: number;
    let cpu: CpuUsage;
    try {
      // The only worker dying (out of memory, say) would leave the run waiting for ever: say so and stop.
      const died = spawned.exited.then(({ code, signal }) => {
        const tail = spawned.output().trimEnd().split('\n').slice(-5).join('\n');
        throw new Error(`the worker exited (${signal ?? `code ${code}`}) during the run:\n${tail}`);
      });
      report = await Promise.race([waitForReport(check.handle), died]);
      wallMs = performance.now() - started;
      cpu = cpuUsage(cpuBefore, cpuGroups());
    } finally {
      progress = await poller.stop();
      largestHeartbeatBytes = await heartbeats.stop();
    }
    const memory = spawned.memory();
    const stats = sim.stats();
    log(`  done in ${(wallMs / 1000).toFixed(1)} s; reading the histories and verifying ${devices} results`);

    const chain = await fetchChain(client, check.workflowId, check.runId);
    const listed = await listExecutions(client, check.workflowId, taskQueue);
    const history = chainStats(chain);
    const verification = await verifyRun(
      database.url,
      report.checkRunId,
      inventory,
      report,
      options.findings ? FINDING_KINDS : undefined,
    );
    const problems = [...verification.problems];
    const expectedUnknown = countUnknown(inventory);
    if (options.strategy === 'scan' && report.unknownCards !== expectedUnknown) {
      problems.push(`reverse check: ${report.unknownCards} unknown cards, the ground truth has ${expectedUnknown}`);
    }
    if (listed.length !== chain.length)
      log(`  note: visibility lists ${listed.length} executions, the continue-as-new chain has ${chain.length}`);

    const glpiBoundMs = (stats.total * latencyMs) / options.glpiConcurrency;
    const record: RunRecord = {
      kind: 'run',
      at: new Date().toISOString(),
      machine: options.machine,
      devices,
      strategy: options.strategy,
      ...(options.strategy === 'scan'
        ? {
            reverse: {
              unknownCards: report.unknownCards ?? null,
              expected: expectedUnknown,
              exact: report.unknownCards === expectedUnknown,
            },
          }
        : {}),
      latencyMs,
      glpiConcurrency: options.glpiConcurrency,
      batchSize,
      batchConcurrency,
      workerMaxActivities: options.workerActivities ?? config.worker.maxConcurrentActivities,
      ...(options.workerNodeOptions ? { workerNodeOptions: options.workerNodeOptions } : {}),
      ...(options.workerScript ? { workerScript: options.workerScript } : {}),
      ...(production
        ? {
            workerScript: 'npm start',
            workerNodeOptions: production.nodeArgs.join(' '),
            workerProcessEnv: production.env,
          }
        : {}),
      ...processEnvNotes(),
      wallMs: Math.round(wallMs),
      devicesPerSecond: devices / (wallMs / 1000),
      glpiRequests: stats.total,
      requestsByEndpoint: Object.fromEntries(Object.entries(stats.requests).filter(([, n]) => n > 0)),
      requestsPerDevice: stats.total / devices,
      glpiPeakConcurrency: stats.peakConcurrency,
      glpiBoundMs: Math.round(glpiBoundMs),
      wallOverBound: glpiBoundMs > 0 ? wallMs / glpiBoundMs : 0,
      worker: {
        startupMs: spawned.startupMs() ?? 0,
        peakRssMb: mb(memory.peakRssBytes),
        peakRssDuringRunMb: mb(memory.peakRssDuringRunBytes),
        highWaterMarkMb: mb(memory.highWaterMarkBytes),
      },
      history: {
        executions: history.executions,
        listedExecutions: listed.length,
        totalEvents: history.totalEvents,
        maxEvents: history.maxEvents,
      },
      largestPayload: history.largestPayload,
      largestHeartbeatBytes,
      progress,
      profile: runProfile(chain),
      cpu,
      totals: {
        checked: report.checked,
        found: report.found,
        conflicts: report.conflicts,
        notFound: report.notFound,
        errors: report.errors,
      },
      expected: inventory.counts,
      verified: verification.ok,
      ...(options.findings ? { findings: verification.findingsByKind } : {}),
    };
    return { record, problems };
  } catch (error) {
    const tail = (worker?.output() ?? '').split('\n').slice(-30).join('\n');
    throw new Error(`${(error as Error).message}\n--- last lines of the worker ---\n${tail}`);
  } finally {
    await cleanUp();
  }
}
