/**
 * What the activities need from GLPI. The real client (src/glpi) provides it; tests can
 * hand the activity factory anything with the same shape.
 */
import type { GlpiItem, SerialLookup } from '../glpi/types';

export type { GlpiItem, SerialLookup };

export interface GlpiLookupSession {
  lookupSerials(serials: string[]): Promise<Map<string, SerialLookup>>;
}

export interface GlpiPort {
  ping(): Promise<{ user: string | null }>;
  withSession<T>(fn: (session: GlpiLookupSession) => Promise<T>): Promise<T>;
}
