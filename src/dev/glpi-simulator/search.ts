/**
 * `search/:itemtype` as API::searchItems() answers it: validation, range, columns, row
 * objects keyed by search option id, `data` left out when nothing matched, 206 and
 * Content-Range for partial pages, ERROR_RANGE_EXCEED_TOTAL past the end.
 */
import { buildCondition, candidates, criteriaFields, evaluate, SqlError, validateCriteria } from './criteria';
import { isset, phpIntval, phpString, type PhpArray, type PhpValue } from './php-params';
import { errors, jsonResponse, OrderedObject, type ApiResponse } from './responses';
import { DEFAULT_DISPLAY, findOption, type SearchOption } from './search-options';
import type { Session } from './sessions';
import type { ItemStore, StoredItem } from './store';

export interface SearchContext {
  store: ItemStore;
  session: Session;
  /** Canonical itemtype ('Printer'). */
  itemtype: string;
  params: PhpArray;
  multiEntity: boolean;
  maxInputVars: number;
}

export function searchItems(context: SearchContext): ApiResponse {
  const { params, itemtype } = context;
  const criteria = params.get('criteria');
  const invalid = validateCriteria(criteria);
  if (invalid) return errors.badRequest(invalid);

  const range = parseRange(params.get('range'), context.session.listLimit);
  if (!range) return errors.badRequest('range must be in format : [start-end] with integers');

  let matches: StoredItem[];
  try {
    matches = findMatches(context, criteria);
  } catch (error) {
    if (error instanceof SqlError) return errors.sql(error.message);
    throw error;
  }

  const sort = sortParameter(params.get('sort'));
  const order = orderParameter(params.get('order'));
  sortItems(matches, sort.options, order.descending);

  const total = matches.length;
  const [start, end] = range;
  if (start > total) return errors.rangeExceedTotal(total);
  const page = end >= start ? matches.slice(start, end + 1) : [];
  const shownEnd = Math.min(end, total - 1);

  const columns = displayedColumns(context, criteria, sort.options);
  const useUids = isset(params.get('uid_cols'));
  const keyOf = (option: SearchOption): string => (useUids ? `${itemtype}.${option.uid}` : String(option.id));
  const rows = page.map((item) => new OrderedObject(columns.map((option) => [keyOf(option), option.value(item)])));

  const body: [string, unknown][] = [
    ['totalcount', total],
    ['count', page.length],
    ['sort', sort.echo],
    ['order', order.echo],
  ];
  // GLPI only creates `data` while appending rows: an empty result has no `data` key at all.
  if (rows.length > 0) {
    const withIndexes = isset(params.get('withindexes'));
    body.push(['data', withIndexes ? new OrderedObject(page.map((item, i) => [String(item.id), rows[i]])) : rows]);
  }
  const contentRange = `${start}-${shownEnd}/${total}`;
  body.push(['content-range', contentRange]);

  const headers: Record<string, string> = { 'Accept-Range': `${itemtype} ${context.maxInputVars}` };
  if (total > 0) headers['Content-Range'] = contentRange;
  return jsonResponse(page.length < total ? 206 : 200, new OrderedObject(body), headers);
}

function parseRange(range: PhpValue | undefined, listLimit: number): [number, number] | null {
  if (!isset(range)) return [0, listLimit - 1];
  if (typeof range !== 'string' || !/^[0-9]+-[0-9]+$/.test(range)) return null;
  const [start, end] = range.split('-').map(Number);
  return [start, end];
}

function findMatches(context: SearchContext, criteria: PhpValue | undefined): StoredItem[] {
  const { store, itemtype, session, params } = context;
  const condition = criteria instanceof Map ? buildCondition(criteria, store) : null;
  // `is_deleted == 1` (PHP loose equality) shows only the trash; anything else hides it.
  const trashOnly = looselyEqualsOne(params.get('is_deleted'));
  const visible = (item: StoredItem): boolean =>
    !item.isTemplate &&
    item.isDeleted === trashOnly &&
    (!context.multiEntity || session.activeEntities.has(item.entityId)) &&
    (condition === null || evaluate(condition, item));
  const pool = condition ? candidates(condition, itemtype, store) : null;
  const source: Iterable<StoredItem> = pool ?? store.itemsOf(itemtype);
  const result: StoredItem[] = [];
  for (const item of source) if (visible(item)) result.push(item);
  return result;
}

/** PHP 8's `$value == 1`. */
function looselyEqualsOne(value: PhpValue | undefined): boolean {
  if (value === true || value === 1) return true;
  return typeof value === 'string' && value.trim() !== '' && Number(value) === 1;
}

interface SortParameter {
  options: SearchOption[];
  echo: (string | number)[];
}

/** `sort` is an array in GLPI 10 (`["1"]` by default); a scalar is wrapped. */
function sortParameter(sort: PhpValue | undefined): SortParameter {
  if (!isset(sort)) return { options: [findOption('1') as SearchOption], echo: ['1'] };
  const values = sort instanceof Map ? [...sort.values()].map(phpString) : [phpString(sort)];
  const echo = sort instanceof Map ? values : values.map((v) => (/^[0-9]+$/.test(v) ? Number(v) : v));
  const options = values.map(findOption).filter((o): o is SearchOption => o !== undefined);
  return { options, echo };
}

/**
 * A scalar order other than exactly ASC/DESC is ignored; in an array, anything but exactly
 * 'ASC' sorts descending (Search::addOrderBy).
 */
function orderParameter(order: PhpValue | undefined): { descending: boolean[]; echo: string[] } {
  if (order instanceof Map) {
    const values = [...order.values()].map(phpString);
    return { descending: values.map((v) => v !== 'ASC'), echo: values };
  }
  if (order === 'DESC') return { descending: [true], echo: ['DESC'] };
  return { descending: [false], echo: ['ASC'] };
}

function sortItems(items: StoredItem[], options: SearchOption[], descending: boolean[]): void {
  if (options.length === 0) return;
  const keys = new Map<StoredItem, (string | number | null)[]>();
  for (const item of items) {
    keys.set(
      item,
      options.map((option) => {
        const value = option.value(item);
        return typeof value === 'string' ? itemSortKey(value) : value;
      }),
    );
  }
  items.sort((a, b) => {
    const keyA = keys.get(a) as (string | number | null)[];
    const keyB = keys.get(b) as (string | number | null)[];
    for (let i = 0; i < options.length; i++) {
      const compared = compareValues(keyA[i] ?? null, keyB[i] ?? null);
      if (compared !== 0) return (descending[i] ?? descending[0]) ? -compared : compared;
    }
    return a.id - b.id;
  });
}

// The collation orders case- and accent-insensitively.
function itemSortKey(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toUpperCase();
}

/** MySQL puts NULL first in ascending order. */
function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const textA = String(a);
  const textB = String(b);
  return textA < textB ? -1 : textA > textB ? 1 : 0;
}

/**
 * Search::prepareDatasForSearch(): name, the entity in multi-entity mode, then either the
 * forced columns or the display preferences, then criteria fields, then sort fields. The id
 * (2) only when forced. Unknown ids and duplicates are dropped.
 */
function displayedColumns(
  context: SearchContext,
  criteria: PhpValue | undefined,
  sortOptions: SearchOption[],
): SearchOption[] {
  const forced = forcedDisplay(context.params.get('forcedisplay'));
  const ids: string[] = ['1'];
  if (context.multiEntity) ids.push('80');
  ids.push(...(forced.length > 0 ? forced : DEFAULT_DISPLAY.map(String)));
  ids.push(...criteriaFields(criteria));
  ids.push(...sortOptions.map((o) => String(o.id)));
  const columns: SearchOption[] = [];
  for (const id of ids) {
    const option = findOption(id);
    if (option && !columns.includes(option)) columns.push(option);
  }
  return columns;
}

/** `forcedisplay[]=2` or a scalar `forcedisplay=2` (turned into [intval]). */
function forcedDisplay(value: PhpValue | undefined): string[] {
  if (!isset(value)) return [];
  if (value instanceof Map) return [...value.values()].map(phpString);
  return [String(phpIntval(value))];
}
