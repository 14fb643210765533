/**
 * Search criteria as GLPI's API and Search engine treat them: the API's validation (with its
 * early return on the first nested group), then constructCriteriaSQL/addWhere turned into a
 * condition tree. The SQL GLPI builds is a flat `c1 AND c2 OR c3` string, so AND binds tighter
 * than OR; a criterion with an empty value is dropped, and the first emitted criterion's
 * AND/OR is ignored (its NOT is kept).
 */
import { getEntry, isset, phpEmpty, phpString, type PhpArray, type PhpValue } from './php-params';
import { findOption, type SearchOption } from './search-options';
import type { ItemStore, StoredItem } from './store';
import { compileLike, foldForEquals, makeTextSearchValue } from './text-match';

export type Condition =
  | { type: 'test'; test: (item: StoredItem) => boolean; lookup?: { option: SearchOption; key: string } }
  | { type: 'not'; inner: Condition }
  | { type: 'and'; parts: Condition[] }
  | { type: 'or'; parts: Condition[] };

/** Raised where GLPI would send broken SQL to MySQL (it answers 500 ERROR_SQL). */
export class SqlError extends Error {}

const LOGICAL_OPERATORS = ['AND', 'OR', 'AND NOT', 'OR NOT'];

/** API::searchItems()'s check; returns GLPI's error message, or null when the criteria pass. */
export function validateCriteria(criteria: PhpValue | undefined): string | null {
  if (!(criteria instanceof Map)) return null;
  for (const criterion of criteria.values()) {
    // GLPI's validator returns on the first nested group: criteria after it are not checked.
    const nested = getEntry(criterion, 'criteria');
    if (isset(nested)) return validateCriteria(nested);
    const field = getEntry(criterion, 'field');
    if (!isset(field) || !isset(getEntry(criterion, 'searchtype')) || !isset(getEntry(criterion, 'value'))) {
      return 'Malformed search criteria';
    }
    if (!findOption(phpString(field))) return 'Bad field ID in search criteria';
  }
  return null;
}

/** Search option ids of every criterion (nested too), for the columns GLPI adds to the view. */
export function criteriaFields(criteria: PhpValue | undefined): string[] {
  if (!(criteria instanceof Map)) return [];
  const fields: string[] = [];
  for (const criterion of criteria.values()) {
    const nested = getEntry(criterion, 'criteria');
    if (isset(nested)) {
      fields.push(...criteriaFields(nested));
    } else {
      const field = getEntry(criterion, 'field');
      if (isset(field) && phpEmpty(getEntry(criterion, 'meta'))) fields.push(phpString(field));
    }
  }
  return fields;
}

/** The whole WHERE of the criteria, or null when every criterion was dropped. */
export function buildCondition(criteria: PhpArray, store: ItemStore): Condition | null {
  const orTerms: Condition[][] = [];
  let andTerm: Condition[] = [];
  let emitted = false;
  for (const criterion of criteria.values()) {
    if (!(criterion instanceof Map)) continue;
    const nested = criterion.get('criteria');
    const value = criterion.get('value');
    if (!isset(nested) && (!isset(value) || phpString(value).length === 0)) continue;
    // Meta criteria search another itemtype; the simulator has only assets.
    if (!phpEmpty(criterion.get('meta'))) continue;

    const link = criterion.get('link');
    const knownLink = typeof link === 'string' && LOGICAL_OPERATORS.includes(link);
    const negated = knownLink && link.includes('NOT');
    const isOr = knownLink && link.startsWith('OR');

    let condition: Condition | null;
    if (isset(nested)) {
      const inner = nested instanceof Map && nested.size > 0 ? buildCondition(nested, store) : null;
      condition = inner && negated ? { type: 'not', inner } : inner;
    } else {
      condition = criterionCondition(criterion, negated, store);
    }
    if (!condition) continue;

    if (emitted && isOr) {
      orTerms.push(andTerm);
      andTerm = [condition];
    } else {
      andTerm.push(condition);
    }
    emitted = true;
  }
  if (!emitted) return null;
  orTerms.push(andTerm);
  const ands = orTerms.map((parts): Condition => (parts.length === 1 ? parts[0] : { type: 'and', parts }));
  return ands.length === 1 ? ands[0] : { type: 'or', parts: ands };
}

/** Search::addWhere() for one criterion; `negated` comes from an AND NOT / OR NOT link. */
function criterionCondition(criterion: PhpArray, negated: boolean, store: ItemStore): Condition | null {
  const fieldText = phpString(criterion.get('field'));
  if (fieldText === 'all' || fieldText === 'view') return null;
  const option = findOption(fieldText);
  // Only reachable past the validator's early return: GLPI then builds SQL on an unknown column.
  if (!option) throw new SqlError(`Unknown column '' in 'where clause' (search option ${fieldText})`);
  const searchtype = phpString(criterion.get('searchtype'));
  const value = phpString(criterion.get('value'));

  // GLPI's "$$$$<id>" hack: search any option by the item id.
  const byId = /^\$\$\$\$([0-9]+)$/.exec(value);
  if (byId) {
    const id = Number(byId[1]);
    return { type: 'test', test: (item) => (item.id === id) !== negated };
  }

  let not = negated;
  if (searchtype === 'notcontains' || searchtype === 'notequals') not = !not;
  const isEquals =
    searchtype === 'equals' || searchtype === 'notequals' || searchtype === 'under' || searchtype === 'notunder';

  if (option.datatype === 'number' || option.datatype === 'bool') {
    const numeric = numericCondition(option, value, not);
    if (numeric) return numeric;
  }
  if (isEquals) return equalsCondition(option, value, not, store);
  return textCondition(option, value, not, store);
}

/** Numbers: `<5`, `>=10` or a plain number compare numerically, whatever the searchtype. */
function numericCondition(option: SearchOption, value: string, not: boolean): Condition | null {
  const comparison = /([<>])(=*)\s*([0-9]+)/.exec(value.replace(/&lt;/g, '<').replace(/&gt;/g, '>'));
  const read = (item: StoredItem): number | null => {
    const v = option.value(item);
    return v === null ? null : Number(v);
  };
  if (comparison) {
    const [, direction, orEqual, bound] = comparison;
    const limit = Number(bound);
    const test = (n: number): boolean =>
      direction === '<' ? (orEqual ? n <= limit : n < limit) : orEqual ? n >= limit : n > limit;
    return {
      type: 'test',
      test: (item) => {
        const n = read(item);
        return n !== null && test(n) !== not;
      },
    };
  }
  if (value.trim() !== '' && !Number.isNaN(Number(value))) {
    const target = Number(value);
    return {
      type: 'test',
      test: (item) => {
        const n = read(item);
        return n !== null && (n === target) !== not;
      },
    };
  }
  return null;
}

/** MySQL's string-to-number cast: the leading number, or 0. */
function mysqlNumber(value: string): number {
  const match = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(value);
  return match ? Number(match[0]) : 0;
}

/**
 * `equals`: dropdowns and the name link compare the joined id; columns of the item's own
 * table compare the stored value verbatim (collation rules, no un-sanitising, no trimming).
 * SQL NULL never matches `=` nor `<>`.
 */
function equalsCondition(option: SearchOption, value: string, not: boolean, store: ItemStore): Condition {
  if (option.equalsId) {
    const target = mysqlNumber(value);
    const equalsId = option.equalsId;
    return {
      type: 'test',
      test: (item) => {
        const id = equalsId(item);
        return id !== null && (id === target) !== not;
      },
    };
  }
  const key = foldForEquals(value);
  return {
    type: 'test',
    test: (item) => {
      const stored = store.foldedValue(item, option);
      return stored !== null && (stored.replace(/ +$/, '') === key) !== not;
    },
    ...(not ? {} : { lookup: { option, key } }),
  };
}

/** Search::makeTextCriteria(): LIKE, NULL handling, and `OR field IS NULL` for negations. */
function textCondition(option: SearchOption, value: string, not: boolean, store: ItemStore): Condition {
  const search = makeTextSearchValue(value, store.version);
  const alsoEmpty = value.toLowerCase() === 'null';
  const alsoNull = (not && value !== 'NULL' && value !== 'null' && value !== '^$') || (!not && value === '^$');
  const like = search.kind === 'like' ? compileLike(search.pattern) : null;

  const test = (item: StoredItem): boolean => {
    const stored = store.foldedValue(item, option);
    let result: boolean;
    if (!like) result = not ? stored !== null : stored === null;
    else result = stored !== null && like.matches(stored) !== not;
    if (!result && alsoEmpty) result = stored !== null && stored.replace(/ +$/, '') === '';
    if (!result && alsoNull) result = stored === null;
    return result;
  };
  const exact = !not && !alsoEmpty && !alsoNull && like?.exact !== null && like?.exact !== undefined;
  const indexable = exact && (option.datatype === 'string' || option.datatype === 'itemlink');
  return {
    type: 'test',
    test,
    ...(indexable ? { lookup: { option, key: (like?.exact ?? '').replace(/ +$/, '') } } : {}),
  };
}

export function evaluate(condition: Condition, item: StoredItem): boolean {
  switch (condition.type) {
    case 'test':
      return condition.test(item);
    case 'not':
      return !evaluate(condition.inner, item);
    case 'and':
      return condition.parts.every((part) => evaluate(part, item));
    case 'or':
      return condition.parts.some((part) => evaluate(part, item));
  }
}

/**
 * The items that can possibly match, from the indexes, or null when the whole table must be
 * scanned. Always a superset: the condition is evaluated on every candidate afterwards.
 */
export function candidates(condition: Condition, itemtype: string, store: ItemStore): Set<StoredItem> | null {
  switch (condition.type) {
    case 'test':
      return condition.lookup
        ? new Set(store.equalsCandidates(itemtype, condition.lookup.option, condition.lookup.key))
        : null;
    case 'not':
      return null;
    case 'and': {
      const sets = condition.parts.map((part) => candidates(part, itemtype, store)).filter((s) => s !== null);
      if (sets.length === 0) return null;
      return sets.reduce((smallest, set) => (set.size < smallest.size ? set : smallest));
    }
    case 'or': {
      const union = new Set<StoredItem>();
      for (const part of condition.parts) {
        const set = candidates(part, itemtype, store);
        if (set === null) return null;
        for (const item of set) union.add(item);
      }
      return union;
    }
  }
}
