/**
 * `GET /:itemtype/:id` and `GET /:itemtype`, the plain item endpoints, for clients that read a
 * card after finding it. Unlike search, they return trashed items and templates, sort by a
 * column name, and compute the default Content-Range with GLPI's off-by-one.
 */
import { isset, phpEmpty, phpIntval, phpString, type PhpArray } from './php-params';
import { errors, jsonResponse, type ApiResponse } from './responses';
import { tableFor } from './search-options';
import type { SearchContext } from './search';
import type { StoredItem } from './store';
import { compileLike, fold, makeTextSearchValue, type GlpiVersion } from './text-match';

export interface ItemsContext extends SearchContext {
  apiBaseUrl: string;
}

function isVisible(context: ItemsContext, item: StoredItem): boolean {
  return !context.multiEntity || context.session.activeEntities.has(item.entityId);
}

function columns(context: ItemsContext, item: StoredItem): Record<string, unknown> {
  const lower = context.itemtype.toLowerCase();
  // expand_dropdowns: GLPI puts the dropdown's name (a tree's completename, as stored) in place of
  // its id, and leaves an unset one (0) as 0.
  const expandParam = context.params.get('expand_dropdowns');
  const expand = expandParam !== undefined && !phpEmpty(expandParam);
  const fields: Record<string, unknown> = {
    id: item.id,
    entities_id: expand ? item.stored.entity : item.entityId,
    is_recursive: 0,
    name: item.stored.name,
    contact: null,
    serial: item.stored.serial,
    otherserial: item.stored.otherserial,
    locations_id: expand && item.stored.location !== null ? item.stored.location : (item.locationId ?? 0),
    [`${lower}types_id`]: 0,
    // The simulator keeps no ids for models and manufacturers: expanded, their names; else 0.
    [`${lower}models_id`]: (expand && item.stored.model) || 0,
    manufacturers_id: (expand && item.stored.manufacturer) || 0,
    is_deleted: item.isDeleted ? 1 : 0,
    is_template: item.isTemplate ? 1 : 0,
    template_name: item.isTemplate ? item.stored.name : null,
    states_id: expand && item.stored.status !== null ? item.stored.status : (item.statusId ?? 0),
    is_dynamic: 0,
    date_mod: item.dateMod,
    date_creation: item.dateMod,
    last_inventory_update: item.lastInventoryUpdate,
  };
  const hateoas = context.params.get('get_hateoas');
  if (hateoas !== undefined && phpEmpty(hateoas)) return fields;
  fields.links = [{ rel: 'Entity', href: `${context.apiBaseUrl}/Entity/${item.entityId}` }];
  return fields;
}

export function getItem(context: ItemsContext, id: number): ApiResponse {
  const item = context.store.item(context.itemtype, id);
  if (!item) return errors.itemNotFound();
  if (!isVisible(context, item)) return errors.rightMissing();
  return jsonResponse(200, columns(context, item), { 'Last-Modified': new Date(`${item.dateMod}Z`).toUTCString() });
}

const SORTABLE_COLUMNS: Record<string, (item: StoredItem) => string | number | null> = {
  id: (item) => item.id,
  name: (item) => fold(item.stored.name),
  serial: (item) => (item.stored.serial === null ? null : fold(item.stored.serial)),
  otherserial: (item) => (item.stored.otherserial === null ? null : fold(item.stored.otherserial)),
  entities_id: (item) => item.entityId,
};

const LIST_CACHE = new WeakMap<object, Map<string, StoredItem[]>>();

const SEARCHABLE_COLUMNS: Record<string, (item: StoredItem) => string | null> = {
  name: (item) => item.stored.name,
  serial: (item) => item.stored.serial,
  otherserial: (item) => item.stored.otherserial,
};

export function getItems(context: ItemsContext): ApiResponse {
  const { params, store, itemtype } = context;
  const sortColumn = isset(params.get('sort')) ? phpString(params.get('sort')) : 'id';
  const sortKey = SORTABLE_COLUMNS[sortColumn];
  if (!sortKey) return errors.badRequest(`sort param is not a field of ${tableFor(itemtype)}`);
  const descending = phpString(params.get('order')).toUpperCase() === 'DESC';

  const rangeParam = params.get('range');
  let range: [number, number];
  if (isset(rangeParam)) {
    const match = /^([0-9]+)-([0-9]+)$/.exec(phpString(rangeParam));
    if (!match) return errors.badRequest('range must be in format : [start-end] with integers');
    range = [Number(match[1]), Number(match[2])];
  } else {
    // GLPI's off-by-one: rows stop at list_limit, but the header is computed from [0, list_limit].
    range = [0, context.session.listLimit];
  }
  const rowLimit = isset(rangeParam) ? range[1] - range[0] + 1 : context.session.listLimit;

  const trashed = phpIntval(params.get('is_deleted') ?? null) === 1;
  const filters = textFilters(params.get('searchText'), store.version);
  // The sorted list is cached per store (immutable) and view, so that a scan of a million cards
  // costs a slice per page rather than a sort.
  const cacheKey =
    filters.length === 0
      ? [
          itemtype,
          trashed,
          sortColumn,
          descending,
          context.multiEntity ? [...context.session.activeEntities].sort().join(',') : '*',
        ].join('|')
      : null;
  let cache = LIST_CACHE.get(store);
  if (!cache) LIST_CACHE.set(store, (cache = new Map<string, StoredItem[]>()));
  let items = cacheKey === null ? undefined : cache.get(cacheKey);
  if (!items) {
    const list = store
      .itemsOf(itemtype)
      .filter((item) => item.isDeleted === trashed && isVisible(context, item) && filters.every((f) => f(item)));
    list.sort((a, b) => {
      const ka = sortKey(a);
      const kb = sortKey(b);
      const compared = ka === kb ? a.id - b.id : ka === null ? -1 : kb === null ? 1 : ka < kb ? -1 : 1;
      return descending ? -compared : compared;
    });
    items = list;
    if (cacheKey !== null) cache.set(cacheKey, list);
  }

  const total = items.length;
  if (range[0] > total) return errors.rangeExceedTotal(total);
  const rows = items.slice(range[0], range[0] + Math.max(0, rowLimit)).map((item) => columns(context, item));
  const end = Math.min(range[1], total - 1);
  const headers: Record<string, string> = { 'Accept-Range': `${itemtype} ${context.maxInputVars}` };
  if (total > 0) headers['Content-Range'] = `${range[0]}-${end}/${total}`;
  return jsonResponse(end < total - 1 ? 206 : 200, rows, headers);
}

/** `searchText[column]=value`: LIKE with the same rules as contains; '' and '0' are ignored (empty()). */
function textFilters(searchText: unknown, version: GlpiVersion): ((item: StoredItem) => boolean)[] {
  if (!(searchText instanceof Map)) return [];
  const filters: ((item: StoredItem) => boolean)[] = [];
  for (const [column, value] of searchText as PhpArray) {
    const read = SEARCHABLE_COLUMNS[column];
    if (!read || phpEmpty(value)) continue;
    const search = makeTextSearchValue(phpString(value), version);
    if (search.kind === 'null') {
      filters.push((item) => read(item) === null);
      continue;
    }
    const like = compileLike(search.pattern);
    filters.push((item) => {
      const stored = read(item);
      return stored !== null && like.matches(fold(stored));
    });
  }
  return filters;
}
