/**
 * The pages, as HTML strings built from data the routes loaded: the runs list with its chart,
 * a run (totals, live progress while it runs, the filtered device list), a device.
 */
import { duration } from '../core/duration';
import { FINDING_KINDS, FINDING_LABELS, describeFinding, type Finding } from '../core/findings';
import { RESULT_STATUSES, type ResultStatus } from '../core/results';
import type { GlpiRef, ReportRun, ReportTotals } from '../reports/model';
import { glpiRefs, type LinkOptions } from '../reports/query';
import { count, scopeLine, statusLabel, timestamp } from '../reports/values';
import { glpiFormUrl } from '../reports/glpi-links';
import {
  DEFAULT_PAGE_SIZE,
  filterParams,
  isFiltered,
  PAGE_SIZES,
  runQueryString,
  SORT_COLUMNS,
  type RunQuery,
  type SortColumn,
} from './filters';
import { bdi, esc, glpiCardsTable, layout, safeHref, statusBadge } from './html';
import type { LiveState } from './live';
import {
  FACET_COLUMNS,
  type FacetColumn,
  type HistoryRow,
  type ResultPage,
  type ResultRow,
  type RunListRow,
} from './query';

export interface PageContext {
  timeZone: string;
  links: LinkOptions;
  now: Date;
  latestRunId: number | null;
}

const STATUS_WORDS: Record<ResultStatus, string> = {
  found: 'Found',
  conflict: 'Conflicts',
  not_found: 'Not found',
  error: 'Errors',
};

function totalOf(
  totals: Pick<ReportTotals, 'found' | 'conflicts' | 'notFound' | 'errors'>,
  status: ResultStatus,
): number {
  if (status === 'found') return totals.found;
  if (status === 'conflict') return totals.conflicts;
  if (status === 'not_found') return totals.notFound;
  return totals.errors;
}

function findingLabel(kind: string): string {
  return (FINDING_LABELS as Record<string, string>)[kind] ?? kind.replace(/_/g, ' ');
}

function runDurationText(run: { durationMs: number | null; startedAt: Date; finishedAt: Date | null }, now: Date) {
  if (run.durationMs !== null) return duration(run.durationMs);
  if (run.finishedAt) return duration(run.finishedAt.getTime() - run.startedAt.getTime());
  return `${duration(now.getTime() - run.startedAt.getTime())} so far`;
}

// ---------------------------------------------------------------- runs list

export interface RunsPageData {
  runs: RunListRow[];
  /** Findings per kind of each listed run. */
  findings: Map<number, Map<string, number>>;
  /** Live counts of the runs still going (their row totals are written when they finish). */
  liveTotals: Map<number, ReportTotals>;
  /** The finished full checks of the chart, oldest first. */
  chart: RunListRow[];
  olderThan: number | null;
}

/** Stacked bars of the statuses of the last nights, drawn on the server (no script needed). */
export function totalsChart(runs: RunListRow[], timeZone: string): string {
  if (runs.length === 0)
    return '<p class="placeholder">No finished full check yet: the chart appears after the first one.</p>';
  const width = 760;
  const height = 200;
  const left = 70;
  const bottom = 34;
  const plotHeight = height - bottom - 10;
  const max = Math.max(1, ...runs.map((r) => r.found + r.conflicts + r.notFound + r.errors));
  const slot = (width - left) / Math.max(runs.length, 8);
  const barWidth = Math.max(4, Math.min(36, slot * 0.7));
  const bars = runs.map((run, i) => {
    const x = left + i * slot + (slot - barWidth) / 2;
    let y = height - bottom;
    const rects = RESULT_STATUSES.map((status) => {
      const value = totalOf(run, status);
      const h = (value / max) * plotHeight;
      y -= h;
      return value > 0
        ? `<rect class="${status}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${h.toFixed(1)}"></rect>`
        : '';
    }).join('');
    const day = timestamp(run.startedAt, timeZone).slice(5, 10);
    const label =
      `Run ${run.id}, ${timestamp(run.startedAt, timeZone)}: ` +
      RESULT_STATUSES.map((s) => `${count(totalOf(run, s))} ${STATUS_WORDS[s].toLowerCase()}`).join(', ');
    return `<a href="/runs/${run.id}" aria-label="${esc(label)}"><g><title>${esc(label)}</title>${rects}<text x="${(x + barWidth / 2).toFixed(1)}" y="${height - 16}" text-anchor="middle">${esc(day)}</text><text x="${(x + barWidth / 2).toFixed(1)}" y="${height - 3}" text-anchor="middle">#${run.id}</text></g></a>`;
  });
  const grid = [0, 0.5, 1]
    .map((f) => {
      const y = height - bottom - f * plotHeight;
      return `<line x1="${left}" x2="${width}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e3e6ea"></line><text x="${left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(count(Math.round(max * f)))}</text>`;
    })
    .join('');
  const legend = RESULT_STATUSES.map(
    (s) => `<li><span class="swatch ${s}" aria-hidden="true"></span>${esc(STATUS_WORDS[s])}</li>`,
  ).join('');
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="chart-title">
<title id="chart-title">Results of the last ${runs.length} finished full checks, by status</title>
${grid}${bars.join('')}
</svg>
<ul class="legend">${legend}</ul>`;
}

export function runsPage(data: RunsPageData, ctx: PageContext): string {
  const rows = data.runs.map((run) => {
    const live = data.liveTotals.get(run.id);
    const totals = live ?? run;
    const findings = data.findings.get(run.id);
    const findingText = findings
      ? [...findings.entries()].map(([kind, n]) => `${count(n)} ${findingLabel(kind)}`).join(', ')
      : '';
    return `<tr>
<td class="num"><a href="/runs/${run.id}">Run ${run.id}</a></td>
<td class="nowrap">${esc(run.trigger)}</td>
<td class="mono nowrap">${esc(timestamp(run.startedAt, ctx.timeZone))}</td>
<td class="num">${esc(runDurationText(run, ctx.now))}</td>
<td>${statusBadge(run.status)}${run.failureReason ? `<br><span class="sub">${bdi(run.failureReason)}</span>` : ''}</td>
<td class="num">${esc(count(live ? live.checked : run.total))}${live ? ` <span class="sub">of ${esc(count(live.total))}</span>` : ''}</td>
${RESULT_STATUSES.map((s) => `<td class="num">${esc(count(totalOf(totals, s)))}</td>`).join('')}
<td>${findingText ? esc(findingText) : '<span class="none">none</span>'}</td>
</tr>`;
  });
  const body = `<h1>Check runs</h1>
<p class="sub">Every check, newest first. A running check shows its live progress on its page.</p>
<section class="panel" aria-labelledby="chart-heading">
<h2 id="chart-heading" class="flush">The last nights</h2>
${totalsChart(data.chart, ctx.timeZone)}
</section>
<h2 id="runs-heading">Runs</h2>
${
  data.runs.length === 0
    ? '<p class="notice info">No check has run yet. Start one with <code>npm run start-check</code>.</p>'
    : `<div class="table-scroll"><table aria-labelledby="runs-heading">
<thead><tr><th class="num">Run</th><th>Trigger</th><th>Started (${esc(ctx.timeZone)})</th><th class="num">Duration</th><th>Outcome</th><th class="num">Devices</th>${RESULT_STATUSES.map((s) => `<th class="num">${esc(STATUS_WORDS[s])}</th>`).join('')}<th>Findings</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`
}
${data.olderThan !== null ? `<p class="pager"><a class="button secondary" href="/?before=${data.olderThan}">Older runs</a></p>` : ''}`;
  return layout({ title: 'Runs', nav: 'runs', body, latestRunId: ctx.latestRunId });
}

// ---------------------------------------------------------------- a run

export interface RunPageData {
  run: ReportRun;
  totals: ReportTotals;
  findingKinds: Map<string, number>;
  query: RunQuery;
  page: ResultPage;
  /** How many results the filter matches (exact for no filter or a status; capped otherwise). */
  matching: { count: number; capped: boolean };
  facets: Record<FacetColumn, string[]>;
  /** null when the run is not running. */
  live: LiveState | null;
  sections: { id: string; title: string; html: string }[];
}

const COLUMN_TITLES: Record<SortColumn, string> = {
  device: 'Device',
  serial: 'Serial',
  name: 'Name',
  model: 'Model',
  location: 'Location',
  organisation: 'Organisation',
  status: 'Status',
};

/** The progress panel's texts, the same in the page and in the JSON the script polls. */
export interface LiveView {
  state: string;
  stateText: string;
  message: string;
  fields: Record<string, string>;
  percent: number | null;
  conflicts: { href: string; serial: string; text: string }[];
  finished: boolean;
}

export function liveView(live: LiveState, runId: number, finished: boolean): LiveView {
  if (live.state !== 'progress') {
    const stateText =
      live.state === 'no_worker'
        ? 'Waiting: no worker is polling'
        : live.state === 'unreachable'
          ? 'Temporal cannot be reached: the progress is unknown'
          : 'The workflow is not running';
    return { state: live.state, stateText, message: live.message, fields: {}, percent: null, conflicts: [], finished };
  }
  const p = live.progress;
  const fields: Record<string, string> = {
    checked: count(p.checked),
    total: count(p.total),
    percent: `${p.percent} %`,
    found: count(p.found),
    conflicts: count(p.conflicts),
    notFound: count(p.notFound),
    errors: count(p.errors),
    batches: `${count(p.batchesDone)} of ${count(p.batchesTotal)}`,
    elapsed: duration(p.elapsedMs),
    eta: p.etaMs === null ? 'not known yet' : duration(p.etaMs),
    workers: String(live.workers),
    phase: p.phase,
  };
  return {
    state: live.state,
    stateText: p.phase === 'planning' ? 'Planning the batches' : p.phase === 'finishing' ? 'Finishing' : 'Checking',
    message: '',
    fields,
    percent: p.percent,
    conflicts: p.recentConflicts.map((c) => ({
      href: `/devices/${c.deviceId}?run=${runId}`,
      serial: c.serial,
      text: `${c.name ? `${c.name} — ` : ''}GLPI ${c.glpiIds.map((id) => `#${id}`).join(', ')}`,
    })),
    finished,
  };
}

function livePanel(data: RunPageData): string {
  if (!data.live) return '';
  const view = liveView(data.live, data.run.id, false);
  const field = (name: string, label: string) =>
    `<div><dt>${esc(label)}</dt><dd data-live="${name}">${esc(view.fields[name] ?? '—')}</dd></div>`;
  const conflicts = view.conflicts.length
    ? view.conflicts.map((c) => `<li><a href="${esc(c.href)}">${esc(c.serial)}</a> ${esc(c.text)}</li>`).join('')
    : '<li class="none">none so far</li>';
  return `<section class="panel live" aria-labelledby="live-heading" data-progress-url="/runs/${data.run.id}/progress.json" data-interval-ms="2000" data-state="${esc(view.state)}">
<h2 id="live-heading" class="flush">Live progress</h2>
<p role="status" aria-live="polite"><strong data-live="state">${esc(view.stateText)}</strong> <span data-live="message">${esc(view.message)}</span></p>
<p data-live-finished hidden class="notice info">This check has finished. <a href="/runs/${data.run.id}">Show its results</a></p>
<label for="live-bar" class="sub">Checked <span data-live="checked">${esc(view.fields.checked ?? '—')}</span> of <span data-live="total">${esc(view.fields.total ?? '—')}</span> (<span data-live="percent">${esc(view.fields.percent ?? '—')}</span>)</label>
<progress id="live-bar" max="100" value="${view.percent ?? 0}"></progress>
<dl class="live-grid">
${field('found', 'Found')}${field('conflicts', 'Conflicts')}${field('notFound', 'Not found')}${field('errors', 'Errors')}
${field('batches', 'Batches done')}${field('elapsed', 'Elapsed')}${field('eta', 'Time left (ETA)')}${field('workers', 'Workers polling')}
</dl>
<h3>Recent conflicts</h3>
<ul class="plain" data-live-list="conflicts">${conflicts}</ul>
</section>`;
}

function totalsCards(data: RunPageData): string {
  const { totals, query } = data;
  const base = { ...query.filter, status: undefined, finding: undefined };
  const link = (filter: Partial<RunQuery['filter']>) =>
    `/runs/${data.run.id}${runQueryString({ ...base, ...filter }, query.size)}#devices`;
  // While the run goes on, the script keeps the counts moving (the same fields as the live panel).
  const liveField: Record<string, string> = {
    total: 'checked',
    found: 'found',
    conflict: 'conflicts',
    not_found: 'notFound',
    error: 'errors',
  };
  const card = (cls: string, label: string, value: number, href: string, current: boolean) =>
    `<a class="card ${cls}" href="${esc(href)}"${current ? ' aria-current="true"' : ''}><span class="label">${esc(label)}</span><span class="value"${
      data.live && liveField[cls] ? ` data-live="${liveField[cls]}"` : ''
    }>${esc(count(value))}</span></a>`;
  const noFilter = query.filter.status === undefined && query.filter.finding === undefined;
  return `<div class="totals">
${card('total', totals.checked < totals.total ? `Checked of ${count(totals.total)}` : 'Devices', totals.checked, link({}), noFilter)}
${RESULT_STATUSES.map((s) => card(s, STATUS_WORDS[s], totalOf(totals, s), link({ status: s }), query.filter.status === s)).join('\n')}
${card('finding', 'Findings', totals.findings, link({ finding: 'any' }), query.filter.finding !== undefined)}
</div>${
    data.findingKinds.size
      ? `<p class="sub">Findings by kind: ${[...data.findingKinds.entries()]
          .map(
            ([kind, n]) => `<a href="${esc(link({ finding: kind }))}">${esc(count(n))} ${esc(findingLabel(kind))}</a>`,
          )
          .join(', ')}</p>`
      : ''
  }`;
}

function select(name: string, label: string, options: { value: string; text: string }[], current: string | undefined) {
  return `<label>${esc(label)}<select name="${name}">${options
    .map(
      (o) => `<option value="${esc(o.value)}"${o.value === (current ?? '') ? ' selected' : ''}>${esc(o.text)}</option>`,
    )
    .join('')}</select></label>`;
}

function filterForm(data: RunPageData): string {
  const { filter, size } = data.query;
  const facet = (column: FacetColumn, label: string) => {
    const id = `facet-${column}`;
    return `<label>${esc(label)}<input name="${column}" list="${id}" value="${esc(filter[column] ?? '')}" autocomplete="off" placeholder="any"></label>
<datalist id="${id}">${data.facets[column].map((v) => `<option value="${esc(v)}"></option>`).join('')}</datalist>`;
  };
  return `<form class="filters panel" method="get" action="/runs/${data.run.id}#devices" data-filters role="search" aria-label="Filter the devices">
<label>Serial or name<input type="search" name="q" value="${esc(filter.q ?? '')}" placeholder="e.g. CN12345"></label>
${select('status', 'Status', [{ value: '', text: 'any' }, ...RESULT_STATUSES.map((s) => ({ value: s, text: statusLabel(s as never) }))], filter.status)}
${select('finding', 'Finding', [{ value: '', text: 'any or none' }, { value: 'any', text: 'with a finding' }, ...FINDING_KINDS.map((k) => ({ value: k, text: FINDING_LABELS[k] }))], filter.finding)}
${FACET_COLUMNS.map((c) => facet(c, COLUMN_TITLES[c])).join('\n')}
${select(
  'sort',
  'Sort by',
  SORT_COLUMNS.map((c) => ({ value: c === 'device' ? '' : c, text: COLUMN_TITLES[c] })),
  filter.sort === 'device' ? '' : filter.sort,
)}
${select(
  'dir',
  'Order',
  [
    { value: '', text: 'ascending' },
    { value: 'desc', text: 'descending' },
  ],
  filter.dir === 'asc' ? '' : filter.dir,
)}
${select(
  'size',
  'Per page',
  PAGE_SIZES.map((n) => ({ value: n === DEFAULT_PAGE_SIZE ? '' : String(n), text: String(n) })),
  size === DEFAULT_PAGE_SIZE ? '' : String(size),
)}
<div class="actions"><button type="submit">Apply</button>${isFiltered(filter) ? `<a class="button secondary" href="/runs/${data.run.id}#devices">Clear</a>` : ''}</div>
</form>`;
}

function glpiCell(row: ResultRow, links: LinkOptions): string {
  const refs = glpiRefs(row.glpiIds, row.glpiItems, links);
  if (refs.length === 0) return '<span class="none">—</span>';
  return refs.map((ref) => glpiRefLink(ref)).join(', ');
}

function glpiRefLink(ref: GlpiRef): string {
  const label = `#${ref.id}`;
  const href = safeHref(ref.url);
  const title = ref.name ? ` title="${esc(`${ref.itemtype} ${ref.name}`)}"` : '';
  return href ? `<a href="${href}"${title} rel="noreferrer">${esc(label)}</a>` : `<span${title}>${esc(label)}</span>`;
}

function notesCell(row: { status: ResultStatus; errorMessage: string | null; findings: Finding[] }): string {
  const notes: string[] = [];
  if (row.status === 'error')
    notes.push(`<span class="status error">error</span> ${bdi(row.errorMessage ?? 'unknown error')}`);
  for (const finding of row.findings)
    notes.push(`<span class="status finding">finding</span> ${bdi(describeFinding(finding))}`);
  return notes.length ? notes.join('<br>') : '<span class="none">—</span>';
}

function sortHeader(data: RunPageData, column: SortColumn, extraClass = ''): string {
  const { filter, size } = data.query;
  const active = filter.sort === column;
  const dir = active && filter.dir === 'asc' ? 'desc' : 'asc';
  const href = `/runs/${data.run.id}${runQueryString({ ...filter, sort: column, dir }, size)}#devices`;
  const sortState = active ? ` aria-sort="${filter.dir === 'asc' ? 'ascending' : 'descending'}"` : '';
  const arrow = active ? (filter.dir === 'asc' ? ' ▲' : ' ▼') : '';
  return `<th scope="col"${sortState}${extraClass ? ` class="${extraClass}"` : ''}><a href="${esc(href)}">${esc(COLUMN_TITLES[column])}${arrow}<span class="skip">, sort</span></a></th>`;
}

function deviceTable(data: RunPageData, links: LinkOptions): string {
  const { page, query } = data;
  if (page.rows.length === 0) {
    return `<p class="notice info">${query.cursor ? 'No more devices on this side of the list.' : 'No device of this run matches the filter.'}</p>`;
  }
  const rows = page.rows.map(
    (row) => `<tr>
<td class="num"><a href="/devices/${row.deviceId}?run=${data.run.id}">#${row.deviceId}</a></td>
<td class="mono nowrap"><a href="/devices/${row.deviceId}?run=${data.run.id}">${bdi(row.serial)}</a></td>
<td>${bdi(row.name)}</td>
<td class="hide-narrow">${bdi(row.model)}</td>
<td>${bdi(row.location)}</td>
<td class="hide-narrow">${bdi(row.organisation)}</td>
<td>${statusBadge(row.status)}</td>
<td>${glpiCell(row, links)}</td>
<td>${notesCell(row)}</td>
</tr>`,
  );
  return `<div class="table-scroll"><table aria-label="Devices of run ${data.run.id}">
<thead><tr>${sortHeader(data, 'device', 'num')}${sortHeader(data, 'serial')}${sortHeader(data, 'name')}${sortHeader(data, 'model', 'hide-narrow')}${sortHeader(data, 'location')}${sortHeader(data, 'organisation', 'hide-narrow')}${sortHeader(data, 'status')}<th scope="col">GLPI cards</th><th scope="col">Error or findings</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>`;
}

function pager(data: RunPageData): string {
  const { page, query, run } = data;
  const first = `/runs/${run.id}${runQueryString(query.filter, query.size)}#devices`;
  const prev = page.previous
    ? `/runs/${run.id}${runQueryString(query.filter, query.size, { before: page.previous })}#devices`
    : null;
  const next = page.next
    ? `/runs/${run.id}${runQueryString(query.filter, query.size, { after: page.next })}#devices`
    : null;
  const link = (href: string | null, text: string, rel: string) =>
    href
      ? `<a class="button secondary" href="${esc(href)}" rel="${rel}">${text}</a>`
      : `<span class="button secondary" aria-disabled="true">${text}</span>`;
  const matching = `${data.matching.capped ? 'more than ' : ''}${count(data.matching.count)} device${data.matching.count === 1 && !data.matching.capped ? '' : 's'} match`;
  return `<nav class="pager" aria-label="Pages">
<span role="status">${esc(matching)}${page.rows.length ? `; showing ${count(page.rows.length)}` : ''}</span>
<span class="links">${link(query.cursor ? first : null, 'First', 'first')}${link(prev, '← Previous', 'prev')}${link(next, 'Next →', 'next')}</span>
</nav>`;
}

export function runPage(data: RunPageData, ctx: PageContext): string {
  const { run } = data;
  const scope = scopeLine(run);
  const csv = `/runs/${run.id}/devices.csv${(() => {
    const text = filterParams(data.query.filter).toString();
    return text ? `?${text}` : '';
  })()}`;
  const body = `<p class="sub"><a href="/">Runs</a> › Run ${run.id}</p>
<h1>Run ${run.id} ${statusBadge(run.status)}</h1>
<dl class="meta panel">
<div><dt>Trigger</dt><dd>${esc(run.trigger)}</dd></div>
<div><dt>Started</dt><dd>${esc(timestamp(run.startedAt, ctx.timeZone))}</dd></div>
<div><dt>Finished</dt><dd>${esc(timestamp(run.finishedAt, ctx.timeZone))}</dd></div>
<div><dt>Duration</dt><dd>${esc(runDurationText(run, ctx.now))}</dd></div>
<div><dt>Workflow</dt><dd class="mono">${bdi(run.workflowId)}</dd></div>
</dl>
${run.failureReason ? `<p class="notice">Failed: ${bdi(run.failureReason)}</p>` : ''}
${scope ? `<p class="notice ${scope.warning ? 'warn' : 'info'}">${esc(scope.text)}</p>` : ''}
${livePanel(data)}
<h2>Totals</h2>
${totalsCards(data)}
<div class="sections">${data.sections.map((s) => `<section id="${esc(s.id)}" class="panel" aria-labelledby="${esc(s.id)}-heading"><h2 id="${esc(s.id)}-heading" class="flush">${esc(s.title)}</h2>${s.html}</section>`).join('\n')}</div>
<h2 id="devices">Devices</h2>
${filterForm(data)}
<p class="actions"><a class="button secondary" href="${esc(csv)}" download>Export these devices as CSV</a><span class="sub">every device the filter matches, in this order</span></p>
${pager(data)}
${deviceTable(data, ctx.links)}
${data.page.rows.length ? pager(data) : ''}`;
  return layout({
    title: `Run ${run.id}`,
    nav: run.id === ctx.latestRunId ? 'run' : 'none',
    body,
    latestRunId: ctx.latestRunId,
  });
}

// ---------------------------------------------------------------- a device

export interface DevicePageData {
  device: {
    id: number;
    serial: string;
    serialNormalized: string;
    name: string | null;
    model: string | null;
    location: string | null;
    organisation: string | null;
    active: boolean;
    createdAt: Date;
    updatedAt: Date;
  };
  history: HistoryRow[];
  /** The run the visitor came from (?run=), if the device has a result in it. */
  fromRun: number | null;
}

export function devicePage(data: DevicePageData, ctx: PageContext): string {
  const { device, history } = data;
  const current = (data.fromRun !== null ? history.find((h) => h.runId === data.fromRun) : undefined) ?? history[0];
  const refs = current ? glpiRefs(current.glpiIds, current.glpiItems, ctx.links) : [];
  const cards = refs.length
    ? glpiCardsTable('GLPI cards', refs, true)
    : `<p class="placeholder">${current ? 'No GLPI card has this serial in that run.' : 'This device has not been checked yet.'}</p>`;
  const findingLinks = current?.findings.length
    ? `<ul class="findings">${current.findings
        .map((f) => {
          // no_serial is about the inventory row: there is no card to link.
          const href = 'glpiId' in f ? safeHref(glpiFormUrl(ctx.links.glpiBase, f.itemtype, f.glpiId)) : null;
          return `<li><span class="status finding">finding</span> ${bdi(describeFinding(f))}${href && 'glpiId' in f ? ` — <a href="${href}" rel="noreferrer">open card #${f.glpiId}</a>` : ''}</li>`;
        })
        .join('')}</ul>`
    : '';
  const historyRows = history.map(
    (h) => `<tr${h.runId === current?.runId ? ' aria-current="true"' : ''}>
<td class="num"><a href="/runs/${h.runId}">Run ${h.runId}</a></td>
<td class="mono nowrap">${esc(timestamp(h.checkedAt, ctx.timeZone))}</td>
<td>${esc(h.trigger)}</td>
<td>${statusBadge(h.status)}</td>
<td>${h.glpiIds.length ? esc(h.glpiIds.map((id) => `#${id}`).join(', ')) : '<span class="none">—</span>'}</td>
<td>${notesCell(h)}</td>
</tr>`,
  );
  const field = (label: string, value: string) => `<div><dt>${esc(label)}</dt><dd>${value}</dd></div>`;
  const body = `<p class="sub"><a href="/">Runs</a>${current ? ` › <a href="/runs/${current.runId}">Run ${current.runId}</a>` : ''} › Device #${device.id}</p>
<h1><span class="mono">${bdi(device.serial)}</span> ${current ? statusBadge(current.status) : ''}</h1>
<p class="sub">${bdi(device.name)}</p>
<h2>Inventory</h2>
<dl class="meta panel">
${field('Serial', `<span class="mono">${bdi(device.serial)}</span>`)}
${field('Serial as compared', `<span class="mono">${bdi(device.serialNormalized)}</span>`)}
${field('Name', bdi(device.name))}
${field('Model', bdi(device.model))}
${field('Location', bdi(device.location))}
${field('Organisation', bdi(device.organisation))}
${field('Active', device.active ? 'yes' : 'no (deactivated: not checked)')}
${field('Imported', esc(timestamp(device.createdAt, ctx.timeZone)))}
${field('Last changed', esc(timestamp(device.updatedAt, ctx.timeZone)))}
</dl>
<h2>GLPI cards${current ? ` in run ${current.runId}` : ''}</h2>
${current?.status === 'error' ? `<p class="notice">The lookup failed: ${bdi(current.errorMessage ?? 'unknown error')}</p>` : ''}
${cards}
${findingLinks}
<h2>History</h2>
${
  history.length
    ? `<div class="table-scroll"><table aria-label="Results of this device across runs">
<thead><tr><th class="num">Run</th><th>Checked (${esc(ctx.timeZone)})</th><th>Trigger</th><th>Status</th><th>GLPI ids</th><th>Error or findings</th></tr></thead><tbody>
${historyRows.join('\n')}
</tbody></table></div>${history.length >= 100 ? '<p class="sub">The latest 100 results.</p>' : ''}`
    : '<p class="placeholder">No run has checked this device yet.</p>'
}`;
  return layout({ title: `Device ${device.serial}`, nav: 'device', body, latestRunId: ctx.latestRunId });
}
