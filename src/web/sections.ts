/**
 * Sections of the run page that other parts of the service fill: each one gets the run and the
 * database and returns its HTML (escaped by itself, see ./html.ts), or null to be left out.
 * The page shows them in this order, after the totals and before the device list, each with a
 * heading and an anchor (#changes, #missing-cards) so a link can point at it.
 *
 * Today both are placeholders: comparing a run with the previous one, and listing the GLPI cards
 * that no inventory device matches, are computed by a later part of the service. That part
 * replaces `render` here; the page needs no other change.
 */
import type { Db } from '../db/client';
import type { ReportRun } from '../reports/model';
import { esc } from './html';

export interface RunSectionContext {
  db: Db;
  run: ReportRun;
  /** The previous finished full check, if any (what "changes since" compares with). */
  previousRunId: number | null;
}

export interface RunSection {
  /** The anchor of the section. */
  id: string;
  title: string;
  render(context: RunSectionContext): Promise<string | null>;
}

function placeholder(text: string): string {
  return `<p class="placeholder">${esc(text)}</p>`;
}

export const RUN_SECTIONS: RunSection[] = [
  {
    id: 'changes',
    title: 'Changes since the previous run',
    render: ({ previousRunId }) =>
      Promise.resolve(
        placeholder(
          previousRunId === null
            ? 'There is no earlier finished full check to compare with.'
            : `Devices whose status changed since run ${previousRunId} are not computed yet.`,
        ),
      ),
  },
  {
    id: 'missing-cards',
    title: 'GLPI cards missing from the inventory',
    render: () => Promise.resolve(placeholder('GLPI cards that no inventory device matches are not listed yet.')),
  },
];
