/**
 * A persistent local Temporal dev server (the real server, with its UI) for `npm run dev`
 * and `npm run demo`: state in a SQLite file under .temporal/, so runs survive restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { portOpen, requireFreePort } from './ports';
import { PROJECT_ROOT, requireTemporalBinary } from './temporal-binaries';
import { CHECK_SEARCH_ATTRIBUTES, cliTypeName } from '../workflows/search-attributes';

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
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
  // Both ports before anything starts (the stack checked them already; taken since?).
  await requireFreePort(host, port, 'TEMPORAL_DEV_PORT', 'the Temporal dev server’s gRPC port');
  await requireFreePort(host, uiPort, 'TEMPORAL_DEV_UI_PORT', 'the Temporal dev server’s web UI');
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
      // The checks' search attributes (src/workflows/search-attributes.ts), registered at start.
      ...CHECK_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeName(key.type)}`]),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => options.log?.(chunk.toString().trimEnd()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(host, port, child, 60_000);
  } catch (error) {
    // A server that did not come up is not left behind.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    throw error;
  }
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
