/**
 * The HTML report: one self-contained page (inline style and script, a Content-Security-Policy
 * that forbids any request) with the totals on top and a sortable, filterable table per category.
 * Every value from the database or GLPI goes through escapeHtml.
 */
import { findingCountsText } from '../core/findings';
import { writeFleetHtml } from './fleet';
import {
  CATEGORIES,
  categoryCount,
  type FindingRow,
  type ProblemCategory,
  type ProblemRow,
  type Report,
} from './model';
import { SCRIPT, STYLE } from './html-assets';
import type { Sink } from './sink';
import {
  CATEGORY_HINTS,
  CATEGORY_TITLES,
  checkedNote,
  count,
  FINDINGS_HINT,
  FINDINGS_TITLE,
  runDuration,
  scopeLine,
  statusLabel,
  timestamp,
} from './values';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Links open GLPI only: anything else in a URL (another scheme) is not made a link. */
function safeHref(url: string | null): string | null {
  return url !== null && /^https?:\/\//i.test(url) ? escapeHtml(url) : null;
}

const SECTION_IDS: Record<ProblemCategory, string> = { conflict: 'conflicts', not_found: 'not-found', error: 'errors' };
const FINDINGS_ID = 'findings';

const COLUMNS: Record<ProblemCategory, string[]> = {
  conflict: ['Serial', 'Name', 'Model', 'Location', 'GLPI assets'],
  not_found: ['Serial', 'Name', 'Model', 'Location'],
  error: ['Serial', 'Name', 'Model', 'Location', 'Error'],
};

function cell(value: string | null, className?: string): string {
  if (value === null) return `<td class="none" data-sort="">—</td>`; // blanks sort together, first
  return `<td${className ? ` class="${className}"` : ''}>${escapeHtml(value)}</td>`;
}

function assetsCell(row: ProblemRow): string {
  const items = row.glpi.map((ref) => {
    const label = `${escapeHtml(ref.itemtype)} #${ref.id}`;
    const details = [ref.name, ref.statusName, ref.location, ref.entity].filter((v): v is string => v !== null);
    const title = details.length ? ` title="${escapeHtml(details.join(' · '))}"` : '';
    const href = safeHref(ref.url);
    const badge = href
      ? `<a class="asset" href="${href}" target="_blank" rel="noopener noreferrer"${title}>${label}</a>`
      : `<span class="asset"${title}>${label}</span>`;
    const name = ref.name ? `<span class="asset-name">${escapeHtml(ref.name)}</span>` : '';
    return `<li>${badge}${name}</li>`;
  });
  // Sorting this column orders by the first id, as a number.
  return `<td data-sort="${row.glpi[0]?.id ?? ''}"><ul class="assets">${items.join('')}</ul></td>`;
}

function rowHtml(row: ProblemRow): string {
  const cells = [cell(row.serial, 'serial'), cell(row.name), cell(row.model), cell(row.location)];
  if (row.category === 'conflict') cells.push(assetsCell(row));
  if (row.category === 'error') cells.push(cell(row.error, 'error-text'));
  return `<tr>${cells.join('')}</tr>\n`;
}

function metaItem(label: string, value: string): string {
  return `<div><dt>${label}</dt><dd>${escapeHtml(value)}</dd></div>`;
}

function head(report: Report): string {
  const { run, totals } = report;
  const title = `GLPI device check · run ${run.id}`;
  const notices: string[] = [];
  if (run.failureReason) {
    notices.push(`<p class="notice"><strong>Failure reason:</strong> ${escapeHtml(run.failureReason)}</p>`);
  }
  if (run.status === 'running') {
    notices.push(
      `<p class="notice info">This run is still going: the lists are as of ${escapeHtml(timestamp(report.generatedAt, report.timeZone))}.</p>`,
    );
  }
  if (!report.linked) {
    notices.push('<p class="notice info">GLPI ids are not links: set GLPI_URL or GLPI_WEB_URL to get links.</p>');
  }
  const scope = scopeLine(run);
  if (scope?.warning) {
    notices.push(`<p class="notice scope"><strong>GLPI scope:</strong> ${escapeHtml(scope.text)}</p>`);
  }
  const note = checkedNote(report);
  const checked = note ? `<span class="note">${note}</span>` : '';
  const card = (className: string, label: string, value: number, href?: string, note = '') => {
    const content = `<span class="label">${label}</span><span class="value">${count(value)}</span>${note}`;
    return href
      ? `<a class="card ${className}" href="#${href}">${content}</a>`
      : `<div class="card ${className}">${content}</div>`;
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="page-head"><div class="wrap">
<div class="eyebrow">GLPI device check</div>
<h1>Run ${run.id} <span class="badge ${run.status}">${statusLabel(run.status)}</span></h1>
<p class="sub">${escapeHtml(report.selection)} · generated ${escapeHtml(timestamp(report.generatedAt, report.timeZone))}</p>
<dl class="meta">
${metaItem('Workflow id', run.workflowId)}
${metaItem('Trigger', run.trigger)}
${metaItem('Started', timestamp(run.startedAt, report.timeZone))}
${metaItem('Finished', run.finishedAt ? timestamp(run.finishedAt, report.timeZone) : 'not yet')}
${metaItem('Duration', runDuration(run, report.generatedAt))}
${scope && !scope.warning ? metaItem('GLPI scope', scope.text) : ''}
</dl>
${notices.join('\n')}
</div></header>
<main class="wrap">
<section class="totals" aria-label="Totals">
${card('total', 'Devices', totals.total, undefined, checked)}
${card('found', 'Found', totals.found)}
${card('conflict', 'Conflicts', totals.conflicts, SECTION_IDS.conflict)}
${card('not_found', 'Not found', totals.notFound, SECTION_IDS.not_found)}
${card('error', 'Errors', totals.errors, SECTION_IDS.error)}
${card('finding', 'Findings', totals.findings, FINDINGS_ID)}
</section>
<div class="toolbar" hidden>
<input type="search" id="filter" placeholder="Filter: serial, name, model, location, GLPI id…" aria-label="Filter the devices" autocomplete="off">
<div class="toggles" role="group" aria-label="Show categories">
${CATEGORIES.map((category) => `<button type="button" class="toggle ${category}" data-category="${category}" aria-pressed="true">${CATEGORY_TITLES[category]}</button>`).join('\n')}
<button type="button" class="toggle finding" data-category="finding" aria-pressed="true">${FINDINGS_TITLE}</button>
</div>
<span class="status" aria-live="polite"></span>
</div>
`;
}

async function section(report: Report, category: ProblemCategory, out: Sink): Promise<void> {
  const total = categoryCount(report.totals, category);
  await out.write(
    `<section class="category ${category}" id="${SECTION_IDS[category]}" data-category="${category}">\n` +
      `<header><h2>${CATEGORY_TITLES[category]}<span class="count"><span class="shown"></span>${count(total)}</span></h2>` +
      `<p class="hint">${escapeHtml(CATEGORY_HINTS[category])}</p></header>\n`,
  );
  if (total === 0) {
    await out.write(`<p class="empty">None in this run.</p>\n</section>\n`);
    return;
  }
  const headers = COLUMNS[category].map((title) => `<th scope="col"><button type="button">${title}</button></th>`);
  await out.write(
    `<div class="table-scroll">\n<table class="sortable">\n<thead><tr>${headers.join('')}</tr></thead>\n<tbody>\n`,
  );
  for await (const row of report.rows(category)) await out.write(rowHtml(row));
  await out.write(
    `</tbody>\n</table>\n</div>\n<p class="no-match" hidden>No device matches the filter.</p>\n</section>\n`,
  );
}

function findingHtml(row: FindingRow): string {
  const href = safeHref(row.url);
  const card = row.card ? `${escapeHtml(row.card.itemtype)} #${row.card.glpiId}` : '—';
  const link = href
    ? `<a class="asset" href="${href}" target="_blank" rel="noopener noreferrer">${card}</a>`
    : `<span class="asset">${card}</span>`;
  const cells = [
    cell(row.serial, 'serial'),
    cell(row.name),
    cell(row.status),
    `<td class="kind" data-kind="${escapeHtml(row.finding.kind)}">${escapeHtml(row.finding.kind)}</td>`,
    cell(row.message, 'finding-text'),
  ];
  return `<tr data-kind="${escapeHtml(row.finding.kind)}">${cells.join('')}<td data-sort="${row.card?.glpiId ?? 0}">${link}</td></tr>\n`;
}

async function findingsSection(report: Report, out: Sink): Promise<void> {
  const total = report.totals.findings;
  await out.write(
    `<section class="category finding" id="${FINDINGS_ID}" data-category="finding">\n` +
      `<header><h2>${FINDINGS_TITLE}<span class="count"><span class="shown"></span>${count(total)}</span></h2>` +
      `<p class="hint">${escapeHtml(FINDINGS_HINT)}</p>` +
      (total > 0 ? `<p class="kinds">${escapeHtml(findingCountsText(report.totals.findingsByKind))}</p>` : '') +
      `</header>\n`,
  );
  if (total === 0) {
    await out.write(`<p class="empty">None in this run.</p>\n</section>\n`);
    return;
  }
  const headers = ['Serial', 'Name', 'Result', 'Kind', 'Finding', 'GLPI card'].map(
    (title) => `<th scope="col"><button type="button">${title}</button></th>`,
  );
  await out.write(`<table class="sortable">\n<thead><tr>${headers.join('')}</tr></thead>\n<tbody>\n`);
  for await (const row of report.findings()) await out.write(findingHtml(row));
  await out.write(`</tbody>\n</table>\n<p class="no-match" hidden>No device matches the filter.</p>\n</section>\n`);
}

export async function writeHtml(report: Report, out: Sink): Promise<void> {
  await out.write(head(report));
  for (const category of CATEGORIES) await section(report, category, out);
  await findingsSection(report, out);
  await writeFleetHtml(report.fleet, out, escapeHtml);
  await out.write(
    `</main>\n<footer class="wrap">Generated by glpi-device-check: npm run report -- --run ${report.run.id} --format html</footer>\n` +
      `<script>${SCRIPT}</script>\n</body>\n</html>\n`,
  );
}
