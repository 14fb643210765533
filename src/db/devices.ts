/**
 * Device queries shared by the activities and the CLI.
 */
import type { Db } from './client';
import { normaliseSerial, tryNormaliseSerial } from '../glpi/serial';

export class UnknownDevicesError extends Error {
  override readonly name = 'UnknownDevicesError';
}

/**
 * Device ids for a list of serials (any case or spacing) or numeric ids. Every reference
 * must match a device: a typo must not turn into a silently smaller check.
 */
export async function resolveDevices(db: Db, references: string[]): Promise<number[]> {
  const ids = new Set<number>();
  const unknown: string[] = [];
  for (const reference of references) {
    const trimmed = reference.trim();
    const byId = /^\d+$/.test(trimmed) ? await db.device.findUnique({ where: { id: Number(trimmed) } }) : null;
    const serial = tryNormaliseSerial(reference);
    const device =
      byId ?? (serial.ok ? await db.device.findUnique({ where: { serialNormalized: serial.serial } }) : null);
    if (device) ids.add(device.id);
    else unknown.push(reference);
  }
  if (unknown.length > 0)
    throw new UnknownDevicesError(`no device with serial or id ${unknown.map((u) => JSON.stringify(u)).join(', ')}`);
  return [...ids].sort((a, b) => a - b);
}

export interface NewDevice {
  serial: string;
  name?: string | null;
  model?: string | null;
  location?: string | null;
  organisation?: string | null;
  active?: boolean;
}

/** Inserts devices in bulk (tests, benchmarks, the demo); existing serials are left alone. */
export async function insertDevices(db: Db, devices: NewDevice[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < devices.length; i += 5000) {
    const { count } = await db.device.createMany({
      data: devices.slice(i, i + 5000).map((d) => ({
        serial: d.serial,
        serialNormalized: normaliseSerial(d.serial),
        name: d.name ?? null,
        model: d.model ?? null,
        location: d.location ?? null,
        organisation: d.organisation ?? null,
        active: d.active ?? true,
      })),
      skipDuplicates: true,
    });
    inserted += count;
  }
  return inserted;
}
