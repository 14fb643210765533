/**
 * What one benchmark measurement records, as appended to bench/results/<date>.jsonl, and the
 * machine it ran on.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import type { CpuUsage } from './cpu';
import type { ActivityTimings } from './profile';
import type { LatencySummary } from './progress-poller';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  kernel: string;
  /** The commit the bench ran on, with "+dirty" when the work tree had changes. */
  commit: string;
}

export interface Tuning {
  latencyMs: number;
  glpiConcurrency: number;
  batchSize: number;
  batchConcurrency: number;
  workerMaxActivities: number;
  workerNodeOptions?: string;
  /** Set when the run measured another worker entry point than src/cli/worker.ts. */
  workerScript?: string;
  /** Environment variables of the bench that change the worker's process (allocator, candidate switches). */
  workerProcessEnv?: Record<string, string>;
}

export interface RunRecord extends Tuning {
  kind: 'run';
  at: string;
  machine: MachineInfo;
  devices: number;
  /** CHECK_STRATEGY of the run (absent in records from before the scan strategy: search). */
  strategy?: 'search' | 'scan';
  /** The reverse check ran; its count, and whether it matched the ground truth. */
  reverse?: { unknownCards: number | null; expected: number; exact: boolean };
  wallMs: number;
  devicesPerSecond: number;
  glpiRequests: number;
  requestsByEndpoint: Record<string, number>;
  requestsPerDevice: number;
  glpiPeakConcurrency: number;
  /** requests × latency ÷ concurrency: no run can be faster while GLPI answers this slowly. */
  glpiBoundMs: number;
  wallOverBound: number;
  /** startupMs: spawn to the "polling" line (absent in records before it was measured). */
  worker: { startupMs?: number; peakRssMb: number; peakRssDuringRunMb: number; highWaterMarkMb: number };
  history: { executions: number; listedExecutions: number; totalEvents: number; maxEvents: number };
  largestPayload: { bytes: number; where: string };
  /** Largest heartbeat details seen on a pending activity (not in the history unless an attempt times out). */
  largestHeartbeatBytes: number;
  progress: LatencySummary;
  profile: {
    activities: Record<string, ActivityTimings>;
    meanRescheduleMs: number;
    workflowTasks: number;
    meanWorkflowTaskMs: number;
  };
  /** CPU seconds by process group during the run, and how busy the machine was. */
  cpu: CpuUsage;
  totals: { checked: number; found: number; conflicts: number; notFound: number; errors: number };
  expected: { found: number; conflict: number; not_found: number };
  verified: boolean;
  /** Findings per kind with every finding on (absent: a run with --no-findings, or recorded before them). */
  findings?: Record<string, number>;
}

export interface BaselineRecord {
  kind: 'baseline';
  at: string;
  machine: MachineInfo;
  latencyMs: number;
  /** Devices in the simulator's inventory (a `contains` search scans all of its cards). */
  inventoryDevices: number;
  sample: number;
  wallMs: number;
  devicesPerSecond: number;
  requestsPerDevice: number;
  misclassified: number;
  failedRequests: number;
}

export type BenchRecord = RunRecord | BaselineRecord;

export function machineInfo(root: string): MachineInfo {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    commit: dirty ? `${commit}+dirty` : commit,
  };
}

export function resultsFile(dir: string, at = new Date()): string {
  return join(dir, `${at.toISOString().slice(0, 10)}.jsonl`);
}

export function appendRecord(file: string, record: BenchRecord): void {
  mkdirSync(join(file, '..'), { recursive: true });
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

export function readRecords(file: string): BenchRecord[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as BenchRecord);
}
