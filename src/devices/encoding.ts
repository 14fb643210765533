/**
 * Turning the bytes of an inventory file into text. Inventories come from spreadsheets:
 * Excel on Windows writes windows-1252 ("ANSI") or UTF-16 ("Unicode text"), LibreOffice
 * writes UTF-8, with or without a BOM. We detect what we can and say what we guessed.
 */

export class EncodingError extends Error {
  override readonly name = 'EncodingError';
}

export interface DecodedText {
  text: string;
  /** The WHATWG name of the encoding used, e.g. "utf-8", "windows-1252". */
  encoding: string;
  /** Set when the encoding was guessed rather than certain: the report repeats it. */
  note?: string;
}

/** The canonical name of an encoding label, or undefined when Node does not know it. */
export function encodingName(label: string): string | undefined {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

/**
 * Offset of the first byte that is not part of valid UTF-8, or -1. Written out because
 * TextDecoder only says "invalid", and the report should say where.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let length: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000];
    else return i;
    if (i + length > bytes.length) return i;
    let codePoint = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k += 1) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are invalid too.
    if (codePoint < min || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint > 0x10ffff) return i;
    i += length;
  }
  return -1;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i += 1) if (bytes[i] === 0x0a) line += 1;
  return line;
}

// What windows-1252 puts at 0x80–0x9f: € ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™ š › œ ž Ÿ
// (the five unassigned bytes stay as they are, as in the WHATWG table).
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

/**
 * Node's TextDecoder (20.x) decodes "windows-1252" — the WHATWG name behind "latin1" and
 * "iso-8859-1" too — as strict ISO-8859-1, turning € or ’ into invisible control
 * characters. The difference is these 32 bytes, so we map them ourselves.
 */
function decodeWindows1252(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => String.fromCharCode(WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]));
}

function decodeStrict(bytes: Uint8Array, encoding: string): string {
  if (encoding === 'windows-1252') return decodeWindows1252(bytes);
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    const where = encoding === 'utf-8' ? ` (first bad byte on line ${lineAt(bytes, firstInvalidUtf8(bytes))})` : '';
    throw new EncodingError(`the file is not valid ${encoding}${where}: give the right one with --encoding`);
  }
}

/** The byte order mark's encoding, if the file starts with one. */
function bomEncoding(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** UTF-16 without a BOM: a header of ASCII letters has a zero byte every other byte. */
function bomlessUtf16(bytes: Uint8Array): string | undefined {
  if (bytes.length < 4) return undefined;
  if (bytes[0] !== 0 && bytes[1] === 0 && bytes[2] !== 0 && bytes[3] === 0) return 'utf-16le';
  if (bytes[0] === 0 && bytes[1] !== 0 && bytes[2] === 0 && bytes[3] !== 0) return 'utf-16be';
  return undefined;
}

/**
 * Decodes an inventory file. With `label` the given encoding is used and must fit;
 * otherwise: BOM → UTF-8/16, zero-byte pattern → UTF-16, valid UTF-8 → UTF-8, and
 * anything else is read as windows-1252 (the superset of latin1 that Excel writes).
 * TextDecoder drops a BOM that matches the encoding.
 */
export function decodeBytes(bytes: Uint8Array, label?: string): DecodedText {
  if (label !== undefined) {
    const encoding = encodingName(label);
    if (!encoding) throw new EncodingError(`unknown encoding ${JSON.stringify(label)}`);
    return { text: decodeStrict(bytes, encoding), encoding };
  }
  const bom = bomEncoding(bytes);
  if (bom) return { text: decodeStrict(bytes, bom), encoding: bom };
  const utf16 = bomlessUtf16(bytes);
  if (utf16) return { text: decodeStrict(bytes, utf16), encoding: utf16, note: `no BOM, but looks like ${utf16}` };
  const invalid = firstInvalidUtf8(bytes);
  if (invalid === -1) return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' };
  return {
    text: decodeWindows1252(bytes),
    encoding: 'windows-1252',
    note:
      `not valid UTF-8 (first bad byte on line ${lineAt(bytes, invalid)}): read as windows-1252/latin1; ` +
      'use --encoding if that is wrong',
  };
}
