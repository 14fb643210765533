/**
 * The chaos scenarios shared by `npm run test:chaos` (test/chaos/, full size) and the small
 * variant `npm test` runs (test/chaos-ci.test.ts). Each breaks something for real — the worker
 * process, GLPI, the database connections, the start command — while a full check runs on the
 * real stack, and measures the run against the ground truth; the tests compare `exactness()`
 * with EXACT. What only one scenario can check stays in it: that the damage was done (the
 * worker killed as often as asked, the faults injected), that concurrent starts gave one run.
 * It uses the services `npm test` starts.
 */
import { withPg } from '../../src/db/pg';
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import {
  generateInventory,
  startGlpiSimulator,
  type FaultConfig,
  type GeneratedInventory,
  type RunningSimulator,
} from '../../src/dev/glpi-simulator';
import { seededRandom, type Random } from '../../src/dev/glpi-simulator/random';
import { insertDevices } from '../../src/db/devices';
import { checkAllDevices } from '../../src/workflows';
import type { CheckOptions, RunReport } from '../../src/workflows/types';
import { runTs } from './processes';
import { temporalAddress, temporalClient, testDatabase, uniqueTaskQueue } from './services';
import { verifyRun, type Verification } from './ground-truth';
import { chainStats, fetchChain, type ChainStats } from './history';
import { productionWorkerCommand, spawnWorker, type WorkerProcess } from './worker-process';

/**
 * The chaos scenarios are about batches of searches surviving kills and outages: by scan (the
 * default for a full check) a run of their size ends before the kills are through.
 */
const SEARCH_STRATEGY_ENV = { CHECK_STRATEGY: 'search', CHECK_REVERSE: 'false' };

export const CHAOS_USER_TOKEN = 'chaos-user-token';

export interface ChaosOptions {
  devices: number;
  /** Seeds the inventory, the fault draws and the random points of the scenario. */
  seed?: number;
  latencyMs?: number;
  glpiConcurrency?: number;
  batchSize?: number;
  batchConcurrency?: number;
  /** The retry ladder's first wait: short, so that a run sits out an outage in seconds. */
  retryInitialSeconds?: number;
  /** How soon a dead worker's batch is retried elsewhere. */
  heartbeatTimeoutSeconds?: number;
  /** A Temporal namespace of the scenario's own (created if needed): nothing else runs there. */
  namespace?: string;
  faults?: FaultConfig;
  /** Which worker runs: `dev` (src/ through tsx, as npm run worker) or `production` (npm start: the build). */
  worker?: 'dev' | 'production';
}

export interface ChaosOutcome {
  report: RunReport;
  verification: Verification;
  chain: ChainStats;
  wallMs: number;
  /** What the scenario did and saw, for the test's diagnostics. */
  notes: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One scenario's stack: inventory, simulator, database, worker environment, Temporal client. */
export class ChaosStack {
  readonly inventory: GeneratedInventory;
  readonly random: Random;
  readonly notes: string[] = [];
  readonly taskQueue = uniqueTaskQueue('chaos');
  sim!: RunningSimulator;
  databaseUrl!: string;
  client!: Client;
  namespace = 'default';
  private readonly workers = new Set<WorkerProcess>();
  /** Every worker this scenario started, dead or alive: their logs show what the chaos hit. */
  private readonly allWorkers: WorkerProcess[] = [];

  private constructor(
    readonly options: Required<Omit<ChaosOptions, 'namespace' | 'faults' | 'worker'>> & ChaosOptions,
  ) {
    this.inventory = generateInventory({ devices: options.devices, seed: options.seed, awkwardSerials: true });
    this.random = seededRandom(options.seed * 7919 + 1);
  }

  static async create(options: ChaosOptions): Promise<ChaosStack> {
    const batchSize = options.batchSize ?? Math.min(500, Math.max(25, Math.round(options.devices / 40)));
    const stack = new ChaosStack({
      latencyMs: 10,
      glpiConcurrency: 4,
      batchSize,
      batchConcurrency: 4,
      retryInitialSeconds: 1,
      heartbeatTimeoutSeconds: 3,
      ...options,
      seed: options.seed ?? 1,
    });
    await stack.setUp();
    return stack;
  }

  private async setUp(): Promise<void> {
    this.sim = await this.startSimulator();
    after(() => this.sim.stop());
    const { url, db } = await testDatabase();
    this.databaseUrl = url;
    await insertDevices(db, this.inventory.devices);
    this.client = await temporalClient();
    if (this.options.namespace) {
      this.namespace = this.options.namespace;
      await ensureNamespace(this.client, this.namespace);
      this.client = new Client({ connection: this.client.connection, namespace: this.namespace });
    }
    after(async () => {
      await Promise.all([...this.workers].map((w) => w.kill('SIGKILL')));
    });
  }

  private startSimulator(port?: number): Promise<RunningSimulator> {
    return startGlpiSimulator({
      userToken: CHAOS_USER_TOKEN,
      items: this.inventory.items,
      faults: { latencyMs: this.options.latencyMs, seed: this.options.seed, ...this.options.faults },
      ...(port ? { port } : {}),
    });
  }

  /** The environment an operator would give the worker and the CLI. */
  env(): NodeJS.ProcessEnv {
    return {
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: this.namespace,
      TASK_QUEUE: this.taskQueue,
      GLPI_URL: this.sim.url,
      GLPI_USER_TOKEN: CHAOS_USER_TOKEN,
      GLPI_MAX_CONCURRENCY: String(this.options.glpiConcurrency),
      LOG_LEVEL: 'WARN',
      CHECK_BATCH_SIZE: String(this.options.batchSize),
      CHECK_BATCH_CONCURRENCY: String(this.options.batchConcurrency),
      CHECK_RETRY_INITIAL_SECONDS: String(this.options.retryInitialSeconds),
      CHECK_HEARTBEAT_TIMEOUT_SECONDS: String(this.options.heartbeatTimeoutSeconds),
      ...SEARCH_STRATEGY_ENV,
    };
  }

  checkOptions(): CheckOptions {
    return {
      batchSize: this.options.batchSize,
      batchConcurrency: this.options.batchConcurrency,
      retryInitialSeconds: this.options.retryInitialSeconds,
      heartbeatTimeoutSeconds: this.options.heartbeatTimeoutSeconds,
      strategy: 'search',
      reverse: false,
    };
  }

  async startWorker(): Promise<WorkerProcess> {
    let worker: WorkerProcess;
    if (this.options.worker === 'production') {
      const command = productionWorkerCommand();
      worker = spawnWorker({ ...command.env, ...this.env() }, { nodeArgs: command.nodeArgs, script: command.script });
    } else {
      worker = spawnWorker(this.env());
    }
    this.workers.add(worker);
    this.allWorkers.push(worker);
    void worker.exited.then(() => this.workers.delete(worker));
    await worker.ready;
    return worker;
  }

  async startRun() {
    return this.client.workflow.start(checkAllDevices, {
      taskQueue: this.taskQueue,
      workflowId: `chaos-${this.taskQueue}`,
      args: [this.checkOptions()],
    });
  }

  /** Results stored so far, read from the database (works while no worker is up). */
  async resultsStored(): Promise<number> {
    return withPg(this.databaseUrl, async (pg) => {
      const { rows } = await pg.query<{ n: string }>('SELECT count(*) AS n FROM check_results');
      return Number(rows[0].n);
    });
  }

  /** Waits until `fraction` of the devices have a result; false if the run ended first. */
  async waitForFraction(fraction: number, done: () => boolean, timeoutMs = 300_000): Promise<boolean> {
    const target = Math.ceil(fraction * this.options.devices);
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if ((await this.resultsStored().catch(() => 0)) >= target) return true;
      if (Date.now() > deadline) throw new Error(`no progress to ${target} results in ${timeoutMs / 1000} s`);
      await sleep(100);
    }
    return false;
  }

  /** Stops GLPI for real (connections refused) and brings it back on the same port. */
  async glpiOutage(durationMs: number): Promise<void> {
    const { port } = this.sim;
    await this.sim.stop();
    this.notes.push(`GLPI stopped for ${(durationMs / 1000).toFixed(1)} s`);
    await sleep(durationMs);
    this.sim = await this.startSimulator(port);
    after(() => this.sim.stop());
  }

  /** Terminates every connection to the run's database but ours. */
  async terminateDatabaseConnections(): Promise<number> {
    const name = decodeURIComponent(new URL(this.databaseUrl).pathname.slice(1));
    return withPg(this.databaseUrl, async (pg) => {
      const { rows } = await pg.query<{ pid: number }>(
        `SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [name],
      );
      return rows.length;
    });
  }

  /** Waits for the run and holds it to the ground truth. */
  async finish(
    handle: WorkflowHandle<typeof checkAllDevices>,
    firstRunId: string,
    startedAt: number,
  ): Promise<ChaosOutcome> {
    const report = await handle.result();
    const wallMs = Date.now() - startedAt;
    const chain = chainStats(await fetchChain(this.client, handle.workflowId, firstRunId));
    const verification = await verifyRun(this.databaseUrl, report.checkRunId, this.inventory, report);
    this.notes.push(`worker log: ${this.warnings()}`);
    return { report, verification, chain, wallMs, notes: this.notes };
  }

  /** The failures the workers logged, counted by message (WARN and ERROR lines). */
  private warnings(): string {
    const counts = new Map<string, number>();
    for (const worker of this.allWorkers) {
      for (const line of worker.output().split('\n')) {
        const match = /\b(WARN|ERROR)\s+(.*?)(\s{2}\[|$)/.exec(line);
        if (!match) continue;
        const message = `${match[1]} ${match[2].slice(0, 80)}`;
        counts.set(message, (counts.get(message) ?? 0) + 1);
      }
    }
    if (counts.size === 0) return 'no warnings';
    return [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([message, n]) => `${n}× ${message}`)
      .join(' | ');
  }
}

async function ensureNamespace(client: Client, namespace: string): Promise<void> {
  try {
    await client.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
  } catch (error) {
    if (!/already exists|AlreadyExists/i.test((error as Error).message)) throw error;
  }
}

export interface Exactness {
  status: RunReport['status'];
  /** Active devices without a result. */
  missing: number;
  /** Devices with more than one result. */
  duplicated: number;
  /** Failures recorded as not_found. */
  failuresAsNotFound: number;
  /** Every way the results differ from the ground truth, naming devices. */
  problems: string[];
}

/** What a scenario's test compares with EXACT. */
export function exactness({ report, verification }: ChaosOutcome): Exactness {
  const { missing, duplicated, failuresAsNotFound, problems } = verification;
  return { status: report.status, missing, duplicated, failuresAsNotFound, problems };
}

/**
 * What every scenario must end with: the run completed, every active device has exactly one
 * result, no failure was recorded as not_found, every status and GLPI id equals the ground truth.
 */
export const EXACT: Exactness = { status: 'completed', missing: 0, duplicated: 0, failuresAsNotFound: 0, problems: [] };

export function summary(name: string, outcome: ChaosOutcome): string {
  const { report, chain } = outcome;
  return (
    `${name}: ${(outcome.wallMs / 1000).toFixed(1)} s, ${report.checked} checked ` +
    `(found ${report.found}, conflicts ${report.conflicts}, not_found ${report.notFound}, errors ${report.errors}); ` +
    `history ${chain.totalEvents} events over ${chain.executions} execution(s), longest ${chain.maxEvents}, ` +
    `largest payload ${(chain.largestPayload.bytes / 1024).toFixed(1)} KB (${chain.largestPayload.where}); ` +
    outcome.notes.join('; ')
  );
}

// ---------------------------------------------------------------------------------------------
// The scenarios

/** A probe that turns true once the run has ended, whichever way. */
function settledFlag(handle: WorkflowHandle): () => boolean {
  let settled = false;
  void handle.result().then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}

/** Random points of a run, as fractions of the devices, sorted; the last leaves room to finish. */
function randomPoints(random: Random, count: number, from = 0.05, to = 0.85): number[] {
  return Array.from({ length: count }, () => from + random.next() * (to - from)).sort((a, b) => a - b);
}

export interface SigkillOutcome extends ChaosOutcome {
  kills: number;
  /** From the last restarted worker polling to the first batch completed after it, in ms. */
  recoveryMs: number;
}

/** Resolves when more results than `than` are stored (a batch completed: it writes in one statement). */
async function nextBatchCompleted(stack: ChaosStack, than: number, done: () => boolean): Promise<boolean> {
  while (!done()) {
    if ((await stack.resultsStored().catch(() => 0)) > than) return true;
    await sleep(100);
  }
  return false;
}

/**
 * The worker SIGKILLed `kills` times, a few seconds apart (seeded), each time restarted at once:
 * the first kill once `startAt` of the devices have a result, then one every `gapMs` after the
 * new worker polls, whatever the run's progress (the killed worker's batches are still waiting
 * for their heartbeat timeout, so waiting for progress would stretch the scenario). It asserts
 * that every kill happened while the run was going, and measures how long the last restarted
 * worker took to complete a batch.
 */
export async function sigkillScenario(
  options: ChaosOptions & { kills: number; startAt?: number; gapMs?: [number, number] },
): Promise<SigkillOutcome> {
  const stack = await ChaosStack.create(options);
  const [minGap, maxGap] = options.gapMs ?? [2_000, 4_000];
  let worker = await stack.startWorker();
  const started = Date.now();
  const handle = await stack.startRun();
  const finished = settledFlag(handle);
  const killedAt: number[] = [];
  let recoveryMs = Number.NaN;
  if (await stack.waitForFraction(options.startAt ?? 0.05, finished)) {
    for (let kill = 1; kill <= options.kills && !finished(); kill += 1) {
      if (kill > 1) await sleep(stack.random.int(minGap, maxGap));
      if (finished()) break;
      await worker.kill('SIGKILL');
      killedAt.push(await stack.resultsStored());
      worker = await stack.startWorker();
    }
    const restarted = Date.now();
    const before = await stack.resultsStored();
    if (await nextBatchCompleted(stack, before, finished)) recoveryMs = Date.now() - restarted;
  }
  stack.notes.push(
    `${killedAt.length} SIGKILLs, at ${killedAt.join(', ')} results stored; ` +
      `last restart to its first completed batch ${(recoveryMs / 1000).toFixed(1)} s`,
  );
  const outcome = await stack.finish(handle, handle.firstExecutionRunId, started);
  assert.equal(killedAt.length, options.kills, `the worker was killed ${options.kills} times before the run ended`);
  return { ...outcome, kills: killedAt.length, recoveryMs };
}

/**
 * Two workers share the run; once `killAt` of the devices have a result one of them is
 * SIGKILLed and not restarted: the other finishes the dead one's batches.
 */
export async function twoWorkersScenario(options: ChaosOptions & { killAt?: number }): Promise<ChaosOutcome> {
  const stack = await ChaosStack.create(options);
  const [victim] = await Promise.all([stack.startWorker(), stack.startWorker()]);
  const started = Date.now();
  const handle = await stack.startRun();
  const reached = await stack.waitForFraction(options.killAt ?? 0.3, settledFlag(handle));
  assert.ok(reached, 'the kill happens mid-run');
  await victim.kill('SIGKILL');
  stack.notes.push(`one of two workers SIGKILLed at ${await stack.resultsStored()} results, not restarted`);
  return stack.finish(handle, handle.firstExecutionRunId, started);
}

/** GLPI stopped mid-run (connections refused, sessions lost) and started again on its port. */
export async function glpiOutageScenario(options: ChaosOptions & { outageMs: number }): Promise<ChaosOutcome> {
  const stack = await ChaosStack.create({ retryInitialSeconds: 2, ...options });
  await stack.startWorker();
  const started = Date.now();
  const handle = await stack.startRun();
  const reached = await stack.waitForFraction(0.3, settledFlag(handle));
  assert.ok(reached, 'the outage starts mid-run');
  stack.notes.push(`outage at ${await stack.resultsStored()} results`);
  await stack.glpiOutage(options.outageMs);
  return stack.finish(handle, handle.firstExecutionRunId, started);
}

/** Every database connection terminated, `terminations` times at random points. */
export async function databaseKillScenario(options: ChaosOptions & { terminations: number }): Promise<ChaosOutcome> {
  const stack = await ChaosStack.create(options);
  await stack.startWorker();
  const started = Date.now();
  const handle = await stack.startRun();
  const finished = settledFlag(handle);
  const killed: number[] = [];
  for (const point of randomPoints(stack.random, options.terminations, 0.1, 0.8)) {
    if (!(await stack.waitForFraction(point, finished))) break;
    await sleep(stack.random.int(0, 300));
    killed.push(await stack.terminateDatabaseConnections());
  }
  stack.notes.push(`${killed.length} terminations (${killed.join(', ')} connections)`);
  const outcome = await stack.finish(handle, handle.firstExecutionRunId, started);
  assert.equal(killed.length, options.terminations, 'every termination happened before the run ended');
  assert.ok(
    killed.some((n) => n > 0),
    'the terminations hit live connections',
  );
  return outcome;
}

/** GLPI misbehaving all along: 5xx, malformed bodies, 429 with Retry-After, sessions dropped. */
export async function faultMixScenario(options: ChaosOptions): Promise<ChaosOutcome> {
  const faults: FaultConfig = {
    errorRate: 0.1,
    malformedRate: 0.02,
    rateLimitRate: 0.05,
    retryAfterSeconds: 1,
    invalidateSessionEvery: 100,
  };
  const stack = await ChaosStack.create({ ...options, faults: { ...faults, ...options.faults } });
  await stack.startWorker();
  const started = Date.now();
  const handle = await stack.startRun();
  const outcome = await stack.finish(handle, handle.firstExecutionRunId, started);
  const injected = stack.sim.stats().faultsInjected;
  stack.notes.push(
    `faults injected: ${Object.entries(injected)
      .filter(([name, n]) => n > 0 && name !== 'latency')
      .map(([name, n]) => `${name} ${n}`)
      .join(', ')}`,
  );
  for (const fault of ['error', 'malformed', 'rateLimit', 'sessionInvalidated'])
    assert.ok((injected[fault] ?? 0) > 0, `${fault} faults were injected`);
  return outcome;
}

interface StartCheckOutput {
  workflowId: string;
  runId: string;
  attached: boolean;
}

/**
 * `starts` start-check commands at once, as separate processes. The worker starts only once
 * they have all answered, so that no run can end (and a late command start a second one)
 * while they race: what is under test is the start, not the worker.
 */
export async function concurrentStartsScenario(options: ChaosOptions & { starts: number }): Promise<ChaosOutcome> {
  const stack = await ChaosStack.create({ namespace: `chaos-starts-${process.pid}-${Date.now()}`, ...options });
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: options.starts }, () => runTs('src/cli/start-check.ts', ['--json'], stack.env())),
  );
  const startsMs = Date.now() - started;
  for (const [i, answer] of answers.entries())
    assert.equal(answer.code, 0, `start-check #${i + 1} succeeded:\n${answer.stdout}\n${answer.stderr}`);
  const outputs = answers.map((a) => JSON.parse(a.stdout) as StartCheckOutput);
  const ids = new Set(outputs.map((o) => `${o.workflowId}/${o.runId}`));
  assert.equal(ids.size, 1, `every start-check reports the same run: ${[...ids].join(', ')}`);
  assert.equal(outputs.filter((o) => !o.attached).length, 1, 'exactly one start-check started the run');
  stack.notes.push(
    `${options.starts} start-checks answered in ${(startsMs / 1000).toFixed(1)} s, all with ${outputs[0].workflowId}`,
  );

  await stack.startWorker();
  const handle = stack.client.workflow.getHandle<typeof checkAllDevices>(outputs[0].workflowId, outputs[0].runId);
  const outcome = await stack.finish(handle, outputs[0].runId, started);

  // Exactly one run: every check on the scenario's task queue belongs to this chain (other test
  // files run checks on the same Temporal at the same time, on queues of their own), one run row
  // in the database.
  const chainRunIds = new Set(
    (await fetchChain(stack.client, handle.workflowId, outputs[0].runId)).map((e) => e.runId),
  );
  const listed: string[] = [];
  for await (const execution of stack.client.workflow.list({
    query: `WorkflowType = 'checkAllDevices' AND TaskQueue = '${stack.taskQueue}'`,
  }))
    listed.push(`${execution.workflowId}/${execution.runId}`);
  const strangers = listed.filter((id) => !chainRunIds.has(id.split('/')[1]));
  assert.deepEqual(strangers, [], 'no other check ran');
  const runs = await withPg(stack.databaseUrl, async (pg) => {
    const { rows } = await pg.query<{ n: string }>('SELECT count(*) AS n FROM check_runs');
    return Number(rows[0].n);
  });
  assert.equal(runs, 1, 'one check run in the database');
  return outcome;
}

/** CHAOS_DEVICES, else the suite's own default (10,000 for test:chaos, 1,000 for the CI variant). */
export function chaosDevices(fallback: number): number {
  const raw = process.env.CHAOS_DEVICES;
  const devices = raw ? Number(raw) : fallback;
  if (!Number.isInteger(devices) || devices < 100) throw new Error(`CHAOS_DEVICES must be a whole number >= 100`);
  return devices;
}
