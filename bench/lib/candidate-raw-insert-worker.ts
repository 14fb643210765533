/**
 * A measurement aid, not production code: the production worker (src/worker.ts, same
 * environment) except that a batch's results are written by ONE raw statement,
 * `INSERT … SELECT … FROM jsonb_to_recordset($json) ON CONFLICT DO NOTHING`, instead of
 * Prisma's `createMany`. The profile of the bench showed Prisma's client-side work on
 * `createMany` (≈100 ms of CPU per 500 rows on the worker's only JS thread) as the bottleneck;
 * this lets the bench measure the proposed change before it lands in src/db/runs.ts:
 *
 *     npm run bench -- --worker-script bench/lib/candidate-raw-insert-worker.ts
 *
 * Bundling the workflows with webpack inside the worker costs it ~115 MB of RSS it never gives
 * back; to measure a worker started from a prebuilt bundle instead:
 *
 *     npx tsx bench/lib/candidate-raw-insert-worker.ts --build-bundle /tmp/workflows.json
 *     CANDIDATE_WORKFLOW_BUNDLE=/tmp/workflows.json npm run bench -- --worker-script …
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { NativeConnection, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { createDb, type Db } from '../../src/db/client';
import { createGlpiPort } from '../../src/glpi/port';
import { installRuntimeLogger } from '../../src/logging';
import { bundleWorkflows, createWorker } from '../../src/worker';

interface ResultInput {
  checkRunId: number;
  deviceId: number;
  status: string;
  glpiIds: number[];
  glpiItems: unknown;
  statusName: string | null;
  errorMessage: string | null;
}

/** The same semantics as writeResults' createMany({ skipDuplicates: true }), in one statement. */
async function insertResults(db: Db, data: ResultInput[]): Promise<{ count: number }> {
  const json = JSON.stringify(
    data.map((r) => ({
      check_run_id: r.checkRunId,
      device_id: r.deviceId,
      status: r.status,
      glpi_ids: r.glpiIds,
      glpi_items: r.glpiItems,
      status_name: r.statusName,
      error_message: r.errorMessage,
    })),
  );
  const count = await db.$executeRaw`
    INSERT INTO check_results (check_run_id, device_id, status, glpi_ids, glpi_items, status_name, error_message)
    SELECT r.check_run_id, r.device_id, r.status::result_status, r.glpi_ids, r.glpi_items, r.status_name, r.error_message
      FROM jsonb_to_recordset(${json}::jsonb) AS r(check_run_id int, device_id int, status text, glpi_ids int[],
                                                   glpi_items jsonb, status_name text, error_message text)
    ON CONFLICT DO NOTHING`;
  return { count };
}

/** The Prisma client with `checkResult.createMany` replaced, everything else untouched. */
function withRawResultInserts(db: Db): Db {
  const checkResult = new Proxy(db.checkResult, {
    get(target, property, receiver): unknown {
      if (property !== 'createMany') return Reflect.get(target, property, receiver);
      return ({ data }: { data: ResultInput[] }) => insertResults(db, data);
    },
  });
  return new Proxy(db, {
    get: (target, property, receiver): unknown =>
      property === 'checkResult' ? checkResult : Reflect.get(target, property, receiver),
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--build-bundle') {
    const { code, sourceMap } = await bundleWorkflows();
    writeFileSync(process.argv[3], JSON.stringify({ code, sourceMap }));
    return;
  }
  const bundlePath = process.env.CANDIDATE_WORKFLOW_BUNDLE;
  const config = loadConfig();
  installRuntimeLogger(config.logLevel);
  const glpi = createGlpiPort(undefined, { logger: Runtime.instance().logger });
  const db = createDb(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db: withRawResultInserts(db),
      glpi,
      maxConcurrentActivities: config.worker.maxConcurrentActivities,
      shutdownGraceSeconds: config.worker.shutdownGraceSeconds,
      ...(bundlePath
        ? { workflowBundle: JSON.parse(readFileSync(bundlePath, 'utf8')) as WorkflowBundleWithSourceMap }
        : {}),
    });
    console.log(
      `Worker polling task queue ${config.temporal.taskQueue} (candidate: raw result inserts` +
        `${bundlePath ? ', prebuilt workflow bundle' : ''})`,
    );
    await worker.run();
  } finally {
    await connection.close();
    await db.$disconnect();
    glpi.close();
  }
}

main().catch((error: unknown) => {
  console.error(`candidate worker: ${(error as Error).message}`);
  process.exit(1);
});
