/**
 * The inventory files in test/fixtures/devices, and what reading test/fixtures/devices/problems.csv
 * must skip: the parser's test and the import command's test expect the same rows.
 */
import { join } from 'node:path';
import { ROOT } from './processes';

export function devicesFixture(name: string): string {
  return join(ROOT, 'test', 'fixtures', 'devices', name);
}

/** A skipped row as [line, reason], the reason without its "(expected …)" hint. */
export function skipsOf(skipped: readonly { line: number; reason: string }[]): [number, string][] {
  return skipped.map((s) => [s.line, s.reason.replace(/ \(expected.*/, '')]);
}

export const PROBLEMS_CSV_SKIPS: [number, string][] = [
  [3, 'duplicate serial: same as line 2'],
  [5, 'invalid active value "maybe"'],
  [6, 'invalid serial: contains a control character'],
  [7, 'invalid serial: longer than 255 characters'],
];
