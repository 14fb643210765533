/**
 * A small RFC 4180 reader: quoted fields may hold delimiters, doubled quotes and line
 * breaks; records end with CRLF, LF or CR. It is strict where leniency would silently
 * shift values into the wrong columns (text after a closing quote, an unterminated quote)
 * and lenient where nothing can go wrong (a stray quote inside an unquoted field).
 */

export const DELIMITERS = [',', ';', '\t', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export class CsvParseError extends Error {
  override readonly name = 'CsvParseError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

export interface CsvRecord {
  /** The physical line the record starts on (1 = the first line of the file). */
  line: number;
  fields: string[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/** Names a delimiter the way a user would type it. */
export function delimiterName(delimiter: Delimiter): string {
  return delimiter === '\t' ? 'tab' : delimiter;
}

/**
 * The delimiter used by the first non-empty line (outside quotes): the candidate that occurs most,
 * "," when none does (a file with a single column).
 */
export function detectDelimiter(text: string): Delimiter {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  let start = 0;
  while (text[start] === '\n' || text[start] === '\r') start += 1;
  for (let i = start; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && counts.has(c)) counts.set(c, counts.get(c)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let breaks = 0;
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) breaks += 1;
  }
  return breaks;
}

/** Parses the whole text; throws CsvParseError naming the line of the first problem. */
export function parseCsv(text: string, delimiter: Delimiter): CsvRecord[] {
  const records: CsvRecord[] = [];
  const delim = delimiter.charCodeAt(0);
  const end = text.length;
  let i = 0;
  let line = 1;
  const isFieldEnd = (c: number) => c === delim || c === LF || c === CR;

  while (i < end) {
    const record: CsvRecord = { line, fields: [] };
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        const openedOn = line;
        let value = '';
        let start = i + 1;
        for (;;) {
          const close = text.indexOf('"', start);
          if (close === -1) {
            throw new CsvParseError(openedOn, 'a quoted field is never closed (unterminated ")');
          }
          line += countLineBreaks(text, start, close);
          value += text.slice(start, close);
          if (text.charCodeAt(close + 1) === QUOTE) {
            value += '"';
            start = close + 2;
            continue;
          }
          i = close + 1;
          break;
        }
        // Spaces after the closing quote are harmless padding; anything else is not.
        while (i < end && (text.charCodeAt(i) === SPACE || (text.charCodeAt(i) === TAB && delim !== TAB))) i += 1;
        if (i < end && !isFieldEnd(text.charCodeAt(i))) {
          throw new CsvParseError(
            line,
            `unexpected text after a closing quote: ${JSON.stringify(text.slice(i, i + 20))} ` +
              '(a quote inside a quoted field must be doubled: "")',
          );
        }
        record.fields.push(value);
      } else {
        let j = i;
        while (j < end && !isFieldEnd(text.charCodeAt(j))) j += 1;
        record.fields.push(text.slice(i, j));
        i = j;
      }

      if (i >= end) break;
      const c = text.charCodeAt(i);
      if (c === delim) {
        i += 1;
        if (i < end) continue;
        record.fields.push(''); // "a,b," ends with an empty field
        break;
      }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line += 1;
      break;
    }
    records.push(record);
  }
  return records;
}
