/**
 * GLPI reads its parameters with PHP's parse_str(), and a client bug in bracket syntax or in
 * the number of variables shows up only against PHP semantics. So this is a small parse_str:
 * `criteria[0][field]=5`, `forcedisplay[]=2`, insertion-ordered arrays, and max_input_vars
 * (variables past the limit are dropped without any error, as PHP does).
 */

/** A PHP array: ordered, with string keys ('0', '1', ... for list entries). */
export type PhpArray = Map<string, PhpValue>;
export type PhpValue = string | number | boolean | null | PhpArray;

const nextListIndex = new WeakMap<PhpArray, number>();

function appendIndex(array: PhpArray): string {
  const next = nextListIndex.get(array) ?? 0;
  nextListIndex.set(array, next + 1);
  return String(next);
}

function rememberKey(array: PhpArray, key: string): void {
  // PHP's next free list index is one past the largest integer key ever used.
  if (/^(0|[1-9][0-9]*)$/.test(key)) {
    const index = Number(key);
    if (index >= (nextListIndex.get(array) ?? 0)) nextListIndex.set(array, index + 1);
  }
}

function setKey(array: PhpArray, key: string, value: PhpValue): void {
  rememberKey(array, key);
  array.set(key, value);
}

/** PHP's urldecode(): '+' is a space, %XX a byte, a broken escape stays as it is; bytes are UTF-8. */
export function phpUrlDecode(text: string): string {
  // Node hands over the request line as latin1; a string with wider characters came from elsewhere.
  const input = Buffer.from(text, /[\u0100-\uffff]/.test(text) ? 'utf8' : 'latin1');
  const out = Buffer.alloc(input.length);
  let length = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i];
    if (byte === 0x2b) {
      out[length++] = 0x20;
    } else if (byte === 0x25 && i + 2 < input.length && isHex(input[i + 1]) && isHex(input[i + 2])) {
      out[length++] = parseInt(String.fromCharCode(input[i + 1], input[i + 2]), 16);
      i += 2;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length).toString('utf8');
}

function isHex(byte: number | undefined): boolean {
  return byte !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(byte));
}

/** Splits `a[b][]` into its base name and indices (null for `[]`), like php_register_variable_ex. */
function parseVariableName(rawName: string): { base: string; indices: (string | null)[] } | null {
  const name = rawName.replace(/^ +/, '');
  const firstBracket = name.indexOf('[');
  let base = (firstBracket === -1 ? name : name.slice(0, firstBracket)).replace(/[ .]/g, '_');
  if (base === '') return null;
  const indices: (string | null)[] = [];
  if (firstBracket === -1) return { base, indices };
  let position = firstBracket;
  while (name[position] === '[') {
    const close = name.indexOf(']', position + 1);
    if (close === -1) {
      // An unclosed first bracket becomes part of the name ('a[b' is the variable 'a_b').
      if (indices.length === 0) base = `${base}_${name.slice(position + 1)}`;
      break;
    }
    indices.push(close === position + 1 ? null : name.slice(position + 1, close));
    position = close + 1;
  }
  return { base, indices };
}

function register(target: PhpArray, rawName: string, value: string): void {
  const parsed = parseVariableName(rawName);
  if (!parsed) return;
  let container = target;
  let key = parsed.base;
  for (const index of parsed.indices) {
    let child = container.get(key);
    if (!(child instanceof Map)) {
      child = new Map();
      setKey(container, key, child);
    }
    container = child;
    key = index === null ? appendIndex(container) : index;
  }
  setKey(container, key, value);
}

/** parse_str() with max_input_vars: returns the parameters and how many variables were dropped. */
export function parsePhpQuery(query: string, maxInputVars: number): { params: PhpArray; dropped: number } {
  const params: PhpArray = new Map();
  let count = 0;
  let dropped = 0;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    if (++count > maxInputVars) {
      dropped++;
      continue;
    }
    const equals = pair.indexOf('=');
    const name = phpUrlDecode(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : phpUrlDecode(pair.slice(equals + 1));
    register(params, name, value);
  }
  return { params, dropped };
}

/** json_decode() without assoc, then used as an array: objects and lists become PHP arrays. */
export function phpFromJson(value: unknown): PhpValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  const array: PhpArray = new Map();
  if (Array.isArray(value)) {
    value.forEach((entry, index) => setKey(array, String(index), phpFromJson(entry)));
  } else {
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) setKey(array, key, phpFromJson(entry));
  }
  return array;
}

export function isset(value: PhpValue | undefined): value is Exclude<PhpValue, null> {
  return value !== undefined && value !== null;
}

/** PHP's (string) cast. */
export function phpString(value: PhpValue | undefined): string {
  if (value === undefined || value === null || value === false) return '';
  if (value === true) return '1';
  if (value instanceof Map) return 'Array';
  return String(value);
}

/** PHP's intval(): leading digits of a string ('12abc' is 12, 'all' is 0). */
export function phpIntval(value: PhpValue | undefined): number {
  if (value === undefined || value === null || value === false) return 0;
  if (value === true) return 1;
  if (typeof value === 'number') return Math.trunc(value);
  if (value instanceof Map) return value.size > 0 ? 1 : 0;
  const match = /^\s*([+-]?\d+)/.exec(value);
  return match ? Number(match[1]) : 0;
}

/** PHP's empty(): '' and '0' are empty too. */
export function phpEmpty(value: PhpValue | undefined): boolean {
  if (value instanceof Map) return value.size === 0;
  return !isset(value) || value === false || value === 0 || value === '' || value === '0';
}

export function getEntry(value: PhpValue | undefined, key: string): PhpValue | undefined {
  return value instanceof Map ? value.get(key) : undefined;
}
