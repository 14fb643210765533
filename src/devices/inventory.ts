/**
 * From the bytes of an inventory CSV to the rows we can import and the rows we cannot
 * (with their line and the reason). File-level problems (unreadable encoding, broken
 * quoting, no serial column) throw InventoryError: then nothing at all is imported.
 */
import { InvalidSerialError, noSerialKey, normaliseSerial } from '../core/serial';
import { CsvParseError, delimiterName, detectDelimiter, parseCsv, type CsvRecord, type Delimiter } from './csv';
import { decodeBytes, EncodingError } from './encoding';
import { quoted } from '../core/text';

export class InventoryError extends Error {
  override readonly name = 'InventoryError';
}

export const TEXT_COLUMNS = ['name', 'model', 'location', 'organisation'] as const;
export type TextColumn = (typeof TEXT_COLUMNS)[number];
const KNOWN_COLUMNS = ['serial', ...TEXT_COLUMNS, 'active'] as const;
type KnownColumn = (typeof KNOWN_COLUMNS)[number];
const ALIASES: Record<string, KnownColumn> = { organization: 'organisation' };

export interface InventoryEntry {
  line: number;
  /** The serial as written in the file, without surrounding white space ('' for a row without one). */
  serial: string;
  /** normaliseSerial(serial), or for a row without a serial its noSerialKey (core/serial.ts). */
  serialNormalized: string;
  /** Only the columns the file has: a column the file lacks leaves the device's value alone. */
  fields: Partial<Record<TextColumn, string | null>>;
  /** Undefined when the file has no active column: existing devices keep theirs, new ones are active. */
  active: boolean | undefined;
}

export interface SkippedRow {
  line: number;
  serial: string;
  reason: string;
}

export interface Inventory {
  encoding: string;
  encodingNote?: string;
  delimiter: Delimiter;
  /** The recognised columns, in file order, and the ones ignored. */
  columns: string[];
  ignoredColumns: string[];
  /** Data rows read, blank ones excluded. */
  rows: number;
  blankRows: number;
  entries: InventoryEntry[];
  skipped: SkippedRow[];
  /**
   * Every valid normalised serial the file mentions, skipped rows included: a device whose
   * row has a typo in `active` is still in the inventory and must not be deactivated.
   */
  mentionedSerials: Set<string>;
}

export interface ReadOptions {
  delimiter?: Delimiter;
  encoding?: string;
}

const ACTIVE_WORDS = new Map<string, boolean>([
  ['', true],
  ['true', true],
  ['yes', true],
  ['1', true],
  ['oui', true],
  ['false', false],
  ['no', false],
  ['0', false],
  ['non', false],
]);

export function parseActive(raw: string): boolean | undefined {
  return ACTIVE_WORDS.get(raw.trim().toLowerCase());
}

function columnIndexes(header: string[], delimiter: Delimiter): { index: Map<KnownColumn, number>; ignored: string[] } {
  const index = new Map<KnownColumn, number>();
  const ignored: string[] = [];
  header.forEach((raw, position) => {
    const name = raw.trim().toLowerCase();
    const column = ALIASES[name] ?? KNOWN_COLUMNS.find((known) => known === name);
    if (!column) {
      ignored.push(raw.trim());
      return;
    }
    if (index.has(column)) {
      throw new InventoryError(
        `the header has the column ${column} twice (columns ${index.get(column)! + 1} and ${position + 1})`,
      );
    }
    index.set(column, position);
  });
  if (!index.has('serial')) {
    const found = header.map((h) => JSON.stringify(h.trim())).join(', ');
    throw new InventoryError(
      `no serial column in the header (delimiter ${JSON.stringify(delimiterName(delimiter))}, columns found: ${found}); ` +
        `expected columns: ${KNOWN_COLUMNS.join(', ')}`,
    );
  }
  return { index, ignored };
}

const isBlank = (record: CsvRecord) => record.fields.every((field) => field.trim() === '');

/** Reads and validates an inventory; throws InventoryError for a file that cannot be imported. */
export function readInventory(bytes: Uint8Array, options: ReadOptions = {}): Inventory {
  let decoded;
  let records: CsvRecord[];
  try {
    decoded = decodeBytes(bytes, options.encoding);
  } catch (error) {
    if (error instanceof EncodingError) throw new InventoryError(error.message);
    throw error;
  }
  const delimiter = options.delimiter ?? detectDelimiter(decoded.text);
  try {
    records = parseCsv(decoded.text, delimiter);
  } catch (error) {
    if (error instanceof CsvParseError) throw new InventoryError(error.message);
    throw error;
  }
  const headerAt = records.findIndex((record) => !isBlank(record));
  if (headerAt === -1) throw new InventoryError('the file is empty: a header row (serial, name, …) is required');
  const header = records[headerAt];
  const { index, ignored } = columnIndexes(header.fields, delimiter);

  const inventory: Inventory = {
    encoding: decoded.encoding,
    encodingNote: decoded.note,
    delimiter,
    columns: [...index.keys()].sort((a, b) => index.get(a)! - index.get(b)!),
    ignoredColumns: ignored,
    rows: 0,
    blankRows: 0,
    entries: [],
    skipped: [],
    mentionedSerials: new Set(),
  };
  const firstLineOf = new Map<string, number>();
  const value = (record: CsvRecord, column: KnownColumn) => {
    const at = index.get(column);
    return at === undefined ? undefined : (record.fields[at] ?? '');
  };

  for (const record of records.slice(headerAt + 1)) {
    if (isBlank(record)) {
      inventory.blankRows += 1;
      continue;
    }
    // More fields than the header means an unquoted delimiter shifted the values: guessing
    // which column is which would import garbage. Trailing empty fields are harmless.
    if (record.fields.length > header.fields.length) {
      const extra = record.fields.slice(header.fields.length);
      if (extra.some((field) => field.trim() !== '')) {
        throw new InventoryError(
          `line ${record.line}: ${record.fields.length} fields but the header has ${header.fields.length} ` +
            `(a value containing ${JSON.stringify(delimiterName(delimiter))} must be quoted)`,
        );
      }
    }
    inventory.rows += 1;
    const serial = value(record, 'serial')!.trim();
    const skip = (reason: string) => inventory.skipped.push({ line: record.line, serial, reason });
    const fields: InventoryEntry['fields'] = {};
    for (const column of TEXT_COLUMNS) {
      const raw = value(record, column);
      // A line break inside a value must not depend on the line endings the file was saved with.
      if (raw !== undefined) fields[column] = raw.trim().replace(/\r\n?/g, '\n') || null;
    }
    let serialNormalized: string;
    if (serial === '') {
      // Kept, flagged no_serial in every run: nothing the inventory says is dropped.
      const key = noSerialKey(fields);
      if (key === null) {
        skip('empty serial, and no name, location, model or organisation to identify the printer');
        continue;
      }
      serialNormalized = key;
    } else {
      try {
        serialNormalized = normaliseSerial(serial);
      } catch (error) {
        if (!(error instanceof InvalidSerialError)) throw error;
        skip(`invalid serial: ${error.reason}`);
        continue;
      }
    }
    inventory.mentionedSerials.add(serialNormalized);
    const firstLine = firstLineOf.get(serialNormalized);
    if (firstLine !== undefined) {
      skip(
        serial === ''
          ? `no serial, and the same name (or location, model, organisation) as line ${firstLine}`
          : `duplicate serial: same as line ${firstLine}`,
      );
      continue;
    }
    firstLineOf.set(serialNormalized, record.line);
    const rawActive = value(record, 'active');
    const active = rawActive === undefined ? undefined : parseActive(rawActive);
    if (rawActive !== undefined && active === undefined) {
      skip(`invalid active value ${quoted(rawActive.trim())} (expected true/false, yes/no, 1/0, oui/non)`);
      continue;
    }
    inventory.entries.push({ line: record.line, serial, serialNormalized, fields, active });
  }
  return inventory;
}
