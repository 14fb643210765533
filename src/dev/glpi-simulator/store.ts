/**
 * The simulator's "database": items as the configured GLPI version stores them, the entity
 * tree, and look-up indexes so that exact searches stay fast with 100,000+ items.
 */
import type { SimItem } from './types';
import { fold, foldForEquals, storedForm, type GlpiVersion } from './text-match';

export const ROOT_ENTITY_NAME = 'Root entity';
const ENTITY_SEPARATOR = ' > ';

/** Itemtypes the API answers for even when no item has them (an empty result, not an error). */
const KNOWN_ITEMTYPES = ['Printer', 'Computer', 'Monitor', 'NetworkEquipment', 'Peripheral', 'Phone'];

export interface Entity {
  id: number;
  /** Completename as typed ('Root entity > Europe'). */
  completename: string;
  name: string;
  parentId: number | null;
}

export interface StoredItem {
  raw: SimItem;
  id: number;
  itemtype: string;
  /** Values as GLPI keeps them in the database (and returns them). */
  stored: {
    name: string;
    serial: string | null;
    otherserial: string | null;
    labelSerial: string | null;
    status: string | null;
    location: string | null;
    entity: string;
    model: string | null;
    manufacturer: string | null;
  };
  entityId: number;
  statusId: number | null;
  locationId: number | null;
  isDeleted: boolean;
  isTemplate: boolean;
  dateMod: string;
  lastInventoryUpdate: string | null;
  foldedCache: Map<number, string | null>;
}

/**
 * What the store needs of a search option to index and cache its values: a SearchOption
 * (search-options.ts, which reads StoredItem) is one. Passed in, so that the store does not
 * import the options that import it.
 */
export interface OptionValue {
  id: number;
  value: (item: StoredItem) => string | number | null;
}

export class ItemStore {
  readonly entities: Entity[];
  private readonly entitiesById = new Map<number, Entity>();
  private readonly byItemtype = new Map<string, StoredItem[]>();
  private readonly byId = new Map<string, StoredItem>();
  private readonly itemtypeNames = new Map<string, string>();
  private readonly equalsIndexes = new Map<string, Map<string, StoredItem[]>>();

  constructor(
    readonly rawItems: readonly SimItem[],
    readonly version: GlpiVersion,
  ) {
    for (const name of KNOWN_ITEMTYPES) this.itemtypeNames.set(name.toLowerCase(), name);
    this.entities = buildEntities(rawItems);
    for (const entity of this.entities) this.entitiesById.set(entity.id, entity);
    const entityIds = new Map(this.entities.map((e) => [e.completename, e.id]));
    const statusIds = new DropdownIds();
    const startedAt = Date.now();
    const locationIds = new DropdownIds();

    for (const raw of rawItems) {
      const itemtype = this.canonicalItemtype(raw.itemtype) ?? raw.itemtype;
      this.itemtypeNames.set(itemtype.toLowerCase(), itemtype);
      const entityName = raw.entity ?? ROOT_ENTITY_NAME;
      const item: StoredItem = {
        raw,
        id: raw.id,
        itemtype,
        stored: {
          name: storedForm(raw.name, version),
          serial: this.store(raw.serial),
          otherserial: this.store(raw.otherserial),
          labelSerial: this.store(raw.labelSerial),
          status: this.store(raw.statusName),
          location: this.store(raw.location),
          entity: storedForm(entityName, version),
          model: this.store(raw.model),
          manufacturer: this.store(raw.manufacturer),
        },
        entityId: raw.entityId ?? entityIds.get(entityName) ?? 0,
        statusId: statusIds.idFor(raw.statusName),
        locationId: locationIds.idFor(raw.location),
        isDeleted: raw.isDeleted === true,
        isTemplate: raw.isTemplate === true,
        dateMod: raw.dateMod ?? dateFor(raw.id, startedAt),
        lastInventoryUpdate: raw.lastInventoryUpdate ?? null,
        foldedCache: new Map(),
      };
      const list = this.byItemtype.get(itemtype) ?? [];
      list.push(item);
      this.byItemtype.set(itemtype, list);
      this.byId.set(`${itemtype}#${raw.id}`, item);
    }
  }

  private store(value: string | null | undefined): string | null {
    return value === null || value === undefined ? null : storedForm(value, this.version);
  }

  /** GLPI finds classes case-insensitively and answers with the class's own spelling. */
  canonicalItemtype(requested: string): string | undefined {
    return this.itemtypeNames.get(requested.toLowerCase());
  }

  itemsOf(itemtype: string): readonly StoredItem[] {
    return this.byItemtype.get(itemtype) ?? [];
  }

  item(itemtype: string, id: number): StoredItem | undefined {
    return this.byId.get(`${itemtype}#${id}`);
  }

  entity(id: number): Entity | undefined {
    return this.entitiesById.get(id);
  }

  /** The entity and every entity below it. */
  entityWithDescendants(id: number): number[] {
    const entity = this.entitiesById.get(id);
    if (!entity) return [];
    if (id === 0) return this.entities.map((e) => e.id);
    const prefix = entity.completename + ENTITY_SEPARATOR;
    return this.entities.filter((e) => e.id === id || e.completename.startsWith(prefix)).map((e) => e.id);
  }

  /** Items of an itemtype whose option value equals `key` once folded for `=` (trailing spaces ignored). */
  equalsCandidates(itemtype: string, option: OptionValue, key: string): readonly StoredItem[] {
    const indexKey = `${itemtype}#${option.id}`;
    let index = this.equalsIndexes.get(indexKey);
    if (!index) {
      index = new Map();
      for (const item of this.itemsOf(itemtype)) {
        const value = option.value(item);
        if (value === null || value === undefined) continue;
        const folded = foldForEquals(String(value));
        const bucket = index.get(folded);
        if (bucket) bucket.push(item);
        else index.set(folded, [item]);
      }
      this.equalsIndexes.set(indexKey, index);
    }
    return index.get(key) ?? [];
  }

  /** The folded form of an item's option value, computed once per item and option. */
  foldedValue(item: StoredItem, option: OptionValue): string | null {
    let folded = item.foldedCache.get(option.id);
    if (folded === undefined) {
      const value = option.value(item);
      folded = value === null ? null : fold(String(value));
      item.foldedCache.set(option.id, folded);
    }
    return folded;
  }
}

/** Ids for dropdown values (states, locations) in order of first appearance, from 1. */
class DropdownIds {
  private readonly ids = new Map<string, number>();
  idFor(name: string | null | undefined): number | null {
    if (name === null || name === undefined || name === '') return null;
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size + 1;
      this.ids.set(name, id);
    }
    return id;
  }
}

function buildEntities(items: readonly SimItem[]): Entity[] {
  const ids = new Map<string, number>([[ROOT_ENTITY_NAME, 0]]);
  const names = new Set<string>([ROOT_ENTITY_NAME]);
  for (const item of items) {
    const completename = item.entity ?? ROOT_ENTITY_NAME;
    if (item.entityId !== undefined && !ids.has(completename)) ids.set(completename, item.entityId);
    // Every ancestor in a completename is an entity too.
    const parts = completename.split(ENTITY_SEPARATOR);
    for (let i = 1; i <= parts.length; i++) names.add(parts.slice(0, i).join(ENTITY_SEPARATOR));
  }
  let nextId = Math.max(0, ...ids.values()) + 1;
  for (const name of [...names].sort()) {
    if (!ids.has(name)) ids.set(name, nextId++);
  }
  return [...names].sort().map((completename) => {
    const parts = completename.split(ENTITY_SEPARATOR);
    const parentName = parts.length > 1 ? parts.slice(0, -1).join(ENTITY_SEPARATOR) : null;
    const id = ids.get(completename) as number;
    return {
      id,
      completename,
      name: parts[parts.length - 1],
      parentId: id === 0 ? null : parentName !== null ? (ids.get(parentName) ?? 0) : 0,
    };
  });
}

/**
 * A plausible date_mod derived from the id: within the 24 hours before the simulator started, so a
 * card that does not set one is never stale (results must not depend on when the tests run).
 */
function dateFor(id: number, startedAt: number): string {
  const date = new Date(startedAt - 60_000 - (Math.abs(id) % 1440) * 60_000);
  return glpiDate(date);
}

/** 'YYYY-MM-DD HH:MM:SS', GLPI's datetime format (the simulator's server time is UTC). */
export function glpiDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}
