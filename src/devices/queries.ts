/**
 * Reading devices with their check results, for `devices list` and `devices show`.
 */
import type { Db } from '../db/client';
import { tryNormaliseSerial } from '../glpi/serial';
import type { ResultStatus } from '../workflows/types';

export const RESULT_STATUSES: readonly ResultStatus[] = ['found', 'conflict', 'not_found', 'error'];

export interface LatestResult {
  checkRunId: number;
  status: ResultStatus;
  glpiIds: number[];
  checkedAt: Date;
}

export interface ListedDevice {
  id: number;
  serial: string;
  name: string | null;
  model: string | null;
  location: string | null;
  organisation: string | null;
  active: boolean;
  latest: LatestResult | null;
}

export interface ListFilter {
  /** true: active devices only, false: inactive only, undefined: both. */
  active?: boolean;
  status?: ResultStatus;
  /** undefined: no limit. */
  limit?: number;
}

/**
 * Devices in id order with their latest result. The LATERAL subquery is one backwards
 * step on the (device_id, checked_at DESC) index per device, so the cost follows the
 * devices listed, not the size of the results history.
 */
export async function listDevices(db: Db, filter: ListFilter): Promise<ListedDevice[]> {
  const rows = await db.$queryRaw<
    (Omit<ListedDevice, 'latest'> & {
      check_run_id: number | null;
      status: ResultStatus | null;
      glpi_ids: number[] | null;
      checked_at: Date | null;
    })[]
  >`
    SELECT d.id, d.serial, d.name, d.model, d.location, d.organisation, d.active,
           r.check_run_id, r.status::text AS status, r.glpi_ids, r.checked_at
    FROM devices d
    LEFT JOIN LATERAL (
      SELECT cr.check_run_id, cr.status, cr.glpi_ids, cr.checked_at FROM check_results cr
      WHERE cr.device_id = d.id ORDER BY cr.checked_at DESC LIMIT 1
    ) r ON true
    WHERE (${filter.active ?? null}::boolean IS NULL OR d.active = ${filter.active ?? null}::boolean)
      AND (${filter.status ?? null}::text IS NULL OR r.status::text = ${filter.status ?? null}::text)
    ORDER BY d.id
    LIMIT ${filter.limit ?? null}::bigint`;
  return rows.map(({ check_run_id, status, glpi_ids, checked_at, ...device }) => ({
    ...device,
    latest:
      status === null ? null : { checkRunId: check_run_id!, status, glpiIds: glpi_ids ?? [], checkedAt: checked_at! },
  }));
}

export interface FoundDevice {
  device: NonNullable<Awaited<ReturnType<Db['device']['findUnique']>>>;
  /** Set when a numeric reference is both a device id and another device's serial. */
  alsoMatches?: { id: number; serial: string };
}

/**
 * A device by id or serial (any case or spacing). A number is tried as an id first, as
 * everywhere else in the project, but printers do have numeric serials: say so when the
 * same number is also another device's serial.
 */
export async function findDevice(db: Db, reference: string): Promise<FoundDevice | undefined> {
  const trimmed = reference.trim();
  const byId = /^\d{1,9}$/.test(trimmed) ? await db.device.findUnique({ where: { id: Number(trimmed) } }) : null;
  const serial = tryNormaliseSerial(trimmed);
  const bySerial = serial.ok ? await db.device.findUnique({ where: { serialNormalized: serial.serial } }) : null;
  if (byId && bySerial && byId.id !== bySerial.id) {
    return { device: byId, alsoMatches: { id: bySerial.id, serial: bySerial.serial } };
  }
  const device = byId ?? bySerial;
  return device ? { device } : undefined;
}

export interface RecentResult {
  checkRunId: number;
  workflowId: string;
  status: ResultStatus;
  glpiIds: number[];
  statusName: string | null;
  errorMessage: string | null;
  checkedAt: Date;
}

/** The device's last results, newest first (the same index as listDevices). */
export async function recentResults(db: Db, deviceId: number, count = 10): Promise<RecentResult[]> {
  const results = await db.checkResult.findMany({
    where: { deviceId },
    orderBy: { checkedAt: 'desc' },
    take: count,
    select: {
      checkRunId: true,
      status: true,
      glpiIds: true,
      statusName: true,
      errorMessage: true,
      checkedAt: true,
      run: { select: { workflowId: true } },
    },
  });
  return results.map(({ run, ...result }) => ({ ...result, workflowId: run.workflowId }));
}
