/**
 * The run page's filters as they travel in its URL (so a link says "the 12 conflicts in Lyon"):
 * read from the query string with an error naming the bad parameter, and written back.
 */
import { FINDING_KINDS } from '../core/findings';
import { RESULT_STATUSES, isResultStatus, type ResultStatus } from '../core/results';
import { normaliseSerial } from '../core/serial';
import { quoted } from '../core/text';

export const SORT_COLUMNS = ['device', 'serial', 'name', 'model', 'location', 'organisation', 'status'] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;
/** Longer than any inventory value (GLPI's columns hold 255). */
const MAX_VALUE_LENGTH = 255;

/** A query parameter the page cannot use: answered 400, naming it. */
export class BadParameterError extends Error {
  override readonly name = 'BadParameterError';
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where a page of results starts or ends, as its URL carries it (`after` / `before`). */
export interface Cursor {
  /** The sort value of the row next to the page (text; a number for the device sort). */
  key: string;
  deviceId: number;
}

export interface RunFilter {
  status?: ResultStatus;
  /** A finding kind of src/core/findings.ts, or 'any'. */
  finding?: string;
  organisation?: string;
  location?: string;
  model?: string;
  /** Part of a serial or a name. */
  q?: string;
  /** q as a normalised serial (its case and accents folded), when it is one. */
  qSerial?: string;
  sort: SortColumn;
  dir: 'asc' | 'desc';
}

export interface RunQuery {
  filter: RunFilter;
  size: number;
  cursor?: Cursor;
  backwards: boolean;
}

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadParameterError(name, `the parameter ${name} is given more than once`);
  return value;
}

function text(query: Query, name: string): string | undefined {
  const value = single(query, name)?.trim();
  if (value === undefined || value === '') return undefined;
  if ([...value].length > MAX_VALUE_LENGTH)
    throw new BadParameterError(name, `${name} is longer than ${MAX_VALUE_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new BadParameterError(name, `${name} holds a control character`);
  return value;
}

function choice<T extends string>(query: Query, name: string, choices: readonly T[]): T | undefined {
  const value = text(query, name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value))
    throw new BadParameterError(name, `${name} must be one of ${choices.join(', ')}, got ${quoted(value, 40)}`);
  return value as T;
}

function encodeCursor(sort: SortColumn, cursor: Cursor): string {
  if (sort === 'device') return String(cursor.deviceId);
  return Buffer.from(JSON.stringify([cursor.key, cursor.deviceId]), 'utf8').toString('base64url');
}

const MAX_ID = 2 ** 31 - 1;

function decodeCursor(sort: SortColumn, name: string, raw: string): Cursor {
  const bad = () => new BadParameterError(name, `${name} is not a position in this list (follow the page's links)`);
  if (sort === 'device') {
    if (!/^\d{1,10}$/.test(raw) || Number(raw) > MAX_ID) throw bad();
    return { key: raw, deviceId: Number(raw) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[0] !== 'string' ||
    !Number.isSafeInteger(parsed[1]) ||
    (parsed[1] as number) < 0 ||
    (parsed[1] as number) > MAX_ID ||
    parsed[0].length > 4 * MAX_VALUE_LENGTH
  )
    throw bad();
  const key = parsed[0];
  if (sort === 'status' && !isResultStatus(key)) throw bad();
  return { key, deviceId: parsed[1] as number };
}

/** The run page's query string read, or BadParameterError. Unknown parameters are ignored. */
export function parseRunQuery(query: Query): RunQuery {
  const q = text(query, 'q');
  let qSerial: string | undefined;
  if (q !== undefined) {
    try {
      qSerial = normaliseSerial(q);
    } catch {
      qSerial = undefined;
    }
  }
  const filter: RunFilter = {
    status: choice(query, 'status', RESULT_STATUSES),
    finding: choice(query, 'finding', ['any', ...FINDING_KINDS]),
    organisation: text(query, 'organisation'),
    location: text(query, 'location'),
    model: text(query, 'model'),
    q,
    qSerial,
    sort: choice(query, 'sort', SORT_COLUMNS) ?? 'device',
    dir: choice(query, 'dir', ['asc', 'desc'] as const) ?? 'asc',
  };
  const sizeText = choice(
    query,
    'size',
    PAGE_SIZES.map((n) => String(n)),
  );
  const after = text(query, 'after');
  const before = text(query, 'before');
  if (after !== undefined && before !== undefined)
    throw new BadParameterError('after', 'give after or before, not both');
  const cursor =
    after !== undefined
      ? decodeCursor(filter.sort, 'after', after)
      : before !== undefined
        ? decodeCursor(filter.sort, 'before', before)
        : undefined;
  return { filter, size: sizeText ? Number(sizeText) : DEFAULT_PAGE_SIZE, cursor, backwards: before !== undefined };
}

/** The filter as query parameters (defaults left out, so links stay short). */
export function filterParams(filter: RunFilter, size = DEFAULT_PAGE_SIZE): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of ['status', 'finding', 'organisation', 'location', 'model', 'q'] as const) {
    const value = filter[name];
    if (value !== undefined) params.set(name, value);
  }
  if (filter.sort !== 'device') params.set('sort', filter.sort);
  if (filter.dir !== 'asc') params.set('dir', filter.dir);
  if (size !== DEFAULT_PAGE_SIZE) params.set('size', String(size));
  return params;
}

/** A link to the same list with a changed filter (paging restarts), or to another page of it. */
export function runQueryString(filter: RunFilter, size: number, page?: { after?: Cursor; before?: Cursor }): string {
  const params = filterParams(filter, size);
  if (page?.after) params.set('after', encodeCursor(filter.sort, page.after));
  if (page?.before) params.set('before', encodeCursor(filter.sort, page.before));
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function isFiltered(filter: RunFilter): boolean {
  return (
    filter.status !== undefined ||
    filter.finding !== undefined ||
    filter.organisation !== undefined ||
    filter.location !== undefined ||
    filter.model !== undefined ||
    filter.q !== undefined
  );
}
