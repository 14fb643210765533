/**
 * The one serial-number normalisation used everywhere in the project: device import,
 * the database's unique key, GLPI lookups and the simulator's matching.
 *
 * GLPI's tables use a `utf8mb4_unicode_ci` collation, so GLPI itself considers
 * `abc-1`, `ABC-1` and `ÂBC-1` the same serial, and ignores trailing spaces. If we kept
 * a finer distinction than GLPI, two inventory rows could claim the same GLPI card and
 * we could never tell which one it belongs to. So the normalised form folds case and
 * accents, trims surrounding white space, and keeps everything else (inner spaces,
 * punctuation, `%`, `&`...) exactly: those *are* significant to GLPI's `=` comparison.
 */

import type { NotWorthRetryingErrorType } from './error-kinds';
import { quoted } from './text';

/** Longest serial GLPI can store (`varchar(255)`). */
export const MAX_SERIAL_LENGTH = 255;

export class InvalidSerialError extends Error {
  override readonly name = 'InvalidSerialError' satisfies NotWorthRetryingErrorType;
  constructor(
    readonly serial: string,
    readonly reason: string,
  ) {
    super(`invalid serial ${quoted(serial)}: ${reason}`);
  }
}

// C0/C1 control characters and the Unicode line/paragraph separators: never part of a
// real serial, and a sign of a broken CSV (an embedded newline, a stray NUL).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Returns the normalised serial, or throws InvalidSerialError naming the problem. */
export function normaliseSerial(raw: string): string {
  if (typeof raw !== 'string') throw new InvalidSerialError(String(raw), 'not a string');
  const trimmed = raw.trim();
  if (trimmed === '') throw new InvalidSerialError(raw, 'empty or only white space');
  if (CONTROL_CHARACTERS.test(trimmed)) throw new InvalidSerialError(raw, 'contains a control character');
  const folded = trimmed.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toUpperCase();
  if (folded.length > MAX_SERIAL_LENGTH) {
    throw new InvalidSerialError(raw, `longer than ${MAX_SERIAL_LENGTH} characters`);
  }
  return folded;
}

/** Like normaliseSerial, but returns an error message instead of throwing. */
export function tryNormaliseSerial(raw: string): { ok: true; serial: string } | { ok: false; error: string } {
  try {
    return { ok: true, serial: normaliseSerial(raw) };
  } catch (error) {
    if (error instanceof InvalidSerialError) return { ok: false, error: error.message };
    throw error;
  }
}

/**
 * Inventory rows without a serial are kept as devices too. Their key (devices.serial_normalized,
 * unique) starts with this prefix: normaliseSerial upper-cases, so no real serial's key contains
 * these lower-case letters, and the two can never collide.
 */
export const NO_SERIAL_PREFIX = 'no-serial:';

/** Whether a device key is a no-serial key (the device has no serial to look up). */
export function isNoSerialKey(key: string): boolean {
  return key.startsWith(NO_SERIAL_PREFIX);
}

/**
 * The key of a row without a serial: its name when it has one (case, accents and white space
 * folded), else its location, model and organisation together. Null when the row says nothing
 * that could identify it. The same row imported again is the same device.
 */
export function noSerialKey(fields: {
  name?: string | null;
  location?: string | null;
  model?: string | null;
  organisation?: string | null;
}): string | null {
  const fold = (value: string | null | undefined) =>
    (value ?? '').normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase().replace(/\s+/gu, ' ').trim();
  const name = fold(fields.name);
  if (name !== '') return `${NO_SERIAL_PREFIX}name=${name}`;
  const rest = [fold(fields.location), fold(fields.model), fold(fields.organisation)];
  if (rest.every((part) => part === '')) return null;
  return `${NO_SERIAL_PREFIX}${rest.join('|')}`;
}
