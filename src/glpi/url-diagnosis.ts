/**
 * What a wrong GLPI_URL looks like from the client, and what to tell the operator. Observed on a
 * real GLPI 10.0.19: the GLPI base URL and `index.php` answer GLPI's HTML login page with status
 * 200 (it contains the words "GLPI internal database", which is no database error); behind GLPI's
 * `public/` web root the same URLs answer 403 with an empty body; a path the web server does not
 * have is a 404 page; GLPI 11 serves this API at `/api.php/v1`, which does not exist on GLPI 10.
 * None of these is an outage: each is a configuration error naming GLPI_URL and the likely fix.
 */
import { GlpiConfigError, type GlpiErrorDetails } from './errors';

export interface NonApiAnswer {
  method: string;
  endpoint: string;
  /** The configured GLPI_URL (validated, no trailing slash, no credentials, no query). */
  url: string;
  httpStatus: number;
  contentType: string | undefined;
  bodyText: string;
}

/** GLPI's own login form (its title, its form's action, its login field). */
export function isGlpiLoginPage(bodyText: string): boolean {
  return /<title>[^<]*Authentication[^<]*<\/title>|action="[^"]*\/front\/login\.php"|id="login_name"/i.test(bodyText);
}

function isHtml(contentType: string | undefined, bodyText: string): boolean {
  return /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(bodyText);
}

/** The apirest.php URL the operator most likely meant, from what they configured. */
export function likelyApiUrl(configured: string): string {
  const url = new URL(configured);
  const path = url.pathname
    .replace(/\/+$/, '')
    .replace(/\/(apirest\.php|api\.php(\/v\d+)?|index\.php|front(\/.*)?)$/i, '')
    .replace(/\/public$/i, '');
  return `${url.origin}${path}/apirest.php`;
}

function isGlpi11Shape(configured: string): boolean {
  return /\/api\.php(\/v\d+)?$/i.test(new URL(configured).pathname);
}

function hintFor(configured: string): string {
  const likely = likelyApiUrl(configured);
  if (likely === configured) {
    return `check GLPI_URL's path: the web server has no GLPI apirest.php at ${configured} (is GLPI in another folder?)`;
  }
  const glpi11 = isGlpi11Shape(configured)
    ? ' (`/api.php/v1` is where GLPI 11 serves this API; GLPI 10 serves it only at apirest.php)'
    : '';
  return `set GLPI_URL to GLPI's apirest.php URL, probably ${likely}${glpi11}`;
}

/** `http://h/glpi/index.php/initSession`: what was asked, without query string. */
function requested(answer: NonApiAnswer): string {
  return `${answer.method} ${answer.url}/${answer.endpoint}`;
}

/**
 * A configuration error when the answer says GLPI_URL does not point at the API, null otherwise
 * (then the caller classifies the answer as usual: a 5xx, maintenance or a database page is an outage).
 */
export function wrongUrlError(answer: NonApiAnswer): GlpiConfigError | null {
  const where = requested(answer);
  const details: GlpiErrorDetails & { variable: string } = {
    method: answer.method,
    endpoint: answer.endpoint,
    httpStatus: answer.httpStatus,
    variable: 'GLPI_URL',
  };
  const html = isHtml(answer.contentType, answer.bodyText);
  const { httpStatus: status } = answer;
  if (status >= 200 && status < 300 && html && isGlpiLoginPage(answer.bodyText)) {
    return new GlpiConfigError(
      'URL_IS_WEB_INTERFACE',
      `GLPI_URL points at GLPI's web interface, not its REST API: ${where} answered GLPI's login page; ${hintFor(answer.url)}`,
      details,
    );
  }
  if (status === 403) {
    return new GlpiConfigError(
      'URL_FORBIDDEN',
      `GLPI_URL: the web server refused ${where} with HTTP 403, which is not an answer of GLPI's API ` +
        `(GLPI served from its public/ directory answers 403 for any path that is not the API, and so can a ` +
        `reverse proxy rule): ${hintFor(answer.url)}, and check that the web server lets apirest.php through`,
      details,
    );
  }
  if (status === 404) {
    return new GlpiConfigError(
      'URL_NOT_FOUND',
      `GLPI_URL: the web server answered HTTP 404 to ${where}, which is not an answer of GLPI's API: ${hintFor(answer.url)}`,
      details,
    );
  }
  if (status >= 200 && status < 300 && html && answer.endpoint === 'initSession') {
    // Not GLPI's maintenance or database page (those are outages, classified by the caller).
    if (/maintenance|mysql error|sql server could not be established/i.test(answer.bodyText)) return null;
    return new GlpiConfigError(
      'URL_NOT_API',
      `GLPI_URL: ${where} answered an HTML page that is not GLPI's API (a proxy's, a portal's or another ` +
        `application's page?): ${hintFor(answer.url)}`,
      details,
    );
  }
  return null;
}
