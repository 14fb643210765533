/**
 * Optional authentication of the web page (WEB_AUTH): HTTP Basic or a bearer token, compared in
 * constant time (both sides hashed first, so neither the length nor the content leaks through
 * timing). The credentials are Secret values: they print as [redacted], never in a log or page.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError, readSetting, type Env } from '../config';
import { environment } from '../config';
import { Secret } from '../redaction';

export type WebAuth =
  { kind: 'none' } | { kind: 'basic'; username: string; password: Secret } | { kind: 'token'; token: Secret };

export const MIN_TOKEN_LENGTH = 16;

/** WEB_AUTH and its credentials, or a ConfigError naming what is missing. */
export function loadWebAuth(env: Env = environment()): WebAuth {
  const kind = readSetting('WEB_AUTH', env);
  if (kind === 'basic') {
    const username = readSetting('WEB_USERNAME', env);
    const password = readSetting('WEB_PASSWORD', env);
    if (!username || !password) throw new ConfigError('WEB_AUTH=basic needs WEB_USERNAME and WEB_PASSWORD');
    if (username.includes(':')) throw new ConfigError('WEB_USERNAME cannot hold a colon (HTTP Basic splits on it)');
    return { kind, username, password: new Secret(password) };
  }
  if (kind === 'token') {
    const token = readSetting('WEB_TOKEN', env);
    if (!token) throw new ConfigError('WEB_AUTH=token needs WEB_TOKEN');
    if (token.length < MIN_TOKEN_LENGTH)
      throw new ConfigError(`WEB_TOKEN is invalid: it must be ${MIN_TOKEN_LENGTH} characters or more`);
    return { kind, token: new Secret(token) };
  }
  return { kind: 'none' };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Constant-time equality of two strings of any length. */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** Whether the Authorization header satisfies `auth`. */
export function authorised(auth: WebAuth, header: string | undefined): boolean {
  if (auth.kind === 'none') return true;
  if (!header) return false;
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (auth.kind === 'token') {
    return scheme.toLowerCase() === 'bearer' && sameSecret(value, auth.token.reveal());
  }
  if (scheme.toLowerCase() !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always: no early return that would tell which one was wrong.
  const user = sameSecret(decoded.slice(0, colon), auth.username);
  const password = sameSecret(decoded.slice(colon + 1), auth.password.reveal());
  return user && password;
}
