/**
 * A persistent local Temporal dev server (the real server, with its UI) for `npm run dev`
 * and `npm run demo`: state in a SQLite file under .temporal/, so runs survive restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT, requireTemporalBinary } from './temporal-binaries';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitForPort(host: string, port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`temporal server start-dev exited with code ${child.exitCode}`);
    if (await portOpen(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Temporal dev server did not open ${host}:${port} within ${timeoutMs / 1000} s`);
}

export async function startDevServer(
  options: { port?: number; uiPort?: number; dbFile?: string; log?: (line: string) => void } = {},
): Promise<DevServer> {
  const host = '127.0.0.1';
  const port = options.port ?? 7233;
  const uiPort = options.uiPort ?? 8233;
  const dbFile = options.dbFile ?? join(PROJECT_ROOT, '.temporal', 'dev.db');
  if (await portOpen(host, port)) {
    throw new Error(
      `${host}:${port} is already in use. If a Temporal server is running there, set TEMPORAL_ADDRESS=${host}:${port} ` +
        'to use it; otherwise stop whatever holds the port.',
    );
  }
  mkdirSync(join(dbFile, '..'), { recursive: true });
  const child = spawn(
    requireTemporalBinary('cli'),
    [
      'server',
      'start-dev',
      '--ip',
      host,
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--db-filename',
      dbFile,
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => options.log?.(chunk.toString().trimEnd()));
  await waitForPort(host, port, child, 60_000);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    address: `${host}:${port}`,
    uiUrl: `http://localhost:${uiPort}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
