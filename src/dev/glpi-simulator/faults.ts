/**
 * Injected failures, each the way a real GLPI or the proxy in front of it fails: PHP fatal
 * errors, SQL errors, proxy 502/503/429 pages, maintenance mode served as 200 text/html, PHP
 * warnings printed before the JSON. Every request draws the same number of random values, so a
 * seed and a request sequence always give the same faults.
 */
import { seededRandom, type Random } from './random';
import { jsonResponse, rawResponse, type ApiResponse } from './responses';
import type { FaultConfig } from './types';

export type SearchFault = 'rateLimit' | 'error' | 'malformed' | 'html';

export interface FaultDraw {
  hang: boolean;
  /** Only applied to search requests. */
  searchFault: SearchFault | null;
  /** Picks the body variant of the fault, in [0, 1). */
  variant: number;
}

export class FaultPlan {
  private readonly random: Random;
  private authenticatedRequests = 0;

  constructor(readonly config: FaultConfig) {
    this.random = seededRandom(config.seed ?? 1);
  }

  /** Counts a request that passed the session check; true when it must lose its session. */
  invalidatesSession(): boolean {
    const every = this.config.invalidateSessionEvery ?? 0;
    return every > 0 && ++this.authenticatedRequests % every === 0;
  }

  draw(): FaultDraw {
    const hangRoll = this.random.next();
    const kindRoll = this.random.next();
    const variant = this.random.next();
    return { hang: hangRoll < (this.config.hangRate ?? 0), searchFault: this.searchFaultFor(kindRoll), variant };
  }

  private searchFaultFor(roll: number): SearchFault | null {
    let threshold = 0;
    const kinds: [SearchFault, number | undefined][] = [
      ['rateLimit', this.config.rateLimitRate],
      ['error', this.config.errorRate],
      ['malformed', this.config.malformedRate],
      ['html', this.config.htmlErrorRate],
    ];
    for (const [kind, rate] of kinds) {
      threshold += rate ?? 0;
      if (roll < threshold) return kind;
    }
    return null;
  }
}

function pick<T>(variants: readonly T[], variant: number): T {
  return variants[Math.min(variants.length - 1, Math.floor(variant * variants.length))];
}

const HTML = 'text/html; charset=UTF-8';

const proxyPage = (status: string, server: string): string =>
  `<html>\r\n<head><title>${status}</title></head>\r\n<body>\r\n<center><h1>${status}</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`;

/** 500 from GLPI (SQL error, PHP fatal) or 502/503 from the reverse proxy. */
export function serverErrorResponse(variant: number): ApiResponse {
  return pick<() => ApiResponse>(
    [
      () => jsonResponse(500, ['ERROR_SQL', 'Unexpected SQL Error : MySQL server has gone away']),
      () => rawResponse(500, HTML, ''),
      () => rawResponse(502, HTML, proxyPage('502 Bad Gateway', 'nginx')),
      () => rawResponse(503, HTML, proxyPage('503 Service Temporarily Unavailable', 'nginx')),
    ],
    variant,
  )();
}

/** GLPI in maintenance mode, or unable to reach its database: both answer 200 with an HTML page. */
export function htmlPageResponse(variant: number): ApiResponse {
  const maintenance =
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>GLPI</title></head>\n<body>\n' +
    '<div class="center"><p class="b">MAINTENANCE MODE</p><p>Service is down for maintenance. It will be back shortly.</p></div>\n</body>\n</html>\n';
  const mysqlError =
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>GLPI</title></head>\n<body>\n' +
    '<div class="center"><p class="b">A link to the SQL server could not be established. Please check your configuration.</p>' +
    "<p class='b'>The server answered: Connection refused</p></div>\n<h1>Mysql Error</h1>\n</body>\n</html>\n";
  return rawResponse(200, HTML, pick([maintenance, mysqlError], variant));
}

export function rateLimitResponse(variant: number, retryAfterSeconds: number): ApiResponse {
  const body = pick([proxyPage('429 Too Many Requests', 'nginx'), ''], variant);
  return rawResponse(429, HTML, body, { 'Retry-After': String(retryAfterSeconds) });
}

/** A real answer spoiled on its way out: cut short, preceded by a PHP warning, or empty. */
export function malformedResponse(real: ApiResponse, variant: number): ApiResponse {
  const warning =
    '<br />\n<b>Warning</b>:  Undefined array key "Printer_80" in <b>/var/www/glpi/src/Search.php</b> on line <b>6612</b><br />\n';
  const body = pick(
    [real.body.slice(0, Math.max(1, Math.floor(real.body.length * 0.6))), warning + real.body, ''],
    variant,
  );
  return { status: 200, headers: { ...real.headers }, body };
}
