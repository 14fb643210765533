/**
 * The scan strategy's storage: the cards a run's scan read (scan_cards), and the set-based pass
 * that gives each device of a batch its candidate cards (a join on the normalised serial).
 */
import type { Db } from './client';
import type { BatchDescriptor } from '../workflows/types';
import type { GlpiItem } from '../glpi/types';
import type { ScannedCard } from '../glpi/scan';

/** A row of scan_cards is the card as the scan read it (src/glpi/scan.ts): one shape for both. */
export type ScanCardRow = ScannedCard;

/** Stores a page of cards; a card already stored for the run (same list) is left as it is. */
export async function insertScanCards(db: Db, checkRunId: number, cards: readonly ScanCardRow[]): Promise<void> {
  if (cards.length === 0) return;
  const json = JSON.stringify(
    cards.map((c) => ({
      itemtype: c.itemtype,
      glpi_id: c.glpiId,
      is_deleted: c.isDeleted,
      serial_normalized: c.serialNormalized,
      stored_serial: c.storedSerial,
      item: c.item,
    })),
  );
  // Through db.pg: the page's JSON is a large parameter (src/db/client.ts says why).
  await db.pg.query(
    `INSERT INTO scan_cards (check_run_id, itemtype, glpi_id, is_deleted, serial_normalized, stored_serial, item)
     SELECT $1, r.itemtype, r.glpi_id, r.is_deleted, r.serial_normalized, r.stored_serial, r.item
       FROM jsonb_to_recordset($2::jsonb)
         AS r(itemtype text, glpi_id int, is_deleted boolean, serial_normalized text, stored_serial text, item jsonb)
     ON CONFLICT DO NOTHING`,
    [checkRunId, json],
  );
}

export interface DeviceWithCards {
  id: number;
  serialNormalized: string;
  name: string | null;
  model: string | null;
  location: string | null;
  cards: { isDeleted: boolean; storedSerial: string; item: GlpiItem }[];
}

/**
 * A batch's active devices in id order, each with the scanned cards of its normalised serial, in
 * chunks of at most `chunkSize` devices: a 5,000-device batch never holds more than one chunk of
 * devices, cards and results at once (eight batches at a time ran a 96 MB heap out of memory).
 */
export async function* devicesWithCards(
  db: Db,
  checkRunId: number,
  batch: BatchDescriptor,
  chunkSize: number,
): AsyncGenerator<DeviceWithCards[]> {
  if (batch.deviceIds) {
    for (let at = 0; at < batch.deviceIds.length; at += chunkSize) {
      yield await loadChunk(db, checkRunId, 'id = ANY($2::int[])', [batch.deviceIds.slice(at, at + chunkSize)]);
    }
    return;
  }
  const to = batch.toId ?? 0;
  let after = (batch.fromId ?? 0) - 1;
  for (;;) {
    const chunk = await loadChunk(db, checkRunId, 'active AND id > $2 AND id <= $3 ORDER BY id LIMIT $4', [
      after,
      to,
      chunkSize,
    ]);
    if (chunk.length > 0) yield chunk;
    if (chunk.length < chunkSize) return;
    after = chunk[chunk.length - 1].id;
  }
}

async function loadChunk(
  db: Db,
  checkRunId: number,
  deviceFilter: string,
  filterValues: unknown[],
): Promise<DeviceWithCards[]> {
  // Through db.pg: devices with their cards are large rows (src/db/client.ts says why).
  const { rows } = await db.pg.query<{
    id: number;
    serial_normalized: string;
    name: string | null;
    model: string | null;
    location: string | null;
    cards: { d: boolean; s: string; i: GlpiItem }[];
  }>(
    `SELECT d.id, d.serial_normalized, d.name, d.model, d.location,
            coalesce(jsonb_agg(jsonb_build_object('d', c.is_deleted, 's', c.stored_serial, 'i', c.item))
                     FILTER (WHERE c.glpi_id IS NOT NULL), '[]'::jsonb) AS cards
       FROM (SELECT id, serial_normalized, name, model, location FROM devices WHERE ${deviceFilter}) d
       LEFT JOIN scan_cards c ON c.check_run_id = $1 AND c.serial_normalized = d.serial_normalized
      GROUP BY d.id, d.serial_normalized, d.name, d.model, d.location
      ORDER BY d.id`,
    [checkRunId, ...filterValues],
  );
  return rows.map((row) => ({
    id: row.id,
    serialNormalized: row.serial_normalized,
    name: row.name,
    model: row.model,
    location: row.location,
    cards: row.cards.map((card) => ({ isDeleted: card.d, storedSerial: card.s, item: card.i })),
  }));
}

/** Fresh statistics once a scan has filled the table, so the classification joins use the serial index. */
export async function analyseScanCards(db: Db): Promise<void> {
  await db.$executeRaw`ANALYZE scan_cards`;
}

/** Keeps the scanned cards of the latest `keep` runs that scanned (the reports of older runs list no unknown cards). */
export async function pruneScanCards(db: Db, keep: number): Promise<void> {
  await db.$executeRaw`
    DELETE FROM scan_cards WHERE check_run_id NOT IN (
      SELECT id FROM check_runs WHERE scan IS NOT NULL ORDER BY id DESC LIMIT ${keep})`;
}
