/**
 * How GLPI on MySQL compares text: what it stores (GLPI 10 HTML-encodes & < >), how
 * `contains` turns a value into a LIKE pattern (makeTextSearchValue), and the
 * utf8mb4_unicode_ci collation (case- and accent-insensitive; `=` ignores trailing spaces,
 * LIKE does not).
 */

export type GlpiVersion = '10' | '11';

/** GLPI 10's Sanitizer::sanitize() for & < > (quotes are stored raw: their escaping is SQL's). */
export function storedForm(value: string, version: GlpiVersion): string {
  if (version === '11') return value;
  return value.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;');
}

/** Sanitizer::unsanitize() as makeTextSearchValue applies it to a searched value. */
export function unsanitize(value: string): string {
  return value
    .replace(/&#60;|&lt;/g, '<')
    .replace(/&#62;|&gt;/g, '>')
    .replace(/&#38;/g, '&');
}

/** The collation's view of a string: accents and case folded away. */
export function fold(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').normalize('NFC').toUpperCase();
}

/** What `=` compares: PAD SPACE collations ignore trailing spaces (leading ones count). */
export function foldForEquals(value: string): string {
  return fold(value).replace(/ +$/, '');
}

// PHP's trim() set, narrower than String.prototype.trim (no NBSP, no Unicode spaces).
// eslint-disable-next-line no-control-regex
const PHP_TRIM_START = /^[ \t\n\r\0\x0B]+/;
// eslint-disable-next-line no-control-regex
const PHP_TRIM_END = /[ \t\n\r\0\x0B]+$/;
export const phpTrim = (value: string): string => value.replace(PHP_TRIM_START, '').replace(PHP_TRIM_END, '');

/** null means GLPI searches `IS NULL` instead of LIKE. */
export type TextSearch = { kind: 'null' } | { kind: 'like'; pattern: string };

/**
 * Search::makeTextSearchValue(): un-sanitise (GLPI 10 only: 11 has no sanitizer), escape `_`
 * (not `%`), trim, `^`/`$` anchors.
 */
export function makeTextSearchValue(value: string, version: GlpiVersion): TextSearch {
  let pattern = (version === '10' ? unsanitize(value) : value).replace(/_/g, '\\_');
  if (pattern === 'NULL' || pattern === 'null') return { kind: 'null' };
  pattern = phpTrim(pattern);
  if (pattern === '^') return { kind: 'like', pattern: '%' };
  // PHP's '' == null sends these to `IS NULL`: they find NULL serials, not empty ones.
  if (pattern === '' || pattern === '^$' || pattern === '$') return { kind: 'null' };
  pattern = pattern.startsWith('^') ? pattern.slice(1).replace(PHP_TRIM_START, '') : `%${pattern}`;
  pattern = pattern.endsWith('$') ? pattern.slice(0, -1).replace(PHP_TRIM_END, '') : `${pattern}%`;
  return { kind: 'like', pattern };
}

type LikeToken = { kind: 'any' } | { kind: 'one' } | { kind: 'text'; text: string };

function tokenise(pattern: string): LikeToken[] {
  const tokens: LikeToken[] = [];
  let text = '';
  const flush = (): void => {
    if (text !== '') tokens.push({ kind: 'text', text: fold(text) });
    text = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '\\' && i + 1 < pattern.length) {
      text += pattern[++i];
    } else if (char === '%') {
      flush();
      if (tokens[tokens.length - 1]?.kind !== 'any') tokens.push({ kind: 'any' });
    } else if (char === '_') {
      flush();
      tokens.push({ kind: 'one' });
    } else {
      text += char;
    }
  }
  flush();
  return tokens;
}

export interface LikeMatcher {
  /** Takes the already folded stored value. */
  matches(foldedValue: string): boolean;
  /** The literal an exact pattern (no wildcard) matches, for index look-ups. */
  exact: string | null;
}

/** A LIKE pattern against folded values; the common shapes avoid a RegExp. */
export function compileLike(pattern: string): LikeMatcher {
  const tokens = tokenise(pattern);
  const [first, second, third] = tokens;
  if (tokens.length === 0) return { matches: (value) => value === '', exact: '' };
  if (tokens.length === 1 && first?.kind === 'text') {
    const text = first.text;
    return { matches: (value) => value === text, exact: text };
  }
  if (tokens.length === 1 && first?.kind === 'any') return { matches: () => true, exact: null };
  if (tokens.length === 2 && first?.kind === 'text' && second?.kind === 'any') {
    const text = first.text;
    return { matches: (value) => value.startsWith(text), exact: null };
  }
  if (tokens.length === 2 && first?.kind === 'any' && second?.kind === 'text') {
    const text = second.text;
    return { matches: (value) => value.endsWith(text), exact: null };
  }
  if (tokens.length === 3 && first?.kind === 'any' && second?.kind === 'text' && third?.kind === 'any') {
    const text = second.text;
    return { matches: (value) => value.includes(text), exact: null };
  }
  const source = tokens
    .map((token) => {
      if (token.kind === 'any') return '[\\s\\S]*';
      if (token.kind === 'one') return '[\\s\\S]';
      return token.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  const regex = new RegExp(`^${source}$`, 'u');
  return { matches: (value) => regex.test(value), exact: null };
}
