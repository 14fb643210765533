/**
 * What the activities need from GLPI. The real client (src/glpi) provides it; tests can
 * hand the activity factory anything with the same shape.
 */
import type { GlpiScope } from '../glpi/scope';
import type { GlpiItem, LookupOptions, SerialLookup } from '../glpi/types';
import type { EncodedCard, ScanCursor } from '../glpi/scan';
import type { ScanSupport } from '../glpi/client';

export type { EncodedCard, GlpiItem, GlpiScope, ScanCursor, ScanSupport, SerialLookup };

export interface GlpiLookupSession {
  lookupSerials(serials: string[], options?: Pick<LookupOptions, 'whitespacePass'>): Promise<Map<string, SerialLookup>>;
  /** The white-space pass alone, for serials the exact lookups did not find (one per batch). */
  whitespacePass(serials: string[]): Promise<Map<string, SerialLookup>>;
  /** The trashed cards (is_deleted=1) of serials no live card has (one search per batch, about). */
  trashPass(serials: string[]): Promise<Map<string, SerialLookup>>;
  /** Reads one card list from `cursor` to its end (see src/glpi/scan.ts). */
  scanList(
    options: {
      itemtype: string;
      trashed: boolean;
      serialColumn: string;
      onCards(cards: EncodedCard[]): Promise<void>;
      onAdvance?(cursor: ScanCursor): void;
    },
    cursor: ScanCursor,
  ): Promise<ScanCursor>;
  /** The number of cards of an itemtype's list (one `range=0-0` request). */
  countCards(itemtype: string, trashed?: boolean): Promise<number>;
}

export interface GlpiPort {
  /** Checks the credentials; the scope is what the API user sees (a partial one is recorded on the run). */
  ping(): Promise<{ user: string | null; scope?: GlpiScope }>;
  withSession<T>(fn: (session: GlpiLookupSession) => Promise<T>): Promise<T>;
  /** What a scan can read (itemtypes, the serial column), or why it cannot classify like the searches. */
  scanSupport(): ScanSupport;
}
