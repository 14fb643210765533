/**
 * Links from a report to GLPI's own form pages, so a reader can open each conflicting asset.
 * The web address is GLPI_WEB_URL, or else GLPI_URL (the API address) without its API path.
 * Reports never need GLPI credentials, so this reads the two URLs alone.
 */
import { environment, readSetting, type Env } from '../config';

export class GlpiLinkError extends Error {
  override readonly name = 'GlpiLinkError';
}

/** The API entry points GLPI_URL may name: the legacy REST API and the high-level API of GLPI 11. */
const API_SUFFIX = /\/(apirest\.php|api\.php(\/v\d+(\.\d+)?)?)$/i;

/** Core itemtypes only: plugin classes have their form pages under /plugins/<name>/front/. */
const CORE_ITEMTYPE = /^(?!Plugin)[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The GLPI web base (no trailing slash), or null when neither variable is set.
 * Throws GlpiLinkError, naming the variable, when the one in use is not an http(s) URL.
 */
export function glpiWebBase(env: Env = environment()): string | null {
  const web = readSetting('GLPI_WEB_URL', env);
  if (web) return parseBase(web, 'GLPI_WEB_URL');
  const api = readSetting('GLPI_URL', env);
  if (api) return parseBase(api, 'GLPI_URL').replace(API_SUFFIX, '');
  return null;
}

function parseBase(raw: string, variable: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new GlpiLinkError(`${variable} is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new GlpiLinkError(`${variable} must be http(s)`);
  // A report is shared around: credentials or tokens in the URL must not travel with it.
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/** GLPI's standard form URL of an asset, e.g. <base>/front/printer.form.php?id=12. */
export function glpiFormUrl(base: string | null, itemtype: string, id: number): string | null {
  if (base === null || !CORE_ITEMTYPE.test(itemtype) || !Number.isSafeInteger(id)) return null;
  return `${base}/front/${itemtype.toLowerCase()}.form.php?id=${id}`;
}
