/**
 * The production worker (`src/cli/worker.ts`) as a process of its own, configured only through
 * its environment like an operator would run it. Spawned as `node --import tsx` rather than
 * through the `tsx` binary: tsx would fork a second node process, and the memory to measure
 * is the one of the process that runs the worker.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes';

export const WORKER_READY = /Worker polling task queue/;

export interface MemoryStats {
  /** Highest VmRSS seen by the sampler, from spawn on (includes the webpack bundling of the workflows). */
  peakRssBytes: number;
  /** Highest VmRSS seen since `markRunStarted()`, i.e. while checking devices. */
  peakRssDuringRunBytes: number;
  /** The kernel's own high-water mark (VmHWM) as last read: exact, not sampled. */
  highWaterMarkBytes: number;
  samples: number;
}

export interface WorkerProcess {
  pid: number;
  /** Everything the worker wrote to stdout and stderr, in order (kept whole: the secrets audit reads all of it). */
  output(): string;
  /** Resolves once the worker polls its task queue; rejects if it exits before. */
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  markRunStarted(): void;
  /** Milliseconds from spawn to the "polling" line (undefined until then). */
  startupMs(): number | undefined;
  memory(): MemoryStats;
  /** Sends `signal`, and SIGKILL if the worker is still there after `graceMs`. */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

interface ProcStatus {
  rss: number;
  hwm: number;
}

function readProcStatus(pid: number): ProcStatus | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // exited, or not Linux
  }
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

export interface SpawnOptions {
  sampleEveryMs?: number;
  /** Copy the worker's output to our stderr as it comes. */
  echo?: boolean;
  /** Options of node itself, e.g. --max-old-space-size=192 or --cpu-prof (which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** Another entry point with the same environment contract (to measure a candidate change); default src/cli/worker.ts. */
  script?: string;
  /** Another node binary (e.g. Node 22 from .tools/); default this process's. */
  node?: string;
}

export interface WorkerCommand {
  env: Record<string, string>;
  nodeArgs: string[];
  script: string;
}

/**
 * What `npm start` runs (package.json's start script: `VAR=value … node <options> <script>`),
 * so that tests and benchmarks measure exactly the production worker. Needs `npm run build`.
 */
export function productionWorkerCommand(): WorkerCommand {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split('=');
    env[name] = value.join('=');
  }
  const nodeArgs: string[] = [];
  if (words.shift() !== 'node')
    throw new Error('package.json start script: expected VAR=value … node <options> <script>');
  while (words.length > 1 && words[0].startsWith('-')) nodeArgs.push(words.shift()!);
  if (words.length !== 1 || !words[0].endsWith('.js'))
    throw new Error('package.json start script: expected one compiled script after the node options');
  return { env, nodeArgs, script: join(ROOT, words[0]) };
}

export function spawnWorker(env: NodeJS.ProcessEnv, options: SpawnOptions = {}): WorkerProcess {
  const script = options.script ?? join(ROOT, 'src', 'cli', 'worker.ts');
  // A compiled entry point (npm run build) runs without tsx, as a production image would.
  const loader = script.endsWith('.js') ? [] : ['--import', 'tsx'];
  const spawnedAt = performance.now();
  let readyAt: number | undefined;
  const child = spawn(options.node ?? process.execPath, [...(options.nodeArgs ?? []), ...loader, script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not spawn the worker process');
  const pid = child.pid;

  const chunks: string[] = [];
  let readyResolve: () => void = () => undefined;
  let readyReject: (error: Error) => void = () => undefined;
  let isReady = false;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    chunks.push(text);
    if (options.echo) process.stderr.write(text);
    if (!isReady && WORKER_READY.test(text)) {
      isReady = true;
      readyAt = performance.now();
      readyResolve();
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);

  const memory: MemoryStats = { peakRssBytes: 0, peakRssDuringRunBytes: 0, highWaterMarkBytes: 0, samples: 0 };
  let runStarted = false;
  const sample = () => {
    const status = readProcStatus(pid);
    if (!status) return;
    memory.samples += 1;
    memory.peakRssBytes = Math.max(memory.peakRssBytes, status.rss);
    memory.highWaterMarkBytes = Math.max(memory.highWaterMarkBytes, status.hwm);
    if (runStarted) memory.peakRssDuringRunBytes = Math.max(memory.peakRssDuringRunBytes, status.rss);
  };
  const sampler = setInterval(sample, options.sampleEveryMs ?? 200);
  sampler.unref();

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      clearInterval(sampler);
      if (!isReady) readyReject(new Error(`the worker exited (${signal ?? code}) before polling:\n${chunks.join('')}`));
      resolve({ code, signal });
    }),
  );
  // A rejection nobody awaits (the worker died after it was ready) must not crash the caller.
  ready.catch(() => undefined);

  return {
    pid,
    output: () => chunks.join(''),
    ready,
    exited,
    markRunStarted: () => {
      sample();
      runStarted = true;
    },
    startupMs: () => (readyAt === undefined ? undefined : Math.round(readyAt - spawnedAt)),
    memory: () => {
      sample();
      return { ...memory };
    },
    async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      // A worker that does not stop on SIGTERM must not hang the bench.
      const escalate = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(escalate);
    },
  };
}
