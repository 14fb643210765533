/**
 * `npm test`: brings up the real services once, runs every test file against them with
 * Node's test runner, and tears them down.
 *   - PostgreSQL: started if installed but stopped; a fresh template database is created
 *     and migrated, each test file clones its own database from it and drops it after.
 *   - Temporal: an ephemeral dev server (the real server, in memory) on a free port,
 *     started through @temporalio/testing with the project's own binary.
 * Extra arguments are test files (default: every test/**\/*.test.ts).
 */
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { applyMigrations, dropDatabase, ensureDatabase } from '../src/db/migrate';
import { ensurePostgres } from '../src/dev/postgres';
import { testingExecutable } from '../src/dev/temporal-binaries';
import { CHECK_SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes';

const ROOT = join(__dirname, '..');

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    // test:chaos and test:contract run those.
    if (statSync(path).isDirectory()) return name === 'chaos' || name === 'contract' ? [] : findTests(path);
    return name.endsWith('.test.ts') ? [relative(ROOT, path)] : [];
  });
}

/**
 * Test files run three at a time. Node's default is one fewer than the cores (one file at a time
 * on a 2-core machine), and most files spend their time waiting on Temporal, timers, child
 * processes and the browser: run one by one the suite took 1,274-1,597 s in CI, three at a time
 * 463 s on the same machine. Files share the Temporal server and PostgreSQL, so each keeps to its
 * own task queues, workflow ids and database (test/support/services.ts). TEST_CONCURRENCY=1
 * runs them one by one (to tell a slow file from a contended one).
 */
function testConcurrency(): number {
  const raw = process.env.TEST_CONCURRENCY;
  if (raw === undefined || raw === '') return 3;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`TEST_CONCURRENCY must be a whole number ≥ 1, not "${raw}"`);
  return value;
}

async function main(): Promise<number> {
  const concurrency = testConcurrency();
  const files = process.argv.slice(2).length ? process.argv.slice(2) : findTests(join(ROOT, 'test')).sort();
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  await ensurePostgres(base.toString(), (line) => console.log(`[test] ${line}`));
  base.pathname = `/glpi_check_test_${process.pid}`;
  const templateUrl = base.toString();
  const started = Date.now();
  await ensureDatabase(templateUrl);
  let env: TestWorkflowEnvironment | undefined;
  try {
    await applyMigrations(templateUrl);
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: testingExecutable('cli'),
        log: { format: 'pretty', level: 'error' },
        // What `npm run dev` registers too: the checks' search attributes.
        searchAttributes: [...CHECK_SEARCH_ATTRIBUTES],
      },
    });
    console.log(
      `[test] PostgreSQL template ${base.pathname.slice(1)} and Temporal dev server ${env.address} ready in ${Date.now() - started} ms`,
    );
    return await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          '--test',
          `--test-concurrency=${concurrency}`,
          '--test-force-exit',
          '--test-reporter=spec',
          ...files,
        ],
        {
          cwd: ROOT,
          stdio: 'inherit',
          env: {
            ...process.env,
            // A developer's .env must not steer the tests (README: Configuration).
            ENV_FILE: 'none',
            TEST_TEMPLATE_DATABASE_URL: templateUrl,
            TEMPORAL_ADDRESS: env!.address,
            TEMPORAL_TEST_SERVER_PATH: testingExecutable('testServer').path,
            // Test files run at once and start workers: none binds the default metrics port
            // unless a test asks for one (test/metrics.test.ts).
            METRICS_PORT: process.env.METRICS_PORT ?? '0',
          },
        },
      );
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    });
  } finally {
    await env?.teardown();
    await dropDatabase(templateUrl);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[test] could not start the test services: ${(error as Error).message}`);
    process.exit(1);
  },
);
