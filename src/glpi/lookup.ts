/**
 * Looks up many serials with few requests: serials are packed into OR'd `equals` searches, one
 * search per chunk and itemtype, run in parallel, every page read, rows filtered client-side on
 * the exact normalised serial. The serials still unmatched get a second pass with `contains`
 * (cards stored with stray white space), filtered the same way. See search-query.ts for the rules.
 */
import type { GlpiConfig } from './config';
import { GlpiError, GlpiRequestError, GlpiUnavailableError } from './errors';
import { malformed } from './http-errors';
import { buildSearchQuery, containsValueFor, planChunks, searchValuesFor, SEARCH_OPTION } from './search-query';
import type { ChunkLimits, SearchQuery, SearchQueryShape, SearchType, SerialTerm } from './search-query';
import {
  parseAcceptRange,
  parseContentRangeTotal,
  parseSearchPage,
  rowSerialValues,
  rowToItem,
  type SearchRow,
} from './search-results';
import { InvalidSerialError, normaliseSerial } from '../core/serial';
import { statusFor } from '../core/classify';
import type { GlpiRequest, GlpiResponse } from './transport';
import type { GlpiItem, GlpiLogger, LookupOptions, SerialLookup, SerialWhitespaceFinding } from './types';

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
  /** The stored serial of each item, by the same key. */
  stored: Map<string, string>;
  findings: Map<string, SerialWhitespaceFinding>;
  error?: string;
  /** Itemtypes still to search for this serial in the current pass. */
  remaining: number;
}

/** A wanted serial, with its values for the exact search and for the white-space pass. */
interface LookupTerm extends SerialTerm {
  /** `contains` values (none when the serial has nothing searchable left, see containsValueFor). */
  containsValues: string[];
}

/**
 * Validates and deduplicates the serials, then looks them all up: the exact search, then (unless
 * `whitespacePass: false`) the white-space pass for those it did not find. Throws
 * InvalidSerialError before any request if one serial is invalid, and GlpiError if GLPI is
 * unavailable or refuses the credentials: a failure is never reported as not_found.
 */
export async function lookupSerials(
  ctx: LookupContext,
  rawSerials: readonly string[],
  options: LookupOptions = {},
): Promise<Map<string, SerialLookup>> {
  const terms = toSearchTerms(rawSerials);
  const states = new Map<string, SerialState>(terms.map((term) => [term.serial, newState()]));
  const trash = options.trash === true;
  const whitespacePass = !trash && options.whitespacePass !== false;
  let done = 0;
  const progress = (serials: number): void => {
    done += serials;
    options.onProgress?.(done, terms.length);
  };
  // A serial is done after the exact search unless the white-space pass still has to look for it.
  await runPass(
    ctx,
    terms,
    'equals',
    states,
    (term) => {
      if (!whitespacePass || !isUnmatched(states.get(term.serial)!)) progress(1);
    },
    trash,
  );
  if (whitespacePass) {
    const pending = terms.filter((term) => isUnmatched(states.get(term.serial)!));
    progress(pending.filter((term) => term.containsValues.length === 0).length);
    await runPass(ctx, pending, 'contains', states, () => progress(1));
  }
  return toResults(states);
}

/**
 * The white-space pass alone, for serials an exact lookup (`whitespacePass: false`) reported
 * not_found: `contains` searches, kept only where the stored serial normalises to the wanted one.
 * Answers for every serial given (found, conflict, not_found or error).
 */
export async function lookupStrayWhitespace(
  ctx: LookupContext,
  rawSerials: readonly string[],
): Promise<Map<string, SerialLookup>> {
  const terms = toSearchTerms(rawSerials);
  const states = new Map<string, SerialState>(terms.map((term) => [term.serial, newState()]));
  await runPass(ctx, terms, 'contains', states, () => undefined);
  return toResults(states);
}

function newState(): SerialState {
  return { items: new Map(), stored: new Map(), findings: new Map(), remaining: 0 };
}

function isUnmatched(state: SerialState): boolean {
  return state.items.size === 0 && state.error === undefined;
}

/**
 * One pass over every itemtype: serials packed into OR'd criteria of `searchtype`, chunks run in
 * parallel, every page read, rows kept only where a searched field normalises to a wanted serial.
 * `onDone` is called once per serial, when all its itemtypes are searched.
 */
async function runPass(
  ctx: LookupContext,
  allTerms: readonly LookupTerm[],
  searchtype: SearchType,
  states: Map<string, SerialState>,
  onDone: (term: SerialTerm) => void,
  trash = false,
): Promise<void> {
  const { config } = ctx;
  const terms: SerialTerm[] =
    searchtype === 'equals'
      ? [...allTerms]
      : allTerms
          .filter((term) => term.containsValues.length > 0)
          .map((term) => ({ serial: term.serial, values: term.containsValues }));
  if (terms.length === 0) return;
  const fields = [config.serialField, ...(config.labelSerialField === null ? [] : [config.labelSerialField])];
  const shape: SearchQueryShape = {
    fields,
    searchtype,
    trash,
    // Every column the findings need comes with the search itself: no request per card.
    forcedisplay: [
      ...new Set([
        SEARCH_OPTION.id,
        SEARCH_OPTION.name,
        ...fields,
        SEARCH_OPTION.status,
        SEARCH_OPTION.location,
        SEARCH_OPTION.entity,
        SEARCH_OPTION.model,
        SEARCH_OPTION.manufacturer,
        SEARCH_OPTION.dateMod,
        SEARCH_OPTION.lastInventoryUpdate,
      ]),
    ],
  };
  for (const term of terms) states.get(term.serial)!.remaining = config.itemtypes.length;
  const markDone = (chunk: readonly SerialTerm[]): void => {
    for (const term of chunk) {
      if (--states.get(term.serial)!.remaining === 0) onDone(term);
    }
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
        ctx.logger.debug('GLPI refused a search chunk, splitting it', { itemtype, serials: chunk.length, searchtype });
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
      const matched = [...rowSerialValues(row, fields)].filter(([serial]) => wanted.has(serial));
      if (matched.length === 0) continue; // an over-broad SQL match: not this serial
      const item = rowToItem(row, itemtype, config.serialField);
      if (!item) throw malformed({ method: 'GET', endpoint: searchEndpoint(itemtype) }, 'a row without a valid id');
      for (const [serial, stored] of matched) {
        const state = states.get(serial)!;
        const key = `${itemtype}#${item.id}`;
        state.items.set(key, item);
        state.stored.set(key, stored);
        if (!trash && stored !== stored.trim()) {
          state.findings.set(key, { kind: 'serial_whitespace', itemtype, glpiId: item.id, storedSerial: stored });
        }
      }
    }
  };

  const tasks = config.itemtypes.flatMap((itemtype) =>
    planChunks(terms, shape, limitsFor(itemtype)).map((chunk) => ({ itemtype, chunk })),
  );
  await runPool(tasks, config.maxConcurrency, ({ itemtype, chunk }) => searchChunk(itemtype, chunk));
}

function toResults(states: Map<string, SerialState>): Map<string, SerialLookup> {
  const results = new Map<string, SerialLookup>();
  const byItem = (a: { itemtype: string }, b: { itemtype: string }) => a.itemtype.localeCompare(b.itemtype);
  for (const [serial, state] of states) {
    if (state.error !== undefined) {
      results.set(serial, { serial, status: 'error', items: [], storedSerials: [], findings: [], error: state.error });
      continue;
    }
    const keys = [...state.items.keys()].sort((a, b) => {
      const x = state.items.get(a)!;
      const y = state.items.get(b)!;
      return byItem(x, y) || x.id - y.id;
    });
    const items = keys.map((key) => state.items.get(key)!);
    const storedSerials = keys.map((key) => state.stored.get(key)!);
    const findings = [...state.findings.values()].sort((a, b) => byItem(a, b) || a.glpiId - b.glpiId);
    results.set(serial, { serial, status: statusFor(items.length), items, storedSerials, findings });
  }
  return results;
}

/** Normalises (throwing InvalidSerialError), deduplicates, and keeps each distinct spelling. */
function toSearchTerms(rawSerials: readonly string[]): LookupTerm[] {
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
  return [...spellings].map(([serial, raws]) => ({
    serial,
    values: searchValuesFor([...raws]),
    containsValues: [...new Set([...raws].map(containsValueFor).filter((value) => value !== null))],
  }));
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
