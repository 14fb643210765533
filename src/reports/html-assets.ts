/**
 * The inline style and script of the HTML report: it is one file that opens anywhere (a mail
 * attachment, a file share) and asks nothing of the network.
 */

export const STYLE = `
:root {
  --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --paper: #ffffff; --ground: #f4f5f7;
  --accent: #2563eb; --found: #15803d; --conflict: #dc2626; --not-found: #d97706; --error: #7c3aed; --finding: #0e7490; --total: #334155;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--ground); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 24px; }
a { color: var(--accent); }
.page-head { background: var(--paper); border-bottom: 1px solid var(--line); padding: 22px 0 18px; }
.eyebrow { font-size: 12px; font-weight: 600; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
h1 { margin: 4px 0 2px; font-size: 24px; font-weight: 650; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
.sub { margin: 0; color: var(--muted); }
.badge { font-size: 12px; font-weight: 600; padding: 3px 10px; border-radius: 999px; background: #e5e7eb; color: #374151; }
.badge.completed { background: #dcfce7; color: #166534; }
.badge.completed_with_errors { background: #fef3c7; color: #92400e; }
.badge.failed { background: #fee2e2; color: #991b1b; }
.badge.running { background: #dbeafe; color: #1e40af; }
.meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px 24px; margin: 16px 0 0; }
.meta div { min-width: 0; }
.meta dt { font-size: 12px; color: var(--muted); }
.meta dd { margin: 2px 0 0; font-weight: 500; overflow-wrap: anywhere; }
.notice { margin: 16px 0 0; padding: 10px 14px; border-radius: 8px; border: 1px solid #fecaca; background: #fef2f2; color: #7f1d1d; overflow-wrap: anywhere; }
.notice.info { border-color: #bfdbfe; background: #eff6ff; color: #1e3a8a; }
.notice.scope { border-color: #fde68a; background: #fffbeb; color: #78350f; }
.totals { display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); gap: 14px; margin: 22px 0 8px; }
.card {
  display: block; background: var(--paper); border: 1px solid var(--line); border-top: 4px solid var(--total);
  border-radius: 10px; padding: 12px 16px; color: inherit; text-decoration: none;
}
a.card:hover { box-shadow: 0 2px 8px rgba(15, 23, 42, .08); }
.card .label { display: block; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
.card .value { display: block; font-size: 28px; font-weight: 650; font-variant-numeric: tabular-nums; margin-top: 2px; }
.card .note { display: block; font-size: 12px; color: var(--muted); }
.card.found { border-top-color: var(--found); }
.card.conflict { border-top-color: var(--conflict); }
.card.not_found { border-top-color: var(--not-found); }
.card.error { border-top-color: var(--error); }
.card.finding { border-top-color: var(--finding); }
.toolbar {
  position: sticky; top: 0; z-index: 3; display: flex; align-items: center; flex-wrap: wrap; gap: 8px 12px;
  padding: 12px 0; background: var(--ground);
}
.toggles { display: flex; gap: 6px; flex-wrap: wrap; }
.toggle {
  font: inherit; font-size: 13px; font-weight: 600; padding: 6px 12px; border-radius: 999px; cursor: pointer;
  border: 1px solid #d1d5db; background: var(--paper); color: var(--muted);
}
.toggle[aria-pressed="true"] { color: var(--ink); border-color: currentColor; }
.toggle[aria-pressed="true"].conflict { color: var(--conflict); background: #fef2f2; }
.toggle[aria-pressed="true"].not_found { color: var(--not-found); background: #fffbeb; }
.toggle[aria-pressed="true"].error { color: var(--error); background: #f5f3ff; }
.toggle[aria-pressed="true"].finding { color: var(--finding); }
.toggle[aria-pressed="false"] { text-decoration: line-through; }
.toggle:focus-visible { outline: 2px solid #93c5fd; }
.toolbar input {
  flex: 0 1 420px; font: inherit; padding: 8px 12px; border: 1px solid #d1d5db; border-radius: 8px; background: var(--paper);
}
.toolbar input:focus { outline: 2px solid #93c5fd; border-color: var(--accent); }
.toolbar .status { color: var(--muted); }
.category {
  background: var(--paper); border: 1px solid var(--line); border-radius: 10px; margin: 0 0 22px;
  /* A totals card jumps here: the heading must land below the sticky filter bar, not under it. */
  scroll-margin-top: 76px;
}
.category > header { padding: 14px 18px 10px; border-bottom: 1px solid var(--line); border-left: 4px solid var(--total); border-radius: 10px 10px 0 0; }
.category.conflict > header { border-left-color: var(--conflict); }
.category.not_found > header { border-left-color: var(--not-found); }
.category.error > header { border-left-color: var(--error); }
.category.finding > header { border-left-color: var(--finding); }
h2 { margin: 0; font-size: 17px; font-weight: 650; }
h2 .count { margin-left: 6px; font-size: 13px; font-weight: 600; color: var(--muted); font-variant-numeric: tabular-nums; }
.hint { margin: 2px 0 0; color: var(--muted); }
.empty, .no-match { margin: 0; padding: 16px 18px; color: var(--muted); }
table { width: 100%; border-collapse: collapse; }
th {
  position: sticky; top: 58px; z-index: 2; background: #f9fafb; text-align: left; padding: 0;
  border-bottom: 1px solid var(--line); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted);
}
th button {
  all: unset; box-sizing: border-box; display: block; width: 100%; padding: 9px 12px; cursor: pointer; font-weight: 600;
}
th button:hover { color: var(--ink); }
th button:focus-visible { outline: 2px solid #93c5fd; }
th button::after { content: "\\2195"; margin-left: 6px; opacity: .35; }
th[aria-sort="ascending"] button::after { content: "\\25B2"; opacity: .8; }
th[aria-sort="descending"] button::after { content: "\\25BC"; opacity: .8; }
td { padding: 8px 12px; border-bottom: 1px solid #f0f1f3; vertical-align: top; overflow-wrap: anywhere; line-height: 20px; }
tbody tr:nth-child(even) { background: #fafbfc; }
tbody tr:hover { background: #f1f5ff; }
tbody tr:last-child td { border-bottom: 0; }
.serial { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; white-space: pre-wrap; }
.none { color: #9ca3af; }
.assets { list-style: none; margin: 0; padding: 0; }
.assets li { white-space: nowrap; }
.assets li + li { margin-top: 3px; }
.asset {
  display: inline-block; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
  padding: 1px 7px; border-radius: 6px; background: #eef2ff; color: #3730a3; text-decoration: none; border: 1px solid #e0e7ff;
}
a.asset:hover { background: #e0e7ff; text-decoration: underline; }
.asset-name { color: var(--muted); margin-left: 6px; white-space: normal; }
.error-text { color: #5b21b6; white-space: pre-line; }
.finding-text { color: #155e75; }
footer { color: var(--muted); font-size: 12px; padding: 6px 0 32px; }
@media (max-width: 800px) { .totals { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
/* A phone: the table scrolls sideways inside its section instead of widening the page (the
   header row then scrolls with it: a sticky header cannot live inside a scrolling box). */
@media (max-width: 700px) {
  .wrap { padding: 0 12px; }
  .toolbar input { flex: 1 1 100%; }
  .category { scroll-margin-top: 164px; }
  .table-scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
  .table-scroll table { min-width: 640px; }
  th { position: static; }
  .totals { gap: 10px; }
}
@media print {
  body { background: #fff; }
  .toolbar { display: none; }
  th { position: static; }
  .category { break-inside: auto; }
}
`;

/**
 * Sorting by column (click a header), the filter box and the status toggles (show or hide a
 * category); plain DOM, fast enough for 100,000 rows.
 */
export const SCRIPT = `
(() => {
  const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
  const key = (row, index) => {
    const cell = row.cells[index];
    return cell ? (cell.dataset.sort ?? cell.textContent.trim()) : '';
  };
  for (const table of document.querySelectorAll('table.sortable')) {
    const headers = Array.from(table.tHead.rows[0].cells);
    headers.forEach((th, index) => {
      th.querySelector('button').addEventListener('click', () => {
        const ascending = th.getAttribute('aria-sort') !== 'ascending';
        for (const other of headers) other.removeAttribute('aria-sort');
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        const body = table.tBodies[0];
        const entries = Array.from(body.rows, (row, position) => ({ row, position, value: key(row, index) }));
        entries.sort((a, b) => {
          const order = collator.compare(a.value, b.value);
          return order === 0 ? a.position - b.position : ascending ? order : -order;
        });
        const fragment = document.createDocumentFragment();
        for (const entry of entries) fragment.appendChild(entry.row);
        body.appendChild(fragment);
      });
    });
  }

  const toolbar = document.querySelector('.toolbar');
  const input = document.getElementById('filter');
  const status = toolbar.querySelector('.status');
  const sections = Array.from(document.querySelectorAll('section.category'));
  const toggles = Array.from(toolbar.querySelectorAll('.toggle'));
  const shownCategories = () =>
    new Set(toggles.filter((t) => t.getAttribute('aria-pressed') === 'true').map((t) => t.dataset.category));
  const texts = new WeakMap();
  const textOf = (row) => {
    let text = texts.get(row);
    if (text === undefined) texts.set(row, (text = row.textContent.toLowerCase()));
    return text;
  };
  const apply = () => {
    const terms = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    let total = 0;
    const wanted = shownCategories();
    for (const section of sections) {
      // Sections without a toggle (the scan, cards missing from the inventory, changes) stay shown.
      section.hidden = section.dataset.category !== undefined && !wanted.has(section.dataset.category);
      if (section.hidden) continue;
      const body = section.querySelector('tbody');
      if (!body) continue;
      let inSection = 0;
      for (const row of body.rows) {
        const match = terms.every((term) => textOf(row).includes(term));
        row.hidden = !match;
        if (match) inSection += 1;
      }
      shown += inSection;
      total += body.rows.length;
      section.querySelector('.shown').textContent = terms.length ? inSection.toLocaleString('en-US') + ' of ' : '';
      section.querySelector('.no-match').hidden = !terms.length || inSection > 0;
    }
    status.textContent = terms.length
      ? shown.toLocaleString('en-US') + ' of ' + total.toLocaleString('en-US') + ' devices match'
      : '';
  };
  for (const toggle of toggles) {
    toggle.addEventListener('click', () => {
      toggle.setAttribute('aria-pressed', String(toggle.getAttribute('aria-pressed') !== 'true'));
      apply();
    });
  }
  // A totals card shows its section again if it was toggled off.
  for (const card of document.querySelectorAll('a.card')) {
    card.addEventListener('click', () => {
      const target = document.querySelector(card.getAttribute('href'));
      const toggle = target && toggles.find((t) => t.dataset.category === target.dataset.category);
      if (toggle && toggle.getAttribute('aria-pressed') !== 'true') {
        toggle.setAttribute('aria-pressed', 'true');
        apply();
      }
    });
  }
  let timer;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(apply, 150);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      input.value = '';
      apply();
    }
  });
  toolbar.hidden = false;
})();
`;
