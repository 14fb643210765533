/**
 * The page frame and the small pieces every page is made of. Every value from the inventory,
 * GLPI or the database goes through esc() (or bdi(), which also isolates right-to-left text so
 * it cannot reorder the page around it); links are built from ids and encoded parameters only.
 */
import { escapeHtml } from '../reports/html';
import { ASSET_VERSION } from './assets';

export const esc = escapeHtml;

/** A value shown as text, its direction isolated; a blank shows as a dash. */
export function bdi(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '<span class="none">—</span>';
  return `<bdi>${esc(value)}</bdi>`;
}

/** Only http(s) URLs become links. */
export function safeHref(url: string | null): string | null {
  return url !== null && /^https?:\/\//i.test(url) ? esc(url) : null;
}

/** A status as a word in a badge: its colour only repeats what the word says. */
export function statusBadge(status: string): string {
  const word = status.replace(/_/g, ' ');
  return `<span class="status ${esc(status)}">${esc(word)}</span>`;
}

export type NavItem = 'runs' | 'run' | 'device' | 'none';

export function layout(options: { title: string; nav: NavItem; body: string; latestRunId?: number | null }): string {
  const current = (item: NavItem) => (options.nav === item ? ' aria-current="page"' : '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(options.title)} · GLPI device check</title>
<link rel="stylesheet" href="/assets/web.css?v=${ASSET_VERSION.css}">
<script src="/assets/web.js?v=${ASSET_VERSION.js}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to the content</a>
<header class="top"><div class="wrap">
<a href="/">GLPI device check</a>
<nav aria-label="Main"><a href="/"${current('runs')}>Runs</a>${
    options.latestRunId ? `<a href="/runs/${options.latestRunId}"${current('run')}>Latest run</a>` : ''
  }</nav>
</div></header>
<main id="main" tabindex="-1"><div class="wrap">
${options.body}
</div></main>
<footer><div class="wrap">Read-only view of the check runs stored in PostgreSQL. Times are shown in the zone named next to them.</div></footer>
</body>
</html>
`;
}

export function errorPage(status: number, title: string, message: string): string {
  return layout({
    title,
    nav: 'none',
    body: `<h1>${esc(title)}</h1>
<p class="notice" role="alert">${esc(message)}</p>
<p><a href="/">Back to the runs</a></p>
<p class="sub">HTTP ${status}</p>`,
  });
}

/** A GLPI card as the card tables show it. */
export interface CardCells {
  id: number;
  /** Its GLPI form, when GLPI's URL is known. */
  url: string | null;
  itemtype: string;
  name: string | null;
  serial: string | null;
  statusName: string | null;
  location: string | null;
  /** Shown only by tables asked `withEntity`. */
  entity?: string | null;
}

/** The GLPI cards of a device (its page) or missing from the inventory (a run's page): one table. */
export function glpiCardsTable(label: string, cards: readonly CardCells[], withEntity = false): string {
  const headers = ['Card', 'Type', 'Name', 'Serial in GLPI', 'Status', 'Location', ...(withEntity ? ['Entity'] : [])];
  const rows = cards.map((card) => {
    const href = safeHref(card.url);
    const ref = href ? `<a href="${href}" rel="noreferrer">#${card.id} in GLPI</a>` : `#${card.id}`;
    // An itemtype is one word ("Printer"): wrapped, it takes two lines in a narrow column.
    const cells = [
      `<td class="nowrap">${ref}</td>`,
      `<td class="nowrap">${bdi(card.itemtype)}</td>`,
      `<td>${bdi(card.name)}</td>`,
      `<td class="mono">${bdi(card.serial)}</td>`,
      `<td>${bdi(card.statusName)}</td>`,
      `<td>${bdi(card.location)}</td>`,
      ...(withEntity ? [`<td>${bdi(card.entity)}</td>`] : []),
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<div class="table-scroll"><table aria-label="${esc(label)}">
<thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table></div>`;
}
