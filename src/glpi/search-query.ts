/**
 * Builds `search/:itemtype` query strings for many serials at once, and packs serials into
 * chunks that fit GLPI's limits.
 *
 * Matching rule (see docs/glpi-behaviour.md §3): we search with `equals`, never `contains`.
 * - `equals` on a string column is plain SQL `=`: case- and accent-insensitive and blind to
 *   trailing spaces (the utf8mb4_unicode_ci collation), with no wildcard, so `%` and `_` in a
 *   serial are literal. That is exactly normaliseSerial's notion of "the same serial".
 * - `contains` is a LIKE in which `%` stays a wildcard (`50%-OFF` would match `50X-OFF`), that
 *   trims and interprets `^`/`$`, and that can never match `&`, `<`, `>` on GLPI 10.
 * - GLPI 10 stores `& < >` HTML-encoded (`AB&#38;CD`) and `equals` compares verbatim, while GLPI 11
 *   stores them raw: so a serial with one of those characters is searched in both forms, OR'd.
 * - An empty value would make GLPI drop the criterion and return the whole table: never sent.
 * Rows are then filtered client-side on the exact normalised serial (see search-results.ts).
 *
 * The one use of `contains`: GLPI stores serials as typed, and `equals` ignores only trailing
 * spaces, so a card typed `  X-1` or `X-1<TAB>` is missed by the exact search. The serials it did
 * not find are searched again with `contains` (a LIKE '%X-1%'), whose over-broad rows are thrown
 * away by the same client-side filter: a row is kept only if its serial normalises to the wanted one.
 */

/** One wanted serial and the values to send for it. */
export interface SerialTerm {
  /** Normalised serial: the key of the result. */
  serial: string;
  /** Values for `equals`: the serial as given (trimmed), plus GLPI 10's encoded form if it differs. */
  values: string[];
}

/** Search option ids (same on Printer, Computer, NetworkEquipment, Peripheral). */
export const SEARCH_OPTION = {
  name: 1,
  id: 2,
  location: 3,
  dateMod: 19,
  manufacturer: 23,
  status: 31,
  model: 40,
  entity: 80,
  lastInventoryUpdate: 83,
} as const;

/** `&`, `<`, `>` as GLPI 10's Sanitizer stores them (`&` first, so it is not encoded twice). */
export function encodeGlpi10StoredForm(value: string): string {
  return value.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;');
}

const ENTITY_TO_CHARACTER: Record<string, string> = {
  '&#38;': '&',
  '&#60;': '<',
  '&#62;': '>',
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
};

/** Undoes GLPI 10's encoding of stored text, in a single pass (so `&#38;#60;` becomes `&#60;`). */
export function decodeGlpiText(value: string): string {
  // Every entity starts with '&': most values have none (a scan decodes millions a night).
  if (!value.includes('&')) return value;
  return value.replace(/&#38;|&#60;|&#62;|&amp;|&lt;|&gt;/g, (entity) => ENTITY_TO_CHARACTER[entity] ?? entity);
}

/**
 * The `equals` values for one serial, from the raw spellings the caller gave for it. Raw rather
 * than normalised: GLPI's collation decides equality on the value as stored, and normaliseSerial
 * folds some characters (compatibility forms) that MySQL may not fold the same way.
 */
export function searchValuesFor(rawSpellings: readonly string[]): string[] {
  const values = new Set<string>();
  for (const raw of rawSpellings) {
    const value = raw.trim();
    if (value === '') throw new Error('refusing to search an empty serial: GLPI would return every item');
    values.add(value);
    values.add(encodeGlpi10StoredForm(value));
  }
  return [...values];
}

/**
 * The `contains` value that finds a serial whatever white space GLPI stored around it, or null when
 * nothing searchable is left. GLPI's LIKE cannot match `& < >` on GLPI 10 (stored encoded, the
 * searched value decoded), treats a leading `^`, a trailing `$` and the words NULL/null specially,
 * and `\` is LIKE's escape: each of those becomes the `%` wildcard (GLPI leaves `%` unescaped), which
 * only widens the match; the client-side filter keeps the exact rows.
 */
export function containsValueFor(rawSpelling: string): string | null {
  let value = rawSpelling.trim().replace(/[&<>\\]/g, '%');
  value = value.replace(/^\^/, '%').replace(/\$$/, '%');
  if (value === 'NULL' || value === 'null') value += '%';
  return /[^%\s]/.test(value) ? value : null;
}

export type SearchType = 'equals' | 'contains';

export interface SearchQueryShape {
  /** Search option ids whose value must match the serial (serial field, label serial field). */
  fields: readonly number[];
  /** Columns to return. */
  forcedisplay: readonly number[];
  /** Default `equals`; `contains` only for the white-space pass. */
  searchtype?: SearchType;
  /** Search the trash (`is_deleted=1`). */
  trash?: boolean;
}

export interface SearchQuery {
  /**
   * Query string with a `{range}` placeholder first. range, sort and forcedisplay come before the
   * criteria so that if PHP's max_input_vars ever cuts the query, it cuts criteria (which we
   * detect through Accept-Range), never the range.
   */
  withRange(start: number, end: number): string;
  /** PHP variables in the query (each `a[b][c]=v` pair counts as one toward max_input_vars). */
  variableCount: number;
  /** Bytes of the query string (with the widest range we send). */
  bytes: number;
}

// GLPI's own documentation writes the brackets unencoded; PHP's parse_str takes both.
function criterionPairs(index: number, field: number, value: string, searchtype: SearchType = 'equals'): string[] {
  const prefix = `criteria[${index}]`;
  const pairs = [
    `${prefix}[field]=${field}`,
    `${prefix}[searchtype]=${searchtype}`,
    `${prefix}[value]=${encodeURIComponent(value)}`,
  ];
  // The first criterion's link is ignored by GLPI: save the variable.
  if (index > 0) pairs.unshift(`${prefix}[link]=OR`);
  return pairs;
}

const RANGE_PLACEHOLDER_BYTES = 'range=0000000000-0000000000'.length;

export function buildSearchQuery(terms: readonly SerialTerm[], shape: SearchQueryShape): SearchQuery {
  // Sorting by id keeps paging stable: ORDER BY name with ties may repeat or skip rows across pages.
  const head = [
    `sort=${SEARCH_OPTION.id}`,
    'order=ASC',
    ...(shape.trash ? ['is_deleted=1'] : []),
    ...shape.forcedisplay.map((id) => `forcedisplay[]=${id}`),
  ];
  const criteria: string[] = [];
  let index = 0;
  for (const term of terms) {
    for (const field of shape.fields) {
      for (const value of term.values) {
        if (value === '') throw new Error('refusing to search an empty value: GLPI would return every item');
        criteria.push(...criterionPairs(index++, field, value, shape.searchtype));
      }
    }
  }
  const tail = [...head, ...criteria].join('&');
  return {
    withRange: (start, end) => `range=${start}-${end}&${tail}`,
    variableCount: 1 + head.length + criteria.length,
    bytes: RANGE_PLACEHOLDER_BYTES + 1 + tail.length,
  };
}

export interface ChunkLimits {
  /** Longest query string allowed (the URL budget minus the base URL and path). */
  maxQueryBytes: number;
  /** Most PHP variables allowed. */
  maxVariables: number;
}

/**
 * Greedily packs serials into chunks whose query stays within both limits. A serial never
 * straddles two chunks. A serial too big on its own still gets a chunk of its own (GLPI will say
 * what it thinks of it, and only that serial will carry the error).
 */
export function planChunks(terms: readonly SerialTerm[], shape: SearchQueryShape, limits: ChunkLimits): SerialTerm[][] {
  const chunks: SerialTerm[][] = [];
  const empty = buildSearchQuery([], shape);
  let current: SerialTerm[] = [];
  // Running totals mirror buildSearchQuery, so that planning stays linear in the number of serials.
  let bytes = empty.bytes;
  let variables = empty.variableCount;
  let nextIndex = 0;
  for (const term of terms) {
    let cost = termCost(term, nextIndex, shape);
    const fits = bytes + cost.bytes <= limits.maxQueryBytes && variables + cost.variables <= limits.maxVariables;
    if (!fits && current.length > 0) {
      chunks.push(current);
      current = [];
      bytes = empty.bytes;
      variables = empty.variableCount;
      cost = termCost(term, 0, shape); // renumbered from 0: the indices' digits count
    }
    current.push(term);
    bytes += cost.bytes;
    variables += cost.variables;
    nextIndex = cost.nextIndex;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function termCost(
  term: SerialTerm,
  firstIndex: number,
  shape: SearchQueryShape,
): { bytes: number; variables: number; nextIndex: number } {
  let bytes = 0;
  let variables = 0;
  let index = firstIndex;
  for (const field of shape.fields) {
    for (const value of term.values) {
      const pairs = criterionPairs(index++, field, value, shape.searchtype);
      bytes += pairs.join('&').length + 1; // + the `&` joining it to what precedes
      variables += pairs.length;
    }
  }
  return { bytes, variables, nextIndex: index };
}
