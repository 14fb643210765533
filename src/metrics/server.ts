/**
 * The worker's HTTP endpoint for monitoring, on METRICS_HOST:METRICS_PORT:
 *   /metrics  the service's metrics (src/metrics/registry.ts) followed by the SDK's (temporal_*),
 *             fetched from the Runtime's exporter on 127.0.0.1:METRICS_SDK_PORT — one scrape target;
 *   /healthz  200 while the process serves requests (liveness);
 *   /readyz   200 when Temporal answers, the database answers and the worker polls; 503 and
 *             the failing parts otherwise (readiness).
 * No authentication: it binds to 127.0.0.1 unless METRICS_HOST says otherwise.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The metrics port cannot be used (in use, not allowed): a configuration problem (exit 4). */
export class MetricsPortError extends Error {
  override readonly name = 'MetricsPortError';
  constructor(
    message: string,
    readonly setting: string,
  ) {
    super(message);
  }
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** The SDK exporter's URL, appended to /metrics; none when SDK metrics are off. */
  sdkMetricsUrl?: string;
  readiness: () => Promise<Readiness>;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number, setting: string): MetricsPortError {
  if (error.code === 'EADDRINUSE') {
    return new MetricsPortError(
      `${setting} ${port} is already in use on ${host} (another worker, or another exporter): ` +
        `give each worker on this host its own ${setting}, or set METRICS_PORT=0 to turn metrics off`,
      setting,
    );
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new MetricsPortError(`METRICS_HOST ${host} is not an address of this host (${error.code})`, 'METRICS_HOST');
  }
  return new MetricsPortError(`cannot listen on ${host}:${port} (${setting}): ${error.code ?? error.message}`, setting);
}

function listen(server: Server, host: string, port: number, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(listenError(error, host, port, setting));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Fails with MetricsPortError when the port cannot be bound (checked before the SDK exporter binds it). */
export async function requirePortFree(host: string, port: number, setting: string): Promise<void> {
  const probe = createServer();
  await listen(probe, host, port, setting);
  await new Promise((resolve) => probe.close(resolve));
}

async function sdkMetrics(url: string | undefined): Promise<string> {
  if (!url) return '';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    return ''; // the service's own metrics are still worth answering with
  }
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
    if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (path === '/readyz') {
      void options.readiness().then(
        (r) => send(r.ready ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`),
        (error: unknown) =>
          send(503, 'application/json', `${JSON.stringify({ ready: false, error: String(error) })}\n`),
      );
      return;
    }
    if (path === '/metrics') {
      void Promise.all([options.registry.metrics(), sdkMetrics(options.sdkMetricsUrl)]).then(
        ([own, sdk]) => send(200, options.registry.contentType, `${own}${own.endsWith('\n') ? '' : '\n'}${sdk}`),
        (error: unknown) => send(500, 'text/plain', `metrics failed: ${(error as Error).message}\n`),
      );
      return;
    }
    send(404, 'text/plain', 'not found: /metrics, /healthz, /readyz\n');
  });
  server.keepAliveTimeout = 5_000;
  await listen(server, options.host, options.port, 'METRICS_PORT');
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
