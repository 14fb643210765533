/**
 * How a person names a device on the command line (`--device`, `devices show`): by its
 * serial, as written anywhere in the inventory (any case or spacing), or by its id.
 *
 * A serial is what is printed on the printer, and many printers have serials made only of
 * digits (12 digits is common), so a number is a serial first: it is looked up as an id only
 * when no device has that serial and it fits the id column (PostgreSQL int4). `#42` or
 * `id:42` name device id 42 and nothing else.
 */
import { tryNormaliseSerial } from './serial';
import { quoted } from './text';

/** Largest value of a PostgreSQL `integer` (int4) column: every id in the database fits it. */
export const MAX_INT4 = 2 ** 31 - 1;

/** The number a text stands for when it can be an int4 id (1 to 2147483647), else null. */
export function parseInt4Id(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,10}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return value >= 1 && value <= MAX_INT4 ? value : null;
}

export interface DeviceReference {
  /** As given, for messages. */
  text: string;
  /** The normalised serial to look up, or null (an explicit id, or not a valid serial). */
  serial: string | null;
  /** The id to look up when no serial matches (or the only one, for `#42`), or null. */
  id: number | null;
}

const EXPLICIT_ID = /^(?:#|id:)\s*(\d+)$/i;

export function parseDeviceReference(text: string): DeviceReference {
  const trimmed = text.trim();
  const explicit = EXPLICIT_ID.exec(trimmed);
  if (explicit) return { text, serial: null, id: parseInt4Id(explicit[1]) };
  const serial = tryNormaliseSerial(trimmed);
  return { text, serial: serial.ok ? serial.serial : null, id: parseInt4Id(trimmed) };
}

/** The message for references that match no device, naming each one. */
export function unknownDevicesMessage(references: readonly string[]): string {
  return `no device with serial or id ${references.map((r) => quoted(r)).join(', ')}`;
}
