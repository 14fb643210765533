/**
 * The JSON report. Its shape is an interface for other tools: add fields, never rename or remove.
 *
 * {
 *   "run": { "id", "workflowId", "runId", "trigger", "status", "startedAt", "finishedAt" (ISO 8601 UTC or null),
 *            "durationMs" (or null), "failureReason" (or null), "selection" },
 *   "totals": { "total", "checked", "found", "conflicts", "notFound", "errors", "findings",
 *               "findingsByKind": { "location_mismatch": 3, … } (kinds that occur) },
 *   "scope": { "entities": [ { "id", "name" } ], "complete", "reason" (when incomplete), "profiles": [ … ],
 *              "warning" (the sentence the other formats show, or null) } (or null for older runs),
 *   "conflicts": [ { "deviceId", "serial", "name", "model", "location", "glpiIds": [12, 13],
 *                    "glpiItems": [ { "itemtype", "id", "name", "serial", "statusName", "location", "entity",
 *                                     "url" (the GLPI form page, or null) } ] } ],
 *   "notFound": [ { "deviceId", "serial", "name", "model", "location" } ],
 *   "errors": [ { "deviceId", "serial", "name", "model", "location", "error" } ],
 *   "findings": [ { "deviceId", "serial", "name", "model", "location", "status", "kind", "itemtype", "glpiId",
 *                   …the kind's own fields (the values compared: serial_whitespace "storedSerial";
 *                   *_mismatch "inventory", "glpi"; stale "evidence", "date", "ageDays", "staleDays"; retired_state
 *                   "state"; only_in_trash "storedSerial"; no_serial has no itemtype/glpiId), "message", "url" } ]
 * }
 * Unknown text values are null. Devices are in device id order. One array element per line,
 * so the file also reads well with grep and diff.
 */
import { scopeWarning } from '../glpi/scope';
import type { FindingRow, ProblemCategory, ProblemRow, Report } from './model';
import type { Sink } from './sink';
import { writeFleetJson } from './fleet';

const ARRAYS: [key: string, category: ProblemCategory][] = [
  ['conflicts', 'conflict'],
  ['notFound', 'not_found'],
  ['errors', 'error'],
];

function device(row: ProblemRow) {
  return { deviceId: row.deviceId, serial: row.serial, name: row.name, model: row.model, location: row.location };
}

function element(row: ProblemRow): object {
  if (row.category === 'conflict') {
    return {
      ...device(row),
      glpiIds: row.glpi.map((ref) => ref.id),
      glpiItems: row.glpi.map((ref) => ({ ...ref })),
    };
  }
  if (row.category === 'error') return { ...device(row), error: row.error };
  return device(row);
}

function head(report: Report): string {
  const { run, totals } = report;
  const runJson = {
    id: run.id,
    workflowId: run.workflowId,
    runId: run.runId,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    durationMs: run.durationMs,
    failureReason: run.failureReason,
    selection: report.selection,
  };
  const totalsJson = {
    total: totals.total,
    checked: totals.checked,
    found: totals.found,
    conflicts: totals.conflicts,
    notFound: totals.notFound,
    errors: totals.errors,
    findings: totals.findings,
    findingsByKind: totals.findingsByKind,
  };
  const scope = run.scope ? { ...run.scope, warning: scopeWarning(run.scope) } : null;
  return (
    `{\n  "run": ${JSON.stringify(runJson)},\n  "totals": ${JSON.stringify(totalsJson)},\n` +
    `  "scope": ${JSON.stringify(scope)}`
  );
}

function findingElement(row: FindingRow): object {
  const { deviceId, serial, name, model, location, status, finding, message, url } = row;
  return { deviceId, serial, name, model, location, status, ...finding, message, url };
}

export async function writeJson(report: Report, out: Sink): Promise<void> {
  await out.write(head(report));
  for (const [key, category] of ARRAYS) {
    await out.write(`,\n  ${JSON.stringify(key)}: [`);
    let first = true;
    for await (const row of report.rows(category)) {
      await out.write(`${first ? '' : ','}\n    ${JSON.stringify(element(row))}`);
      first = false;
    }
    await out.write(first ? ']' : '\n  ]');
  }
  await out.write(`,\n  "findings": [`);
  let first = true;
  for await (const row of report.findings()) {
    await out.write(`${first ? '' : ','}\n    ${JSON.stringify(findingElement(row))}`);
    first = false;
  }
  await out.write(first ? ']' : '\n  ]');
  await writeFleetJson(report.fleet, out);
  await out.write('\n}\n');
}
