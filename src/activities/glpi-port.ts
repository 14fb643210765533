/**
 * What the activities need from GLPI. The real client (src/glpi) provides it; tests can
 * hand the activity factory anything with the same shape.
 */
import type { GlpiScope } from '../glpi/scope';
import type { GlpiItem, LookupOptions, SerialLookup } from '../glpi/types';

export type { GlpiItem, GlpiScope, SerialLookup };

export interface GlpiLookupSession {
  lookupSerials(serials: string[], options?: Pick<LookupOptions, 'whitespacePass'>): Promise<Map<string, SerialLookup>>;
  /** The white-space pass alone, for serials the exact lookups did not find (one per batch). */
  whitespacePass(serials: string[]): Promise<Map<string, SerialLookup>>;
  /** The trashed cards (is_deleted=1) of serials no live card has (one search per batch, about). */
  trashPass(serials: string[]): Promise<Map<string, SerialLookup>>;
}

export interface GlpiPort {
  /** Checks the credentials; the scope is what the API user sees (a partial one is recorded on the run). */
  ping(): Promise<{ user: string | null; scope?: GlpiScope }>;
  withSession<T>(fn: (session: GlpiLookupSession) => Promise<T>): Promise<T>;
}
