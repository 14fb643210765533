/**
 * The device queries: the one module that reads devices by reference, cuts the active ones
 * into a run's batches and loads a batch, lists devices with their latest result, and inserts
 * them in bulk (tests, benchmarks, the demo). The CSV import's transactional SQL stays with
 * its planning in src/devices/import.ts.
 */
import type { Db } from './client';
import type { FatalErrorType } from '../core/error-kinds';
import { parseDeviceReference, unknownDevicesMessage } from '../core/device-reference';
import type { ResultStatus } from '../core/results';
import type { BatchDescriptor } from '../workflows/types';
import { InvalidSerialError, noSerialKey, normaliseSerial } from '../core/serial';
import { parseFindings, type Finding, type FindingKind } from '../core/findings';

/** References that match no device: the run cannot be what was asked for, so it fails at once. */
export class UnknownDevicesError extends Error {
  override readonly name = 'UnknownDevicesError' satisfies FatalErrorType;
  constructor(readonly references: string[]) {
    super(unknownDevicesMessage(references));
  }
}

export type DeviceRow = NonNullable<Awaited<ReturnType<Db['device']['findUnique']>>>;

export interface FoundDevice {
  device: DeviceRow;
  /** Set when a number is one device's serial and another device's id: the serial wins. */
  alsoMatches?: { id: number; serial: string };
}

/**
 * A device by reference (see src/core/device-reference.ts): its serial first (any case or
 * spacing), then its id, only for a number that fits the id column and names no serial.
 */
export async function findDevice(db: Db, reference: string): Promise<FoundDevice | undefined> {
  const { serial, id } = parseDeviceReference(reference);
  const bySerial = serial !== null ? await db.device.findUnique({ where: { serialNormalized: serial } }) : null;
  const byId = id !== null && bySerial?.id !== id ? await db.device.findUnique({ where: { id } }) : null;
  if (bySerial && byId) return { device: bySerial, alsoMatches: { id: byId.id, serial: byId.serial } };
  const device = bySerial ?? byId;
  return device ? { device } : undefined;
}

/**
 * Device ids for a list of references, sorted. Every reference must match a device: a typo
 * must not turn into a silently smaller check.
 */
export async function resolveDevices(db: Db, references: string[]): Promise<number[]> {
  const ids = new Set<number>();
  const unknown: string[] = [];
  for (const reference of references) {
    const found = await findDevice(db, reference);
    if (found) ids.add(found.device.id);
    else unknown.push(reference);
  }
  if (unknown.length > 0) throw new UnknownDevicesError(unknown);
  return [...ids].sort((a, b) => a - b);
}

export interface LatestResult {
  checkRunId: number;
  status: ResultStatus;
  glpiIds: number[];
  checkedAt: Date;
  findings: Finding[];
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
  /** Only devices whose latest result has a finding of this kind. */
  finding?: FindingKind;
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
      findings: unknown;
    })[]
  >`
    SELECT d.id, d.serial, d.name, d.model, d.location, d.organisation, d.active,
           r.check_run_id, r.status::text AS status, r.glpi_ids, r.checked_at, r.findings
    FROM devices d
    LEFT JOIN LATERAL (
      SELECT cr.check_run_id, cr.status, cr.glpi_ids, cr.checked_at, cr.findings FROM check_results cr
      WHERE cr.device_id = d.id ORDER BY cr.checked_at DESC LIMIT 1
    ) r ON true
    WHERE (${filter.active ?? null}::boolean IS NULL OR d.active = ${filter.active ?? null}::boolean)
      AND (${filter.status ?? null}::text IS NULL OR r.status::text = ${filter.status ?? null}::text)
      AND (${filter.finding ?? null}::text IS NULL
           OR r.findings @> jsonb_build_array(jsonb_build_object('kind', ${filter.finding ?? null}::text)))
    ORDER BY d.id
    LIMIT ${filter.limit ?? null}::bigint`;
  return rows.map(({ check_run_id, status, glpi_ids, checked_at, findings, ...device }) => ({
    ...device,
    latest:
      status === null
        ? null
        : {
            checkRunId: check_run_id!,
            status,
            glpiIds: glpi_ids ?? [],
            checkedAt: checked_at!,
            findings: parseFindings(findings),
          },
  }));
}

export interface RecentResult {
  checkRunId: number;
  workflowId: string;
  status: ResultStatus;
  glpiIds: number[];
  statusName: string | null;
  errorMessage: string | null;
  checkedAt: Date;
  findings: Finding[];
}

/** The device's last results, newest first (the same index as listDevices), each with its findings. */
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
      findings: true,
      run: { select: { workflowId: true } },
    },
  });
  return results.map(({ run, findings, ...result }) => ({
    ...result,
    workflowId: run.workflowId,
    findings: parseFindings(findings),
  }));
}

export interface BatchDevice {
  id: number;
  serial: string;
  /** A no-serial key (core/serial.ts) for a row imported without a serial. */
  serialNormalized: string;
  name: string | null;
  model: string | null;
  location: string | null;
}

/**
 * Cuts the active devices into id ranges of `batchSize` devices each, in the database:
 * the workflow receives a few numbers per batch, never the devices themselves.
 */
export async function planIdRanges(db: Db, batchSize: number): Promise<{ total: number; batches: BatchDescriptor[] }> {
  const rows = await db.$queryRaw<{ from_id: number; to_id: number; size: bigint }[]>`
    SELECT min(id) AS from_id, max(id) AS to_id, count(*) AS size
    FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / ${batchSize} AS slice FROM devices WHERE active) AS numbered
    GROUP BY slice ORDER BY slice`;
  const batches = rows.map((row, index) => ({ index, fromId: Number(row.from_id), toId: Number(row.to_id) }));
  const total = rows.reduce((sum, row) => sum + Number(row.size), 0);
  return { total, batches };
}

/** The active devices of a batch, in id order. */
export async function loadBatchDevices(db: Db, batch: BatchDescriptor): Promise<BatchDevice[]> {
  const where = batch.deviceIds
    ? { id: { in: batch.deviceIds } }
    : { active: true, id: { gte: batch.fromId ?? 0, lte: batch.toId ?? 0 } };
  return db.device.findMany({
    where,
    select: { id: true, serial: true, serialNormalized: true, name: true, model: true, location: true },
    orderBy: { id: 'asc' },
  });
}

function noSerialKeyOrThrow(device: NewDevice): string {
  const key = noSerialKey(device);
  if (key === null)
    throw new InvalidSerialError(device.serial, 'empty, and no name, location or model to identify the device');
  return key;
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
        serialNormalized: d.serial.trim() === '' ? noSerialKeyOrThrow(d) : normaliseSerial(d.serial),
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
