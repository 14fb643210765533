/**
 * The HTTP side: a node:http server around GlpiApi, with fault injection, statistics and a
 * stop() that does not wait for hanging requests or idle keep-alive connections.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { endpointOf, GlpiApi, routeOf, SUPER_ADMIN, type ApiState } from './api';
import {
  FaultPlan,
  htmlPageResponse,
  malformedResponse,
  rateLimitResponse,
  serverErrorResponse,
  type FaultDraw,
} from './faults';
import { rawResponse, type ApiResponse } from './responses';
import { SessionStore } from './sessions';
import { ItemStore } from './store';
import {
  ENDPOINT_NAMES,
  FAULT_NAMES,
  type FaultConfig,
  type FaultName,
  type RunningSimulator,
  type SimItem,
  type SimulatorOptions,
  type SimulatorStats,
} from './types';

interface Counters {
  requests: Record<string, number>;
  total: number;
  peakConcurrency: number;
  sessionsOpened: number;
  sessionsKilled: number;
  faultsInjected: Record<string, number>;
}

function emptyCounters(inFlight: number): Counters {
  return {
    requests: Object.fromEntries(ENDPOINT_NAMES.map((e) => [e, 0])),
    total: 0,
    peakConcurrency: inFlight,
    sessionsOpened: 0,
    sessionsKilled: 0,
    faultsInjected: Object.fromEntries(FAULT_NAMES.map((f) => [f, 0])),
  };
}

export async function startGlpiSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const version = opts.glpiVersion ?? '10';
  const maxInputVars = opts.maxInputVars ?? 1000;
  let rawItems: SimItem[] = [...(opts.items ?? [])];
  let store = new ItemStore(rawItems, version);
  const sessions = new SessionStore();
  let faultPlan = new FaultPlan(opts.faults ?? {});
  let inFlight = 0;
  let counters = emptyCounters(0);
  let stopping = false;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const countFault = (name: FaultName): void => {
    counters.faultsInjected[name] = (counters.faultsInjected[name] ?? 0) + 1;
  };
  const state: ApiState = {
    get store() {
      return store;
    },
    sessions,
    faults: () => faultPlan.config,
    invalidatesSession: () => faultPlan.invalidatesSession(),
    countFault,
    sessionOpened: () => void counters.sessionsOpened++,
    sessionKilled: () => void counters.sessionsKilled++,
  };
  const settings = {
    appToken: opts.appToken ?? null,
    userToken: opts.userToken,
    username: opts.username,
    password: opts.password,
    glpiVersion: version,
    listLimit: opts.listLimit ?? 20,
    maxInputVars,
    multiEntity: opts.multiEntity ?? true,
    userName: opts.userName ?? 'glpi-check',
    baseUrl: '',
    profiles: opts.profiles && opts.profiles.length > 0 ? opts.profiles : [SUPER_ADMIN],
    webLayout: opts.webLayout ?? 'root',
    stripAuthorization: opts.stripAuthorization ?? false,
  };
  const api = new GlpiApi(settings, state);

  const answer = (request: IncomingMessage, response: ServerResponse, body: string, draw: FaultDraw): void => {
    if (stopping || response.destroyed) return;
    const isSearch = endpointOf(routeOf(request.url ?? '/', version)) === 'search';
    const fault = isSearch ? draw.searchFault : null;
    let result: ApiResponse;
    if (fault === 'rateLimit') result = rateLimitResponse(draw.variant, faultPlan.config.retryAfterSeconds ?? 1);
    else if (fault === 'error') result = serverErrorResponse(draw.variant);
    else if (fault === 'html') result = htmlPageResponse(draw.variant);
    else result = handleSafely(api, request, body);
    if (fault === 'malformed') result = malformedResponse(result, draw.variant);
    if (fault) countFault(fault);
    send(response, result);
    opts.log?.(`${request.method} ${(request.url ?? '').split('?')[0]} ${result.status}${fault ? ` [${fault}]` : ''}`);
  };

  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    counters.total++;
    const endpoint = endpointOf(routeOf(request.url ?? '/', version));
    counters.requests[endpoint] = (counters.requests[endpoint] ?? 0) + 1;
    inFlight++;
    counters.peakConcurrency = Math.max(counters.peakConcurrency, inFlight);
    response.on('close', () => inFlight--);
    request.on('error', () => undefined);

    const faults = faultPlan.config;
    if (faults.down) {
      countFault('down');
      request.socket.destroy();
      return;
    }
    const draw = faultPlan.draw();
    if (draw.hang) {
      // Never answered: the client's timeout, or stop(), ends it.
      countFault('hang');
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const latency = faults.latencyMs ?? 0;
      if (latency <= 0) return answer(request, response, body, draw);
      countFault('latency');
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(request, response, body, draw);
      }, latency);
      timers.add(timer);
    });
  };

  const server = createServer(onRequest);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket: Socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/apirest.php`;
  settings.baseUrl = url;

  return {
    url,
    port,
    stats: (): SimulatorStats => ({
      requests: { ...counters.requests },
      total: counters.total,
      peakConcurrency: counters.peakConcurrency,
      activeSessions: sessions.size,
      sessionsOpened: counters.sessionsOpened,
      sessionsKilled: counters.sessionsKilled,
      faultsInjected: { ...counters.faultsInjected },
    }),
    resetStats: () => {
      counters = emptyCounters(inFlight);
    },
    setFaults: (faults: FaultConfig) => {
      faultPlan = new FaultPlan({ ...faults });
    },
    setItems: (items: SimItem[]) => {
      rawItems = [...items];
      store = new ItemStore(rawItems, version);
    },
    items: () => [...rawItems],
    invalidateAllSessions: () => sessions.closeAll(),
    stop: async () => {
      if (stopping) return;
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** A bug in the simulator answers like a PHP fatal error (500, empty body) instead of crashing the server. */
function handleSafely(api: GlpiApi, request: IncomingMessage, body: string): ApiResponse {
  try {
    return api.handle({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body });
  } catch {
    return rawResponse(500, 'text/html; charset=UTF-8', '');
  }
}

function send(response: ServerResponse, result: ApiResponse): void {
  response.writeHead(result.status, { ...result.headers, 'Content-Length': Buffer.byteLength(result.body) });
  response.end(result.body);
}
