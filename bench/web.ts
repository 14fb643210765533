/**
 * Benchmark of the web page at 1,000,000 results: seeds a run of that size straight into
 * PostgreSQL (INSERT … SELECT generate_series, about a minute; kept between runs), then asks
 * the app for its pages in-process (Fastify's inject: server time, no network) and prints
 * p50 / p95 / max per page. Targets: the first page of the run < 300 ms, a device < 100 ms.
 *
 *     npm run bench:web -- [--results 1000000] [--reseed] [--repeat 15]
 *
 * The database is glpi_device_check_bench_web on BENCH_DATABASE_URL's server (default the
 * local PostgreSQL); its measurements are appended to bench/results/web.jsonl.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createDb, type Db } from '../src/db/client';
import { applyMigrations, ensureDatabase } from '../src/db/migrate';
import { buildWebApp } from '../src/web/server';
import type { LiveSource } from '../src/web/live';

const { values } = parseArgs({
  options: {
    results: { type: 'string', default: '1000000' },
    reseed: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '15' },
  },
});
const RESULTS = Number(values.results);
const REPEAT = Number(values.repeat);
const URL_BASE = 'postgresql://postgres@127.0.0.1:5432/glpi_device_check_bench_web';

async function seed(db: Db): Promise<number> {
  const [existing] = await db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM check_results`;
  const run = await db.checkRun.findFirst({ where: { workflowId: 'bench-web' }, orderBy: { id: 'desc' } });
  if (!values.reseed && run && existing.n === RESULTS) return run.id;
  const started = performance.now();
  await db.$executeRawUnsafe('TRUNCATE check_results, check_runs, devices RESTART IDENTITY CASCADE');
  await db.$executeRawUnsafe(`
    INSERT INTO devices (serial, serial_normalized, name, model, location, organisation, active, updated_at)
    SELECT 'SN' || lpad(i::text, 8, '0'), 'SN' || lpad(i::text, 8, '0'),
           'Printer ' || i, (ARRAY['HP LaserJet M404dn','Canon iR-ADV C5535','Brother HL-L6400','Xerox VersaLink C405','Kyocera ECOSYS P3155'])[1 + i % 5],
           'Site ' || (i % 200) || ' > Floor ' || (i % 7), 'Org ' || (i % 40), true, now()
      FROM generate_series(1, ${RESULTS}) AS i`);
  // Nights before: totals only, for the chart.
  await db.$executeRawUnsafe(`
    INSERT INTO check_runs (workflow_id, run_id, trigger, status, started_at, finished_at, total, found, conflicts, not_found, errors, duration_ms)
    SELECT 'nightly-' || n, 'r' || n, 'schedule', 'completed', now() - (n || ' days')::interval, now() - (n || ' days')::interval + interval '20 minutes',
           ${RESULTS}, ${RESULTS} * 90 / 100 - n * 10, ${RESULTS} * 4 / 100 + n * 10, ${RESULTS} * 5 / 100, ${RESULTS} / 100, 1200000
      FROM generate_series(14, 1, -1) AS n`);
  const [created] = await db.$queryRaw<{ id: number }[]>`
    INSERT INTO check_runs (workflow_id, run_id, trigger, status, started_at, finished_at, total, duration_ms)
    VALUES ('bench-web', 'r0', 'schedule', 'completed_with_errors', now() - interval '30 minutes', now(), ${RESULTS}, 1800000)
    RETURNING id`;
  await db.$executeRawUnsafe(`
    INSERT INTO check_results (check_run_id, device_id, status, glpi_ids, glpi_items, error_message, findings, checked_at)
    SELECT ${created.id}, i,
           (CASE WHEN i % 100 < 90 THEN 'found' WHEN i % 100 < 95 THEN 'not_found' WHEN i % 100 < 99 THEN 'conflict' ELSE 'error' END)::result_status,
           CASE WHEN i % 100 < 90 THEN ARRAY[i] WHEN i % 100 < 95 THEN ARRAY[]::int[] WHEN i % 100 < 99 THEN ARRAY[i, i + 2000000] ELSE ARRAY[]::int[] END,
           CASE WHEN i % 100 < 90 THEN jsonb_build_array(jsonb_build_object('itemtype', 'Printer', 'id', i, 'name', 'Printer ' || i, 'serial', 'SN' || lpad(i::text, 8, '0')))
                ELSE '[]'::jsonb END,
           CASE WHEN i % 100 >= 99 THEN 'GLPI answered 503 after 4 attempts' END,
           CASE WHEN i % 500 = 0 THEN jsonb_build_array(jsonb_build_object('kind', 'serial_whitespace', 'itemtype', 'Printer', 'glpiId', i, 'storedSerial', ' SN' || lpad(i::text, 8, '0') || ' '))
                ELSE '[]'::jsonb END,
           now() - interval '10 minutes'
      FROM generate_series(1, ${RESULTS}) AS i`);
  await db.$executeRawUnsafe(`
    UPDATE check_runs r SET found = t.found, conflicts = t.conflicts, not_found = t.not_found, errors = t.errors
      FROM (SELECT count(*) FILTER (WHERE status = 'found')::int AS found, count(*) FILTER (WHERE status = 'conflict')::int AS conflicts,
                   count(*) FILTER (WHERE status = 'not_found')::int AS not_found, count(*) FILTER (WHERE status = 'error')::int AS errors
              FROM check_results WHERE check_run_id = ${created.id}) t
     WHERE r.id = ${created.id}`);
  await db.$executeRawUnsafe('VACUUM ANALYZE devices');
  await db.$executeRawUnsafe('VACUUM ANALYZE check_results');
  await db.$executeRawUnsafe('VACUUM ANALYZE check_runs');
  console.log(
    `seeded ${RESULTS.toLocaleString('en-US')} devices and results in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return created.id;
}

const idle: LiveSource = {
  progress: () => Promise.resolve({ state: 'not_running', message: 'bench' }),
  close: () => Promise.resolve(),
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))];
}

async function main(): Promise<void> {
  const url = URL_BASE;
  await ensureDatabase(url);
  await applyMigrations(url);
  const db = createDb(url, { poolSize: 8 });
  const runId = await seed(db);
  const app = await buildWebApp({
    db,
    live: idle,
    links: { glpiBase: 'https://glpi.example.org' },
    timeZone: 'UTC',
    auth: { kind: 'none' },
  });
  const middle = Math.floor(RESULTS / 2);
  const cases: [string, string, number | null][] = [
    ['runs list', '/', null],
    ['run, first page', `/runs/${runId}`, 300],
    ['run, conflicts', `/runs/${runId}?status=conflict`, null],
    ['run, a page in the middle', `/runs/${runId}?after=${middle}`, null],
    ['run, sorted by name (desc)', `/runs/${runId}?sort=name&dir=desc`, null],
    ['run, one location', `/runs/${runId}?location=${encodeURIComponent('Site 17 > Floor 3')}`, null],
    ['run, with a finding', `/runs/${runId}?finding=serial_whitespace`, null],
    ['run, search a serial', `/runs/${runId}?q=SN00123`, null],
    ['device', `/devices/${middle}?run=${runId}`, 100],
    ['CSV, conflicts (40,000 rows)', `/runs/${runId}/devices.csv?status=conflict`, null],
  ];
  const rows: Record<string, unknown>[] = [];
  for (const [label, path, target] of cases) {
    const times: number[] = [];
    for (let i = 0; i < REPEAT + 2; i++) {
      const started = performance.now();
      const response = await app.inject({ method: 'GET', url: path });
      const ms = performance.now() - started;
      if (response.statusCode !== 200) throw new Error(`${path}: HTTP ${response.statusCode}`);
      if (i >= 2) times.push(ms); // two warm-ups
      if (label.startsWith('CSV') && i >= 3) break;
    }
    times.sort((a, b) => a - b);
    const row = {
      page: label,
      path,
      p50: Math.round(percentile(times, 0.5)),
      p95: Math.round(percentile(times, 0.95)),
      max: Math.round(times[times.length - 1]),
      target,
      pass: target === null ? null : percentile(times, 0.95) < target,
    };
    rows.push(row);
    console.log(
      `${label.padEnd(30)} p50 ${String(row.p50).padStart(5)} ms  p95 ${String(row.p95).padStart(5)} ms  max ${String(row.max).padStart(5)} ms` +
        (target !== null ? `  target < ${target} ms: ${row.pass ? 'pass' : 'MISS'}` : ''),
    );
  }
  appendFileSync(
    join(__dirname, 'results', 'web.jsonl'),
    JSON.stringify({ at: new Date().toISOString(), results: RESULTS, repeat: REPEAT, pages: rows }) + '\n',
  );
  await app.close();
  await db.$disconnect();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
