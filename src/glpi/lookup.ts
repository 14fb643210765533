/**
 * Looks up many serials with few requests: serials are packed into OR'd `equals` searches, one
 * search per chunk and itemtype, run in parallel, every page read, rows filtered client-side on
 * the exact normalised serial. See search-query.ts for the matching rule.
 */
import type { GlpiConfig } from './config';
import { GlpiError, GlpiRequestError, GlpiUnavailableError } from './errors';
import { malformed } from './http-errors';
import { buildSearchQuery, planChunks, searchValuesFor, SEARCH_OPTION } from './search-query';
import type { ChunkLimits, SearchQuery, SearchQueryShape, SerialTerm } from './search-query';
import {
  parseAcceptRange,
  parseContentRangeTotal,
  parseSearchPage,
  rowSerials,
  rowToItem,
  type SearchRow,
} from './search-results';
import { InvalidSerialError, normaliseSerial } from '../core/serial';
import type { GlpiRequest, GlpiResponse } from './transport';
import type { GlpiItem, GlpiLogger, LookupOptions, SerialLookup } from './types';

export interface LookupContext {
  config: GlpiConfig;
  logger: GlpiLogger;
  /** Sends a request within the session (session token, re-login). */
  request(request: GlpiRequest): Promise<GlpiResponse>;
  /** PHP's max_input_vars as GLPI announced it (Accept-Range), shared by the session's lookups. */
  serverLimits: { maxInputVars?: number };
}

/** The server announced a max_input_vars below what a query used: its answer may lack criteria. */
class TooManyVariablesError extends Error {
  constructor(
    readonly sent: number,
    readonly accepted: number,
  ) {
    super(`the search needs ${sent} query variables but GLPI accepts only ${accepted} (PHP max_input_vars)`);
  }
}

/** The result set changed while we were paging through it. */
class PagingChangedError extends Error {}

interface SerialState {
  items: Map<string, GlpiItem>;
  error?: string;
  /** Itemtypes still to search for this serial. */
  remaining: number;
}

/**
 * Validates and deduplicates the serials, then looks them all up. Throws InvalidSerialError
 * before any request if one serial is invalid, and GlpiError if GLPI is unavailable or refuses
 * the credentials: a failure is never reported as not_found.
 */
export async function lookupSerials(
  ctx: LookupContext,
  rawSerials: readonly string[],
  options: LookupOptions = {},
): Promise<Map<string, SerialLookup>> {
  const terms = toSearchTerms(rawSerials);
  const { config } = ctx;
  const fields = [config.serialField, ...(config.labelSerialField === null ? [] : [config.labelSerialField])];
  const shape: SearchQueryShape = {
    fields,
    forcedisplay: [
      ...new Set([
        SEARCH_OPTION.id,
        SEARCH_OPTION.name,
        ...fields,
        SEARCH_OPTION.status,
        SEARCH_OPTION.location,
        SEARCH_OPTION.entity,
      ]),
    ],
  };

  const states = new Map<string, SerialState>(
    terms.map((term) => [term.serial, { items: new Map(), remaining: config.itemtypes.length }]),
  );
  let done = 0;
  const markDone = (chunk: readonly SerialTerm[]): void => {
    for (const term of chunk) {
      const state = states.get(term.serial)!;
      if (--state.remaining === 0) done++;
    }
    options.onProgress?.(done, terms.length);
  };

  const limitsFor = (itemtype: string): ChunkLimits => ({
    maxQueryBytes: config.maxUrlBytes - Buffer.byteLength(`${config.url}/${searchEndpoint(itemtype)}?`),
    maxVariables: Math.min(config.maxInputVars, ctx.serverLimits.maxInputVars ?? Infinity),
  });

  const searchChunk = async (itemtype: string, chunk: SerialTerm[]): Promise<void> => {
    const query = buildSearchQuery(chunk, shape);
    const limits = limitsFor(itemtype);
    // Chunks planned before GLPI told us its max_input_vars may now be too big.
    if (chunk.length > 1 && (query.variableCount > limits.maxVariables || query.bytes > limits.maxQueryBytes)) {
      await searchHalves(itemtype, chunk);
      return;
    }
    let rows: SearchRow[];
    try {
      rows = await readAllRows(ctx, itemtype, query, chunk.length);
    } catch (error) {
      // Errors about this request's content (one odd value, too many variables) are isolated by
      // bisection to the serial that causes them; everything else fails the whole lookup.
      if (!(error instanceof GlpiRequestError || error instanceof TooManyVariablesError)) throw error;
      if (chunk.length > 1) {
        ctx.logger.debug('GLPI refused a search chunk, splitting it', { itemtype, serials: chunk.length });
        await searchHalves(itemtype, chunk);
        return;
      }
      states.get(chunk[0].serial)!.error = `${itemtype}: ${error.message}`;
      markDone(chunk);
      return;
    }
    collectMatches(rows, chunk, itemtype);
    markDone(chunk);
  };

  const searchHalves = async (itemtype: string, chunk: SerialTerm[]): Promise<void> => {
    const middle = Math.ceil(chunk.length / 2);
    await searchChunk(itemtype, chunk.slice(0, middle));
    await searchChunk(itemtype, chunk.slice(middle));
  };

  const collectMatches = (rows: SearchRow[], chunk: readonly SerialTerm[], itemtype: string): void => {
    const wanted = new Set(chunk.map((term) => term.serial));
    for (const row of rows) {
      const matched = [...rowSerials(row, fields)].filter((serial) => wanted.has(serial));
      if (matched.length === 0) continue; // an over-broad SQL match: not this serial
      const item = rowToItem(row, itemtype, config.serialField);
      if (!item) throw malformed({ method: 'GET', endpoint: searchEndpoint(itemtype) }, 'a row without a valid id');
      for (const serial of matched) states.get(serial)!.items.set(`${itemtype}#${item.id}`, item);
    }
  };

  const tasks = config.itemtypes.flatMap((itemtype) =>
    planChunks(terms, shape, limitsFor(itemtype)).map((chunk) => ({ itemtype, chunk })),
  );
  await runPool(tasks, config.maxConcurrency, ({ itemtype, chunk }) => searchChunk(itemtype, chunk));

  const results = new Map<string, SerialLookup>();
  for (const [serial, state] of states) {
    if (state.error !== undefined) {
      results.set(serial, { serial, status: 'error', items: [], error: state.error });
      continue;
    }
    const items = [...state.items.values()].sort((a, b) => a.itemtype.localeCompare(b.itemtype) || a.id - b.id);
    const status = items.length === 0 ? 'not_found' : items.length === 1 ? 'found' : 'conflict';
    results.set(serial, { serial, status, items });
  }
  return results;
}

/** Normalises (throwing InvalidSerialError), deduplicates, and keeps each distinct spelling. */
function toSearchTerms(rawSerials: readonly string[]): SerialTerm[] {
  const spellings = new Map<string, Set<string>>();
  for (const raw of rawSerials) {
    const serial = normaliseSerial(raw);
    try {
      encodeURIComponent(raw);
    } catch {
      throw new InvalidSerialError(raw, 'is not valid Unicode');
    }
    const known = spellings.get(serial);
    if (known) known.add(raw.trim());
    else spellings.set(serial, new Set([raw.trim()]));
  }
  return [...spellings].map(([serial, raws]) => ({ serial, values: searchValuesFor([...raws]) }));
}

function searchEndpoint(itemtype: string): string {
  return `search/${encodeURIComponent(itemtype)}`;
}

/** Reads every page of one search; starts over once if the result set changes meanwhile. */
async function readAllRows(
  ctx: LookupContext,
  itemtype: string,
  query: SearchQuery,
  serialCount: number,
): Promise<SearchRow[]> {
  try {
    return await readPages(ctx, itemtype, query, serialCount);
  } catch (error) {
    if (!(error instanceof PagingChangedError)) throw error;
  }
  ctx.logger.info('GLPI search results changed while paging, reading them again', { itemtype });
  try {
    return await readPages(ctx, itemtype, query, serialCount);
  } catch (error) {
    if (!(error instanceof PagingChangedError)) throw error;
    throw new GlpiUnavailableError(
      'INCONSISTENT_PAGING',
      `GLPI's ${itemtype} search results kept changing while paging`,
    );
  }
}

async function readPages(
  ctx: LookupContext,
  itemtype: string,
  query: SearchQuery,
  serialCount: number,
): Promise<SearchRow[]> {
  const endpoint = searchEndpoint(itemtype);
  const pageSize = ctx.config.pageSize;
  const rows: SearchRow[] = [];
  let start = 0;
  let firstTotal: number | undefined;
  for (;;) {
    let response: GlpiResponse;
    try {
      response = await ctx.request({ method: 'GET', endpoint, query: query.withRange(start, start + pageSize - 1) });
    } catch (error) {
      // Fewer rows than when we started: GLPI refuses a range starting past the end.
      if (start > 0 && error instanceof GlpiError && error.glpiCode === 'ERROR_RANGE_EXCEED_TOTAL') {
        throw new PagingChangedError();
      }
      throw error;
    }

    const maxInputVars = parseAcceptRange(response.headers['accept-range']);
    if (maxInputVars !== undefined) {
      ctx.serverLimits.maxInputVars = Math.min(ctx.serverLimits.maxInputVars ?? Infinity, maxInputVars);
      // PHP dropped the variables past its limit without any error: this answer may lack rows.
      if (query.variableCount > maxInputVars) throw new TooManyVariablesError(query.variableCount, maxInputVars);
    }

    const page = parseSearchPage(response.body);
    if ('problem' in page) throw malformed({ method: 'GET', endpoint }, page.problem);
    const total = Math.max(page.totalcount, parseContentRangeTotal(response.headers['content-range']) ?? 0);
    if (firstTotal === undefined) {
      firstTotal = total;
      if (total > 10 * serialCount + 100) {
        ctx.logger.warn('GLPI search returned far more rows than serials searched', { itemtype, total, serialCount });
      }
    } else if (total !== firstTotal) {
      throw new PagingChangedError();
    }

    rows.push(...page.rows);
    start += page.rows.length;
    if (start >= total) return rows;
    if (page.rows.length === 0) throw new PagingChangedError();
  }
}

/** Runs tasks with at most `concurrency` at a time; stops taking new ones after a failure. */
async function runPool<T>(tasks: T[], concurrency: number, run: (task: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < tasks.length) {
      const task = tasks[next++];
      try {
        await run(task);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  if (failure) throw failure.error;
}
