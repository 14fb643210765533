/**
 * Reads `search/:itemtype` answers: validates their shape and turns rows into GlpiItems.
 * Shape (notes §5): `{"totalcount":N,"count":n,"data":[{"2":12,"1":"name","5":"serial",...}],...}`,
 * with **no** `data` key when nothing matched.
 */
import { tryNormaliseSerial } from '../core/serial';
import { decodeGlpiText, SEARCH_OPTION } from './search-query';
import type { GlpiItem } from './types';

export type SearchRow = Record<string, unknown>;

export interface SearchPage {
  totalcount: number;
  rows: SearchRow[];
}

/** Returns the page, or a description of what is wrong with the body. */
export function parseSearchPage(body: unknown): SearchPage | { problem: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { problem: 'a body that is not a search result object' };
  }
  const { totalcount, data } = body as { totalcount?: unknown; data?: unknown };
  const total = typeof totalcount === 'string' && /^\d+$/.test(totalcount) ? Number(totalcount) : totalcount;
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) {
    return { problem: 'a search result without a numeric totalcount' };
  }
  if (data === undefined) return { totalcount: total, rows: [] };
  if (!Array.isArray(data)) return { problem: 'a search result whose data is not a list' };
  for (const row of data) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      return { problem: 'a search result with a row that is not an object' };
    }
  }
  return { totalcount: total, rows: data as SearchRow[] };
}

/** `Accept-Range: Printer 1000`: the server's max_input_vars. */
export function parseAcceptRange(header: string | undefined): number | undefined {
  const match = header?.match(/(\d+)\s*$/);
  return match ? Number(match[1]) : undefined;
}

/** `Content-Range: 0-999/2500`: the total. */
export function parseContentRangeTotal(header: string | undefined): number | undefined {
  const match = header?.match(/\/\s*(\d+)\s*$/);
  return match ? Number(match[1]) : undefined;
}

/** A column value as text: decoded, null when empty; lists (multi-valued columns) joined. */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const parts = value.map(text).filter((part): part is string => part !== null);
    return parts.length > 0 ? parts.join(', ') : null;
  }
  if (typeof value === 'string') return value === '' ? null : decodeGlpiText(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function itemId(value: unknown): number | null {
  const id = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** Null when the row has no usable id (then the caller treats the answer as malformed). */
export function rowToItem(row: SearchRow, itemtype: string, serialField: number): GlpiItem | null {
  const id = itemId(row[String(SEARCH_OPTION.id)]);
  if (id === null) return null;
  const optional: Partial<GlpiItem> = {};
  for (const key of ['model', 'manufacturer', 'dateMod', 'lastInventoryUpdate'] as const) {
    const value = text(row[String(SEARCH_OPTION[key])]);
    if (value !== null) optional[key] = value;
  }
  return {
    ...optional,
    itemtype,
    id,
    name: text(row[String(SEARCH_OPTION.name)]),
    serial: text(row[String(serialField)]),
    statusName: text(row[String(SEARCH_OPTION.status)]),
    location: text(row[String(SEARCH_OPTION.location)]),
    entity: text(row[String(SEARCH_OPTION.entity)]),
  };
}

/**
 * The normalised serials a row carries in the searched fields (decoded first). The belt and
 * braces of the exact match: only rows whose value normalises to a wanted serial are kept,
 * whatever GLPI's SQL matched.
 */
export function rowSerials(row: SearchRow, fields: readonly number[]): Set<string> {
  return new Set(rowSerialValues(row, fields).keys());
}

/** Like rowSerials, with the value as GLPI stores it (decoded, white space kept) for each. */
export function rowSerialValues(row: SearchRow, fields: readonly number[]): Map<string, string> {
  const serials = new Map<string, string>();
  const add = (value: unknown): void => {
    if (Array.isArray(value)) {
      value.forEach(add);
      return;
    }
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const stored = decodeGlpiText(String(value));
    const normalised = tryNormaliseSerial(stored);
    if (normalised.ok && !serials.has(normalised.serial)) serials.set(normalised.serial, stored);
  };
  for (const field of fields) add(row[String(field)]);
  return serials;
}
