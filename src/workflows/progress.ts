/**
 * What the `progress` query answers and the log lines say, computed from the run's state.
 * Pure functions of workflow state: deterministic, no I/O.
 */
import { EMPTY_TOTALS } from '../core/results';
import { findingCountsText, totalFindings } from '../core/findings';
import type { PlanningState, Progress, RunState } from './types';

export function progressOf(state: RunState): Progress {
  const { total } = state.plan;
  const elapsedMs = Math.max(0, Date.now() - Date.parse(state.plan.startedAt));
  const { checked } = state.totals;
  return {
    ...state.totals,
    total,
    percent: total === 0 ? 100 : Math.floor((checked / total) * 1000) / 10,
    batchesDone: state.batchesDone,
    batchesTotal: state.batchesTotal,
    startedAt: state.plan.startedAt,
    elapsedMs,
    etaMs: checked === 0 ? null : Math.round((elapsedMs / checked) * (total - checked)),
    recentConflicts: state.recentConflicts,
    checkRunId: state.plan.checkRunId,
    continuedAsNew: state.continuedAsNew,
    phase:
      state.plan.scanLists && state.plan.scanLists.length > 0 && !state.scan
        ? 'scanning'
        : checked >= total || state.remaining.length === 0
          ? 'finishing'
          : 'checking',
    findings: state.findings ?? {},
    findingsTotal: totalFindings(state.findings),
    ...(state.plan.strategy ? { strategy: state.plan.strategy } : {}),
    unknownCards: state.scan?.unknownCards ?? null,
    unknownNoSerial: state.scan?.unknownNoSerial ?? null,
  };
}

export function planningProgress(planning?: PlanningState): Progress {
  return {
    // Only once an attempt failed: a first planning under way is just "planning".
    ...(planning?.lastFailure !== undefined ? { planning: { ...planning } } : {}),
    ...EMPTY_TOTALS,
    total: 0,
    percent: 0,
    batchesDone: 0,
    batchesTotal: 0,
    startedAt: new Date().toISOString(),
    elapsedMs: 0,
    etaMs: null,
    recentConflicts: [],
    checkRunId: 0,
    continuedAsNew: 0,
    phase: 'planning',
    findings: {},
    findingsTotal: 0,
  };
}

/** The same numbers as log fields. */
export function progressFields(p: Progress): Record<string, number> {
  return {
    percent: p.percent,
    checked: p.checked,
    total: p.total,
    found: p.found,
    conflicts: p.conflicts,
    notFound: p.notFound,
    errors: p.errors,
    batchesDone: p.batchesDone,
    batchesTotal: p.batchesTotal,
    findings: p.findingsTotal,
  };
}

export function progressLine(p: Progress): string {
  return (
    `${p.percent}% (${p.checked}/${p.total}) found=${p.found} conflicts=${p.conflicts} ` +
    `not_found=${p.notFound} errors=${p.errors} batches=${p.batchesDone}/${p.batchesTotal}` +
    (p.findingsTotal > 0 ? ` findings: ${findingCountsText(p.findings)}` : '') +
    (p.unknownCards !== null && p.unknownCards !== undefined ? ` unknown_in_glpi=${p.unknownCards}` : '')
  );
}
