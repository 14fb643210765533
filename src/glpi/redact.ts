import { inspect } from 'node:util';

const MASK = '[redacted]';

/**
 * Replaces every occurrence of each secret in `text` (also in its URL-encoded and Base64 forms,
 * which is how a secret would turn up in a URL or an echoed Authorization header).
 * Used on anything derived from a GLPI answer before it goes into a message or a log line.
 */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(Buffer.from(secret, 'utf8').toString('base64'));
  }
  // Longest first, so a secret containing another one is masked as a whole.
  let result = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    result = result.split(form).join(MASK);
  }
  return result;
}

/**
 * A credential that does not show itself: JSON.stringify, util.inspect, template strings and
 * console.log all print `[redacted]`, so logging a config object cannot leak it.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The only way to get the value: keep calls to this next to the HTTP header that needs it. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return MASK;
  }
  toJSON(): string {
    return MASK;
  }
  [inspect.custom](): string {
    return `Secret(${MASK})`;
  }
}
