/**
 * A run's results against the simulator's ground truth, device by device: the totals can only
 * be right if every device got the status the generator says it must have.
 */
import { withPg } from '../../src/db/pg';
import type { GeneratedInventory } from '../../src/dev/glpi-simulator';
import type { RunReport } from '../../src/workflows/types';

export interface Mismatch {
  serial: string;
  expected: string;
  actual: string;
  error: string | null;
}

export interface Verification {
  activeDevices: number;
  results: number;
  /** Devices of the run with more than one result (the schema forbids it; checked anyway). */
  duplicated: number;
  /** Active devices without a result. */
  missing: number;
  byStatus: Record<string, number>;
  mismatches: number;
  /** Expected found/conflict, stored as not_found: a failure hidden as an answer, the old system's bug. */
  failuresAsNotFound: number;
  examples: Mismatch[];
  /** Devices whose findings (of the kinds checked) differ from the planted ones; -1 when not checked. */
  findingMismatches: number;
  /** Findings found per kind (of the kinds checked). */
  findingsByKind: Record<string, number>;
  findingExamples: { serial: string; expected: string; actual: string }[];
  /** Every check passed; `problems` says which did not. */
  ok: boolean;
  problems: string[];
}

interface ResultRow {
  serial_normalized: string;
  findings: { kind: string; glpiId?: number }[] | null;
  status: string | null;
  glpi_ids: number[] | null;
  error_message: string | null;
  results: string;
}

export async function verifyRun(
  databaseUrl: string,
  checkRunId: number,
  inventory: GeneratedInventory,
  report?: Pick<RunReport, 'checked' | 'found' | 'conflicts' | 'notFound' | 'errors'>,
  /** Also compare every device's findings of these kinds with the planted ones (see ExpectedFinding). */
  findingKinds?: readonly string[],
): Promise<Verification> {
  // One row per active device, with its result of this run (if any) and how many it has.
  const { rows } = await withPg(databaseUrl, (pg) =>
    pg.query<ResultRow>(
      `SELECT d.serial_normalized, min(r.status::text) AS status, min(r.glpi_ids) AS glpi_ids,
              min(r.error_message) AS error_message, count(r.device_id) AS results,
              (array_agg(r.findings))[1] AS findings
         FROM devices d
         LEFT JOIN check_results r ON r.device_id = d.id AND r.check_run_id = $1
        WHERE d.active
        GROUP BY d.id, d.serial_normalized`,
      [checkRunId],
    ),
  );

  const verification: Verification = {
    activeDevices: rows.length,
    results: 0,
    duplicated: 0,
    missing: 0,
    byStatus: {},
    mismatches: 0,
    failuresAsNotFound: 0,
    examples: [],
    findingMismatches: findingKinds ? 0 : -1,
    findingsByKind: {},
    findingExamples: [],
    ok: true,
    problems: [],
  };
  for (const row of rows) {
    const count = Number(row.results);
    verification.results += count;
    if (count === 0) verification.missing += 1;
    if (count > 1) verification.duplicated += 1;
    const actual = row.status ?? 'missing';
    verification.byStatus[actual] = (verification.byStatus[actual] ?? 0) + 1;
    const expected = inventory.expected.get(row.serial_normalized);
    const expectedIds = expected?.glpiIds.join(',') ?? '';
    const actualIds = [...(row.glpi_ids ?? [])].sort((a, b) => a - b).join(',');
    if (!expected || expected.status !== actual || expectedIds !== actualIds) {
      verification.mismatches += 1;
      if (expected && expected.status !== 'not_found' && actual === 'not_found') verification.failuresAsNotFound += 1;
      if (verification.examples.length < 5) {
        verification.examples.push({
          serial: row.serial_normalized,
          expected: `${expected?.status ?? 'not generated'} [${expectedIds}]`,
          actual: `${actual} [${actualIds}]`,
          error: row.error_message,
        });
      }
    }
  }

  if (findingKinds) {
    const key = (f: { kind: string; glpiId?: number | null }) => `${f.kind}:${f.glpiId ?? '-'}`;
    for (const row of rows) {
      const expected = inventory.expected.get(row.serial_normalized);
      const want = (expected?.findings ?? [])
        .filter((f) => findingKinds.includes(f.kind))
        .map(key)
        .sort();
      const got = (row.findings ?? [])
        .filter((f) => findingKinds.includes(f.kind))
        .map(key)
        .sort();
      for (const f of row.findings ?? [])
        if (findingKinds.includes(f.kind))
          verification.findingsByKind[f.kind] = (verification.findingsByKind[f.kind] ?? 0) + 1;
      if (want.join(' ') !== got.join(' ')) {
        verification.findingMismatches += 1;
        if (verification.findingExamples.length < 5)
          verification.findingExamples.push({
            serial: row.serial_normalized,
            expected: want.join(' '),
            actual: got.join(' '),
          });
      }
    }
  }

  const { problems } = verification;
  if (verification.findingMismatches > 0)
    problems.push(
      `${verification.findingMismatches} devices have other findings than planted, e.g. ${JSON.stringify(verification.findingExamples)}`,
    );
  if (rows.length !== inventory.devices.length)
    problems.push(`${rows.length} active devices in the database, ${inventory.devices.length} generated`);
  if (verification.missing) problems.push(`${verification.missing} devices have no result`);
  if (verification.duplicated) problems.push(`${verification.duplicated} devices have more than one result`);
  if (verification.mismatches)
    problems.push(
      `${verification.mismatches} devices differ from the ground truth (${verification.failuresAsNotFound} ` +
        `failures reported as not_found), e.g. ${JSON.stringify(verification.examples)}`,
    );
  if (report) {
    const { counts } = inventory;
    const want = { checked: inventory.devices.length, found: counts.found, conflicts: counts.conflict };
    const got = { checked: report.checked, found: report.found, conflicts: report.conflicts };
    const totalsMatch =
      report.checked === want.checked &&
      report.found === counts.found &&
      report.conflicts === counts.conflict &&
      report.notFound === counts.not_found &&
      report.errors === 0;
    if (!totalsMatch)
      problems.push(
        `report totals ${JSON.stringify({ ...got, notFound: report.notFound, errors: report.errors })} ` +
          `differ from the ground truth ${JSON.stringify({ ...want, notFound: counts.not_found, errors: 0 })}`,
      );
  }
  verification.ok = problems.length === 0;
  return verification;
}
