/**
 * The web page's stylesheet and its one script, served by the app itself (/assets/…): nothing
 * comes from a CDN, nothing is built or downloaded. Kept as strings so the compiled build
 * carries them. The script only adds to pages that work without it (progressive): live progress
 * on a running check, filters that apply as they change. It never writes HTML (textContent only).
 */
import { createHash } from 'node:crypto';

export const WEB_CSS = `
:root {
  --ink: #1f2937; --muted: #5b6472; --line: #e3e6ea; --paper: #ffffff; --ground: #f4f5f7;
  --accent: #1d4ed8; --found: #15803d; --conflict: #c81e1e; --not-found: #b45309; --error: #6d28d9; --finding: #0e7490;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--ground); color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid #f59e0b; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--paper); padding: 8px 12px; z-index: 10; }
.skip:focus { left: 8px; top: 8px; }
.wrap { max-width: 1280px; margin: 0 auto; padding: 0 20px; }
header.top { background: #111827; color: #f9fafb; }
header.top .wrap { display: flex; align-items: center; gap: 18px; min-height: 48px; flex-wrap: wrap; }
header.top a { color: #f9fafb; text-decoration: none; font-weight: 600; }
header.top nav { display: flex; gap: 14px; font-size: 13px; }
header.top nav a { font-weight: 500; opacity: .85; }
header.top nav a[aria-current="page"] { opacity: 1; text-decoration: underline; text-underline-offset: 4px; }
main { padding: 18px 0 40px; }
h1 { font-size: 22px; margin: 4px 0 6px; display: flex; flex-wrap: wrap; align-items: center; gap: 10px; overflow-wrap: anywhere; }
h2 { font-size: 16px; margin: 26px 0 10px; }
.sub { color: var(--muted); margin: 0 0 6px; overflow-wrap: anywhere; }
.panel { background: var(--paper); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; margin: 12px 0; }
.meta { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 8px 20px; margin: 0; }
.meta dt { font-size: 12px; color: var(--muted); }
.meta dd { margin: 2px 0 0; font-weight: 500; overflow-wrap: anywhere; }
.notice { padding: 10px 14px; border-radius: 8px; border: 1px solid #fecaca; background: #fef2f2; color: #7f1d1d; margin: 12px 0; overflow-wrap: anywhere; }
.notice.info { border-color: #bfdbfe; background: #eff6ff; color: #1e3a8a; }
.notice.warn { border-color: #fde68a; background: #fffbeb; color: #78350f; }
.totals { display: grid; grid-template-columns: repeat(auto-fit, minmax(130px, 1fr)); gap: 10px; margin: 12px 0; }
.card { display: block; background: var(--paper); border: 1px solid var(--line); border-left: 5px solid #64748b;
  border-radius: 8px; padding: 10px 12px; color: inherit; text-decoration: none; }
a.card:hover { box-shadow: 0 2px 8px rgba(15, 23, 42, .1); }
.card .label { display: block; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.card .value { display: block; font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card.found { border-left-color: var(--found); } .card.conflict { border-left-color: var(--conflict); }
.card.not_found { border-left-color: var(--not-found); } .card.error { border-left-color: var(--error); }
.card.finding { border-left-color: var(--finding); }
.card[aria-current="true"] { outline: 2px solid var(--accent); }
.status { display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; white-space: nowrap;
  border: 1px solid currentColor; background: var(--paper); }
.status::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: currentColor; margin-right: 5px; vertical-align: 1px; }
.status.found, .status.completed { color: var(--found); }
.status.conflict, .status.failed { color: var(--conflict); }
.status.not_found, .status.completed_with_errors { color: var(--not-found); }
.status.error, .status.cancelled { color: var(--error); }
.status.running { color: var(--accent); }
.status.finding { color: var(--finding); }
.table-scroll { overflow-x: auto; background: var(--paper); border: 1px solid var(--line); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; background: #fafafa; }
th a { color: inherit; }
td { overflow-wrap: anywhere; max-width: 28em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #f8fafc; }
.none { color: #9ca3af; }
td.nowrap { white-space: nowrap; overflow-wrap: normal; }
h1 .mono { font-size: inherit; }
ul.findings { margin: 10px 0 0; padding: 0; list-style: none; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
form.filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 8px 12px; align-items: end; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; font-weight: 600; color: var(--muted); gap: 3px; }
input, select, button { font: inherit; font-size: 14px; padding: 6px 8px; border: 1px solid #cbd2da; border-radius: 6px; background: var(--paper); color: var(--ink); min-width: 0; }
button, .button { cursor: pointer; background: var(--accent); color: #fff; border-color: var(--accent); font-weight: 600; text-decoration: none;
  display: inline-block; padding: 6px 12px; border-radius: 6px; }
.button.secondary { background: var(--paper); color: var(--accent); }
.actions { display: flex; gap: 8px; flex-wrap: wrap; align-items: center; }
.pager { display: flex; gap: 10px; align-items: center; justify-content: space-between; flex-wrap: wrap; margin: 10px 0; }
.pager .links { display: flex; gap: 8px; }
.pager [aria-disabled="true"] { color: #9ca3af; pointer-events: none; }
.chart { width: 100%; height: auto; display: block; }
.chart rect.found { fill: var(--found); } .chart rect.conflict { fill: var(--conflict); }
.chart rect.not_found { fill: var(--not-found); } .chart rect.error { fill: var(--error); }
.chart line { stroke: var(--line); }
h2.flush { margin-top: 0; }
.chart text { font-size: 11px; fill: var(--muted); }
.legend { display: flex; gap: 14px; flex-wrap: wrap; font-size: 12px; color: var(--muted); margin: 6px 0 0; padding: 0; list-style: none; }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.swatch.found { background: var(--found); } .swatch.conflict { background: var(--conflict); }
.swatch.not_found { background: var(--not-found); } .swatch.error { background: var(--error); }
progress { width: 100%; height: 14px; accent-color: var(--accent); }
.live-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 8px 16px; margin: 10px 0 0; }
.live-grid dt { font-size: 12px; color: var(--muted); } .live-grid dd { margin: 0; font-weight: 600; font-variant-numeric: tabular-nums; }
.placeholder { color: var(--muted); margin: 0; }
.sections { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 12px; }
.sections h2 { font-size: 15px; margin-bottom: 6px; }
ul.plain { margin: 0; padding-left: 18px; }
ul.plain li { overflow-wrap: anywhere; }
footer { color: var(--muted); font-size: 12px; padding: 20px 0; }
@media (max-width: 640px) {
  .wrap { padding: 0 12px; }
  h1 { font-size: 19px; }
  .card .value { font-size: 20px; }
  th, td { padding: 6px 8px; }
  .hide-narrow { display: none; }
}
`;

export const WEB_JS = `
(function () {
  'use strict';
  // Filters apply as a select changes; empty fields stay out of the URL so links stay short.
  var forms = document.querySelectorAll('form[data-filters]');
  forms.forEach(function (form) {
    form.addEventListener('submit', function () {
      form.querySelectorAll('input, select').forEach(function (el) {
        if (el.name && el.value === '') el.disabled = true;
      });
    });
    form.querySelectorAll('select').forEach(function (el) {
      el.addEventListener('change', function () {
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    });
  });
  window.addEventListener('pageshow', function () {
    document.querySelectorAll('form[data-filters] [disabled]').forEach(function (el) { el.disabled = false; });
  });

  // Live progress of a running check: poll the JSON endpoint, write its texts into the page.
  var live = document.querySelector('[data-progress-url]');
  if (!live) return;
  var url = live.getAttribute('data-progress-url');
  var interval = Number(live.getAttribute('data-interval-ms')) || 2000;
  var bar = live.querySelector('progress');
  var list = live.querySelector('[data-live-list="conflicts"]');
  function text(name, value) {
    document.querySelectorAll('[data-live="' + name + '"]').forEach(function (el) { el.textContent = value; });
  }
  function render(data) {
    live.setAttribute('data-state', data.state);
    text('state', data.stateText);
    text('message', data.message || '');
    Object.keys(data.fields || {}).forEach(function (name) { text(name, data.fields[name]); });
    if (bar && data.percent !== null && data.percent !== undefined) bar.value = data.percent;
    if (list && data.conflicts) {
      while (list.firstChild) list.removeChild(list.firstChild);
      data.conflicts.forEach(function (c) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = c.href;
        a.textContent = c.serial;
        li.appendChild(a);
        li.appendChild(document.createTextNode(' ' + c.text));
        list.appendChild(li);
      });
      if (!data.conflicts.length) {
        var none = document.createElement('li');
        none.className = 'none';
        none.textContent = 'none so far';
        list.appendChild(none);
      }
    }
    var done = live.querySelector('[data-live-finished]');
    if (data.finished && done) done.hidden = false;
  }
  function poll() {
    fetch(url, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (data) {
        render(data);
        if (!data.finished) setTimeout(poll, interval);
      })
      .catch(function (error) {
        text('state', 'The web page could not read the progress (' + error.message + '); trying again');
        setTimeout(poll, interval * 2);
      });
  }
  setTimeout(poll, interval);
})();
`;

function version(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Content hashes in the asset URLs: a changed file gets a new URL, so it can be cached for long. */
export const ASSET_VERSION = { css: version(WEB_CSS), js: version(WEB_JS) };
