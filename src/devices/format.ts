/**
 * How devices look on a terminal: aligned tables with long values cut, local times.
 */
import { describeFinding } from '../core/findings';
import type { FoundDevice, ListedDevice, RecentResult } from '../db/devices';

const MAX_CELL = 32;

function cell(value: string, cut: boolean): string {
  const flat = value.replace(/\s+/g, ' ');
  return cut && flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** The last column is never cut: nothing to its right can be pushed out of line. */
export function table(headers: string[], rows: string[][]): string {
  const cells = rows.map((row) => row.map((value, i) => cell(value, i < row.length - 1)));
  const widths = headers.map((header, i) => Math.max(header.length, ...cells.map((row) => row[i].length)));
  const format = (row: string[]) =>
    row
      .map((value, i) => value.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [format(headers), ...cells.map(format)].join('\n');
}

/** "2026-01-05 14:03:27" in the machine's time zone: what an operator compares with a clock. */
export function localTime(date: Date | null): string {
  if (!date) return '';
  return date.toLocaleString('sv-SE', { hour12: false });
}

const yesNo = (value: boolean) => (value ? 'yes' : 'no');

export function deviceListText(devices: ListedDevice[], showActive: boolean): string {
  const headers = [
    'ID',
    'SERIAL',
    'NAME',
    'LOCATION',
    ...(showActive ? ['ACTIVE'] : []),
    'STATUS',
    'GLPI IDS',
    'FINDINGS',
    'CHECKED AT',
  ];
  const rows = devices.map((d) => [
    String(d.id),
    d.serial,
    d.name ?? '',
    d.location ?? '',
    ...(showActive ? [yesNo(d.active)] : []),
    d.latest?.status ?? 'never checked',
    d.latest?.glpiIds.join(',') ?? '',
    [...new Set(d.latest?.findings.map((f) => f.kind) ?? [])].join(','),
    localTime(d.latest?.checkedAt ?? null),
  ]);
  return table(headers, rows);
}

export function deviceText(found: FoundDevice, results: RecentResult[]): string {
  const d = found.device;
  const lines = [
    `Device ${d.id}`,
    d.serial === ''
      ? `  serial:        (none: imported without a serial, flagged no_serial in every check)`
      : `  serial:        ${d.serial}${d.serialNormalized !== d.serial ? ` (normalised ${d.serialNormalized})` : ''}`,
    `  name:          ${d.name ?? ''}`,
    `  model:         ${d.model ?? ''}`,
    `  location:      ${d.location ?? ''}`,
    `  organisation:  ${d.organisation ?? ''}`,
    `  active:        ${yesNo(d.active)}`,
    `  created:       ${localTime(d.createdAt)}`,
    `  updated:       ${localTime(d.updatedAt)}`,
  ];
  if (results.length === 0) {
    lines.push('', 'Never checked.');
    return lines.map((line) => line.trimEnd()).join('\n');
  }
  lines.push('', `Last ${results.length} result(s), newest first:`);
  lines.push(
    table(
      ['RUN', 'CHECKED AT', 'STATUS', 'GLPI IDS', 'GLPI STATUS', 'ERROR'],
      results.map((r) => [
        String(r.checkRunId),
        localTime(r.checkedAt),
        r.status,
        r.glpiIds.join(','),
        r.statusName ?? '',
        r.errorMessage ?? '',
      ]),
    )
      .split('\n')
      .map((line) => `  ${line}`)
      .join('\n'),
  );
  const withFindings = results.filter((r) => r.findings.length > 0);
  if (withFindings.length > 0) {
    lines.push('', 'Findings, newest run first:');
    for (const r of withFindings) {
      for (const finding of r.findings) {
        lines.push(
          `  run ${r.checkRunId}  ${finding.kind.padEnd(17)}  ${describeFinding(finding).replace(/[\r\n]+/g, ' ')}`,
        );
      }
    }
  }
  return lines.map((line) => line.trimEnd()).join('\n');
}
