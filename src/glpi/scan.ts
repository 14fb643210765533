/**
 * The full scan: every card of one itemtype (live, or the trash) read page by page with
 * `GET /:itemtype?range=a-b&sort=id&order=ASC&expand_dropdowns=true&get_hateoas=false`
 * (GLPI's getItems), for the scan strategy and the reverse check.
 *
 * Paging is by offset, which shifts when cards are deleted, added or restored meanwhile. So every
 * page but the first starts one row early, on the last card already read: the page "connects"
 * when that row (or an earlier id) is its first, and only ids above the last one read are kept
 * (ids are unique and sorted). A first row with a higher id means rows vanished before the cursor
 * (cards deleted or trashed): rows may have been skipped, so the scan backs up one page and reads
 * on from there. Whatever GLPI answers, a card is read at most once and none between the first and
 * the last id read is skipped without the scan noticing. The cursor (offset, last id, counters) is
 * small and resumable: the activity heartbeats it.
 */
import { decodeGlpiText } from './search-query';
import { parseContentRangeTotal } from './search-results';
import { GlpiError, GlpiUnavailableError } from './errors';
import { malformed } from './http-errors';
import type { GlpiRequest, GlpiResponse } from './transport';
import type { ScanCounts } from '../core/scan-counts';
import { tryNormaliseSerial } from '../core/serial';
import type { GlpiItem, GlpiLogger } from './types';

/** One card as the scan stores it (scan_cards). */
export interface ScannedCard {
  itemtype: string;
  glpiId: number;
  isDeleted: boolean;
  serialNormalized: string | null;
  /** Decoded, white space kept; null when GLPI has none. */
  storedSerial: string | null;
  item: GlpiItem;
}

/**
 * A ScannedCard as its JSON (JSON.stringify), the form a card is held in from the moment its page
 * arrives until it is stored: one string is nothing for the garbage collector to trace, where the
 * card's objects were a dozen to copy and mark while the window is read and stored.
 */
export type EncodedCard = string;

/** Where a scan of one list (itemtype, live or trash) stands; plain data (heartbeat details). */
export interface ScanCursor extends ScanCounts {
  /** Index (in GLPI's id order) of the first row not read yet. */
  offset: number;
  /** Highest id read so far (0: none). */
  lastId: number;
  done: boolean;
}

export function newCursor(): ScanCursor {
  return {
    offset: 0,
    lastId: 0,
    read: 0,
    cards: 0,
    pages: 0,
    requests: 0,
    firstTotal: null,
    lastTotal: null,
    duplicates: 0,
    backups: 0,
    shortPages: 0,
    done: false,
  };
}

export interface ScanOptions {
  itemtype: string;
  trashed: boolean;
  /** Rows per request (GLPI's getItems gives at most its list_limit_max, 1000 by default). */
  pageSize: number;
  /** Pages requested at once. */
  concurrency: number;
  /** The column holding the serial (`serial`, or `otherserial`). */
  serialColumn: string;
  logger: GlpiLogger;
  request(request: GlpiRequest): Promise<GlpiResponse>;
  /**
   * Stores a page's new cards (id order, each encoded). Called as each page of a window is folded
   * in, without waiting for the window's other pages. The cursor moves past the window once every
   * call for it resolved.
   */
  onCards(cards: EncodedCard[]): Promise<void>;
  /** The cursor moved past cards onCards stored (the activity heartbeats it). */
  onAdvance?(cursor: ScanCursor): void;
}

/** Pages that keep answering nothing new while GLPI says rows remain: give up (retried later). */
const MAX_STALLS = 3;
const MAX_BACKUPS = 100;

interface Page {
  start: number;
  /** The rows' ids, in GLPI's order. */
  ids: number[];
  /** Each row as the scan stores it (null: a template), built and encoded as the page arrives so
   * that neither GLPI's rows nor the cards' objects are held while the window is read and stored. */
  cards: (EncodedCard | null)[];
  total: number;
  /** Rows the Content-Range promised. */
  promised: number;
  /** The range started past GLPI's total (it shrank). */
  pastEnd?: boolean;
}

/** Reads one list to its end from `cursor` (a fresh one or a heartbeat's), calling onCards as it goes. */
export async function scanList(options: ScanOptions, cursor: ScanCursor): Promise<ScanCursor> {
  const endpoint = encodeURIComponent(options.itemtype);
  const stalls = { count: 0 };
  // The next window, read from GLPI while the last one's cards are stored.
  let ahead: Promise<Page>[] | null = null;
  while (!cursor.done) {
    const pages = ahead ?? readWindowPages(options, endpoint, cursor);
    ahead = null;
    // The window is read into a copy of the cursor, and each page's cards are handed to onCards
    // as soon as the page is folded in (in order), so that they are not held while the rest of
    // the window arrives. The cursor moves once every page of the window is stored: a heartbeat
    // never gets ahead of what is stored. A window that fails half-way is read and stored again
    // by the retry, which first drops what was stored past the cursor.
    const next = { ...cursor };
    const stores: Promise<void>[] = [];
    try {
      await foldWindow(options, endpoint, pages, next, stalls, stores);
    } catch (error) {
      // Every store started is over before the scan fails: the attempt that reads on from the
      // cursor first drops what they stored past it, so it must come after them.
      await Promise.allSettled(stores);
      throw error;
    }
    // The next window is planned from where this one ended, as it would be once stored: GLPI,
    // the worker and the database work at once instead of in turn.
    if (!next.done) ahead = readWindowPages(options, endpoint, next);
    await allSettledOrFirstFailure(stores);
    Object.assign(cursor, next);
    options.onAdvance?.(cursor);
  }
  return cursor;
}

/**
 * A window of pages from the cursor; each (but one at 0) starts one row early, on a row read
 * already. A page's failure surfaces where it is awaited, never unhandled (a page after a short
 * one is not awaited at all).
 */
function readWindowPages(options: ScanOptions, endpoint: string, cursor: ScanCursor): Promise<Page>[] {
  const { pageSize } = options;
  const starts: number[] = [];
  // The first page alone until GLPI's total is known: no range is ever asked past the end.
  const window = cursor.lastTotal === null ? 1 : Math.max(1, options.concurrency);
  for (let k = 0; k < window; k++) {
    const start = cursor.offset + k * pageSize;
    if (k > 0 && cursor.lastTotal !== null && start >= cursor.lastTotal) break;
    starts.push(start);
  }
  return starts.map((start) => settledLater(readPage(options, endpoint, Math.max(0, start - 1), start + pageSize - 1)));
}

/** Waits for every promise to settle, then rejects with the first failure, if any. */
async function allSettledOrFirstFailure(promises: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(promises)).find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
}

/** The same promise, marked handled: whoever awaits it still gets its rejection. */
function settledLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Folds a window's pages into `cursor` in order, starting the store of each page's new cards (added to `stores`). */
async function foldWindow(
  options: ScanOptions,
  endpoint: string,
  pages: Promise<Page>[],
  cursor: ScanCursor,
  stalls: { count: number },
  stores: Promise<void>[],
): Promise<void> {
  const { itemtype, pageSize } = options;
  // Every page of the window was asked for, whether or not it is used.
  cursor.requests += pages.length;
  for (let k = 0; k < pages.length; k++) {
    const page = await pages[k];
    cursor.pages++;
    const total = page.total;
    if (cursor.firstTotal === null) cursor.firstTotal = total;
    if (cursor.lastTotal !== null && total !== cursor.lastTotal) {
      options.logger.warn('GLPI total changed while scanning', { itemtype, before: cursor.lastTotal, now: total });
    }
    cursor.lastTotal = total;
    const { ids } = page;
    if (ids.length < page.promised) cursor.shortPages++;
    // Only the window's first page can tell a gap; a later one that does not connect was planned
    // from a page that came short: plan again from the cursor.
    const connects = page.start === 0 || (ids.length > 0 && ids[0] <= cursor.lastId);
    if (!connects && !page.pastEnd && ids.length > 0) {
      if (k > 0) break;
      if (++cursor.backups > MAX_BACKUPS) {
        throw new GlpiUnavailableError('SCAN_UNSTABLE', `GLPI's ${itemtype} list kept shifting while it was scanned`);
      }
      options.logger.warn('GLPI rows vanished before the scan cursor: backing up a page', {
        itemtype,
        offset: cursor.offset,
      });
      cursor.offset = Math.max(0, cursor.offset - pageSize);
      break;
    }
    let lastIndex = -1;
    let freshRows = 0;
    const cards: EncodedCard[] = [];
    for (const [index, id] of ids.entries()) {
      if (id > cursor.lastId) {
        if (freshRows > 0 && id <= ids[lastIndex]) {
          throw malformed({ method: 'GET', endpoint }, `rows out of id order (range ${page.start}-…)`);
        }
        const card = page.cards[index];
        if (card !== null) cards.push(card);
        freshRows++;
        lastIndex = index;
      } else if (!(page.start > 0 && index === 0)) {
        cursor.duplicates++;
      }
    }
    if (freshRows > 0) {
      if (cards.length > 0) stores.push(settledLater(options.onCards(cards)));
      cursor.read += freshRows;
      cursor.cards += cards.length;
      cursor.lastId = ids[lastIndex];
      cursor.offset = page.start + lastIndex + 1;
      stalls.count = 0;
    } else if (cursor.offset < total) {
      if (++stalls.count > MAX_STALLS) {
        throw new GlpiUnavailableError(
          'SCAN_STALLED',
          `GLPI's ${itemtype} list answers no new rows at offset ${cursor.offset} of ${total}`,
        );
      }
    }
    if (cursor.offset >= total) {
      cursor.done = true;
      break;
    }
    // A short page: later pages of this window were planned from where it should have ended.
    if (ids.length < page.promised || freshRows === 0) break;
  }
}

async function readPage(options: ScanOptions, endpoint: string, start: number, end: number): Promise<Page> {
  const query = [
    `range=${start}-${end}`,
    'sort=id',
    'order=ASC',
    'expand_dropdowns=true',
    'get_hateoas=false',
    ...(options.trashed ? ['is_deleted=1'] : []),
  ].join('&');
  let response: GlpiResponse;
  try {
    response = await options.request({ method: 'GET', endpoint, query });
  } catch (error) {
    // The list shrank below the range's start: GLPI refuses it; the total is in the message.
    if (error instanceof GlpiError && error.glpiCode === 'ERROR_RANGE_EXCEED_TOTAL') {
      return { start, ids: [], cards: [], total: totalFromMessage(error.message) ?? start, promised: 0, pastEnd: true };
    }
    throw error;
  }
  const body = response.body;
  if (!Array.isArray(body) || body.some((row) => typeof row !== 'object' || row === null || Array.isArray(row))) {
    throw malformed({ method: 'GET', endpoint }, 'a body that is not a list of items');
  }
  const rows = body as Record<string, unknown>[];
  const header = response.headers['content-range'];
  const range = header?.match(/^\s*(\d+)-(\d+)\/(\d+)\s*$/);
  if (!range) {
    // GLPI sends no Content-Range for an empty list.
    if (rows.length === 0 && header === undefined) return { start, ids: [], cards: [], total: 0, promised: 0 };
    throw malformed({ method: 'GET', endpoint }, `a page without a valid Content-Range (range ${start}-${end})`);
  }
  const [from, to, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  if (from !== start) throw malformed({ method: 'GET', endpoint }, `Content-Range ${header} for range ${start}-${end}`);
  if (rows.length > to - from + 1) {
    throw malformed({ method: 'GET', endpoint }, `more rows (${rows.length}) than its Content-Range ${header}`);
  }
  const ids: number[] = [];
  const cards: (EncodedCard | null)[] = [];
  const modelColumn = `${options.itemtype.toLowerCase()}models_id`;
  for (const row of rows) {
    const id = rowId(row, options);
    ids.push(id);
    const card = toScannedCard(row, id, options, modelColumn);
    cards.push(card === null ? null : JSON.stringify(card));
  }
  return {
    start,
    ids,
    cards,
    total: Math.max(total, parseContentRangeTotal(header) ?? 0),
    promised: to - from + 1,
  };
}

function totalFromMessage(message: string): number | null {
  const match = message.match(/count of data:\s*(\d+)/);
  return match ? Number(match[1]) : null;
}

function rowId(row: Record<string, unknown>, options: ScanOptions): number {
  const value = row.id;
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) {
    throw malformed({ method: 'GET', endpoint: options.itemtype }, 'an item without a valid id');
  }
  return id;
}

/** A column as text, decoded; null when empty, 0 (an unset dropdown) or GLPI's `&nbsp;` placeholder. */
function text(value: unknown): string | null {
  if (value === null || value === undefined || value === 0 || value === '0') return null;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '' || value === '&nbsp;') return null;
  return decodeGlpiText(value);
}

/** A plain text column (name, serial): 0 and '0' are values here. */
function plain(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '') return null;
  return decodeGlpiText(value);
}

/** Null for a template (never a printer of the inventory, and search never returns one). */
function toScannedCard(
  row: Record<string, unknown>,
  id: number,
  options: ScanOptions,
  modelColumn: string,
): ScannedCard | null {
  if (Number(row.is_template ?? 0) === 1) return null;
  const stored = plain(row[options.serialColumn]);
  const normalised = stored === null ? null : tryNormaliseSerial(stored);
  const item: GlpiItem = {
    itemtype: options.itemtype,
    id,
    name: plain(row.name),
    serial: stored,
    statusName: text(row.states_id),
    location: text(row.locations_id),
    entity: text(row.entities_id),
  };
  // The fields the findings read, as the searches return them (forcedisplay 40, 23, 19, 83): set
  // only when GLPI has a value, like search-results.ts does.
  const model = text(row[modelColumn]);
  if (model !== null) item.model = model;
  const manufacturer = text(row.manufacturers_id);
  if (manufacturer !== null) item.manufacturer = manufacturer;
  const dateMod = text(row.date_mod);
  if (dateMod !== null) item.dateMod = dateMod;
  const lastInventoryUpdate = text(row.last_inventory_update);
  if (lastInventoryUpdate !== null) item.lastInventoryUpdate = lastInventoryUpdate;
  return {
    itemtype: options.itemtype,
    glpiId: id,
    isDeleted: options.trashed,
    serialNormalized: normalised?.ok ? normalised.serial : null,
    storedSerial: stored,
    item,
  };
}
