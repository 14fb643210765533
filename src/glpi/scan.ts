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
   * Stores a page's new cards (id order). The pages of a window are handed over at once; the
   * cursor moves past them once every call resolved.
   */
  onCards(cards: ScannedCard[]): Promise<void>;
  /** The cursor moved past cards onCards stored (the activity heartbeats it). */
  onAdvance?(cursor: ScanCursor): void;
}

/** Pages that keep answering nothing new while GLPI says rows remain: give up (retried later). */
const MAX_STALLS = 3;
const MAX_BACKUPS = 100;

interface Page {
  start: number;
  rows: Record<string, unknown>[];
  total: number;
  /** Rows the Content-Range promised. */
  promised: number;
  /** The range started past GLPI's total (it shrank). */
  pastEnd?: boolean;
}

/** Reads one list to its end from `cursor` (a fresh one or a heartbeat's), calling onCards as it goes. */
export async function scanList(options: ScanOptions, cursor: ScanCursor): Promise<ScanCursor> {
  const { pageSize } = options;
  const endpoint = encodeURIComponent(options.itemtype);
  const stalls = { count: 0 };
  while (!cursor.done) {
    // A window of pages from the cursor; each (but one at 0) starts one row early, on a row read already.
    const starts: number[] = [];
    // The first page alone until GLPI's total is known: no range is ever asked past the end.
    const window = cursor.lastTotal === null ? 1 : Math.max(1, options.concurrency);
    for (let k = 0; k < window; k++) {
      const start = cursor.offset + k * pageSize;
      if (k > 0 && cursor.lastTotal !== null && start >= cursor.lastTotal) break;
      starts.push(start);
    }
    const pages = await Promise.all(
      starts.map((start) => readPage(options, endpoint, Math.max(0, start - 1), start + pageSize - 1, cursor)),
    );
    // The window is read into a copy of the cursor; its cards are stored (pages at once, like
    // they were read), and only then does the cursor move, so a heartbeat never gets ahead of
    // what is stored, and a window that fails half-way stores nothing of its pages twice.
    const next = { ...cursor };
    const stored = readWindow(options, endpoint, pages, next, stalls);
    await Promise.all(stored.map((cards) => options.onCards(cards)));
    Object.assign(cursor, next);
    options.onAdvance?.(cursor);
  }
  return cursor;
}

/** Folds a window's pages into `cursor`; returns each page's new cards (pages with none left out). */
function readWindow(
  options: ScanOptions,
  endpoint: string,
  pages: Page[],
  cursor: ScanCursor,
  stalls: { count: number },
): ScannedCard[][] {
  const { itemtype, pageSize } = options;
  const stored: ScannedCard[][] = [];
  for (const [k, page] of pages.entries()) {
    cursor.pages++;
    const total = page.total;
    if (cursor.firstTotal === null) cursor.firstTotal = total;
    if (cursor.lastTotal !== null && total !== cursor.lastTotal) {
      options.logger.warn('GLPI total changed while scanning', { itemtype, before: cursor.lastTotal, now: total });
    }
    cursor.lastTotal = total;
    if (page.rows.length < page.promised) cursor.shortPages++;
    const ids = page.rows.map((row) => rowId(row, options));
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
    const fresh: Record<string, unknown>[] = [];
    for (const [index, id] of ids.entries()) {
      if (id > cursor.lastId) {
        if (fresh.length > 0 && id <= rowId(fresh[fresh.length - 1], options)) {
          throw malformed({ method: 'GET', endpoint }, `rows out of id order (range ${page.start}-…)`);
        }
        fresh.push(page.rows[index]);
        lastIndex = index;
      } else if (!(page.start > 0 && index === 0)) {
        cursor.duplicates++;
      }
    }
    if (fresh.length > 0) {
      const cards = fresh.map((row) => toScannedCard(row, options)).filter((card) => card !== null);
      if (cards.length > 0) stored.push(cards);
      cursor.read += fresh.length;
      cursor.cards += cards.length;
      cursor.lastId = rowId(fresh[fresh.length - 1], options);
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
    if (page.rows.length < page.promised || fresh.length === 0) break;
  }
  return stored;
}

async function readPage(
  options: ScanOptions,
  endpoint: string,
  start: number,
  end: number,
  cursor: ScanCursor,
): Promise<Page> {
  const query = [
    `range=${start}-${end}`,
    'sort=id',
    'order=ASC',
    'expand_dropdowns=true',
    'get_hateoas=false',
    ...(options.trashed ? ['is_deleted=1'] : []),
  ].join('&');
  let response: GlpiResponse;
  cursor.requests++;
  try {
    response = await options.request({ method: 'GET', endpoint, query });
  } catch (error) {
    // The list shrank below the range's start: GLPI refuses it; the total is in the message.
    if (error instanceof GlpiError && error.glpiCode === 'ERROR_RANGE_EXCEED_TOTAL') {
      return { start, rows: [], total: totalFromMessage(error.message) ?? start, promised: 0, pastEnd: true };
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
    if (rows.length === 0 && header === undefined) return { start, rows, total: 0, promised: 0 };
    throw malformed({ method: 'GET', endpoint }, `a page without a valid Content-Range (range ${start}-${end})`);
  }
  const [from, to, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
  if (from !== start) throw malformed({ method: 'GET', endpoint }, `Content-Range ${header} for range ${start}-${end}`);
  if (rows.length > to - from + 1) {
    throw malformed({ method: 'GET', endpoint }, `more rows (${rows.length}) than its Content-Range ${header}`);
  }
  return { start, rows, total: Math.max(total, parseContentRangeTotal(header) ?? 0), promised: to - from + 1 };
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
function toScannedCard(row: Record<string, unknown>, options: ScanOptions): ScannedCard | null {
  if (Number(row.is_template ?? 0) === 1) return null;
  const id = rowId(row, options);
  const stored = plain(row[options.serialColumn]);
  const normalised = stored === null ? null : tryNormaliseSerial(stored);
  // The fields the findings read, as the searches return them (forcedisplay 40, 23, 19, 83): set
  // only when GLPI has a value, like search-results.ts does.
  const optional: Partial<GlpiItem> = {};
  const fields = {
    model: text(row[`${options.itemtype.toLowerCase()}models_id`]),
    manufacturer: text(row.manufacturers_id),
    dateMod: text(row.date_mod),
    lastInventoryUpdate: text(row.last_inventory_update),
  };
  for (const [key, value] of Object.entries(fields) as [keyof typeof fields, string | null][]) {
    if (value !== null) optional[key] = value;
  }
  const item: GlpiItem = {
    ...optional,
    itemtype: options.itemtype,
    id,
    name: plain(row.name),
    serial: stored,
    statusName: text(row.states_id),
    location: text(row.locations_id),
    entity: text(row.entities_id),
  };
  return {
    itemtype: options.itemtype,
    glpiId: id,
    isDeleted: options.trashed,
    serialNormalized: normalised?.ok ? normalised.serial : null,
    storedSerial: stored,
    item,
  };
}
