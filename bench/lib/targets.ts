/**
 * The targets of issue 6 and a markdown summary that can be pasted in the README.
 */
import type { BaselineRecord, BenchRecord, RunRecord } from './records';

export interface TargetResult {
  target: string;
  status: 'pass' | 'miss' | 'not measured';
  detail: string;
}

const KB = 1024;
const MB = 1024 * 1024;

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const runName = (r: RunRecord) => `${r.devices.toLocaleString('en')} devices at ${r.latencyMs} ms`;

function last<T>(items: T[]): T | undefined {
  return items[items.length - 1];
}

/** The run with the highest `value` (the worst, for a cost; the best, for a speed). */
function highest(runs: RunRecord[], value: (run: RunRecord) => number): RunRecord | undefined {
  return [...runs].sort((a, b) => value(b) - value(a))[0];
}

function check(target: string, measured: boolean, pass: boolean, detail: string): TargetResult {
  return { target, status: measured ? (pass ? 'pass' : 'miss') : 'not measured', detail };
}

/**
 * Targets over the records: throughput by the fastest configuration measured, the 200 ms case by
 * the latest run, every limit (requests, memory, history, payloads, query latency) by the worst run.
 */
export function evaluateTargets(records: BenchRecord[]): TargetResult[] {
  const runs = records.filter((r): r is RunRecord => r.kind === 'run');
  const baselines = records.filter((r): r is BaselineRecord => r.kind === 'baseline');
  const results: TargetResult[] = [];

  // Throughput targets: the best configuration measured (a results file may hold tuning runs).
  const fastest = (candidates: RunRecord[]) => highest(candidates, (r) => r.devicesPerSecond);
  const big = fastest(runs.filter((r) => r.devices >= 100_000 && r.latencyMs === 20));
  results.push(
    check(
      '100,000 devices in ≤ 60 s at 20 ms latency',
      big !== undefined,
      (big?.wallMs ?? Infinity) <= 60_000,
      big
        ? `${s(big.wallMs)} (${Math.round(big.devicesPerSecond)} devices/s, batch ${big.batchSize} × ${big.batchConcurrency})`
        : 'run --devices 100000 --latency-ms 20',
    ),
  );

  const baseline = last(baselines);
  const atBaselineLatency = runs.filter((r) => r.latencyMs === baseline?.latencyMs);
  const largest = Math.max(0, ...atBaselineLatency.map((r) => r.devices));
  const compared = fastest(atBaselineLatency.filter((r) => r.devices === largest));
  const ratio = baseline && compared ? compared.devicesPerSecond / baseline.devicesPerSecond : 0;
  results.push(
    check(
      '≥ 500× the baseline’s devices/s',
      compared !== undefined,
      ratio >= 500,
      baseline && compared
        ? `${Math.round(ratio)}× (${Math.round(compared.devicesPerSecond)} vs ${baseline.devicesPerSecond.toFixed(1)} ` +
            `devices/s at ${baseline.latencyMs} ms, ${runName(compared)}, batch ${compared.batchSize} × ${compared.batchConcurrency})`
        : 'run with --baseline',
    ),
  );

  const worstRequests = highest(runs, (r) => r.requestsPerDevice);
  results.push(
    check(
      '≤ 0.05 GLPI requests per device',
      worstRequests !== undefined,
      (worstRequests?.requestsPerDevice ?? Infinity) <= 0.05,
      worstRequests ? `worst ${worstRequests.requestsPerDevice.toFixed(4)} (${runName(worstRequests)})` : '',
    ),
  );

  const slow = last(runs.filter((r) => r.devices === 10_000 && r.latencyMs === 200));
  results.push(
    check(
      'wall ≤ 2× the GLPI-bound limit at 10,000 devices, 200 ms latency',
      slow !== undefined,
      (slow?.wallOverBound ?? Infinity) <= 2,
      slow
        ? `${slow.wallOverBound.toFixed(2)}× (${s(slow.wallMs)} vs limit ${s(slow.glpiBoundMs)})`
        : 'run --devices 10000 --latency-ms 200',
    ),
  );

  const rss = highest(runs, (r) => r.worker.highWaterMarkMb);
  results.push(
    check(
      'worker RSS ≤ 300 MB',
      rss !== undefined,
      (rss?.worker.highWaterMarkMb ?? Infinity) <= 300,
      rss
        ? `worst high-water mark ${rss.worker.highWaterMarkMb} MB, ${rss.worker.peakRssDuringRunMb} MB while checking (${runName(rss)})`
        : '',
    ),
  );

  const events = highest(runs, (r) => r.history.maxEvents);
  results.push(
    check(
      'no run history over 4,096 events',
      events !== undefined,
      (events?.history.maxEvents ?? Infinity) <= 4096,
      events
        ? `longest execution ${events.history.maxEvents} events (${runName(events)}, ${events.history.executions} execution(s), ${events.history.totalEvents} in all)`
        : '',
    ),
  );

  const payloadOf = (r: RunRecord) => Math.max(r.largestPayload.bytes, r.largestHeartbeatBytes);
  const payload = highest(runs, payloadOf);
  results.push(
    check(
      'no payload over 256 KB',
      payload !== undefined,
      payload !== undefined && payloadOf(payload) <= 256 * KB,
      payload
        ? `largest in a history ${(payload.largestPayload.bytes / KB).toFixed(1)} KB (${payload.largestPayload.where}); ` +
            `largest heartbeat ${(payload.largestHeartbeatBytes / KB).toFixed(1)} KB (${runName(payload)})`
        : '',
    ),
  );

  const progress = highest(runs, (r) => r.progress.p95Ms);
  results.push(
    check(
      'progress query p95 < 200 ms',
      progress !== undefined,
      (progress?.progress.p95Ms ?? Infinity) < 200,
      progress ? `worst p95 ${progress.progress.p95Ms} ms (${runName(progress)})` : '',
    ),
  );
  return results;
}

/** How the worker differed from `npm run worker` with the defaults, if it did. */
function workerNote(r: RunRecord): string {
  const notes = [
    r.workerScript ? `\`${r.workerScript.split('/').pop()}\`` : 'src/cli/worker.ts',
    ...(r.workerNodeOptions ? [`\`${r.workerNodeOptions}\``] : []),
    ...(r.workerMaxActivities !== 8 ? [`${r.workerMaxActivities} activities`] : []),
    ...Object.entries(r.workerProcessEnv ?? {}).map(([name, value]) => `${name}=${value.split('/').pop()}`),
  ];
  return notes.join(' ');
}

function row(cells: (string | number)[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function markdownSummary(records: BenchRecord[]): string {
  const lines: string[] = [];
  const runs = records.filter((r): r is RunRecord => r.kind === 'run');
  const baselines = records.filter((r): r is BaselineRecord => r.kind === 'baseline');
  const machine = records[0]?.machine;
  if (machine)
    lines.push(
      `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, commit ${machine.commit}.`,
      '',
    );
  if (runs.length > 0) {
    lines.push(
      row([
        'devices',
        'GLPI latency',
        'GLPI conc.',
        'batch × conc.',
        'wall',
        'devices/s',
        'GLPI requests',
        'req/device',
        'GLPI-bound limit',
        'wall/limit',
        'worker RSS (run / peak)',
        'history events (all / max exec.)',
        'largest payload',
        'largest heartbeat',
        'progress p50 / p95',
        'exact',
        'worker',
      ]),
      row(Array<string>(17).fill('---')),
    );
    for (const r of runs) {
      lines.push(
        row([
          r.devices.toLocaleString('en'),
          `${r.latencyMs} ms`,
          r.glpiConcurrency,
          `${r.batchSize} × ${r.batchConcurrency}`,
          s(r.wallMs),
          Math.round(r.devicesPerSecond).toLocaleString('en'),
          r.glpiRequests.toLocaleString('en'),
          r.requestsPerDevice.toFixed(4),
          s(r.glpiBoundMs),
          `${r.wallOverBound.toFixed(2)}×`,
          `${r.worker.peakRssDuringRunMb} / ${r.worker.highWaterMarkMb} MB`,
          `${r.history.totalEvents} / ${r.history.maxEvents} (${r.history.executions} exec.)`,
          `${(r.largestPayload.bytes / KB).toFixed(1)} KB`,
          `${(r.largestHeartbeatBytes / KB).toFixed(1)} KB`,
          `${r.progress.p50Ms} / ${r.progress.p95Ms} ms`,
          r.verified ? 'yes' : '**NO**',
          workerNote(r),
        ]),
      );
    }
  }
  for (const b of baselines) {
    lines.push(
      '',
      `Baseline (old design: login, entity switch, one \`contains\` search, logout per device, sequential): ` +
        `${b.devicesPerSecond.toFixed(1)} devices/s at ${b.latencyMs} ms latency, ` +
        `${b.requestsPerDevice.toFixed(0)} requests/device; measured on a sample of ${b.sample} devices ` +
        `(of a ${b.inventoryDevices.toLocaleString('en')}-device inventory) and extrapolated: ` +
        `100,000 devices would take ${(100_000 / b.devicesPerSecond / 3600).toFixed(1)} h. ` +
        `It misclassified ${b.misclassified} of ${b.sample} devices (row counts of a \`contains\` search).`,
    );
  }
  const targets = evaluateTargets(records);
  lines.push('', row(['target', 'result', 'measured']), row(['---', '---', '---']));
  for (const t of targets) lines.push(row([t.target, t.status === 'miss' ? '**miss**' : t.status, t.detail]));
  return lines.join('\n');
}

export const BYTES = { KB, MB };
