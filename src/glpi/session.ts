import { scanList, type ScanCursor, type ScanOptions } from './scan';
import { parseContentRangeTotal } from './search-results';
import type { GlpiConfig } from './config';
import { GlpiAuthError, GlpiConfigError, GlpiError, GlpiSessionExpiredError, GlpiUnavailableError } from './errors';
import { malformed } from './http-errors';
import { lookupSerials, lookupStrayWhitespace, type LookupContext } from './lookup';
import { fullScopeRequired, readScope, type GlpiScope } from './scope';
import type { GlpiRequest, GlpiResponse, GlpiTransport } from './transport';
import type { GlpiLogger, GlpiPingResult, LookupOptions, SerialLookup } from './types';

/** killSession is housekeeping: nobody should wait long for it. */
const KILL_SESSION_TIMEOUT_MS = 5000;

/**
 * One GLPI API session, switched to all the user's entities, reused for many requests.
 * Re-logs in once when GLPI forgets it (PHP session garbage collection), and must be closed:
 *
 *     const session = await client.openSession();
 *     try { await session.lookupSerials(serials); } finally { await session.close(); }
 */
export class GlpiSession {
  // ES private (#) fields: util.inspect and JSON.stringify of a session never show the token.
  #token: string | null = null;
  #renewal: Promise<string> | null = null;
  private closed = false;
  private readonly serverLimits: { maxInputVars?: number } = {};

  private constructor(
    private readonly config: GlpiConfig,
    private readonly transport: GlpiTransport,
    private readonly logger: GlpiLogger,
  ) {}

  /** Logs in and switches to all entities; on failure nothing stays open. */
  static async open(config: GlpiConfig, transport: GlpiTransport, logger: GlpiLogger): Promise<GlpiSession> {
    const session = new GlpiSession(config, transport, logger);
    session.#token = await session.login();
    return session;
  }

  /** See lookupSerials in lookup.ts. */
  lookupSerials(rawSerials: readonly string[], options?: LookupOptions): Promise<Map<string, SerialLookup>> {
    return lookupSerials(this.lookupContext(), rawSerials, options);
  }

  /** The white-space pass alone (see lookupStrayWhitespace in lookup.ts), for serials found nowhere. */
  whitespacePass(rawSerials: readonly string[]): Promise<Map<string, SerialLookup>> {
    return lookupStrayWhitespace(this.lookupContext(), rawSerials);
  }

  /** The same exact search in GLPI's trash (is_deleted=1): the trashed cards of each serial. */
  trashPass(rawSerials: readonly string[]): Promise<Map<string, SerialLookup>> {
    return lookupSerials(this.lookupContext(), rawSerials, { trash: true });
  }

  /**
   * Reads one list (an itemtype's live cards, or its trash) from `cursor` to its end (see scan.ts),
   * `concurrency` pages at a time within GLPI_MAX_CONCURRENCY.
   */
  scanList(
    options: Pick<ScanOptions, 'itemtype' | 'trashed' | 'onCards' | 'onAdvance'> & { serialColumn: string },
    cursor: ScanCursor,
  ): Promise<ScanCursor> {
    return scanList(
      {
        ...options,
        pageSize: Math.min(this.config.pageSize, 1000),
        concurrency: this.config.maxConcurrency,
        logger: this.logger,
        request: (request) => this.request(request),
      },
      cursor,
    );
  }

  /** How many cards an itemtype's list holds (live or trash), from one `range=0-0` request. */
  async countCards(itemtype: string, trashed = false): Promise<number> {
    const query = `range=0-0&get_hateoas=false${trashed ? '&is_deleted=1' : ''}`;
    let response: GlpiResponse;
    try {
      response = await this.request({ method: 'GET', endpoint: encodeURIComponent(itemtype), query });
    } catch (error) {
      if (error instanceof GlpiError && error.glpiCode === 'ERROR_RANGE_EXCEED_TOTAL') return 0;
      throw error;
    }
    return parseContentRangeTotal(response.headers['content-range']) ?? 0;
  }

  private lookupContext(): LookupContext {
    return {
      config: this.config,
      logger: this.logger,
      request: (request) => this.request(request),
      serverLimits: this.serverLimits,
    };
  }

  /**
   * The entities this session really sees (see scope.ts). With GLPI_REQUIRE_FULL_SCOPE a partial
   * scope is a configuration error.
   */
  async scope(): Promise<GlpiScope> {
    const scope = await readScope((request) => this.request(request), this.config.itemtypes[0]);
    if (this.config.requireFullScope && !scope.complete) throw fullScopeRequired(scope);
    return scope;
  }

  /** Who we are logged in as, and what we see; rights missing on getFullSession / getGlpiConfig are not fatal. */
  async describe(): Promise<GlpiPingResult> {
    const scope = await this.scope();
    const result: GlpiPingResult = { user: null, profile: null, entitiesSwitched: true, scope };
    const session = await this.optional({ method: 'GET', endpoint: 'getFullSession' });
    const state = objectAt(session, 'session');
    if (state) {
      result.user = stringAt(state, 'glpiname');
      result.profile = stringAt(objectAt(state, 'glpiactiveprofile'), 'name');
      const entities = state['glpiactiveentities'];
      if (entities && typeof entities === 'object') result.activeEntities = Object.keys(entities).length;
    }
    const glpiConfig = await this.optional({ method: 'GET', endpoint: 'getGlpiConfig' });
    const version = stringAt(objectAt(glpiConfig, 'cfg_glpi'), 'version');
    if (version) result.glpiVersion = version;
    return result;
  }

  /** Sends a request with the session token; logs in again once if GLPI forgot the session. */
  async request(request: GlpiRequest): Promise<GlpiResponse> {
    const token = await this.currentToken();
    try {
      return await this.transport.send(this.withToken(request, token));
    } catch (error) {
      if (!(error instanceof GlpiSessionExpiredError)) throw error;
    }
    this.logger.info('GLPI session expired, logging in again', { endpoint: request.endpoint });
    const freshToken = await this.renew(token);
    try {
      return await this.transport.send(this.withToken(request, freshToken));
    } catch (error) {
      if (!(error instanceof GlpiSessionExpiredError)) throw error;
      // Retryable: sessions also vanish under load or with a restarting GLPI, and a wrong
      // credential would have failed at login already. If it persists, the retry ladder
      // ends with the batch's devices recorded as errors, with this message.
      throw new GlpiUnavailableError(
        'SESSION_REJECTED',
        'GLPI rejected a freshly opened session as well; are its PHP sessions shared between its web servers?',
        {
          method: request.method,
          endpoint: request.endpoint,
          ...(error.httpStatus && { httpStatus: error.httpStatus }),
        },
      );
    }
  }

  /** Kills the session. Never throws: a failure here is only logged at debug level. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.#renewal;
    } catch {
      // the renewal's failure was reported to whoever was waiting on it
    }
    const token = this.#token;
    this.#token = null;
    if (token) await this.kill(token);
  }

  private async currentToken(): Promise<string> {
    if (this.closed) throw new Error('GLPI session already closed');
    if (this.#renewal) return this.#renewal;
    if (this.#token === null) throw new Error('GLPI session not open');
    return this.#token;
  }

  /** One re-login for all the requests that failed with the same stale token. */
  private renew(staleToken: string): Promise<string> {
    if (this.#renewal) return this.#renewal;
    if (this.#token !== null && this.#token !== staleToken) return Promise.resolve(this.#token);
    this.#renewal = this.login()
      .then((token) => {
        this.#token = token;
        return token;
      })
      .finally(() => {
        this.#renewal = null;
      });
    return this.#renewal;
  }

  /**
   * A session GLPI drops between initSession and the entity switch (PHP session garbage
   * collection, a load balancer without sticky sessions, another client reusing the token)
   * is a blip, not a refusal: log in once more before giving up.
   */
  private async login(attemptsLeft = 2): Promise<string> {
    const token = await this.initSession();
    try {
      await this.switchToAllEntities(token);
    } catch (error) {
      if (error instanceof GlpiSessionExpiredError && attemptsLeft > 1) {
        this.logger.warn('GLPI dropped the new session before the entity switch: logging in again');
        return this.login(attemptsLeft - 1);
      }
      await this.kill(token);
      throw error;
    }
    return token;
  }

  private async initSession(): Promise<string> {
    const { credentials } = this.config;
    let response: GlpiResponse;
    if (credentials.kind === 'user_token') {
      response = await this.tokenLogin(credentials.userToken.reveal());
    } else {
      response = await this.passwordLogin(credentials.username, credentials.password.reveal());
    }
    const body = response.body as { session_token?: unknown } | null;
    const token = typeof body === 'object' && body !== null ? body.session_token : undefined;
    if (typeof token !== 'string' || token.trim() === '') {
      throw malformed({ method: 'GET', endpoint: 'initSession' }, 'no session_token');
    }
    return token;
  }

  private async tokenLogin(userToken: string): Promise<GlpiResponse> {
    try {
      if (this.config.userTokenInQuery) {
        // Opt-in (GLPI_USER_TOKEN_IN_QUERY): web server access logs record query strings.
        return await this.transport.send({
          method: 'GET',
          endpoint: 'initSession',
          query: `user_token=${encodeURIComponent(userToken)}`,
        });
      }
      // Exactly one space: GLPI splits the header on single spaces (notes §1).
      return await this.transport.send({
        method: 'GET',
        endpoint: 'initSession',
        headers: { Authorization: `user_token ${userToken}` },
      });
    } catch (error) {
      if (!(error instanceof GlpiError) || error.code !== 'CREDENTIALS_NOT_RECEIVED') throw error;
      throw tokenNotReceived(error, this.config.userTokenInQuery);
    }
  }

  private async passwordLogin(username: string, password: string): Promise<GlpiResponse> {
    const basic = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    try {
      return await this.transport.send({
        method: 'GET',
        endpoint: 'initSession',
        headers: { Authorization: `Basic ${basic}` },
        secrets: [basic],
      });
    } catch (error) {
      if (!(error instanceof GlpiError) || error.code !== 'CREDENTIALS_NOT_RECEIVED') throw error;
    }
    // PHP only sees Basic credentials if the web server passes the Authorization header on
    // (php-fpm often does not); GLPI also reads login/password from a JSON body, whatever the verb.
    this.logger.debug('GLPI did not receive Basic credentials, sending them in a POST body');
    return this.transport.send({ method: 'POST', endpoint: 'initSession', body: { login: username, password } });
  }

  /**
   * Without this the session sees only the user's default entity, and assets elsewhere would be
   * reported missing. `entities_id` is left out on purpose: GLPI 9.5-10 `intval()`s a given value,
   * so "all" would become entity 0 (the root, which a user limited to sub-entities cannot
   * activate), while an absent entities_id means "all" (notes §4; API::changeActiveEntities).
   */
  private async switchToAllEntities(token: string): Promise<void> {
    const request: GlpiRequest = {
      method: 'POST',
      endpoint: 'changeActiveEntities',
      body: { is_recursive: true },
    };
    let response: GlpiResponse;
    try {
      response = await this.transport.send(this.withToken(request, token));
    } catch (error) {
      const transient = error instanceof GlpiUnavailableError || error instanceof GlpiSessionExpiredError;
      if (transient || !(error instanceof GlpiError)) throw error;
      throw entitySwitchFailed(error.message, error.httpStatus);
    }
    // GLPI 10 answers 200 `false` when Session::changeActiveEntities fails.
    if (response.body !== true) throw entitySwitchFailed('GLPI did not confirm it', response.status);
  }

  private async kill(token: string): Promise<void> {
    try {
      await this.transport.send({
        ...this.withToken({ method: 'GET', endpoint: 'killSession' }, token),
        retry: false,
        timeoutMs: Math.min(this.config.timeoutMs, KILL_SESSION_TIMEOUT_MS),
      });
    } catch (error) {
      this.logger.debug('GLPI killSession failed', { code: error instanceof GlpiError ? error.code : 'unknown' });
    }
  }

  /** GET answers whose absence (missing right, unknown endpoint) we can live with. */
  private async optional(request: GlpiRequest): Promise<unknown> {
    try {
      return (await this.request(request)).body;
    } catch (error) {
      if (error instanceof GlpiError && !error.retryable) {
        this.logger.debug('GLPI optional request refused', { endpoint: request.endpoint, code: error.code });
        return undefined;
      }
      throw error;
    }
  }

  // The token travels in a header, never in the URL (URLs end up in proxy and web server logs).
  private withToken(request: GlpiRequest, token: string): GlpiRequest {
    return {
      ...request,
      headers: { ...request.headers, 'Session-Token': token },
      secrets: [...(request.secrets ?? []), token],
    };
  }
}

/** GLPI says no credentials came although the token was sent: something between us dropped it. */
function tokenNotReceived(cause: GlpiError, inQuery: boolean): GlpiConfigError {
  const details = {
    method: 'GET',
    endpoint: 'initSession',
    glpiCode: 'ERROR_LOGIN_PARAMETERS_MISSING',
    variable: 'GLPI_USER_TOKEN',
  };
  if (inQuery) {
    return new GlpiConfigError(
      'USER_TOKEN_NOT_RECEIVED',
      'GLPI did not receive the user token sent as a query parameter (ERROR_LOGIN_PARAMETERS_MISSING): ' +
        'check that GLPI_URL is the apirest.php URL and that no proxy rewrites the query string',
      { ...details, ...(cause.httpStatus !== undefined && { httpStatus: cause.httpStatus }) },
    );
  }
  return new GlpiConfigError(
    'USER_TOKEN_NOT_RECEIVED',
    'GLPI did not receive the user token (ERROR_LOGIN_PARAMETERS_MISSING): the web server in front of GLPI drops ' +
      'the Authorization header before PHP sees it. Let it through: Apache with php-fpm or CGI, `CGIPassAuth On` ' +
      '(or `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`) in GLPI\'s vhost; nginx, ' +
      '`fastcgi_param HTTP_AUTHORIZATION $http_authorization;`; a reverse proxy must forward it. Or set ' +
      'GLPI_USER_TOKEN_IN_QUERY=true to send the token as a query parameter (it can then appear in web server logs)',
    { ...details, ...(cause.httpStatus !== undefined && { httpStatus: cause.httpStatus }) },
  );
}

function entitySwitchFailed(reason: string, httpStatus: number | undefined): GlpiAuthError {
  return new GlpiAuthError(
    'ENTITY_SWITCH_FAILED',
    `GLPI refused to switch the session to all entities (changeActiveEntities): ${reason}`,
    { method: 'POST', endpoint: 'changeActiveEntities', ...(httpStatus !== undefined && { httpStatus }) },
  );
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const inner = (value as Record<string, unknown>)[key];
  return typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>) : undefined;
}

function stringAt(value: Record<string, unknown> | undefined, key: string): string | null {
  const inner = value?.[key];
  return typeof inner === 'string' && inner !== '' ? inner : null;
}
