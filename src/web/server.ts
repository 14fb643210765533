/**
 * The read-only web application (Fastify): routes, security headers, authentication, and the
 * error pages. Only GET and HEAD exist; every other method is 405. Pages are rendered on the
 * server (./pages.ts); the one script (./assets.ts) only polls the live progress.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Db } from '../db/client';
import { csvCell } from '../reports/csv';
import { RunNotFoundError, glpiRefs, loadTotals, selectRun, type LinkOptions } from '../reports/query';
import { describeFinding } from '../core/findings';
import type { ReportTotals } from '../reports/model';
import { WEB_CSS, WEB_JS } from './assets';
import { authorised, type WebAuth } from './auth';
import { isDatabaseUnavailable } from './errors';
import { BadParameterError, parseRunQuery } from './filters';
import { errorPage } from './html';
import { liveView, devicePage, type LiveView, runPage, runsPage, type PageContext } from './pages';
import {
  allMatching,
  countMatching,
  deviceHistory,
  FACET_COLUMNS,
  facetValues,
  findingsByKind,
  listFinishedFullChecks,
  listRuns,
  needsCount,
  resultPage,
  runTotals,
  type FacetColumn,
} from './query';
import type { LiveSource } from './live';
import { RUN_SECTIONS } from './sections';

export interface WebDeps {
  db: Db;
  live: LiveSource;
  links: LinkOptions;
  timeZone: string;
  auth: WebAuth;
  /** One line per failure worth an operator's look (never a secret: messages are redacted by the caller's logger). */
  log?: (line: string) => void;
  /** Clock for "so far" durations (tests). */
  now?: () => Date;
}

/** Longest request target accepted; longer ones get 414 (Node refuses headers past 16 KiB itself). */
export const MAX_URL_LENGTH = 8192;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

class NotFound extends Error {
  override readonly name = 'NotFound';
}

const MAX_ID = 2 ** 31 - 1;

/** A path id: digits that fit the id column, else the page does not exist. */
function pathId(raw: string, what: string): number {
  if (!/^\d{1,10}$/.test(raw) || Number(raw) > MAX_ID || Number(raw) < 1)
    throw new NotFound(`there is no ${what} ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}

function optionalId(query: Record<string, unknown>, name: string): number | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value) || Number(value) > MAX_ID)
    throw new BadParameterError(name, `${name} must be a run id (a whole number)`);
  return Number(value);
}

const FACET_TTL_MS = 60_000;

export async function buildWebApp(deps: WebDeps): Promise<FastifyInstance> {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 200 },
    bodyLimit: 1024,
    return503OnClosing: true,
    requestTimeout: 30_000,
    // Node answers a request line or headers over its limit (16 KiB) before any route: say 414.
    clientErrorHandler: (error, socket) => {
      const code = (error as { code?: string }).code;
      const status = code === 'HPE_HEADER_OVERFLOW' ? '414 URI Too Long' : '400 Bad Request';
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    },
  });

  let facets: { at: number; values: Promise<Record<FacetColumn, string[]>> } | undefined;
  const facetCache = () => {
    if (!facets || Date.now() - facets.at > FACET_TTL_MS) {
      const values = Promise.all(FACET_COLUMNS.map((c) => facetValues(db, c))).then(
        (lists) => Object.fromEntries(FACET_COLUMNS.map((c, i) => [c, lists[i]])) as Record<FacetColumn, string[]>,
      );
      values.catch(() => (facets = undefined));
      facets = { at: Date.now(), values };
    }
    return facets.values;
  };

  const context = async (): Promise<PageContext> => {
    const latest = await db.checkRun.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
    return { timeZone: deps.timeZone, links: deps.links, now: now(), latestRunId: latest?.id ?? null };
  };

  const html = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply.header('allow', 'GET, HEAD');
      return html(
        reply,
        405,
        errorPage(405, 'Method not allowed', 'This page is read-only: only GET and HEAD are answered.'),
      );
    }
    if (request.url.length > MAX_URL_LENGTH) {
      return html(
        reply,
        414,
        errorPage(414, 'Address too long', `The address is longer than ${MAX_URL_LENGTH} characters.`),
      );
    }
    if (!authorised(deps.auth, request.headers.authorization)) {
      if (deps.auth.kind === 'basic')
        reply.header('www-authenticate', 'Basic realm="glpi-device-check", charset="UTF-8"');
      if (deps.auth.kind === 'token') reply.header('www-authenticate', 'Bearer realm="glpi-device-check"');
      return html(reply, 401, errorPage(401, 'Sign-in needed', 'This page needs credentials (WEB_AUTH).'));
    }
  });

  app.setNotFoundHandler((request, reply) =>
    html(reply, 404, errorPage(404, 'Not found', `There is no page at ${request.url.split('?')[0].slice(0, 100)}.`)),
  );

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof NotFound) return html(reply, 404, errorPage(404, 'Not found', error.message));
    if (error instanceof RunNotFoundError) return html(reply, 404, errorPage(404, 'Run not found', error.message));
    if (error instanceof BadParameterError) return html(reply, 400, errorPage(400, 'Bad address', error.message));
    if (isDatabaseUnavailable(error)) {
      deps.log?.(`web: database unavailable url=${request.url.split('?')[0]}`);
      reply.header('retry-after', '30');
      return html(
        reply,
        503,
        errorPage(503, 'Database unavailable', 'The database does not answer right now. Try again in a moment.'),
      );
    }
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return html(reply, status, errorPage(status, 'Bad request', 'The request could not be read.'));
    }
    const reference = randomUUID().slice(0, 8);
    const message = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
    deps.log?.(`web: error reference=${reference} url=${request.url.split('?')[0]} ${message}`);
    return html(
      reply,
      500,
      errorPage(
        500,
        'Something went wrong',
        `The page could not be made (reference ${reference}, in the service's log).`,
      ),
    );
  });

  // ------------------------------------------------------------ assets
  app.get('/assets/web.css', (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=86400').send(WEB_CSS),
  );
  app.get('/assets/web.js', (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=86400').send(WEB_JS),
  );
  app.get('/favicon.ico', (_request, reply) => reply.code(204).header('cache-control', 'public, max-age=86400').send());

  // ------------------------------------------------------------ runs list
  app.get('/', async (request: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
    const before = optionalId(request.query, 'before');
    const limit = 50;
    const [runs, chartRuns, ctx] = await Promise.all([
      listRuns(db, { limit, before }),
      listFinishedFullChecks(db, 30),
      context(),
    ]);
    const liveTotals = new Map<number, ReportTotals>();
    await Promise.all(
      runs
        .filter((run) => run.status === 'running')
        .map(async (run) => liveTotals.set(run.id, await loadTotals(db, run.id, run.total))),
    );
    const findings = await findingsByKind(
      db,
      runs.map((r) => r.id),
    );
    const page = runsPage(
      {
        runs,
        findings,
        liveTotals,
        chart: chartRuns.reverse(),
        olderThan: runs.length === limit ? runs[runs.length - 1].id : null,
      },
      ctx,
    );
    return html(reply, 200, page);
  });

  // ------------------------------------------------------------ a run
  const loadRun = async (raw: string) => {
    const id = pathId(raw, 'run');
    return selectRun(db, String(id));
  };

  app.get(
    '/runs/:id',
    async (request: FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>, reply) => {
      const query = parseRunQuery(request.query);
      const { run, plannedTotal } = await loadRun(request.params.id);
      const running = run.status === 'running';
      const [totals, kinds, page, counted, facetLists, live, ctx, previous] = await Promise.all([
        runTotals(db, run.id, plannedTotal),
        findingsByKind(db, [run.id]),
        resultPage(db, run.id, query.filter, { size: query.size, cursor: query.cursor, backwards: query.backwards }),
        needsCount(query.filter) ? countMatching(db, run.id, query.filter) : Promise.resolve(null),
        facetCache(),
        running ? deps.live.progress(run.workflowId, run.id) : Promise.resolve(null),
        context(),
        db.checkRun.findFirst({
          where: { id: { lt: run.id }, finishedAt: { not: null }, trigger: { not: 'devices' } },
          orderBy: { id: 'desc' },
          select: { id: true },
        }),
      ]);
      const statusCount = (status: string | undefined) =>
        status === 'found'
          ? totals.found
          : status === 'conflict'
            ? totals.conflicts
            : status === 'not_found'
              ? totals.notFound
              : status === 'error'
                ? totals.errors
                : totals.checked;
      const sections = await Promise.all(
        RUN_SECTIONS.map(async (section) => ({
          id: section.id,
          title: section.title,
          html: await section.render({ db, run, previousRunId: previous?.id ?? null, links: deps.links }),
        })),
      );
      const body = runPage(
        {
          run,
          totals,
          findingKinds: kinds.get(run.id) ?? new Map<string, number>(),
          query,
          page,
          matching: counted ?? { count: statusCount(query.filter.status), capped: false },
          facets: facetLists,
          live,
          sections: sections.filter((s): s is { id: string; title: string; html: string } => s.html !== null),
        },
        ctx,
      );
      return html(reply, 200, body);
    },
  );

  app.get('/runs/:id/progress.json', async (request: FastifyRequest<{ Params: { id: string } }>, reply) => {
    const { run } = await loadRun(request.params.id);
    reply.header('cache-control', 'no-store');
    if (run.status !== 'running') {
      const ended: LiveView = {
        state: 'finished',
        stateText: `The check has ended: ${run.status.replace(/_/g, ' ')}`,
        message: '',
        fields: {},
        percent: null,
        conflicts: [],
        finished: true,
      };
      return ended;
    }
    const live = await deps.live.progress(run.workflowId, run.id);
    return liveView(live, run.id, false);
  });

  app.get(
    '/runs/:id/devices.csv',
    async (request: FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>, reply) => {
      const query = parseRunQuery(request.query);
      const { run } = await loadRun(request.params.id);
      const header = [
        'device_id',
        'serial',
        'name',
        'model',
        'location',
        'organisation',
        'status',
        'glpi_ids',
        'glpi_links',
        'error',
        'findings',
      ];
      async function* lines() {
        yield '\ufeff' + header.join(',') + '\r\n';
        for await (const row of allMatching(db, run.id, query.filter)) {
          const refs = glpiRefs(row.glpiIds, row.glpiItems, deps.links);
          const cells = [
            row.deviceId,
            row.serial,
            row.name,
            row.model,
            row.location,
            row.organisation,
            row.status,
            refs.map((r) => r.id).join(';'),
            refs
              .map((r) => r.url)
              .filter((u): u is string => u !== null)
              .join(' '),
            row.status === 'error' ? (row.errorMessage ?? 'unknown error') : null,
            row.findings.map(describeFinding).join(' | ') || null,
          ];
          yield cells.map(csvCell).join(',') + '\r\n';
        }
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="run-${run.id}-devices.csv"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(lines()));
    },
  );

  // ------------------------------------------------------------ a device
  app.get(
    '/devices/:id',
    async (request: FastifyRequest<{ Params: { id: string }; Querystring: Record<string, unknown> }>, reply) => {
      const fromRun = optionalId(request.query, 'run');
      const id = pathId(request.params.id, 'device');
      const [device, history, ctx] = await Promise.all([
        db.device.findUnique({ where: { id } }),
        deviceHistory(db, id),
        context(),
      ]);
      if (!device) throw new NotFound(`there is no device #${id}`);
      return html(reply, 200, devicePage({ device, history, fromRun: fromRun ?? null }, ctx));
    },
  );

  return app;
}
