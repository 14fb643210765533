/**
 * The legacy REST API's request handling (APIRest::call): routing on PATH_INFO, parameters
 * from the query string, the JSON body and the headers, then the app token, then the session
 * token, then the endpoint. One request in, one response out: no sockets here.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { getItem, getItems } from './items-endpoint';
import {
  isset,
  parsePhpQuery,
  phpEmpty,
  phpFromJson,
  phpIntval,
  phpString,
  type PhpArray,
  type PhpValue,
} from './php-params';
import { errors, jsonResponse, OrderedObject, rawResponse, type ApiResponse } from './responses';
import { searchItems } from './search';
import { listSearchOptions } from './search-options';
import type { Session, SessionStore } from './sessions';
import { ROOT_ENTITY_NAME, type ItemStore } from './store';
import { foldForEquals, phpTrim, storedForm, type GlpiVersion } from './text-match';
import { COUNTED_ENDPOINTS, type EndpointName, type FaultConfig, type FaultName, type SimProfile } from './types';
import { webServerPage, type WebLayout } from './web-pages';

export interface ApiRequest {
  method: string;
  /** Path and query as received ('/apirest.php/search/Printer?criteria...'). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ApiSettings {
  appToken: string | null;
  userToken: string | undefined;
  username: string | undefined;
  password: string | undefined;
  glpiVersion: GlpiVersion;
  listLimit: number;
  maxInputVars: number;
  multiEntity: boolean;
  userName: string;
  /** Public base URL ending in /apirest.php, for HATEOAS links. */
  baseUrl: string;
  /** The first one is the active profile. */
  profiles: SimProfile[];
  webLayout: WebLayout;
  stripAuthorization: boolean;
}

/** A default install's API user: Super-Admin, recursive on the root entity. */
export const SUPER_ADMIN: SimProfile = { id: 4, name: 'Super-Admin', entities: [{ id: 0, recursive: true }] };

/** What the API reads and changes besides the request: the data, the sessions, the counters. */
export interface ApiState {
  store: ItemStore;
  sessions: SessionStore;
  faults(): FaultConfig;
  /** Called for each request that passed the session check (FaultConfig.invalidateSessionEvery). */
  invalidatesSession(): boolean;
  countFault(name: FaultName): void;
  sessionOpened(): void;
  sessionKilled(): void;
}

const COUNTED = new Set<string>(COUNTED_ENDPOINTS);

/**
 * The resource a URL asks for, as GLPI routes it: PATH_INFO trimmed, every "api/" removed; null for
 * a URL that is not the API. GLPI 11 also serves the legacy API at `/api.php/v1`.
 */
export function routeOf(url: string, version: GlpiVersion = '10'): string[] | null {
  const path = pathOf(url);
  const match = (version === '11' ? /^\/(?:apirest\.php|api\.php\/v1)(\/.*)?$/ : /^\/apirest\.php(\/.*)?$/).exec(path);
  if (!match) return null;
  let pathInfo: string;
  try {
    pathInfo = decodeURIComponent(match[1] ?? '');
  } catch {
    pathInfo = match[1] ?? '';
  }
  return pathInfo
    .replace(/^\/+|\/+$/g, '')
    .replace(/api\//g, '')
    .split('/');
}

export function endpointOf(route: string[] | null): EndpointName {
  const resource = route?.[0] ?? '';
  return COUNTED.has(resource) ? (resource as EndpointName) : 'other';
}

export class GlpiApi {
  constructor(
    private readonly settings: ApiSettings,
    private readonly state: ApiState,
  ) {}

  handle(request: ApiRequest): ApiResponse {
    const response = this.route(request);
    if (request.headers.origin !== undefined) {
      response.headers['Access-Control-Allow-Origin'] = '*';
      if (request.method === 'GET' || request.method === 'OPTIONS') {
        response.headers['Access-Control-Expose-Headers'] = 'content-type, content-range, accept-range';
      }
    }
    return response;
  }

  private route(request: ApiRequest): ApiResponse {
    const route = routeOf(request.url, this.settings.glpiVersion);
    if (!route) return webServerPage(pathOf(request.url), this.settings.webLayout);
    if (request.method === 'OPTIONS') return rawResponse(200, 'text/html; charset=UTF-8', '');

    const body = phpTrim(request.body);
    if (request.method === 'GET' && body.length > 0) return errors.jsonPayloadForbidden();
    const params = this.parameters(request, body);
    if (!(params instanceof Map)) return params;

    const [resource = '', ...rest] = route;
    if (resource === '') return documentationPage();
    const appTokenError = this.checkAppToken(params);
    if (appTokenError) return appTokenError;
    if (resource === 'initSession') return this.initSession(params);

    const session = this.checkSession(params);
    if (!('token' in session)) return session;
    return this.dispatch(request.method, resource, rest, params, session);
  }

  /** APIRest::parseIncomingParams(): query, then body (JSON by default), then headers. */
  private parameters(request: ApiRequest, body: string): PhpArray | ApiResponse {
    const { params } = parsePhpQuery(queryOf(request.url), this.settings.maxInputVars);
    const contentType = request.headers['content-type'] ?? 'application/json';
    if (contentType.includes('application/json')) {
      if (body.length > 0) {
        let decoded: unknown;
        try {
          decoded = JSON.parse(body);
        } catch {
          decoded = null;
        }
        // `if ($body_params = json_decode($body))`: [], 0, "" and false are refused too.
        if (!decoded || (Array.isArray(decoded) && decoded.length === 0)) return errors.jsonPayloadInvalid();
        const merged = phpFromJson(decoded);
        if (merged instanceof Map) for (const [key, value] of merged) params.set(key, value);
      }
    } else if (contentType.includes('application/x-www-form-urlencoded')) {
      for (const [key, value] of parsePhpQuery(body, this.settings.maxInputVars).params) params.set(key, value);
    }
    // Only top-level "true"/"false" become booleans (nested ones stay strings).
    for (const [key, value] of params) {
      if (value === 'true') params.set(key, true);
      else if (value === 'false') params.set(key, false);
    }
    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const sessionToken = header('session-token');
    if (sessionToken !== undefined) params.set('session_token', sessionToken);
    const appToken = header('app-token');
    if (appToken !== undefined) params.set('app_token', appToken);
    if (!this.settings.stripAuthorization) applyAuthorization(header('authorization'), params);
    return params;
  }

  /** checkAppToken(): a loose array_search of the token among the API clients' tokens. */
  private checkAppToken(params: PhpArray): ApiResponse | null {
    const given = phpString(params.get('app_token'));
    const expected = this.settings.appToken;
    // With no token configured the client's token is NULL, and only "" == NULL.
    if (expected === null) return given === '' ? null : errors.appTokenWrong();
    if (given === expected) return null;
    return given === '' ? errors.appTokenMissing() : errors.appTokenWrong();
  }

  private checkSession(params: PhpArray): Session | ApiResponse {
    const token = params.get('session_token');
    if (phpEmpty(token)) return errors.sessionTokenMissing();
    const session = this.state.sessions.find(phpString(token));
    if (!session) return errors.sessionTokenInvalid();
    if (this.state.invalidatesSession()) {
      this.state.sessions.close(session.token);
      this.state.countFault('sessionInvalidated');
      return errors.sessionTokenInvalid();
    }
    return session;
  }

  private initSession(params: PhpArray): ApiResponse {
    const login = params.get('login');
    const password = params.get('password');
    const userToken = params.get('user_token');
    if ((phpEmpty(login) || phpEmpty(password)) && phpEmpty(userToken)) return errors.loginParametersMissing();
    const credentialsEnabled = this.settings.username !== undefined && this.settings.password !== undefined;
    if (phpEmpty(userToken) && !credentialsEnabled) return errors.loginWithCredentialsDisabled();

    // The DB look-ups use the table collation: user name and API token are case-insensitive.
    const tokenOk =
      !phpEmpty(userToken) &&
      this.settings.userToken !== undefined &&
      foldForEquals(phpString(userToken)) === foldForEquals(this.settings.userToken);
    // Auth::login() falls back to the password when the token is wrong.
    const passwordOk =
      credentialsEnabled &&
      !phpEmpty(login) &&
      foldForEquals(phpString(login)) === foldForEquals(this.settings.username ?? '') &&
      phpString(password) === this.settings.password;
    if (!tokenOk && !passwordOk) return phpEmpty(userToken) ? errors.badCredentials() : errors.badUserToken();

    // Session::init() destroys the session the request carried: its token stops working.
    const previous = params.get('session_token');
    if (!phpEmpty(previous) && this.state.sessions.close(phpString(previous))) this.state.sessionKilled();
    const session = this.state.sessions.open(this.settings.listLimit, this.activeProfile().entities[0]?.id ?? 0);
    this.state.sessionOpened();
    const answer: Record<string, unknown> = { session_token: session.token };
    if (!phpEmpty(params.get('get_full_session'))) answer.session = this.sessionData(session);
    return jsonResponse(200, answer);
  }

  private dispatch(method: string, resource: string, rest: string[], params: PhpArray, session: Session): ApiResponse {
    const { store } = this.state;
    switch (resource) {
      case 'killSession':
        this.state.sessions.close(session.token);
        this.state.sessionKilled();
        return jsonResponse(200, true);
      case 'changeActiveEntities':
        return this.changeActiveEntities(params, session);
      case 'getFullSession':
        return jsonResponse(200, { session: this.sessionData(session) });
      case 'getGlpiConfig':
        return jsonResponse(200, { cfg_glpi: this.config() });
      case 'getMyEntities': {
        // The profiles' own entities; with is_recursive, everything below them that they reach.
        const ids = isset(params.get('is_recursive'))
          ? [...this.reachableEntities()]
          : [...new Set(this.settings.profiles.flatMap((p) => p.entities.map((e) => e.id)))];
        return jsonResponse(200, { myentities: ids.map((id) => ({ id, name: this.entityName(id) })) });
      }
      case 'getActiveEntities':
        return jsonResponse(200, {
          active_entity: {
            id: session.activeEntity,
            active_entity_recursive: session.activeEntityRecursive,
            active_entities: [...session.activeEntities].map((id) => ({ id })),
          },
        });
      case 'getActiveProfile':
        return jsonResponse(200, { active_profile: this.profile(this.activeProfile()) });
      case 'getMyProfiles':
        return jsonResponse(200, { myprofiles: this.settings.profiles.map((p) => this.profileEntities(p)) });
      case 'listSearchOptions': {
        const itemtype = store.canonicalItemtype(rest[0] ?? '');
        return itemtype ? jsonResponse(200, listSearchOptions(itemtype)) : errors.resourceNotFound();
      }
      case 'search': {
        if (!rest[0]) return errors.resourceMissing();
        const itemtype = store.canonicalItemtype(rest[0]);
        if (!itemtype) return errors.resourceNotFound();
        return searchItems({ ...this.context(params, session), itemtype });
      }
      default: {
        const itemtype = store.canonicalItemtype(resource);
        if (!itemtype) return errors.resourceNotFound();
        // The simulator is read-only: creating, updating and deleting are not simulated.
        if (method !== 'GET') return errors.methodNotAllowed();
        const context = { ...this.context(params, session), itemtype, apiBaseUrl: this.settings.baseUrl };
        const id = phpIntval(rest[0] ?? null);
        return id > 0 ? getItem(context, id) : getItems(context);
      }
    }
  }

  private context(params: PhpArray, session: Session) {
    return {
      store: this.state.store,
      session,
      params,
      multiEntity: this.settings.multiEntity,
      maxInputVars: this.settings.maxInputVars,
    };
  }

  /**
   * API::changeActiveEntities(). `entities_id` goes through intval(), so 'all' is entity 0:
   * only `{"entities_id": "all", "is_recursive": true}` (or no entities_id at all) shows every
   * entity. An unknown entity answers 200 `false`, not an error.
   */
  private changeActiveEntities(params: PhpArray, session: Session): ApiResponse {
    if (this.state.faults().failEntitySwitch) {
      this.state.countFault('entitySwitch');
      return errors.badRequest();
    }
    const isRecursive: PhpValue | undefined = params.get('is_recursive');
    if (isset(isRecursive) && typeof isRecursive !== 'boolean') return errors.badRequest();
    const entitiesId = params.get('entities_id');
    const { store } = this.state;
    const reachable = this.reachableEntities();
    if (!isset(entitiesId)) {
      // "All": what the active profile reaches. A non-recursive profile keeps seeing only its
      // own entity, and GLPI still answers `true`.
      session.activeEntity = this.activeProfile().entities[0]?.id ?? 0;
      session.activeEntityRecursive = true;
      session.activeEntities = reachable;
      return jsonResponse(200, true);
    }
    const id = phpIntval(entitiesId);
    if (!store.entity(id) || !reachable.has(id)) return jsonResponse(200, false);
    const recursive = isRecursive === true;
    session.activeEntity = id;
    session.activeEntityRecursive = recursive;
    session.activeEntities = new Set(
      recursive ? store.entityWithDescendants(id).filter((e) => reachable.has(e)) : [id],
    );
    return jsonResponse(200, true);
  }

  private activeProfile(): SimProfile {
    return this.settings.profiles[0] ?? SUPER_ADMIN;
  }

  /** The entities the active profile covers: each of its entities, with their descendants where recursive. */
  private reachableEntities(): Set<number> {
    const { store } = this.state;
    const ids = new Set<number>();
    for (const entry of this.activeProfile().entities) {
      if (!store.entity(entry.id)) continue;
      for (const id of entry.recursive ? store.entityWithDescendants(entry.id) : [entry.id]) ids.add(id);
    }
    return ids;
  }

  private entityName(id: number): string {
    return this.text(this.state.store.entity(id)?.completename ?? `Entity ${id}`);
  }

  private text(value: string): string {
    return storedForm(value, this.settings.glpiVersion);
  }

  /** getMyProfiles' shape: id, name and the profile's entities with their recursive flag (0/1). */
  private profileEntities(profile: SimProfile): Record<string, unknown> {
    return {
      id: profile.id,
      name: profile.name,
      entities: profile.entities.map((e) => ({
        id: e.id,
        name: this.entityName(e.id),
        is_recursive: e.recursive ? 1 : 0,
      })),
    };
  }

  private profile(profile: SimProfile): Record<string, unknown> {
    return { ...this.profileEntities(profile), interface: 'central' };
  }

  /** A plausible subset of $_SESSION; never the token itself. */
  private sessionData(session: Session): Record<string, unknown> {
    const active = this.state.store.entity(session.activeEntity);
    return {
      glpi_currenttime: '2024-06-01 12:00:00',
      glpi_use_mode: 0,
      glpiID: 2,
      glpiname: this.settings.userName,
      glpifriendlyname: this.settings.userName,
      glpiactiveprofile: this.profile(this.activeProfile()),
      glpiprofiles: Object.fromEntries(
        this.settings.profiles.map((p) => {
          const { name, entities } = this.profileEntities(p);
          return [String(p.id), { name, entities }];
        }),
      ),
      glpiactive_entity: session.activeEntity,
      glpiactive_entity_name: this.text(active?.completename ?? ROOT_ENTITY_NAME),
      glpiactive_entity_shortname: this.text(active?.name ?? ROOT_ENTITY_NAME),
      glpiactive_entity_recursive: session.activeEntityRecursive,
      glpiactiveentities: new OrderedObject([...session.activeEntities].map((id) => [String(id), id])),
      glpiactiveentities_string: [...session.activeEntities].map((id) => `'${id}'`).join(','),
      glpilist_limit: session.listLimit,
      glpilanguage: 'en_GB',
    };
  }

  private config(): Record<string, unknown> {
    return {
      version: this.settings.glpiVersion === '11' ? '11.0.1' : '10.0.16',
      dbversion: this.settings.glpiVersion === '11' ? '11.0.1' : '10.0.16@0',
      url_base: 'http://localhost/glpi',
      url_base_api: 'http://localhost/glpi/api',
      enable_api: 1,
      enable_api_login_credentials: this.settings.username !== undefined ? 1 : 0,
      enable_api_login_external_token: 1,
      list_limit: 15,
      list_limit_max: 50,
      timezone: null,
    };
  }
}

function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

function queryOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? '' : url.slice(queryStart + 1);
}

/**
 * PHP fills PHP_AUTH_USER/PW from `Basic ...`; GLPI splits a header containing 'user_token'
 * on single spaces and takes the second piece, so `user_token  X` gives an empty token.
 */
function applyAuthorization(authorization: string | undefined, params: PhpArray): void {
  if (authorization === undefined) return;
  if (/^basic /i.test(authorization)) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon !== -1) {
      params.set('login', decoded.slice(0, colon));
      params.set('password', decoded.slice(colon + 1));
    }
  }
  if (authorization.includes('user_token')) {
    const token = authorization.split(' ')[1];
    if (token !== undefined) params.set('user_token', token);
  }
}

function documentationPage(): ApiResponse {
  return rawResponse(
    200,
    'text/html; charset=UTF-8',
    '<!DOCTYPE html>\n<html><head><title>GLPI - API</title></head><body><h1>GLPI REST API</h1>' +
      '<p>Simulated legacy API (apirest.php).</p></body></html>\n',
  );
}
