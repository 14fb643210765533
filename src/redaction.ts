/**
 * Redaction, in one place: by value (every Secret's value, in its plain, URL-encoded and Base64
 * forms; passwords in URLs) and by key (fields named like credentials). The GLPI client uses it
 * on what GLPI answers, src/logging.ts on every log line.
 */
import { inspect } from 'node:util';

export const MASK = '[redacted]';

/** Every secret value this process holds (registered by the Secret constructor), to mask on sight. */
const knownSecrets = new Set<string>();

/** Field names that hold a credential whatever their value: a log field so named is masked. */
const SECRET_KEY = /token|password|passwd|secret|authorization|cookie|api_?key|credential/i;

/** A secret that is not wrapped in a Secret (a database password): masked in every log line too. */
export function registerSecret(value: string): void {
  if (value.length >= 4) knownSecrets.add(value);
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** `scheme://user:password@host` → `scheme://user:***@host`, anywhere in a text. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, '$1***@');
}

/** A text with every known secret and every URL password masked: the last step before a log line is written. */
export function redactKnownSecrets(text: string): string {
  return redactUrlCredentials(knownSecrets.size > 0 ? redactSecrets(text, [...knownSecrets]) : text);
}

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
    // Short values would mask ordinary words in log lines; a real credential is longer.
    registerSecret(value);
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
