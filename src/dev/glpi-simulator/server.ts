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
  type ListFault,
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

  let listHook: ((index: number) => void) | null = null;
  let listRequests = 0;
  let listHookRequests = 0;
  const isItemList = (request: IncomingMessage): boolean => {
    const route = routeOf(request.url ?? '/', version);
    return (
      request.method === 'GET' &&
      route !== null &&
      route.length === 1 &&
      endpointOf(route) === 'other' &&
      /^[A-Za-z]+$/.test(route[0]) &&
      !['listSearchOptions', 'getMultipleItems'].includes(route[0])
    );
  };

  const answer = (request: IncomingMessage, response: ServerResponse, body: string, draw: FaultDraw): void => {
    if (stopping || response.destroyed) return;
    if (isItemList(request)) {
      listHook?.(listHookRequests++);
      // Faults count the live lists' requests only (the trash is read alongside, in its own order).
      const live = !/[?&]is_deleted=1(&|$)/.test(request.url ?? '');
      const listFault = live ? faultPlan.config.listFaults?.[listRequests++] : undefined;
      if (listFault) {
        const result = listFaultResponse(listFault, handleSafely(api, request, body), () =>
          handleSafely(api, request, body, shiftedRange(request.url ?? '/', 3)),
        );
        countFault('list');
        send(response, result);
        return;
      }
    }
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
      listRequests = 0;
    },
    onListRequest: (hook) => {
      listHook = hook;
      listHookRequests = 0;
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

/** The same URL with its `range=a-b` moved `by` rows earlier (not below 0). */
function shiftedRange(url: string, by: number): string {
  return url.replace(/range=(\d+)-(\d+)/, (_m, a: string, b: string) => {
    const start = Math.max(0, Number(a) - by);
    return `range=${start}-${start + Number(b) - Number(a)}`;
  });
}

/** An item list answer with one of the list faults applied (see FaultConfig.listFaults). */
function listFaultResponse(fault: ListFault, result: ApiResponse, shifted: () => ApiResponse): ApiResponse {
  switch (fault) {
    case 'short': {
      if (result.status >= 300) return result;
      const rows = JSON.parse(result.body) as unknown[];
      return { ...result, body: JSON.stringify(rows.slice(0, Math.max(0, rows.length - 5))) };
    }
    case 'shifted': {
      const moved = shifted();
      return moved.status >= 300 ? result : { ...moved, headers: result.headers };
    }
    case 'html':
      return rawResponse(
        200,
        'text/html; charset=UTF-8',
        '<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>',
      );
    case 'truncated':
      if (result.status >= 300) return result;
      return { ...result, body: result.body.slice(0, Math.floor(result.body.length / 2)) };
  }
}

/** A bug in the simulator answers like a PHP fatal error (500, empty body) instead of crashing the server. */
function handleSafely(api: GlpiApi, request: IncomingMessage, body: string, url?: string): ApiResponse {
  try {
    return api.handle({
      method: request.method ?? 'GET',
      url: url ?? request.url ?? '/',
      headers: request.headers,
      body,
    });
  } catch {
    return rawResponse(500, 'text/html; charset=UTF-8', '');
  }
}

function send(response: ServerResponse, result: ApiResponse): void {
  response.writeHead(result.status, { ...result.headers, 'Content-Length': Buffer.byteLength(result.body) });
  response.end(result.body);
}
