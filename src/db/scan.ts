/**
 * The scan strategy's storage: the cards a run's scan read (scan_cards), and the set-based pass
 * that gives each device of a batch its candidate cards (a join on the normalised serial).
 */
import type { Db } from './client';
import { eachRow } from './pg';
import type { BatchDescriptor } from '../workflows/types';
import type { GlpiItem } from '../glpi/types';
import type { EncodedCard } from '../glpi/scan';
import type { MatchedCard } from '../core/classify';
import type { CandidateCard } from '../core/scan-match';

/**
 * Stores a page of cards (each as its JSON). A plain INSERT: a scan never stores a card twice
 * (ids only rise within a list, and a resumed scan first drops what it stored past its cursor,
 * dropScanCardsAfter), and the primary key refuses a card that would be. ON CONFLICT DO NOTHING
 * cost PostgreSQL a sixth of storing the cards. The page is read as json, not jsonb: each card's
 * item is kept as the text it came as (scan_cards.item is json), never built into a jsonb tree.
 */
export async function insertScanCards(db: Db, checkRunId: number, cards: readonly EncodedCard[]): Promise<void> {
  if (cards.length === 0) return;
  // The record's columns are named like ScannedCard's fields (quoted): the cards as they are.
  const json = `[${cards.join(',')}]`;
  // Through db.pg: the page's JSON is a large parameter (src/db/client.ts says why).
  await db.pg.query(
    `INSERT INTO scan_cards (check_run_id, itemtype, glpi_id, is_deleted, serial_normalized, stored_serial, item)
     SELECT $1, r.itemtype, r."glpiId", r."isDeleted", r."serialNormalized", r."storedSerial", r.item
       FROM json_to_recordset($2::json)
         AS r(itemtype text, "glpiId" int, "isDeleted" boolean, "serialNormalized" text, "storedSerial" text,
              item json)`,
    [checkRunId, json],
  );
}

/**
 * Drops the cards of one list stored past `lastId`: an attempt that ended (a worker killed, a
 * page that failed) may have stored pages beyond the cursor it last heartbeated, and the attempt
 * that reads on from that cursor stores them again. Returns how many were dropped.
 */
export async function dropScanCardsAfter(
  db: Db,
  checkRunId: number,
  list: { itemtype: string; trashed: boolean },
  lastId: number,
): Promise<number> {
  const { rowCount } = await db.pg.query(
    'DELETE FROM scan_cards WHERE check_run_id = $1 AND itemtype = $2 AND is_deleted = $3 AND glpi_id > $4',
    [checkRunId, list.itemtype, list.trashed, lastId],
  );
  return rowCount ?? 0;
}

export interface DeviceWithCards {
  id: number;
  serialNormalized: string;
  name: string | null;
  model: string | null;
  location: string | null;
  /** Shaped as the rules take them (selectCandidates, then classifyDevice): the rows are used as they are. */
  cards: ScannedCandidate[];
}

export type ScannedCandidate = CandidateCard & MatchedCard<GlpiItem>;

/**
 * A batch's active devices in id order, each with the scanned cards of its normalised serial,
 * handed to `visit` one at a time as PostgreSQL sends them, in chunks of at most `chunkSize`
 * devices; yields what `visit` made of each chunk. Neither a chunk's devices nor their cards are
 * ever held together: what stays is what `visit` returns (a result, encoded). Eight batches at a
 * time, each holding its chunk of devices, cards and results, kept most of a 96 MB heap live and
 * the collector busy.
 */
export async function* devicesWithCards<T>(
  db: Db,
  checkRunId: number,
  batch: BatchDescriptor,
  chunkSize: number,
  visit: (device: DeviceWithCards) => T,
): AsyncGenerator<T[]> {
  if (batch.deviceIds) {
    for (let at = 0; at < batch.deviceIds.length; at += chunkSize) {
      const ids = batch.deviceIds.slice(at, at + chunkSize);
      yield (await visitChunk(db, checkRunId, 'id = ANY($2::int[])', [ids], visit)).kept;
    }
    return;
  }
  const to = batch.toId ?? 0;
  let after = (batch.fromId ?? 0) - 1;
  for (;;) {
    const chunk = await visitChunk(
      db,
      checkRunId,
      'active AND id > $2 AND id <= $3 ORDER BY id LIMIT $4',
      [after, to, chunkSize],
      visit,
    );
    if (chunk.kept.length > 0) yield chunk.kept;
    if (chunk.kept.length < chunkSize) return;
    after = chunk.lastId;
  }
}

async function visitChunk<T>(
  db: Db,
  checkRunId: number,
  deviceFilter: string,
  filterValues: unknown[],
  visit: (device: DeviceWithCards) => T,
): Promise<{ kept: T[]; lastId: number }> {
  const kept: T[] = [];
  let lastId = 0;
  // Through db.pg, a row at a time (src/db/pg.ts): devices with their cards are large rows
  // (src/db/client.ts says why). Columns and keys are named as DeviceWithCards has them.
  await eachRow<DeviceWithCards>(
    db.pg,
    // Each device's cards gathered by a subquery of its own, as json (text, made as it is
    // written): a join grouped by the device's columns, with jsonb_agg, cost PostgreSQL twice as
    // much (50,000 devices: 0.98 s against 0.49 s).
    `SELECT d.id, d.serial_normalized AS "serialNormalized", d.name, d.model, d.location,
            coalesce(k.cards, '[]'::json) AS cards
       FROM (SELECT id, serial_normalized, name, model, location FROM devices WHERE ${deviceFilter}) d
       LEFT JOIN LATERAL (
         SELECT json_agg(json_build_object('isDeleted', c.is_deleted, 'storedSerial', c.stored_serial, 'card', c.item))
                  AS cards
           FROM scan_cards c
          WHERE c.check_run_id = $1 AND c.serial_normalized = d.serial_normalized) k ON true
      ORDER BY d.id`,
    [checkRunId, ...filterValues],
    (device) => {
      kept.push(visit(device));
      lastId = device.id;
    },
  );
  return { kept, lastId };
}

/** Fresh statistics once a scan has filled the table: the classification joins use the serial index, the reverse count a hash join. */
export async function analyseScanCards(db: Db): Promise<void> {
  await db.$executeRaw`ANALYZE scan_cards`;
}

/**
 * Keeps the scanned cards of the latest `keep` runs that scanned (the reports of older runs list no
 * unknown cards), and those of every run still running: a manual full check and a scheduled one can
 * overlap (the schedule's SKIP policy sees only the runs it started), and the one that finishes its
 * scan first must not take the other's cards, which would leave that run's devices without them.
 */
export async function pruneScanCards(db: Db, keep: number): Promise<void> {
  await db.$executeRaw`
    DELETE FROM scan_cards WHERE check_run_id IN (
      SELECT id FROM check_runs
       WHERE status <> 'running'
         AND id NOT IN (SELECT id FROM check_runs WHERE scan IS NOT NULL ORDER BY id DESC LIMIT ${keep}))`;
}
