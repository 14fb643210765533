/**
 * What a notification says and when a channel gets one. Pure: the workflows import the types,
 * the activities compose and decide, the channels (src/notify) render. A notification is plain
 * data that crosses Temporal's history: no secret ever goes in it (the channels' URLs and
 * passwords stay in the worker's configuration).
 */
import type { RunOutcome, RunTrigger, Totals } from './results';
import { duration } from './duration';

/** The channels, by the name their settings and delivery records use. */
export const CHANNELS = ['webhook', 'chat', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** always: every message; change: only when something changed or the run did not complete; problem: only new problems or an incomplete run; never. */
export type NotifyWhen = 'always' | 'change' | 'problem' | 'never';

/** run: a check ended; missed_night: no check started in the schedule's window; test: `npm run notify -- test`. */
export type NotificationKind = 'run' | 'missed_night' | 'test';

export interface NotificationTotals extends Totals {
  total: number;
  findings: number;
}

export type TotalsDelta = { [K in keyof NotificationTotals]: number };

/** One device that is a problem now and was not one (of that kind) in the previous run. */
export interface ProblemEntry {
  status: 'conflict' | 'not_found' | 'error';
  deviceId: number;
  serial: string;
  name: string | null;
  glpiIds: number[];
  /** What the previous run said about this device (null: it was not in it). */
  previousStatus: string | null;
  /** Why an `error` is one (a short reason). */
  reason: string | null;
  /** Pages to open: the web page of the run when configured, else GLPI's cards. */
  links: string[];
}

/** What changed since the previous finished full check (the interface a richer comparison plugs into). */
export interface RunChanges {
  previous: { checkRunId: number; finishedAt: string; totals: NotificationTotals } | null;
  /** This run's totals minus the previous run's; null without a previous run. */
  deltas: TotalsDelta | null;
  /** The first new problems (at most NOTIFY_MAX_PROBLEMS), conflicts first. */
  newProblems: ProblemEntry[];
  newProblemsTotal: number;
  /** Devices that were a problem in the previous run and are `found` now. */
  resolvedProblems: number;
  /**
   * Findings that appeared (`new`) or went away (`resolved`) since the previous run, by kind (a finding
   * is the same when its device, kind and card are); only kinds that moved; empty without a previous run.
   */
  findings: Record<string, { new: number; resolved: number }>;
  /** GLPI cards missing from the inventory (the reverse check); null when it did not run. */
  unknownCards: { withSerial: number; withoutSerial: number } | null;
}

export interface Notification {
  /** The JSON body's version: a field is only ever added. */
  version: 1;
  kind: NotificationKind;
  /** One line: what happened, e.g. "GLPI device check completed with errors: 3 errors". */
  summary: string;
  outcome: RunOutcome | 'missed' | 'test';
  /** Why the run failed or the night counts as missed. */
  reason: string | null;
  trigger: RunTrigger | null;
  workflowId: string;
  runId: string;
  checkRunId: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  totals: NotificationTotals | null;
  changes: RunChanges | null;
  links: { temporalUi: string | null; report: string | null };
}

function hasDelta(deltas: TotalsDelta | null): boolean {
  return deltas !== null && Object.values(deltas).some((d) => d !== 0);
}

/**
 * Whether a channel set to `when` gets this notification:
 * - never: no; always: yes;
 * - a missed night, a test, and a run that did not complete (completed with errors, failed,
 *   cancelled) always go out, whatever `change` or `problem` say;
 * - change: a completed full check goes out when it is the first one, when any total differs
 *   from the previous finished full check, when a device became or stopped being a problem, or
 *   when a finding appeared or went away;
 * - problem: a completed full check goes out when a device became a problem (conflict, not found).
 * A completed check of chosen devices (`start-check --device`) goes out under `always` only.
 */
export function shouldNotify(when: NotifyWhen, n: Notification): boolean {
  if (when === 'never') return false;
  if (when === 'always' || n.kind !== 'run' || n.outcome !== 'completed') return true;
  if (n.trigger === 'devices') return false;
  const changes = n.changes;
  if (when === 'problem') return (changes?.newProblemsTotal ?? 0) > 0;
  if (!changes || changes.previous === null) return true;
  return (
    hasDelta(changes.deltas) ||
    changes.newProblemsTotal > 0 ||
    changes.resolvedProblems > 0 ||
    Object.keys(changes.findings).length > 0
  );
}

const OUTCOME_WORDS: Record<Notification['outcome'], string> = {
  completed: 'completed',
  completed_with_errors: 'completed with errors',
  failed: 'failed',
  cancelled: 'was cancelled',
  missed: 'did not run',
  test: 'test message',
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The one-line summary every channel leads with. */
export function summaryOf(n: Omit<Notification, 'summary'>): string {
  if (n.kind === 'test') return 'GLPI device check: test message (the notifications reach this channel)';
  if (n.kind === 'missed_night') return `GLPI device check did not run: ${n.reason ?? 'no run in the nightly window'}`;
  const head = `GLPI device check ${OUTCOME_WORDS[n.outcome]}`;
  const parts: string[] = [];
  if (n.totals) {
    parts.push(`${n.totals.checked}/${n.totals.total} devices`);
    if (n.totals.conflicts) parts.push(plural(n.totals.conflicts, 'conflict'));
    if (n.totals.notFound) parts.push(`${n.totals.notFound} not found`);
    if (n.totals.errors) parts.push(plural(n.totals.errors, 'error'));
  }
  if (n.changes && n.changes.newProblemsTotal > 0) parts.push(plural(n.changes.newProblemsTotal, 'new problem'));
  if (n.durationMs !== null) parts.push(`in ${duration(n.durationMs)}`);
  if (n.reason && n.outcome !== 'completed') parts.push(n.reason);
  return parts.length ? `${head}: ${parts.join(', ')}` : head;
}

/** The idempotency key of one notification on one channel: stable across retries, workers and restarts. */
export function deliveryKey(kind: NotificationKind, workflowId: string, runId: string, channel: Channel): string {
  return `${kind}:${workflowId}:${runId}:${channel}`;
}

/** "+3", "-1", "±0": how a delta reads. */
export function signed(n: number): string {
  return n > 0 ? `+${n}` : n < 0 ? `${n}` : '±0';
}
