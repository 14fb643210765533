/**
 * The simulator's public shapes, and the names its statistics count. Other parts of the
 * project (client tests, benchmarks, the demo) depend on these exactly: add fields, never
 * change or remove one.
 */

/**
 * One GLPI asset card, with its values as a person or an inventory agent typed them.
 * The simulator stores them the way the configured GLPI version does (HTML-encoded on 10).
 */
export interface SimItem {
  id: number;
  /** 'Printer' in this project; matched case-insensitively like GLPI's class lookup. */
  itemtype: string;
  name: string;
  serial: string | null;
  otherserial?: string | null;
  /** A custom field (plugin "fields"), searchable as option 76670. */
  labelSerial?: string | null;
  statusName?: string | null;
  /** Location completename, e.g. 'HQ > Floor 2'. */
  location?: string | null;
  /** Entity completename; default 'Root entity'. */
  entity?: string;
  entityId?: number;
  isDeleted?: boolean;
  isTemplate?: boolean;
  /** PrinterModel name (search option 40). */
  model?: string | null;
  /** Manufacturer name (search option 23). */
  manufacturer?: string | null;
  /**
   * 'YYYY-MM-DD HH:MM:SS' in server time, as GLPI returns it (option 19). Default: a few hours
   * before the simulator started, derived from the id (fresh, stable within a run).
   */
  dateMod?: string;
  /** Last inventory update (option 83), same format; null/absent: never inventoried by an agent. */
  lastInventoryUpdate?: string | null;
}

export interface FaultConfig {
  /** All random faults are reproducible from this seed (default 1). */
  seed?: number;
  /** Added to every request (default 0). */
  latencyMs?: number;
  /** Fraction of search requests answering 500/502/503 (GLPI-style or proxy-style bodies). */
  errorRate?: number;
  /** Fraction of search requests answering 200 with a truncated or non-JSON body. */
  malformedRate?: number;
  /** Fraction of search requests answering 200 text/html (maintenance page, "Mysql Error" page). */
  htmlErrorRate?: number;
  /** Fraction of search requests answering 429 with `Retry-After: <retryAfterSeconds>`. */
  rateLimitRate?: number;
  /** Default 1. */
  retryAfterSeconds?: number;
  /** Fraction of requests (any endpoint) that never answer until the client gives up or the server stops. */
  hangRate?: number;
  /** Every N-th authenticated request invalidates the session it used (401 ERROR_SESSION_TOKEN_INVALID). */
  invalidateSessionEvery?: number;
  /** Every request: the connection is destroyed at once (GLPI unreachable). */
  down?: boolean;
  /** changeActiveEntities answers 400 ["ERROR", "Bad Request; ..."]. */
  failEntitySwitch?: boolean;
  /**
   * Faults on the item lists (`GET /:itemtype`, the full scan), by the 0-based index of the live
   * list request (the trash's, `is_deleted=1`, are not counted) since the faults were set, each applied once:
   * - `short`: the last rows of the page are left out, the Content-Range still promises them;
   * - `shifted`: the page starts 3 rows early (as if cards had been added before it), Content-Range unchanged;
   * - `html`: 200 text/html (a maintenance page);
   * - `truncated`: the JSON cut in the middle.
   */
  listFaults?: Record<number, ListFault>;
}

export type ListFault = 'short' | 'shifted' | 'html' | 'truncated';

export interface SimulatorOptions {
  /** Default 0: a random free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /**
   * If set, the App-Token header (or app_token parameter) is required and must match.
   * If null/undefined, sending ANY app token is ERROR_WRONG_APP_TOKEN_PARAMETER, as GLPI does.
   */
  appToken?: string | null;
  /** Accepted as `Authorization: user_token <t>` or `?user_token=<t>`. */
  userToken?: string;
  /**
   * Accepted as `Authorization: Basic ...` or `?login=..&password=..`. Without them, credential
   * logins answer ERROR_LOGIN_WITH_CREDENTIALS_DISABLED, like a default GLPI install.
   */
  username?: string;
  password?: string;
  items?: SimItem[];
  /** '10': & < > stored and returned HTML-encoded (&#38; &#60; &#62;); '11': stored raw. Default '10'. */
  glpiVersion?: '10' | '11';
  /** The session's list_limit (default 20), used when a search has no range. */
  listLimit?: number;
  /** PHP max_input_vars (default 1000): query variables past it are silently dropped. */
  maxInputVars?: number;
  faults?: FaultConfig;
  /**
   * Default true: items live in several entities and a new session only sees the root entity,
   * so the client must call changeActiveEntities. Column 80 (entity) is always shown.
   */
  multiEntity?: boolean;
  /** Reported by getFullSession as glpiname (default 'glpi-check'). */
  userName?: string;
  /** Receives one line per request (method, path, status); never tokens. Default: log nothing. */
  log?: (line: string) => void;
  /**
   * The API user's profiles (getMyProfiles); the first is the active one, and its entities decide what
   * changeActiveEntities can reach. Default: Super-Admin, recursive on the root entity (sees everything).
   * A profile on the root entity that is not recursive sees only the root entity, whatever the switch answers.
   */
  profiles?: SimProfile[];
  /**
   * What the web server answers outside the API. 'root' (default: GLPI's directory as web root, as
   * `php -S` serves it): GLPI's HTML login page for any page, 404 for a missing static file.
   * 'public' (GLPI 10.0.7+'s recommended `public/` web root): the login page at `/` and `/index.php`,
   * 403 with an empty body elsewhere.
   */
  webLayout?: 'root' | 'public';
  /** The web server drops the Authorization header before PHP sees it (php-fpm/CGI without CGIPassAuth). */
  stripAuthorization?: boolean;
}

export interface SimProfile {
  id: number;
  name: string;
  entities: { id: number; recursive: boolean }[];
}

/** The endpoints the statistics count by name; every other request counts as 'other'. */
export const COUNTED_ENDPOINTS = [
  'initSession',
  'killSession',
  'changeActiveEntities',
  'search',
  'getFullSession',
  'getGlpiConfig',
  'getActiveEntities',
  'getMyProfiles',
  'getMyEntities',
] as const;

export type EndpointName = (typeof COUNTED_ENDPOINTS)[number] | 'other';

/** Every key of SimulatorStats.requests. */
export const ENDPOINT_NAMES: readonly EndpointName[] = [...COUNTED_ENDPOINTS, 'other'];

/** Every key of SimulatorStats.faultsInjected. */
export const FAULT_NAMES = [
  'down',
  'hang',
  'latency',
  'error',
  'malformed',
  'html',
  'rateLimit',
  'sessionInvalidated',
  'entitySwitch',
  'list',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

export interface SimulatorStats {
  /** Per endpoint of ENDPOINT_NAMES: initSession, killSession, …, other. */
  requests: Record<string, number>;
  total: number;
  /** Highest number of requests in flight at once since the last reset. */
  peakConcurrency: number;
  activeSessions: number;
  sessionsOpened: number;
  /** Sessions ended by killSession, or replaced by an initSession that carried their token. */
  sessionsKilled: number;
  faultsInjected: Record<string, number>;
}

export interface RunningSimulator {
  /** Base URL ending in /apirest.php (no trailing slash). */
  url: string;
  port: number;
  stats(): SimulatorStats;
  resetStats(): void;
  /** Replaces the fault configuration and restarts the fault sequence from its seed. */
  setFaults(f: FaultConfig): void;
  setItems(items: SimItem[]): void;
  items(): SimItem[];
  invalidateAllSessions(): void;
  /**
   * Called before each item list request (`GET /:itemtype`) is answered, with its 0-based index
   * since the hook was set: a test can change the items mid-scan (setItems).
   */
  onListRequest(hook: ((index: number) => void) | null): void;
  /** Closes the server, including hanging requests and idle keep-alive connections. */
  stop(): Promise<void>;
}

export interface GeneratedDevice {
  /** '' for an inventory row without a serial (see noSerialRate). */
  serial: string;
  name: string;
  model: string;
  location: string;
  organisation: string;
}

export type ExpectedStatus = 'found' | 'conflict' | 'not_found';

export interface GeneratedInventory {
  items: SimItem[];
  devices: GeneratedDevice[];
  /**
   * Keyed by normalised serial (normaliseSerial); glpiIds ascending. `whitespaceIds`: the counted
   * cards whose stored serial has leading or trailing white space (each one a data-quality finding).
   */
  expected: Map<
    string,
    { status: ExpectedStatus; glpiIds: number[]; whitespaceIds?: number[]; findings: ExpectedFinding[] }
  >;
  counts: { found: number; conflict: number; not_found: number };
  /** The `now` the dates were generated against (ms). */
  now: number;
}

/**
 * A finding the generator put there on purpose, for the rules of ALL_FINDINGS_RULES (all fields
 * compared, 7 days, GENERATED_RETIRED_STATES); tests with other rules filter by kind. glpiId is
 * null for no_serial. Sorted by kind, then id.
 */
export interface ExpectedFinding {
  kind: string;
  glpiId: number | null;
}

export interface GenerateOptions {
  devices: number;
  seed?: number;
  /** Default 0.05: devices whose serial is on 2..5 active cards (some on 25+). */
  conflictRate?: number;
  /** Default 0.05: devices not in GLPI. */
  absentRate?: number;
  /** Default 0.02: found devices which ALSO have a trashed duplicate (they must stay 'found'). */
  trashedDuplicateRate?: number;
  /** Default 0.01: found devices which also have a template card with their serial (still 'found'). */
  templateRate?: number;
  /**
   * Default 0.05: found devices with a look-alike card whose serial contains theirs
   * (e.g. 'AB12' and 'XAB12-2'), which only an exact match tells apart.
   */
  decoyRate?: number;
  /** Include serials with & % _ + ^ $ " ' # / non-ASCII, inner spaces, mixed case. */
  awkwardSerials?: boolean;
  /**
   * Default 0: found devices (one card) whose card GLPI stores with stray white space, as typed by
   * hand: leading and trailing spaces, a trailing TAB, a leading space. GLPI's `equals` misses them.
   */
  whitespaceRate?: number;
  /** Found devices whose card is elsewhere (half of them: a card with no location). Default 0. */
  locationDriftRate?: number;
  /** Found devices whose card has another model (half: no model). Default 0. */
  modelDriftRate?: number;
  /** Found devices whose card has another name. Default 0. */
  nameDriftRate?: number;
  /** Found devices whose card's last inventory (or, for half, last modification) is 30 days old. Default 0. */
  staleRate?: number;
  /** Found devices whose card's state is in GENERATED_RETIRED_STATES. Default 0. */
  retiredRate?: number;
  /** Devices that GLPI has only in the trash (on top of the absent ones that happen to). Default 0. */
  trashOnlyRate?: number;
  /** Inventory rows without a serial (each with a unique name). Default 0. */
  noSerialRate?: number;
  /** The clock the dates are relative to (default Date.now()). */
  now?: number;
}
