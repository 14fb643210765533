/**
 * The OLD design, for comparison: what the Celery task did for every device, one device after
 * the other — log in, switch entities, one `contains` search on the serial, log out — with
 * plain fetch and no client of ours. It also classified by the number of rows a `contains`
 * search returns, which is wrong for look-alike serials; the mismatches are counted too.
 */
import type { GeneratedInventory } from '../../src/dev/glpi-simulator';
import { normaliseSerial } from '../../src/core/serial';

export interface BaselineOptions {
  url: string;
  userToken: string;
  appToken?: string;
  inventory: GeneratedInventory;
  /** How many devices to check (the first ones of the inventory). */
  sample: number;
}

export interface BaselineResult {
  devices: number;
  wallMs: number;
  devicesPerSecond: number;
  requests: number;
  /** Devices whose status by row count differs from the ground truth (contains-matching). */
  misclassified: number;
  /** Requests that failed (non-2xx), which the old system logged and counted as not found. */
  failedRequests: number;
}

async function call(
  url: string,
  init: { method?: string; headers: Record<string, string>; body?: string },
): Promise<{ ok: boolean; json: unknown }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { ok: response.ok, json };
}

export async function runBaseline(options: BaselineOptions): Promise<BaselineResult> {
  const devices = options.inventory.devices.slice(0, options.sample);
  const base: Record<string, string> = { 'Content-Type': 'application/json' };
  if (options.appToken) base['App-Token'] = options.appToken;
  let requests = 0;
  let failedRequests = 0;
  let misclassified = 0;
  const started = performance.now();
  for (const device of devices) {
    const login = await call(`${options.url}/initSession`, {
      headers: { ...base, Authorization: `user_token ${options.userToken}` },
    });
    requests += 1;
    const token = (login.json as { session_token?: string } | null)?.session_token;
    if (!login.ok || !token) {
      failedRequests += 1;
      continue;
    }
    const session = { ...base, 'Session-Token': token };
    const switched = await call(`${options.url}/changeActiveEntities`, {
      method: 'POST',
      headers: session,
      body: JSON.stringify({ entities_id: 'all', is_recursive: true }),
    });
    requests += 1;
    if (!switched.ok) failedRequests += 1;
    const query = new URLSearchParams({
      'criteria[0][field]': '5',
      'criteria[0][searchtype]': 'contains',
      'criteria[0][value]': device.serial.trim(),
      'forcedisplay[0]': '2',
      range: '0-999',
    });
    const search = await call(`${options.url}/search/Printer?${query.toString()}`, { headers: session });
    requests += 1;
    if (!search.ok) failedRequests += 1;
    const rows = (search.json as { totalcount?: number } | null)?.totalcount ?? 0;
    const status = rows === 0 ? 'not_found' : rows === 1 ? 'found' : 'conflict';
    if (status !== options.inventory.expected.get(normaliseSerial(device.serial))?.status) misclassified += 1;
    await call(`${options.url}/killSession`, { headers: session });
    requests += 1;
  }
  const wallMs = performance.now() - started;
  return {
    devices: devices.length,
    wallMs,
    devicesPerSecond: devices.length / (wallMs / 1000),
    requests,
    misclassified,
    failedRequests,
  };
}
