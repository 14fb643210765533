/**
 * The fleet view of a report, in every format: how GLPI was asked (search or scan), the reverse
 * check (GLPI cards no active device has, and those without a serial) and the changes since the
 * previous completed full check. Data from src/db/unknown-cards.ts and src/db/changes.ts.
 */
import type { Db } from '../db/client';
import { changeSummary, listStatusChanges, type ChangeSummary, type StatusChange } from '../db/changes';
import { countUnknownCards, listUnknownCards, type UnknownCard, type UnknownCardCounts } from '../db/unknown-cards';
import type { ResultStatus } from '../core/results';
import { glpiFormUrl } from './glpi-links';
import type { Sink } from './sink';

/** The statuses whose changes are listed device by device (found is the complement). */
export const CHANGE_STATUSES: readonly ResultStatus[] = ['conflict', 'not_found', 'error'];
/** Devices listed per status and change kind in a report (the counts are always complete). */
export const CHANGE_LIST_LIMIT = 1000;

export interface FleetView {
  strategy: string | null;
  /** null: the run had no reverse check (a search-only run, a check of chosen devices, a failed scan). */
  unknown: UnknownCardCounts | null;
  unknownCards(withoutSerial: boolean): AsyncIterable<UnknownCard & { url: string | null }>;
  /** null for a check of chosen devices (changes compare full checks). */
  changes: ChangeSummary | null;
  statusChanges(change: 'new' | 'resolved', status: ResultStatus): Promise<StatusChange[]>;
}

export async function loadFleet(
  db: Db,
  run: { id: number; trigger: string },
  glpiBase: string | null,
): Promise<FleetView> {
  const row = await db.checkRun.findUnique({
    where: { id: run.id },
    select: { strategy: true, unknownCards: true },
  });
  const unknown =
    row?.unknownCards !== null && row?.unknownCards !== undefined ? await countUnknownCards(db, run.id) : null;
  const full = run.trigger !== 'devices';
  return {
    strategy: row?.strategy ?? null,
    unknown,
    async *unknownCards(withoutSerial) {
      for (let offset = 0; ; offset += 1000) {
        const page = await listUnknownCards(db, run.id, { withoutSerial, limit: 1000, offset });
        for (const card of page) yield { ...card, url: glpiFormUrl(glpiBase, card.itemtype, card.glpiId) };
        if (page.length < 1000) return;
      }
    },
    changes: full ? await changeSummary(db, run.id) : null,
    statusChanges: (change, status) => listStatusChanges(db, run.id, { change, status, limit: CHANGE_LIST_LIMIT }),
  };
}

const LABELS: Record<ResultStatus, string> = {
  found: 'found',
  conflict: 'conflicts',
  not_found: 'not found',
  error: 'errors',
};

function countsLine(label: string, c: { new: number; resolved: number; persisting: number }): string {
  return `${label}: ${c.new} new, ${c.resolved} resolved, ${c.persisting} persisting`;
}

export function strategyLine(fleet: FleetView): string {
  return fleet.strategy === 'scan'
    ? 'scan (every GLPI card read page by page, classified locally)'
    : fleet.strategy === 'search'
      ? 'search (serials looked up ~50 per request)'
      : 'not recorded';
}

function clean(value: string | null): string {
  // eslint-disable-next-line no-control-regex
  const text = (value ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return text === '' ? '-' : text;
}

/** The text report's fleet sections. */
export async function writeFleetText(fleet: FleetView, out: Sink): Promise<void> {
  await out.write(`\nStrategy: ${strategyLine(fleet)}\n`);
  await writeUnknownText(fleet, out);
  await writeChangesText(fleet, out);
}

/** The reverse check as text (`npm run report -- --unknown`). */
export async function writeUnknownText(fleet: FleetView, out: Sink): Promise<void> {
  if (!fleet.unknown) {
    await out.write('\nIn GLPI, not in the inventory: not checked in this run\n');
  } else {
    await out.write(
      `\nIn GLPI, not in the inventory: ${fleet.unknown.withSerial} (live cards, in scope, whose serial no active device has)\n`,
    );
    for await (const card of fleet.unknownCards(false)) await out.write(unknownLine(card));
    await out.write(`\nIn GLPI without a serial: ${fleet.unknown.withoutSerial}\n`);
    for await (const card of fleet.unknownCards(true)) await out.write(unknownLine(card));
  }
}

/** The changes as text (`npm run report -- --changes`). */
export async function writeChangesText(fleet: FleetView, out: Sink): Promise<void> {
  if (!fleet.changes) {
    await out.write('\nChanges: none for a check of chosen devices (changes compare full checks)\n');
    return;
  }
  const { changes } = fleet;
  if (changes.previousRunId === null) {
    await out.write('\nChanges: nothing to compare with (no earlier completed full check)\n');
    return;
  }
  await out.write(`\nChanges since run ${changes.previousRunId} (started ${changes.previousStartedAt})\n`);
  for (const status of CHANGE_STATUSES) await out.write(`  ${countsLine(LABELS[status], changes.byStatus[status])}\n`);
  for (const [kind, counts] of Object.entries(changes.byFinding))
    await out.write(`  ${countsLine(`finding ${kind}`, counts)}\n`);
  for (const status of CHANGE_STATUSES) {
    for (const change of ['new', 'resolved'] as const) {
      if (changes.byStatus[status][change] === 0) continue;
      await out.write(`\n  ${change === 'new' ? 'New' : 'Resolved'} ${LABELS[status]}:\n`);
      for (const row of await fleet.statusChanges(change, status)) {
        await out.write(
          `    ${clean(row.serial).padEnd(20)}  ${clean(row.name).padEnd(20)}  ${row.before ?? '(not checked)'} → ${row.after ?? '(not checked)'}\n`,
        );
      }
    }
  }
}

function unknownLine(card: UnknownCard & { url: string | null }): string {
  return `  ${`${card.itemtype} #${card.glpiId}`.padEnd(16)}  ${clean(card.serial).padEnd(20)}  ${clean(card.name).padEnd(20)}  ${clean(card.location).padEnd(24)}  ${clean(card.statusName)}${card.url ? `  ${card.url}` : ''}\n`;
}

/** The JSON report's fleet keys (written after the others, each on its own line). */
export async function writeFleetJson(fleet: FleetView, out: Sink): Promise<void> {
  await out.write(`,\n  "strategy": ${JSON.stringify(fleet.strategy)}`);
  await out.write(`,\n  "unknownCards": `);
  await writeUnknownJson(fleet, out);
  await out.write(`,\n  "changes": `);
  await writeChangesJson(fleet, out);
}

/** The reverse check as one JSON value (null: not checked). */
export async function writeUnknownJson(fleet: FleetView, out: Sink): Promise<void> {
  if (!fleet.unknown) {
    await out.write('null');
  } else {
    await out.write(
      `{"count": ${fleet.unknown.withSerial}, "withoutSerialCount": ${fleet.unknown.withoutSerial}, "cards": [`,
    );
    await jsonList(fleet.unknownCards(false), out);
    await out.write(`], "withoutSerial": [`);
    await jsonList(fleet.unknownCards(true), out);
    await out.write(']}');
  }
}

/** The changes as one JSON value (null: a check of chosen devices; previousRunId null: nothing to compare with). */
export async function writeChangesJson(fleet: FleetView, out: Sink): Promise<void> {
  if (!fleet.changes) {
    await out.write('null');
    return;
  }
  const lists: Record<string, Record<string, StatusChange[]>> = { new: {}, resolved: {} };
  if (fleet.changes.previousRunId !== null) {
    for (const change of ['new', 'resolved'] as const) {
      for (const status of CHANGE_STATUSES) lists[change][status] = await fleet.statusChanges(change, status);
    }
  }
  await out.write(JSON.stringify({ ...fleet.changes, devices: lists }));
}

async function jsonList(items: AsyncIterable<object>, out: Sink): Promise<void> {
  let first = true;
  for await (const item of items) {
    await out.write(`${first ? '' : ','}\n    ${JSON.stringify(item)}`);
    first = false;
  }
}

/** The CSV report's fleet rows, in its columns (status, device_id, serial, name, model, location, glpi_ids, glpi_links, error, finding). */
export async function* fleetCsvRows(
  fleet: FleetView,
  parts: { unknown: boolean; changes: boolean } = { unknown: true, changes: true },
): AsyncGenerator<(string | number | null)[]> {
  if (fleet.unknown && parts.unknown) {
    for (const withoutSerial of [false, true]) {
      for await (const card of fleet.unknownCards(withoutSerial)) {
        yield [
          withoutSerial ? 'unknown_card_no_serial' : 'unknown_card',
          null,
          card.serial,
          card.name,
          null,
          card.location,
          card.glpiId,
          card.url,
          null,
          withoutSerial ? 'in GLPI without a serial' : 'in GLPI, not in the inventory',
        ];
      }
    }
  }
  if (!parts.changes || !fleet.changes || fleet.changes.previousRunId === null) return;
  for (const status of CHANGE_STATUSES) {
    for (const change of ['new', 'resolved'] as const) {
      for (const row of await fleet.statusChanges(change, status)) {
        yield [
          `change_${change}`,
          row.deviceId,
          row.serial,
          row.name,
          null,
          null,
          null,
          null,
          null,
          `${change} ${LABELS[status]} since run ${fleet.changes.previousRunId}: ${row.before ?? 'not checked'} → ${row.after ?? 'not checked'}`,
        ];
      }
    }
  }
}

/** The HTML report's fleet sections (escape: the HTML writer's escapeHtml). */
export async function writeFleetHtml(fleet: FleetView, out: Sink, escape: (value: string) => string): Promise<void> {
  const td = (value: string | null) => (value === null ? '<td class="none">—</td>' : `<td>${escape(value)}</td>`);
  await out.write(
    `<section class="category fleet" id="strategy"><header><h2>How GLPI was asked</h2><p class="hint">${escape(strategyLine(fleet))}</p></header></section>\n`,
  );
  await out.write(`<section class="category fleet" id="unknown-cards"><header><h2>In GLPI, not in the inventory`);
  if (!fleet.unknown) {
    await out.write(`</h2></header>\n<p class="empty">Not checked in this run.</p>\n</section>\n`);
  } else {
    await out.write(
      `<span class="count">${fleet.unknown.withSerial}</span></h2><p class="hint">Live GLPI cards in scope whose serial no active device has; ${fleet.unknown.withoutSerial} more have no serial (listed after them).</p></header>\n`,
    );
    await out.write(
      `<div class="table-scroll"><table class="sortable">\n<thead><tr>${['GLPI card', 'Serial', 'Name', 'Location', 'State', 'Entity'].map((t) => `<th scope="col"><button type="button">${t}</button></th>`).join('')}</tr></thead>\n<tbody>\n`,
    );
    for (const withoutSerial of [false, true]) {
      for await (const card of fleet.unknownCards(withoutSerial)) {
        const label = `${escape(card.itemtype)} #${card.glpiId}`;
        const link =
          card.url && /^https?:\/\//i.test(card.url)
            ? `<a class="asset" href="${escape(card.url)}" target="_blank" rel="noopener noreferrer">${label}</a>`
            : label;
        await out.write(
          `<tr><td data-sort="${card.glpiId}">${link}</td>${td(card.serial)}${td(card.name)}${td(card.location)}${td(card.statusName)}${td(card.entity)}</tr>\n`,
        );
      }
    }
    await out.write('</tbody>\n</table></div>\n</section>\n');
  }
  if (!fleet.changes) return;
  const { changes } = fleet;
  await out.write(
    `<section class="category fleet" id="changes"><header><h2>Changes since the previous full check</h2>`,
  );
  if (changes.previousRunId === null) {
    await out.write(
      `</header>\n<p class="empty">Nothing to compare with: no earlier completed full check.</p>\n</section>\n`,
    );
    return;
  }
  await out.write(
    `<p class="hint">Compared with run ${changes.previousRunId} (started ${escape(changes.previousStartedAt ?? '')}).</p></header>\n<table>\n<thead><tr><th scope="col">Status or finding</th><th scope="col">New</th><th scope="col">Resolved</th><th scope="col">Persisting</th></tr></thead>\n<tbody>\n`,
  );
  const rows: [string, { new: number; resolved: number; persisting: number }][] = [
    ...CHANGE_STATUSES.map((status): [string, (typeof changes.byStatus)[ResultStatus]] => [
      LABELS[status],
      changes.byStatus[status],
    ]),
    ...Object.entries(changes.byFinding).map(([kind, counts]): [string, typeof counts] => [`finding ${kind}`, counts]),
  ];
  for (const [label, c] of rows) {
    await out.write(`<tr>${td(label)}<td>${c.new}</td><td>${c.resolved}</td><td>${c.persisting}</td></tr>\n`);
  }
  await out.write('</tbody>\n</table>\n');
  for (const status of CHANGE_STATUSES) {
    for (const change of ['new', 'resolved'] as const) {
      if (changes.byStatus[status][change] === 0) continue;
      await out.write(
        `<h3>${change === 'new' ? 'New' : 'Resolved'} ${LABELS[status]}</h3>\n<table>\n<thead><tr><th scope="col">Serial</th><th scope="col">Name</th><th scope="col">Before → after</th></tr></thead>\n<tbody>\n`,
      );
      for (const row of await fleet.statusChanges(change, status)) {
        await out.write(
          `<tr>${td(row.serial)}${td(row.name)}${td(`${row.before ?? 'not checked'} → ${row.after ?? 'not checked'}`)}</tr>\n`,
        );
      }
      await out.write('</tbody>\n</table>\n');
    }
  }
  await out.write('</section>\n');
}
