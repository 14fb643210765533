/**
 * Sections of the run page that other parts of the service fill: each one gets the run and the
 * database and returns its HTML (escaped by itself, see ./html.ts), or null to be left out.
 * The page shows them in this order, after the totals and before the device list, each with a
 * heading and an anchor (#changes, #missing-cards) so a link can point at it.
 *
 * - changes: the run against the previous completed full check (src/db/changes.ts): per status and
 *   per finding kind what is new, resolved and persisting, and the first devices whose status changed.
 * - missing-cards: the reverse check (src/db/unknown-cards.ts): the GLPI cards the run's scan read
 *   whose serial no active inventory device has, the first ones listed with their GLPI link.
 * Both are a few indexed SQL queries, whatever the inventory's size; the full lists are in
 * `npm run report -- --changes` / `--unknown`.
 */
import type { Db } from '../db/client';
import { changeSummary, listChangedDevices, type ChangeCounts } from '../db/changes';
import { countUnknownCards, listUnknownCards } from '../db/unknown-cards';
import { RESULT_STATUSES } from '../core/results';
import { glpiFormUrl } from '../reports/glpi-links';
import type { LinkOptions } from '../reports/query';
import type { ReportRun } from '../reports/model';
import { bdi, esc, glpiCardsTable, statusBadge } from './html';

export interface RunSectionContext {
  db: Db;
  run: ReportRun;
  /** The previous finished full check, if any (what "changes since" compares with). */
  previousRunId: number | null;
  /** Where the GLPI links point. */
  links: LinkOptions;
}

export interface RunSection {
  /** The anchor of the section. */
  id: string;
  title: string;
  render(context: RunSectionContext): Promise<string | null>;
}

/** Rows listed on the page; the rest is counted (and in the report). */
export const SECTION_ROWS = 20;

function placeholder(text: string): string {
  return `<p class="placeholder">${esc(text)}</p>`;
}

const num = (n: number) => n.toLocaleString('en-US');

function countsRow(label: string, counts: ChangeCounts): string {
  return `<tr><th scope="row">${label}</th><td class="num">${num(counts.new)}</td><td class="num">${num(counts.resolved)}</td><td class="num">${num(counts.persisting)}</td></tr>`;
}

async function renderChanges({ db, run }: RunSectionContext): Promise<string> {
  if (run.trigger === 'devices')
    return placeholder('A check of chosen devices is not compared with the nightly checks.');
  if (run.finishedAt === null) return placeholder('Shown once this run has finished.');
  const [summary, changed] = await Promise.all([
    changeSummary(db, run.id),
    listChangedDevices(db, run.id, { limit: SECTION_ROWS }),
  ]);
  if (summary.previousRunId === null)
    return placeholder('This is the first completed full check: there is nothing to compare with.');
  const previous = summary.previousRunId;
  const statusRows = RESULT_STATUSES.map((status) => countsRow(statusBadge(status), summary.byStatus[status]));
  const findingRows = Object.entries(summary.byFinding).map(([kind, counts]) => countsRow(bdi(kind), counts));
  const table = `<div class="table-scroll"><table aria-label="Changes since run ${previous}">
<thead><tr><th scope="col"></th><th scope="col" class="num">New</th><th scope="col" class="num">Resolved</th><th scope="col" class="num">Persisting</th></tr></thead><tbody>
${[...statusRows, ...findingRows].join('\n')}
</tbody></table></div>`;
  const devices =
    changed.total === 0
      ? '<p>No device changed status.</p>'
      : `<p>${num(changed.total)} device${changed.total === 1 ? '' : 's'} changed status${changed.total > changed.devices.length ? ` (the first ${changed.devices.length} here)` : ''}:</p>
<ul class="changes">${changed.devices
          .map(
            (d) =>
              `<li><a href="/devices/${d.deviceId}?run=${run.id}">#${d.deviceId}</a> <span class="mono">${bdi(d.serial)}</span> ${bdi(d.name)}: ${d.before ? statusBadge(d.before) : 'not checked'} → ${d.after ? statusBadge(d.after) : 'not checked'}</li>`,
          )
          .join('')}</ul>`;
  return `<p>Compared with run <a href="/runs/${previous}">#${previous}</a>, the previous completed full check.</p>
${table}
${devices}`;
}

async function renderMissingCards({ db, run, links }: RunSectionContext): Promise<string> {
  if (run.trigger === 'devices') return placeholder('A check of chosen devices does not scan GLPI.');
  const counts = await countUnknownCards(db, run.id);
  if (counts === null)
    return placeholder(
      run.finishedAt === null
        ? 'Shown once the scan of GLPI is done.'
        : 'No scan of GLPI is kept for this run (the reverse check was off, or the cards of older runs were pruned).',
    );
  const cards = await listUnknownCards(db, run.id, { limit: SECTION_ROWS });
  const summary = `<p>${num(counts.withSerial)} card${counts.withSerial === 1 ? '' : 's'} with a serial that no active device has; ${num(counts.withoutSerial)} without a serial (<code>npm run report -- --run ${run.id} --unknown</code> lists them all).</p>`;
  if (cards.length === 0) return summary;
  const table = glpiCardsTable(
    'GLPI cards missing from the inventory',
    cards.map((card) => ({ ...card, id: card.glpiId, url: glpiFormUrl(links.glpiBase, card.itemtype, card.glpiId) })),
  );
  return `${summary}
${table}${counts.withSerial > cards.length ? `<p>The first ${cards.length} of ${num(counts.withSerial)}.</p>` : ''}`;
}

export const RUN_SECTIONS: RunSection[] = [
  { id: 'changes', title: 'Changes since the previous run', render: renderChanges },
  { id: 'missing-cards', title: 'GLPI cards missing from the inventory', render: renderMissingCards },
];
