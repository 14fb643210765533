/**
 * How runs look on a terminal: the progress bar and the final report.
 */
import { findingCountsText } from '../core/findings';
import { duration } from '../core/duration';
import type { PlanningState, Progress, RunReport } from '../workflows/types';

/** Which attempt failed and what comes next, for a planning that failed at least once. */
function planningNext(planning: PlanningState): { failed: number; next: string } {
  return planning.nextAttemptAt
    ? { failed: planning.attempt, next: planning.nextAttemptAt }
    : { failed: planning.attempt - 1, next: `under way (attempt ${planning.attempt})` };
}

/** A planning that failed and waits for its next attempt, in one line. */
export function planningLine(planning: PlanningState | undefined): string {
  if (planning?.lastFailure === undefined) return 'planning the run…';
  const { failed, next } = planningNext(planning);
  return `planning the run… attempt ${failed}/${planning.maxAttempts} failed: ${planning.lastFailure}; next attempt: ${next}`;
}

export function progressBar(p: Progress, width = 30, elapsedMs = p.elapsedMs): string {
  if (p.phase === 'planning') return planningLine(p.planning);
  const filled = Math.round((Math.min(p.percent, 100) / 100) * width);
  const eta =
    p.checked > 0 && p.checked < p.total ? ` eta ${duration((elapsedMs / p.checked) * (p.total - p.checked))}` : '';
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.percent.toFixed(1)}% ${p.checked}/${p.total} ` +
    `found ${p.found} conflicts ${p.conflicts} not found ${p.notFound} errors ${p.errors} ` +
    `elapsed ${duration(elapsedMs)}${eta}`
  );
}

export function progressText(p: Progress): string {
  if (p.phase === 'planning') {
    const lines = [`phase:      planning`];
    if (p.planning?.lastFailure !== undefined) {
      const { failed, next } = planningNext(p.planning);
      lines.push(`last failure: ${p.planning.lastFailure} (attempt ${failed}/${p.planning.maxAttempts})`);
      lines.push(`next attempt: ${next}`);
    }
    return lines.join('\n');
  }
  const lines = [
    `phase:      ${p.phase}`,
    `progress:   ${p.percent.toFixed(1)}% (${p.checked}/${p.total} devices, batches ${p.batchesDone}/${p.batchesTotal})`,
    `found:      ${p.found}`,
    `conflicts:  ${p.conflicts}`,
    `not found:  ${p.notFound}`,
    `errors:     ${p.errors}`,
    `started:    ${p.startedAt}`,
    `elapsed:    ${duration(p.elapsedMs)}${p.etaMs !== null ? `, eta ${duration(p.etaMs)}` : ''}`,
  ];
  if (p.recentConflicts.length > 0) {
    lines.push('recent conflicts (oldest first):');
    for (const c of p.recentConflicts)
      lines.push(`  ${c.serial} (${c.name ?? 'device ' + c.deviceId}): GLPI ids ${c.glpiIds.join(', ')}`);
  }
  return lines.join('\n');
}

/** A terminal shows the first conflicts; the report command lists them all. */
const TERMINAL_CONFLICTS = 20;

export function reportText(r: RunReport): string {
  const lines = [
    `Check ${r.status} in ${duration(r.durationMs)} (run ${r.checkRunId}, ${r.startedAt} → ${r.finishedAt})`,
    `  devices:    ${r.total}`,
    `  found:      ${r.found}`,
    `  conflicts:  ${r.conflicts}`,
    `  not found:  ${r.notFound}`,
    `  errors:     ${r.errors}`,
  ];
  if (r.findings) {
    lines.push(
      `  findings:   ${r.findings} (${findingCountsText(r.findingsByKind)}: npm run report -- --run ${r.checkRunId})`,
    );
  }
  if (r.scopeWarning) lines.push(`WARNING: GLPI scope: ${r.scopeWarning}`);
  if (r.emptyInventoryWarning) lines.push(`WARNING: ${r.emptyInventoryWarning}`);
  if (r.conflictList.length > 0) {
    lines.push('Conflicts (serial on more than one GLPI card):');
    for (const c of r.conflictList.slice(0, TERMINAL_CONFLICTS)) {
      lines.push(
        `  ${JSON.stringify(c.serial)}  ${c.name ?? ''}  device ${c.deviceId}  GLPI ids ${c.glpiIds.join(', ')}`,
      );
    }
    if (r.conflicts > TERMINAL_CONFLICTS) {
      lines.push(`  … ${r.conflicts - TERMINAL_CONFLICTS} more: npm run report -- --run ${r.checkRunId}`);
    }
  }
  return lines.join('\n');
}

/** The machine-readable summary of a finished run. */
export function reportJson(r: RunReport) {
  return {
    checkRunId: r.checkRunId,
    status: r.status,
    total: r.total,
    found: r.found,
    conflicts: r.conflicts,
    notFound: r.notFound,
    errors: r.errors,
    durationMs: r.durationMs,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    conflictList: r.conflictList,
    conflictListTruncated: r.conflictListTruncated,
    findings: r.findings ?? 0,
    findingsByKind: r.findingsByKind ?? {},
    scopeWarning: r.scopeWarning ?? null,
    emptyInventoryWarning: r.emptyInventoryWarning ?? null,
  };
}
