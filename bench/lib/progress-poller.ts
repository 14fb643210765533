/**
 * Polls the `progress` query while a run goes on, as the CLI's live view does, and keeps the
 * latency of every answer: the operator-facing responsiveness of a busy worker.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../../src/workflows';
import type { Progress } from '../../src/workflows/types';

export interface LatencySummary {
  samples: number;
  failures: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Answers per latency bucket ("<25 ms", …): a bimodal spread points at waits rather than load. */
  histogram: Record<string, number>;
}

const BUCKETS_MS = [25, 50, 100, 200, 400, 800, 1600];

function histogramOf(latencies: number[]): Record<string, number> {
  const histogram: Record<string, number> = {};
  for (const latency of latencies) {
    const bound = BUCKETS_MS.find((b) => latency < b);
    const bucket = bound === undefined ? `>=${BUCKETS_MS[BUCKETS_MS.length - 1]} ms` : `<${bound} ms`;
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  }
  return Object.fromEntries(
    [...BUCKETS_MS.map((b) => `<${b} ms`), `>=${BUCKETS_MS[BUCKETS_MS.length - 1]} ms`]
      .filter((bucket) => histogram[bucket])
      .map((bucket) => [bucket, histogram[bucket]]),
  );
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summariseLatencies(latencies: number[], failures: number): LatencySummary {
  return {
    samples: latencies.length,
    failures,
    p50Ms: Math.round(percentile(latencies, 50)),
    p95Ms: Math.round(percentile(latencies, 95)),
    maxMs: Math.round(Math.max(0, ...latencies)),
    histogram: histogramOf(latencies),
  };
}

export interface ProgressPoller {
  latest(): Progress | undefined;
  stop(): Promise<LatencySummary>;
}

/**
 * One query at a time, started every `everyMs` (or as soon as the previous answered, if it
 * took longer). A failed query (e.g. during a continue-as-new hand-over) is counted apart.
 */
export function pollProgress(handle: WorkflowHandle, everyMs = 250): ProgressPoller {
  const latencies: number[] = [];
  let failures = 0;
  let latest: Progress | undefined;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        latest = await handle.query(progressQuery);
        latencies.push(performance.now() - started);
      } catch {
        failures += 1;
      }
      const wait = everyMs - (performance.now() - started);
      if (running && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    latest: () => latest,
    async stop() {
      running = false;
      await loop;
      return summariseLatencies(latencies, failures);
    },
  };
}
