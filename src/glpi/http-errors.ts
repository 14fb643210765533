/**
 * Turns what GLPI (or whatever stands in front of it) answered into one of our error kinds.
 * See docs/glpi-behaviour.md §1 (error answers) and §2 (answers that are not JSON).
 */
import {
  GlpiAuthError,
  GlpiConfigError,
  GlpiError,
  type GlpiErrorDetails,
  GlpiRequestError,
  GlpiSessionExpiredError,
  GlpiUnavailableError,
} from './errors';
import { redactSecrets } from '../redaction';
import { wrongUrlError } from './url-diagnosis';

export interface RequestContext {
  method: string;
  endpoint: string;
  /** Values to mask in anything we quote from the answer. */
  secrets: readonly string[];
}

/** For answers that are not GLPI's JSON: the configured GLPI_URL tells a wrong one from an outage. */
export interface AnswerContext extends RequestContext {
  url: string;
}

/** GLPI's error body: `["ERROR_CODE", "message"]`. */
export function parseGlpiErrorBody(body: unknown): { code: string; message: string } | null {
  if (!Array.isArray(body) || typeof body[0] !== 'string' || !/^ERROR/.test(body[0])) return null;
  return { code: body[0], message: typeof body[1] === 'string' ? body[1] : '' };
}

/** GLPI appends "; view documentation in your browser at <url>/#CODE" to many messages: noise in a log. */
function cleanGlpiMessage(message: string, secrets: readonly string[]): string {
  const withoutDocLink = message.replace(/;?\s*view documentation in your browser at \S*\s*$/i, '');
  return redactSecrets(withoutDocLink, secrets).slice(0, 300).trim();
}

/** `Retry-After` is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** MySQL/MariaDB errors that say nothing about the query: they pass when the database is back. */
const TRANSIENT_SQL_ERRORS =
  /gone away|lost connection|too many connections|deadlock|lock wait timeout|can't connect|connection refused|server shutdown|read[- ]only/i;

export function errorFromGlpiCode(
  code: string,
  rawMessage: string,
  httpStatus: number,
  ctx: RequestContext,
): GlpiError {
  const glpiMessage = cleanGlpiMessage(rawMessage, ctx.secrets);
  const details: GlpiErrorDetails = { method: ctx.method, endpoint: ctx.endpoint, httpStatus, glpiCode: code };
  const where = `${ctx.method} ${ctx.endpoint}`;
  switch (code) {
    case 'ERROR_SESSION_TOKEN_INVALID':
    case 'ERROR_SESSION_TOKEN_MISSING':
      return new GlpiSessionExpiredError('SESSION_EXPIRED', `GLPI no longer accepts the session (${code})`, details);
    case 'ERROR_APP_TOKEN_PARAMETERS_MISSING':
      return new GlpiConfigError(
        'APP_TOKEN_MISSING',
        'GLPI requires an App-Token for this API client: set GLPI_APP_TOKEN',
        { ...details, variable: 'GLPI_APP_TOKEN' },
      );
    case 'ERROR_WRONG_APP_TOKEN_PARAMETER':
      return new GlpiConfigError(
        'APP_TOKEN_WRONG',
        'GLPI rejected the App-Token (GLPI_APP_TOKEN): it matches no active API client for this IP ' +
          '(if the API client has no App-Token, leave GLPI_APP_TOKEN unset)',
        { ...details, variable: 'GLPI_APP_TOKEN' },
      );
    case 'ERROR_NOT_ALLOWED_IP':
      return new GlpiConfigError(
        'IP_NOT_ALLOWED',
        `GLPI has no active API client for this machine's IP address: ${glpiMessage}`,
        details,
      );
    case 'ERROR_LOGIN_PARAMETERS_MISSING':
      return new GlpiAuthError(
        'CREDENTIALS_NOT_RECEIVED',
        'GLPI did not receive the credentials (ERROR_LOGIN_PARAMETERS_MISSING); with GLPI_USERNAME/GLPI_PASSWORD ' +
          'the web server must pass the Authorization header to PHP',
        details,
      );
    case 'ERROR_LOGIN_WITH_CREDENTIALS_DISABLED':
      return new GlpiConfigError(
        'PASSWORD_LOGIN_DISABLED',
        'GLPI refuses API logins with a password ("Enable login with credentials" is off): use GLPI_USER_TOKEN',
        details,
      );
    case 'ERROR_GLPI_LOGIN_USER_TOKEN':
      return new GlpiAuthError(
        'USER_TOKEN_REJECTED',
        "GLPI rejected the user token (GLPI_USER_TOKEN): it must be the user's API token, from the user's settings",
        details,
      );
    case 'ERROR_GLPI_LOGIN':
      return new GlpiAuthError(
        'LOGIN_REJECTED',
        `GLPI rejected the login (GLPI_USERNAME/GLPI_PASSWORD)${glpiMessage ? `: ${glpiMessage}` : ''}`,
        details,
      );
    case 'ERROR_RIGHT_MISSING':
      return new GlpiAuthError('RIGHT_MISSING', `the GLPI user lacks the right for ${where}`, details);
    case 'ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM':
    case 'ERROR_RESOURCE_MISSING':
    case 'ERROR_METHOD_NOT_ALLOWED':
      return new GlpiConfigError(
        'ENDPOINT_REJECTED',
        `GLPI does not serve ${where} (${code}; check GLPI_ITEMTYPES and GLPI_URL)`,
        details,
      );
    case 'ERROR_SQL':
      // The database being away is an outage; any other SQL error is about this query's content.
      if (TRANSIENT_SQL_ERRORS.test(rawMessage)) {
        return new GlpiUnavailableError(
          'DATABASE_UNAVAILABLE',
          `GLPI's database failed on ${where}: ${glpiMessage}`,
          details,
        );
      }
      return new GlpiRequestError('SQL_ERROR', `GLPI failed on an SQL error for ${where}: ${glpiMessage}`, details);
    case 'ERROR':
      if (/API disabled/i.test(rawMessage)) {
        return new GlpiConfigError('API_DISABLED', 'the GLPI REST API is disabled (Setup > General > API)', details);
      }
      return new GlpiRequestError('BAD_REQUEST', `GLPI refused ${where}: ${glpiMessage || code}`, details);
    default:
      if (httpStatus >= 500) {
        return new GlpiUnavailableError('SERVER_ERROR', `GLPI failed on ${where}: ${code} ${glpiMessage}`, details);
      }
      return new GlpiRequestError('BAD_REQUEST', `GLPI refused ${where}: ${code} ${glpiMessage}`.trim(), details);
  }
}

/** An answer that is not a 2xx JSON body, nor a GLPI error. */
export function errorFromHttpStatus(
  httpStatus: number,
  headers: Record<string, string | undefined>,
  bodyText: string,
  ctx: AnswerContext,
): GlpiError {
  // A web server's 403 or 404 page (not GLPI's JSON): GLPI_URL is wrong, or a rule blocks the API.
  const wrongUrl = wrongUrlError({ ...ctx, httpStatus, contentType: headers['content-type'], bodyText });
  if (wrongUrl) return wrongUrl;
  const details: GlpiErrorDetails = { method: ctx.method, endpoint: ctx.endpoint, httpStatus };
  const where = `${ctx.method} ${ctx.endpoint}`;
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  if (httpStatus >= 300 && httpStatus < 400) {
    const location = safeLocation(headers['location']);
    return new GlpiConfigError(
      'REDIRECTED',
      `GLPI redirects ${where} (HTTP ${httpStatus}${location ? ` to ${location}` : ''}): set GLPI_URL to the final apirest.php URL`,
      { ...details, variable: 'GLPI_URL' },
    );
  }
  if (httpStatus === 429) {
    return new GlpiUnavailableError('RATE_LIMITED', `GLPI (or its proxy) is rate limiting ${where} (HTTP 429)`, {
      ...details,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }
  if (httpStatus >= 500) {
    return new GlpiUnavailableError('SERVER_ERROR', `GLPI failed on ${where} (HTTP ${httpStatus})`, {
      ...details,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }
  if (httpStatus === 401 || httpStatus === 407) {
    return new GlpiAuthError(
      `HTTP_${httpStatus}`,
      `${where} was refused with HTTP ${httpStatus} by something other than GLPI (a proxy or web server rule?)`,
      details,
    );
  }
  if (httpStatus === 414 || httpStatus === 431) {
    return new GlpiRequestError('URL_TOO_LONG', `${where} was refused as too long (HTTP ${httpStatus})`, details);
  }
  return new GlpiRequestError(`HTTP_${httpStatus}`, `${where} was refused with HTTP ${httpStatus}`, details);
}

/**
 * A 2xx answer whose body is not the JSON GLPI sends: GLPI's login page (GLPI_URL is the web
 * interface) is a configuration error; its maintenance and "Mysql Error" pages are outages.
 */
export function errorFromBadBody(
  httpStatus: number,
  contentType: string | undefined,
  bodyText: string,
  ctx: AnswerContext,
): GlpiError {
  const wrongUrl = wrongUrlError({ ...ctx, httpStatus, contentType, bodyText });
  if (wrongUrl) return wrongUrl;
  const details: GlpiErrorDetails = { method: ctx.method, endpoint: ctx.endpoint, httpStatus };
  const where = `${ctx.method} ${ctx.endpoint}`;
  if (/html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(bodyText)) {
    // GLPI's maintenance page and its "Mysql Error" page are both HTML with status 200. (Its login
    // page mentions "GLPI internal database": it never gets here, see wrongUrlError.)
    const hint = /maintenance/i.test(bodyText)
      ? ' (maintenance mode)'
      : /mysql error|sql server could not be established/i.test(bodyText)
        ? ' (database error)'
        : '';
    return new GlpiUnavailableError('HTML_RESPONSE', `GLPI answered ${where} with an HTML page${hint}`, details);
  }
  return new GlpiUnavailableError('MALFORMED_RESPONSE', `GLPI answered ${where} with a body that is not JSON`, details);
}

/** A 2xx JSON body whose shape is not what the endpoint returns. */
export function malformed(ctx: { method: string; endpoint: string }, problem: string): GlpiUnavailableError {
  return new GlpiUnavailableError('MALFORMED_RESPONSE', `GLPI answered ${ctx.method} ${ctx.endpoint} with ${problem}`, {
    method: ctx.method,
    endpoint: ctx.endpoint,
  });
}

const TLS_ERROR_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** No answer at all: connection refused or reset, DNS, TLS, timeout. */
export function errorFromNetworkFailure(code: string | undefined, timedOut: boolean, ctx: RequestContext): GlpiError {
  const details: GlpiErrorDetails = { method: ctx.method, endpoint: ctx.endpoint };
  const where = `${ctx.method} ${ctx.endpoint}`;
  if (timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new GlpiUnavailableError('TIMEOUT', `GLPI did not answer ${where} in time`, details);
  }
  if (code && TLS_ERROR_CODES.has(code)) {
    return new GlpiConfigError(
      'TLS_REJECTED',
      `GLPI's TLS certificate was rejected (${code}); install the CA, or set GLPI_VERIFY_TLS=false`,
      { ...details, variable: 'GLPI_VERIFY_TLS' },
    );
  }
  return new GlpiUnavailableError('NETWORK', `cannot reach GLPI for ${where} (${code ?? 'network error'})`, details);
}

function safeLocation(location: string | undefined): string | undefined {
  if (!location) return undefined;
  try {
    const url = new URL(location, 'http://placeholder.invalid');
    return url.host === 'placeholder.invalid' ? url.pathname : `${url.origin}${url.pathname}`;
  } catch {
    return undefined;
  }
}
