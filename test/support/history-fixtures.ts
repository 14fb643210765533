/**
 * Recorded histories (test/fixtures/histories/*.json): written by npm run record-histories,
 * replayed by test/replay.test.ts. A history is stored as protobuf's JSON object form (enums by
 * name, 64-bit numbers as strings, bytes in base64); the SDK's historyToJSON cannot be used here
 * (two copies of protobufjs in node_modules make it throw "type must be a Type").
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { ROOT } from './processes';

export const HISTORIES_DIR = join(ROOT, 'test', 'fixtures', 'histories');

type History = temporal.api.history.v1.IHistory;
const HistoryType = temporal.api.history.v1.History;

/** One fixture: a closed execution's whole history, and what it shows. */
export interface HistoryFixture {
  scenario: string;
  description: string;
  workflowId: string;
  runId: string;
  recordedAt: string;
  history: unknown;
}

export function historyToObject(history: History): unknown {
  return HistoryType.toObject(HistoryType.fromObject(history), { longs: String, enums: String, bytes: String });
}

export function historyFromObject(json: unknown): temporal.api.history.v1.History {
  return HistoryType.fromObject(json as Record<string, unknown>);
}

export function readHistoryFixtures(dir = HISTORIES_DIR): (HistoryFixture & { file: string })[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(join(dir, file), 'utf8')) as HistoryFixture) }));
}
