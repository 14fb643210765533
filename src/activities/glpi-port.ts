/**
 * What the activities need from GLPI. The real client (src/glpi) provides it; tests can
 * hand the activity factory anything with the same shape.
 */
import type { ResultStatus } from '../workflows/types';

export interface GlpiItemView {
  itemtype: string;
  id: number;
  name: string | null;
  serial: string | null;
  statusName: string | null;
  location: string | null;
  entity: string | null;
}

export interface SerialLookupView {
  serial: string;
  status: ResultStatus;
  items: GlpiItemView[];
  error?: string;
}

export interface GlpiLookupSession {
  lookupSerials(serials: string[]): Promise<Map<string, SerialLookupView>>;
}

export interface GlpiPort {
  ping(): Promise<{ user: string | null }>;
  withSession<T>(fn: (session: GlpiLookupSession) => Promise<T>): Promise<T>;
}
