/**
 * A notification in each channel's format: the webhook's JSON (the notification itself), a
 * Slack-compatible chat message, and an e-mail in plain text plus HTML. Pure functions of the
 * notification, so every retry sends the same bytes.
 */
import { duration } from '../core/duration';
import { signed, type Notification, type ProblemEntry, type TotalsDelta } from '../core/notifications';
import { escapeHtml } from '../reports/html';

const STATUS_WORDS: Record<ProblemEntry['status'], string> = {
  conflict: 'conflict',
  not_found: 'not found',
  error: 'error',
};

export function webhookBody(n: Notification): string {
  return JSON.stringify(n);
}

function totalsLines(n: Notification): string[] {
  const t = n.totals;
  if (!t) return [];
  const d: TotalsDelta | null = n.changes?.deltas ?? null;
  const delta = (k: keyof TotalsDelta) => (d ? ` (${signed(d[k])})` : '');
  return [
    `Devices checked: ${t.checked} of ${t.total}${delta('total')}`,
    `Found: ${t.found}${delta('found')} · Conflicts: ${t.conflicts}${delta('conflicts')} · ` +
      `Not found: ${t.notFound}${delta('notFound')} · Errors: ${t.errors}${delta('errors')} · ` +
      `Findings: ${t.findings}${delta('findings')}`,
  ];
}

function comparisonLine(n: Notification): string | null {
  const c = n.changes;
  if (!c) return null;
  if (!c.previous) return 'No previous finished full check to compare with.';
  return (
    `Compared with run ${c.previous.checkRunId} (${c.previous.finishedAt}): ` +
    `${c.newProblemsTotal} new problem(s), ${c.resolvedProblems} resolved.`
  );
}

/** The fleet view's part: findings that moved since the previous run, and the GLPI cards the inventory lacks. */
function fleetLines(n: Notification): string[] {
  const c = n.changes;
  if (!c) return [];
  const lines: string[] = [];
  const moved = Object.entries(c.findings).map(([kind, m]) =>
    [m.new ? `${kind} +${m.new}` : '', m.resolved ? `${kind} -${m.resolved}` : ''].filter(Boolean).join(' '),
  );
  if (moved.length) lines.push(`Findings new (+) and resolved (-): ${moved.join(', ')}`);
  const u = c.unknownCards;
  if (u && u.withSerial + u.withoutSerial > 0) {
    const hint = n.checkRunId !== null ? ` (npm run report -- --run ${n.checkRunId} --unknown)` : '';
    lines.push(
      `GLPI cards missing from the inventory: ${u.withSerial}, and ${u.withoutSerial} without a serial${hint}`,
    );
  }
  return lines;
}

function problemText(p: ProblemEntry): string {
  const name = p.name ? ` ${p.name}` : '';
  const ids = p.glpiIds.length ? ` — GLPI ${p.glpiIds.map((id) => `#${id}`).join(', ')}` : '';
  const reason = p.reason ? ` — ${p.reason}` : '';
  const was = p.previousStatus ? ` (was ${p.previousStatus})` : '';
  return `${STATUS_WORDS[p.status]}: ${p.serial}${name}${ids}${reason}${was}`;
}

function headerLines(n: Notification): string[] {
  const lines: string[] = [];
  if (n.kind === 'run') {
    if (n.durationMs !== null) lines.push(`Duration: ${duration(n.durationMs)}`);
    if (n.startedAt) lines.push(`Started: ${n.startedAt}${n.finishedAt ? ` · finished: ${n.finishedAt}` : ''}`);
  }
  if (n.reason) lines.push(`Reason: ${n.reason}`);
  return lines;
}

function idLines(n: Notification): string[] {
  const lines = [
    `Workflow: ${n.workflowId} · run id ${n.runId}${n.checkRunId !== null ? ` · check run ${n.checkRunId}` : ''}`,
  ];
  if (n.links.temporalUi) lines.push(`Temporal UI: ${n.links.temporalUi}`);
  if (n.links.report) lines.push(`Report: ${n.links.report}`);
  return lines;
}

function moreLine(n: Notification): string | null {
  const c = n.changes;
  if (!c || c.newProblemsTotal <= c.newProblems.length) return null;
  const hint = n.checkRunId !== null ? ` (npm run report -- --run ${n.checkRunId})` : '';
  return `…and ${c.newProblemsTotal - c.newProblems.length} more${hint}`;
}

/** Slack's incoming-webhook JSON (Mattermost and Rocket.Chat take the same): mrkdwn text. */
export function chatBody(n: Notification): string {
  const link = (url: string, label: string) => `<${url}|${label.replace(/[<>|]/g, '')}>`;
  const lines = [`*${n.summary}*`, ...headerLines(n), ...totalsLines(n)];
  const comparison = comparisonLine(n);
  if (comparison) lines.push(comparison);
  lines.push(...fleetLines(n));
  for (const p of n.changes?.newProblems ?? []) {
    const text = problemText(p);
    lines.push(`• ${p.links[0] ? link(p.links[0], text) : text}`);
  }
  const more = moreLine(n);
  if (more) lines.push(more);
  const ids = [`run id \`${n.runId}\``];
  if (n.links.temporalUi) ids.push(link(n.links.temporalUi, 'Temporal UI'));
  if (n.links.report) ids.push(link(n.links.report, 'report'));
  lines.push(ids.join(' · '));
  return JSON.stringify({ text: lines.join('\n') });
}

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export function emailContent(n: Notification): EmailContent {
  const comparison = comparisonLine(n);
  const more = moreLine(n);
  const problems = n.changes?.newProblems ?? [];
  const text = [
    n.summary,
    '',
    ...headerLines(n),
    ...totalsLines(n),
    ...(comparison ? [comparison] : []),
    ...fleetLines(n),
    ...(problems.length
      ? [
          '',
          'New problems:',
          ...problems.map((p) => `- ${problemText(p)}${p.links.length ? `\n  ${p.links.join('\n  ')}` : ''}`),
        ]
      : []),
    ...(more ? [more] : []),
    '',
    ...idLines(n),
    '',
  ].join('\n');
  const a = (url: string, label: string) => `<a href="${escapeHtml(url)}">${escapeHtml(label)}</a>`;
  const para = (lines: string[]) => (lines.length ? `<p>${lines.map(escapeHtml).join('<br>')}</p>` : '');
  const items = problems
    .map((p) => {
      const links = p.links.map((url, i) => a(url, p.links.length > 1 ? `card ${i + 1}` : 'open')).join(' ');
      return `<li>${escapeHtml(problemText(p))}${links ? ` ${links}` : ''}</li>`;
    })
    .join('');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif">',
    `<h2>${escapeHtml(n.summary)}</h2>`,
    para(headerLines(n)),
    para(totalsLines(n)),
    comparison ? para([comparison]) : '',
    para(fleetLines(n)),
    items ? `<h3>New problems</h3><ul>${items}</ul>` : '',
    more ? para([more]) : '',
    `<p>${escapeHtml(`Workflow ${n.workflowId}, run id ${n.runId}`)}${n.links.temporalUi ? ` · ${a(n.links.temporalUi, 'Temporal UI')}` : ''}${n.links.report ? ` · ${a(n.links.report, 'report')}` : ''}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: n.summary.length > 150 ? `${n.summary.slice(0, 149)}…` : n.summary, text, html };
}
