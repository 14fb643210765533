/**
 * The GLPI client's errors, in three kinds a caller (a Temporal activity) acts on differently:
 *
 * - GlpiConfigError / GlpiAuthError: retrying cannot help (wrong URL, token, rights...), fail now.
 * - GlpiUnavailableError: GLPI or the network is down or overloaded, retry later.
 * - GlpiRequestError: GLPI refused one particular request (bad criteria, SQL error on a value); the
 *   lookup isolates it to the serial that causes it, so it rarely escapes the client.
 *
 * Every error holds only what is safe to log: HTTP method, endpoint path (never a query string),
 * HTTP status and GLPI's error code and (redacted) message. Never a token, a password, a session
 * token, nor an axios error (whose `config.headers` carry the credentials).
 *
 * `name` is set explicitly because Temporal matches non-retryable errors by that string; the
 * names the retry policy lists are typed by src/core/error-kinds.ts, so they cannot drift.
 */
import type { FatalErrorType, NotWorthRetryingErrorType } from '../core/error-kinds';

export interface GlpiErrorDetails {
  method?: string;
  /** Endpoint path after `apirest.php`, without query string. */
  endpoint?: string;
  httpStatus?: number;
  /** GLPI's own error code, e.g. `ERROR_WRONG_APP_TOKEN_PARAMETER`. */
  glpiCode?: string;
}

export abstract class GlpiError extends Error {
  abstract readonly retryable: boolean;
  // `declare`: only set when known, so util.inspect does not list a row of `undefined`s.
  declare readonly method?: string;
  declare readonly endpoint?: string;
  declare readonly httpStatus?: number;
  declare readonly glpiCode?: string;

  constructor(
    /** Short, stable code for logs and tests, e.g. `USER_TOKEN_REJECTED`. */
    readonly code: string,
    message: string,
    details: GlpiErrorDetails = {},
  ) {
    super(message);
    if (details.method !== undefined) this.method = details.method;
    if (details.endpoint !== undefined) this.endpoint = details.endpoint;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.glpiCode !== undefined) this.glpiCode = details.glpiCode;
  }
}

/** The configuration is wrong: URL, App-Token, TLS, itemtype, API disabled... Not retryable. */
export class GlpiConfigError extends GlpiError {
  override readonly name = 'GlpiConfigError' satisfies FatalErrorType;
  readonly retryable = false;
  constructor(
    code: string,
    message: string,
    details: GlpiErrorDetails & {
      /** The environment variable (or option) at fault, when there is one. */
      variable?: string;
    } = {},
  ) {
    super(code, message, details);
    if (details.variable !== undefined) this.variable = details.variable;
  }
  declare readonly variable?: string;
}

/** GLPI refused the credentials, the entity switch, or a right. Not retryable. */
export class GlpiAuthError extends GlpiError {
  override readonly name = 'GlpiAuthError' satisfies FatalErrorType;
  readonly retryable = false;
}

/** GLPI refused one request for its content (criteria, SQL error on a value). Not retryable as such. */
export class GlpiRequestError extends GlpiError {
  override readonly name = 'GlpiRequestError' satisfies NotWorthRetryingErrorType;
  readonly retryable = false;
}

/** GLPI or the path to it is down, slow, overloaded or answering garbage. Retryable. */
export class GlpiUnavailableError extends GlpiError {
  override readonly name = 'GlpiUnavailableError';
  readonly retryable = true;
  /** From `Retry-After`, when the server sent one. */
  declare readonly retryAfterMs?: number;
  constructor(code: string, message: string, details: GlpiErrorDetails & { retryAfterMs?: number } = {}) {
    super(code, message, details);
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * GLPI said the session token is invalid (expired, killed, garbage-collected). Internal: the
 * session re-logs in once and retries; if that fails too it becomes a GlpiAuthError.
 */
export class GlpiSessionExpiredError extends GlpiError {
  override readonly name = 'GlpiSessionExpiredError';
  readonly retryable = false;
}
