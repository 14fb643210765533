/**
 * Benchmark of the GLPI client against the simulator: 10,000 serials, 20 ms per request.
 * Prints requests per serial (target <= 0.05), serials per second and peak concurrency, and
 * checks every classification against the generated inventory. Stops by itself.
 *
 *     npx tsx bench/glpi.ts [--devices 10000] [--latency 20] [--concurrency 4] [--label]
 */
import { parseArgs } from 'node:util';
import { generateInventory, startGlpiSimulator, type RunningSimulator } from '../src/dev/glpi-simulator';
import { createGlpiConfig, GlpiClient, type SerialLookup } from '../src/glpi';

const HARD_LIMIT_MS = 180_000;
const USER_TOKEN = 'bench-user-token';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    latency: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '4' },
    /** Also search the label serial field (option 76670): twice the criteria per serial. */
    label: { type: 'boolean', default: false },
  },
});

async function measure(
  label: string,
  sim: RunningSimulator,
  client: GlpiClient,
  serials: string[],
  perCall: number,
): Promise<Map<string, SerialLookup>> {
  sim.resetStats();
  const started = performance.now();
  const results = new Map<string, SerialLookup>();
  await client.withSession(async (session) => {
    for (let i = 0; i < serials.length; i += perCall) {
      for (const [serial, result] of await session.lookupSerials(serials.slice(i, i + perCall))) {
        results.set(serial, result);
      }
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const stats = sim.stats();
  console.log(
    [
      `${label}:`,
      `${serials.length} serials in ${seconds.toFixed(2)} s`,
      `${Math.round(serials.length / seconds)} serials/s`,
      `${stats.total} requests (${stats.requests.search ?? 0} searches)`,
      `${(stats.total / serials.length).toFixed(4)} requests/serial`,
      `peak concurrency ${stats.peakConcurrency}`,
    ].join('  '),
  );
  return results;
}

async function main(): Promise<void> {
  const devices = Number(values.devices);
  const latencyMs = Number(values.latency);
  const concurrency = Number(values.concurrency);
  const inventory = generateInventory({ devices, seed: 42, awkwardSerials: true });
  const sim = await startGlpiSimulator({ userToken: USER_TOKEN, items: inventory.items, faults: { latencyMs } });
  const client = new GlpiClient(
    createGlpiConfig({
      url: sim.url,
      userToken: USER_TOKEN,
      maxConcurrency: concurrency,
      ...(values.label && { labelSerialField: 76670 }),
    }),
  );
  console.log(
    `GLPI simulator: ${inventory.items.length} cards, ${latencyMs} ms latency; client concurrency ${concurrency}` +
      `${values.label ? ', label serial field searched too' : ''}; ` +
      `expected ${JSON.stringify(inventory.counts)}`,
  );
  try {
    const serials = inventory.devices.map((device) => device.serial);
    const results = await measure('one call', sim, client, serials, serials.length);
    // The check activity looks serials up 100 at a time, heartbeating in between.
    await measure('100 per call', sim, client, serials, 100);

    let mismatches = 0;
    for (const [serial, expected] of inventory.expected) {
      const result = results.get(serial);
      const ids = result?.items.map((item) => item.id).join(',');
      if (result?.status !== expected.status || ids !== expected.glpiIds.join(',')) mismatches++;
    }
    console.log(`classification mismatches: ${mismatches} of ${inventory.expected.size}`);
    if (mismatches > 0) process.exitCode = 1;
  } finally {
    client.close();
    await sim.stop();
  }
}

const guard = setTimeout(() => {
  console.error(`benchmark still running after ${HARD_LIMIT_MS / 1000} s: giving up`);
  process.exit(1);
}, HARD_LIMIT_MS);
guard.unref();

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
