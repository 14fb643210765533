/**
 * The scan strategy's storage: the cards a run's scan read (scan_cards), and the set-based pass
 * that gives each device of a batch its candidate cards (a join on the normalised serial).
 */
import type { Db } from './client';
import { Prisma } from './generated/client';
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
  await db.$executeRaw`
    INSERT INTO scan_cards (check_run_id, itemtype, glpi_id, is_deleted, serial_normalized, stored_serial, item)
    SELECT ${checkRunId}, r.itemtype, r.glpi_id, r.is_deleted, r.serial_normalized, r.stored_serial, r.item
      FROM jsonb_to_recordset(${json}::jsonb)
        AS r(itemtype text, glpi_id int, is_deleted boolean, serial_normalized text, stored_serial text, item jsonb)
    ON CONFLICT DO NOTHING`;
}

export interface DeviceWithCards {
  id: number;
  serialNormalized: string;
  name: string | null;
  model: string | null;
  location: string | null;
  cards: { isDeleted: boolean; storedSerial: string; item: GlpiItem }[];
}

/** A batch's active devices in id order, each with the scanned cards of its normalised serial. */
export async function loadDevicesWithCards(
  db: Db,
  checkRunId: number,
  batch: BatchDescriptor,
): Promise<DeviceWithCards[]> {
  const from = batch.fromId ?? 0;
  const to = batch.toId ?? 0;
  const ids = batch.deviceIds ?? null;
  const rows = await db.$queryRaw<
    {
      id: number;
      serial_normalized: string;
      name: string | null;
      model: string | null;
      location: string | null;
      cards: { d: boolean; s: string; i: GlpiItem }[];
    }[]
  >`
    SELECT d.id, d.serial_normalized, d.name, d.model, d.location,
           coalesce(jsonb_agg(jsonb_build_object('d', c.is_deleted, 's', c.stored_serial, 'i', c.item))
                    FILTER (WHERE c.glpi_id IS NOT NULL), '[]'::jsonb) AS cards
      FROM devices d
      LEFT JOIN scan_cards c ON c.check_run_id = ${checkRunId} AND c.serial_normalized = d.serial_normalized
     WHERE ${ids === null ? Prisma.sql`d.active AND d.id BETWEEN ${from} AND ${to}` : Prisma.sql`d.id = ANY(${ids}::int[])`}
     GROUP BY d.id
     ORDER BY d.id`;
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
