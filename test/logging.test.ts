/**
 * Log lines (src/logging.ts): values arrive as fields and are printed as key=value; redaction
 * by key and by value happens there, on the whole line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEntry } from '@temporalio/worker';
import { readSetting } from '../src/config';
import { formatLogEntry } from '../src/logging';
import { Secret } from '../src/redaction';

function entry(message: string, meta: Record<string, unknown>): LogEntry {
  return { level: 'INFO', message, meta, timestampNanos: BigInt(Date.parse('2026-12-01T10:00:00Z')) * 1_000_000n };
}

test('fields are printed after the message, run fields first, Temporal task ids left out', () => {
  const line = formatLogEntry(
    entry('Batch failed after all retries', {
      batch: 3,
      reason: 'GLPI answered 503',
      glpiIds: [12, 14],
      workflowId: 'check-all-devices',
      taskToken: 'AAAA',
      namespace: 'default',
    }),
  );
  assert.equal(
    line,
    '2026-12-01T10:00:00.000Z INFO  Batch failed after all retries  [workflowId=check-all-devices batch=3 reason="GLPI answered 503" glpiIds=12,14]',
  );
});

test('an error field shows its kind and first line', () => {
  const error = new RangeError('too far\n    at somewhere');
  assert.match(formatLogEntry(entry('Activity failed', { error })), /\[error="RangeError: too far"\]$/);
});

test('redaction by key, by Secret, by known secret value and in URLs', () => {
  const token = new Secret('tok-LOG-SECRET-4411');
  const password = readSetting('GLPI_PASSWORD', { GLPI_PASSWORD: 'pw-LOG-SECRET-9982' });
  const line = formatLogEntry(
    entry('GLPI said tok-LOG-SECRET-4411 was wrong', {
      sessionToken: 'sess-LOG-SECRET-1',
      secretHolder: token,
      details: { password: 'nested-LOG-SECRET-2', ok: 1 },
      echoed: `Basic ${Buffer.from('pw-LOG-SECRET-9982').toString('base64')}`,
      url: 'postgresql://role:db-LOG-SECRET-3@127.0.0.1/x',
      plain: `user typed ${password}`,
    }),
  );
  assert.doesNotMatch(line, /LOG-SECRET/, line);
  assert.match(line, /sessionToken=\[redacted\]/);
  assert.match(line, /details=\{"password":"\[redacted\]","ok":1\}/);
  assert.match(line, /postgresql:\/\/role:\*\*\*@127\.0\.0\.1/);
});
