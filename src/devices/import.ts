/**
 * Importing an inventory: plan (what each row would do to the devices table), then apply
 * the plan in one transaction. Both read and write in bulk, a few statements per 10,000
 * rows: a 100,000-device inventory must not mean 100,000 round trips. (Prisma's createMany
 * builds its statements in JavaScript and took 26 s for 100,000 rows here; unnest() takes
 * about one.) Devices are never deleted: their check history matters.
 */
import type { Pool, PoolClient } from 'pg';
import type { Db } from '../db/client';
import { isNoSerialKey } from '../core/serial';
import { InventoryError, TEXT_COLUMNS, type Inventory, type InventoryEntry, type TextColumn } from './inventory';

/**
 * The pool (a dry run) or the import's own transaction. Plain pg, not Prisma: every statement
 * here carries 10,000-row arrays (the anti-join all of the file's serials), which Prisma's debug
 * history would keep in memory (src/db/client.ts says why).
 */
type Queryable = Pool | PoolClient;

export interface ExistingDevice {
  id: number;
  serial: string;
  serialNormalized: string;
  name: string | null;
  model: string | null;
  location: string | null;
  organisation: string | null;
  active: boolean;
}

export interface FieldChange {
  field: 'serial' | TextColumn | 'active';
  from: string | boolean | null;
  to: string | boolean | null;
}

export interface PlannedUpdate {
  entry: InventoryEntry;
  device: ExistingDevice;
  /** The device as it will be: the file's values, the device's own for columns the file lacks. */
  target: ExistingDevice;
  changes: FieldChange[];
}

export interface ImportPlan {
  create: InventoryEntry[];
  update: PlannedUpdate[];
  unchanged: { entry: InventoryEntry; device: ExistingDevice }[];
  deactivate: { id: number; serial: string }[];
  /** Active devices before the import (counted only with --deactivate-missing, else null). */
  activeBefore: number | null;
}

export interface ImportOptions {
  dryRun: boolean;
  deactivateMissing: boolean;
  /** --yes: deactivate even more than MAX_UNCONFIRMED_DEACTIVATION of the active devices. */
  confirmed?: boolean;
}

/**
 * A file that is not the whole inventory (an extract, the wrong export) would deactivate
 * most of the fleet: beyond this share of the active devices, --yes is required.
 */
export const MAX_UNCONFIRMED_DEACTIVATION = 0.1;

/** Refused by the deactivation threshold: nothing was written. */
export class DeactivationRefusedError extends Error {
  override readonly name = 'DeactivationRefusedError';
}

export function needsDeactivationConfirmation(plan: Pick<ImportPlan, 'deactivate' | 'activeBefore'>): boolean {
  return plan.activeBefore !== null && plan.deactivate.length > MAX_UNCONFIRMED_DEACTIVATION * plan.activeBefore;
}

export function deactivationShare(plan: Pick<ImportPlan, 'deactivate' | 'activeBefore'>): string {
  const share = plan.activeBefore ? (100 * plan.deactivate.length) / plan.activeBefore : 0;
  return `${plan.deactivate.length} of ${plan.activeBefore ?? 0} active devices (${share.toFixed(1)} %)`;
}

const CHUNK = 10_000;

function chunks<T>(items: T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) result.push(items.slice(i, i + CHUNK));
  return result;
}

async function devicesWithSerials(db: Queryable, serials: string[]): Promise<Map<string, ExistingDevice>> {
  const found = new Map<string, ExistingDevice>();
  for (const chunk of chunks(serials)) {
    const { rows } = await db.query<ExistingDevice>(
      `SELECT d.id, d.serial, d.serial_normalized AS "serialNormalized", d.name, d.model, d.location,
              d.organisation, d.active
       FROM devices d JOIN unnest($1::text[]) AS f(serial) ON f.serial = d.serial_normalized`,
      [chunk],
    );
    for (const row of rows) found.set(row.serialNormalized, row);
  }
  return found;
}

/** Active devices the file does not mention (an anti-join, so one pass whatever the sizes). */
async function activeDevicesNotIn(db: Queryable, serials: string[]): Promise<{ id: number; serial: string }[]> {
  const { rows } = await db.query<{ id: number; serial: string }>(
    `SELECT d.id, d.serial FROM devices d
     WHERE d.active
       AND NOT EXISTS (SELECT 1 FROM unnest($1::text[]) AS f(serial) WHERE f.serial = d.serial_normalized)
     ORDER BY d.id`,
    [serials],
  );
  return rows;
}

export function planUpdate(entry: InventoryEntry, device: ExistingDevice): PlannedUpdate {
  const target: ExistingDevice = { ...device, serial: entry.serial, active: entry.active ?? device.active };
  for (const column of TEXT_COLUMNS) {
    const value = entry.fields[column];
    if (value !== undefined) target[column] = value;
  }
  const changes: FieldChange[] = [];
  for (const field of ['serial', ...TEXT_COLUMNS, 'active'] as const) {
    if (target[field] !== device[field]) changes.push({ field, from: device[field], to: target[field] });
  }
  return { entry, device, target, changes };
}

export async function planImport(db: Queryable, inventory: Inventory, options: ImportOptions): Promise<ImportPlan> {
  const existing = await devicesWithSerials(
    db,
    inventory.entries.map((entry) => entry.serialNormalized),
  );
  const plan: ImportPlan = { create: [], update: [], unchanged: [], deactivate: [], activeBefore: null };
  for (const entry of inventory.entries) {
    const device = existing.get(entry.serialNormalized);
    if (!device) {
      plan.create.push(entry);
      continue;
    }
    const update = planUpdate(entry, device);
    if (update.changes.length > 0) plan.update.push(update);
    else plan.unchanged.push({ entry, device });
  }
  if (options.deactivateMissing) {
    plan.deactivate = await activeDevicesNotIn(db, [...inventory.mentionedSerials]);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM devices WHERE active');
    plan.activeBefore = rows[0].n;
  }
  return plan;
}

// The statements below list the text columns in TEXT_COLUMNS' order (name, model, location, organisation).
async function insertNewDevices(db: Queryable, entries: InventoryEntry[]): Promise<void> {
  for (const chunk of chunks(entries)) {
    const columns = TEXT_COLUMNS.map((name) => chunk.map((entry) => entry.fields[name] ?? null));
    await db.query(
      `INSERT INTO devices (serial, serial_normalized, name, model, location, organisation, active, updated_at)
       SELECT f.*, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                     $7::boolean[]) AS f`,
      [
        chunk.map((entry) => entry.serial),
        chunk.map((entry) => entry.serialNormalized),
        ...columns,
        chunk.map((entry) => entry.active ?? true),
      ],
    );
  }
}

async function updateDevices(db: Queryable, updates: PlannedUpdate[]): Promise<void> {
  for (const chunk of chunks(updates.map((update) => update.target))) {
    const columns = TEXT_COLUMNS.map((name) => chunk.map((device) => device[name]));
    await db.query(
      `UPDATE devices d SET serial = f.serial, name = f.name, model = f.model, location = f.location,
                            organisation = f.organisation, active = f.active, updated_at = now()
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[])
         AS f(id, serial, name, model, location, organisation, active)
       WHERE d.id = f.id`,
      [
        chunk.map((device) => device.id),
        chunk.map((device) => device.serial),
        ...columns,
        chunk.map((device) => device.active),
      ],
    );
  }
}

async function deactivateDevices(db: Queryable, ids: number[]): Promise<void> {
  for (const chunk of chunks(ids)) {
    await db.query('UPDATE devices SET active = false, updated_at = now() WHERE id = ANY($1::int[])', [chunk]);
  }
}

/**
 * Plans the import and, unless it is a dry run, applies it in one transaction. Imports
 * take a lock so that two at once queue up instead of planning against each other's
 * half-written state.
 */
export async function importInventory(db: Db, inventory: Inventory, options: ImportOptions): Promise<ImportPlan> {
  // Rows without a serial do not make a file the inventory: a file of only those is refused too.
  if (options.deactivateMissing && [...inventory.mentionedSerials].every(isNoSerialKey)) {
    throw new InventoryError(
      'the file names no valid serial: with --deactivate-missing it would deactivate every device (refused)',
    );
  }
  if (options.dryRun) return planImport(db.pg, inventory, options);
  const tx = await db.pg.connect();
  try {
    await tx.query('BEGIN');
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('glpi-device-check devices import'))`);
    const plan = await planImport(tx, inventory, options);
    // Refused inside the transaction: it rolls back, so a refused import writes nothing at all.
    if (needsDeactivationConfirmation(plan) && !options.confirmed) {
      throw new DeactivationRefusedError(
        `--deactivate-missing would deactivate ${deactivationShare(plan)}, more than ` +
          `${MAX_UNCONFIRMED_DEACTIVATION * 100} %: is the file the whole inventory? ` +
          'See the list with --dry-run, then add --yes to confirm; nothing was imported',
      );
    }
    await insertNewDevices(tx, plan.create);
    await updateDevices(tx, plan.update);
    await deactivateDevices(
      tx,
      plan.deactivate.map((device) => device.id),
    );
    await tx.query('COMMIT');
    return plan;
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}
