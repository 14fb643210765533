/**
 * How run facts read to a person, the same in the text and HTML formats.
 */
import { duration } from '../core/duration';
import { describeScope, scopeWarning } from '../glpi/scope';
import type { ProblemCategory, Report, ReportRun } from './model';

export const CATEGORY_TITLES: Record<ProblemCategory, string> = {
  conflict: 'Conflicts',
  not_found: 'Not found in GLPI',
  error: 'Errors',
};

export const CATEGORY_HINTS: Record<ProblemCategory, string> = {
  conflict: 'the serial is on more than one GLPI asset',
  not_found: 'no GLPI asset has the serial',
  error: 'the GLPI lookup failed, so the state of these devices is unknown',
};

export const FINDINGS_TITLE = 'Data-quality findings';
export const FINDINGS_HINT =
  'what the check noticed besides the status: GLPI cards that differ from the inventory, stale or retired cards, cards only in the trash, rows without a serial — each with the values and the fix';

/**
 * What the run's GLPI user could see: "3 entities in scope: …", or the warning that devices
 * outside them can only be `not_found`. null for runs recorded before scopes were.
 */
export function scopeLine(run: ReportRun): { text: string; warning: boolean } | null {
  if (!run.scope) return null;
  const warning = scopeWarning(run.scope);
  return warning ? { text: warning, warning: true } : { text: describeScope(run.scope), warning: false };
}

/** "2025-11-25 02:00:03 Europe/Paris": local to the reader, and says which zone. */
export function timestamp(date: Date | null, timeZone: string): string {
  if (!date) return '-';
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${timeZone}`;
}

/** The run's duration, or how long it has been going. */
export function runDuration(run: ReportRun, now: Date): string {
  if (run.durationMs !== null) return duration(run.durationMs);
  if (run.finishedAt) return duration(run.finishedAt.getTime() - run.startedAt.getTime());
  return `${duration(now.getTime() - run.startedAt.getTime())} so far`;
}

export function statusLabel(status: ReportRun['status']): string {
  return status.replace(/_/g, ' ');
}

/** Said when not every planned device has a result: a run still going, or one that stopped early. */
export function checkedNote(report: Report): string | null {
  const { checked, total } = report.totals;
  if (checked >= total) return null;
  return report.run.finishedAt ? `only ${count(checked)} checked` : `${count(checked)} checked so far`;
}

/** A count with thousands separators, e.g. 100,000. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}
