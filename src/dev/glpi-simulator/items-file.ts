/**
 * Loading GLPI cards from a file, so the simulator can serve a copy of a real export: a JSON
 * array of SimItem, or a CSV whose header names SimItem fields (id,name,serial,...).
 */
import { readFileSync } from 'node:fs';
import { CsvParseError, parseCsv, type CsvRecord } from '../../devices/csv';
import type { SimItem } from './types';

const TEXT_FIELDS = [
  'otherserial',
  'labelSerial',
  'statusName',
  'location',
  'model',
  'manufacturer',
  'lastInventoryUpdate',
] as const;

export function itemsFromFile(path: string): SimItem[] {
  const text = readFileSync(path, 'utf8');
  const items = text.trimStart().startsWith('[') ? itemsFromJson(text, path) : itemsFromCsv(text, path);
  const ids = new Set<string>();
  for (const item of items) {
    const key = `${item.itemtype.toLowerCase()}#${item.id}`;
    if (ids.has(key)) throw new Error(`${path}: duplicate id ${item.id} for ${item.itemtype}`);
    ids.add(key);
  }
  return items;
}

function itemsFromJson(text: string, path: string): SimItem[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`${path}: expected a JSON array of items`);
  return parsed.map((entry, index) => toItem(entry as Record<string, unknown>, `${path} item ${index}`));
}

/** Comma-separated, read by the project's one CSV parser (the one `npm run devices -- import` uses). */
function itemsFromCsv(text: string, path: string): SimItem[] {
  let records: CsvRecord[];
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''), ',');
  } catch (error) {
    if (error instanceof CsvParseError) throw new Error(`${path}: ${error.message}`);
    throw error;
  }
  const [header, ...rows] = records.filter(({ fields }) => !(fields.length === 1 && fields[0] === ''));
  if (!header || !header.fields.includes('id') || !header.fields.includes('serial')) {
    throw new Error(`${path}: a CSV needs a header with at least id and serial (id,name,serial,...)`);
  }
  return rows.map((row) => {
    const record: Record<string, unknown> = {};
    header.fields.forEach((column, i) => {
      const value = row.fields[i];
      // In CSV an empty cell is "no value": null serial, default entity, false flags.
      if (value !== undefined && value !== '') record[column.trim()] = value;
    });
    return toItem(record, `${path} line ${row.line}`);
  });
}

function toItem(record: Record<string, unknown>, where: string): SimItem {
  if (record === null || typeof record !== 'object') throw new Error(`${where}: not an object`);
  const id = Number(record.id);
  if (!Number.isInteger(id) || id <= 0) throw new Error(`${where}: id must be a positive integer`);
  const text = (value: unknown): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`${where}: expected text, got ${JSON.stringify(value)}`);
  };
  const flag = (value: unknown): boolean => value === true || value === 1 || /^(1|true|yes)$/i.test(text(value) ?? '');
  const item: SimItem = {
    id,
    itemtype: text(record.itemtype) ?? 'Printer',
    name: text(record.name) ?? '',
    serial: text(record.serial),
  };
  for (const field of TEXT_FIELDS) {
    if (record[field] !== undefined) item[field] = text(record[field]);
  }
  const entity = text(record.entity);
  if (entity !== null) item.entity = entity;
  if (record.entityId !== undefined && record.entityId !== null) {
    const entityId = Number(record.entityId);
    if (!Number.isInteger(entityId) || entityId < 0) throw new Error(`${where}: entityId must be an integer >= 0`);
    item.entityId = entityId;
  }
  if (record.isDeleted !== undefined) item.isDeleted = flag(record.isDeleted);
  if (record.isTemplate !== undefined) item.isTemplate = flag(record.isTemplate);
  const dateMod = text(record.dateMod);
  if (dateMod !== null) item.dateMod = dateMod;
  return item;
}
