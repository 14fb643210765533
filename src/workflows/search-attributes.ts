/**
 * The search attributes of every check, so that the Temporal UI and `temporal workflow list
 * --query` filter nights: typed, and never personal data (no serials, names, users).
 *
 *   CheckTrigger       Keyword  schedule | manual | devices (set at start, and by the workflow)
 *   CheckDevicesTotal  Int      devices of the run (after planning)
 *   CheckRunId         Int      the run's id in the database (`npm run report -- --run N`)
 *   CheckOutcome       Keyword  completed | completed_with_errors | failed | cancelled (at the end)
 *
 * A namespace must have them registered (`temporal operator search-attribute create`; the dev
 * server of `npm run dev` and of the tests registers them at start). Where they are not, checks
 * start without them (a warning says how to register them) and the workflow sets none: an
 * upsert of an unknown attribute would fail every workflow task of the run.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const CHECK_TRIGGER = defineSearchAttributeKey('CheckTrigger', SearchAttributeType.KEYWORD);
export const CHECK_DEVICES_TOTAL = defineSearchAttributeKey('CheckDevicesTotal', SearchAttributeType.INT);
export const CHECK_RUN_ID = defineSearchAttributeKey('CheckRunId', SearchAttributeType.INT);
export const CHECK_OUTCOME = defineSearchAttributeKey('CheckOutcome', SearchAttributeType.KEYWORD);

export const CHECK_SEARCH_ATTRIBUTES = [CHECK_TRIGGER, CHECK_DEVICES_TOTAL, CHECK_RUN_ID, CHECK_OUTCOME] as const;

/** `Keyword`, `Int`: the type names `temporal operator search-attribute create --type` takes. */
export function cliTypeName(type: string): string {
  return type === SearchAttributeType.INT ? 'Int' : 'Keyword';
}
