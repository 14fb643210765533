/**
 * Where settings come from: the process environment, and the project's `.env` file for
 * whatever the environment does not set (the real environment always wins). This is the only
 * module that reads `process.env` (eslint.config.mjs enforces it); everything else gets an
 * `Env` from here, or a configuration object built from one.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

export type Env = Readonly<Record<string, string | undefined>>;

/** `<project>/.env`, wherever the command was started from. */
export const ENV_FILE = resolve(__dirname, '..', '..', '.env');

/** Variables of a dotenv file, or none when it does not exist. Node's own parser (≥ 20.12). */
export function readEnvFile(path: string = ENV_FILE): Env {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseEnv(text);
}

let cached: Env | undefined;

/** The environment the service runs with: `.env` underneath, the process environment on top. */
export function environment(): Env {
  // The process environment is read afresh each time (tests change it); the file once.
  cached ??= readEnvFile();
  return { ...cached, ...process.env };
}
