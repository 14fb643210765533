import type { ResultStatus } from '../core/results';
import type { SerialWhitespaceFinding } from '../core/findings';

/** What a GLPI session sees (src/glpi/scope.ts reads it). */
export interface ScopeEntity {
  id: number;
  name: string;
}

export interface ScopeProfile {
  name: string;
  entities: (ScopeEntity & { recursive: boolean })[];
}

export interface GlpiScope {
  /** The entities the session sees, by id; names as GLPI gives them (decoded). */
  entities: ScopeEntity[];
  /** false: some of GLPI's entities are outside the session; their devices can only be `not_found`. */
  complete: boolean;
  /** Why the scope is incomplete (names the profile), when it is. */
  reason?: string;
  profiles: ScopeProfile[];
}

export type { Finding, SerialWhitespaceFinding } from '../core/findings';

/** A serial's lookup ends in one of the result statuses. */
export type LookupStatus = ResultStatus;

/** One GLPI asset, with `& < >` decoded (GLPI 10 stores them HTML-encoded). */
export interface GlpiItem {
  itemtype: string;
  id: number;
  name: string | null;
  serial: string | null;
  statusName: string | null;
  location: string | null;
  entity: string | null;
  /** Set only when GLPI returned a value (keeps stored results and heartbeats small). */
  model?: string;
  manufacturer?: string;
  /** 'YYYY-MM-DD HH:MM:SS' in GLPI server time, as returned. */
  dateMod?: string;
  lastInventoryUpdate?: string;
}

export interface SerialLookup {
  /** The normalised serial (see normaliseSerial). */
  serial: string;
  /** found: exactly one item; conflict: several; not_found: none; error: the lookup of this serial failed. */
  status: LookupStatus;
  items: GlpiItem[];
  /** For each of items (same order): the serial as GLPI stores it, in the field that matched. */
  storedSerials: string[];
  /** Cards found with white space around their stored serial (empty when none; not for the trash). */
  findings: SerialWhitespaceFinding[];
  /** Why the lookup failed, when status is `error`. */
  error?: string;
}

export interface LookupOptions {
  /** Called as serials complete, with the number of distinct serials done and in all. */
  onProgress?(done: number, total: number): void;
  /**
   * Default true: serials the exact search did not find are searched again for cards stored with
   * stray white space. false leaves that to a later whitespacePass() call (the check activity
   * runs one per batch, which keeps it to about one request per batch).
   */
  whitespacePass?: boolean;
  /** Search GLPI's trash (is_deleted=1) instead of the live cards; no white-space pass then. */
  trash?: boolean;
}

/** Same shape as Temporal's Logger, so an activity can pass `log` from @temporalio/activity. */
export interface GlpiLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface GlpiPingResult {
  /** The entities the session sees after the switch, and whether that is all of GLPI's. */
  scope: GlpiScope;
  /** Login name of the API user, when GLPI exposes the session. */
  user: string | null;
  /** Name of the active profile, when GLPI exposes the session. */
  profile: string | null;
  /** GLPI version, when the user may read the configuration. */
  glpiVersion?: string;
  /** Number of entities visible after the switch to all entities, when exposed. */
  activeEntities?: number;
  entitiesSwitched: true;
}

export const SILENT_LOGGER: GlpiLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
