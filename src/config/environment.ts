/**
 * Where settings come from: the process environment, and the project's `.env` file for
 * whatever the environment does not set (the real environment always wins). This is the only
 * module that reads `process.env` (eslint.config.mjs enforces it); everything else gets an
 * `Env` from here, or a configuration object built from one.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { parseSetting } from './parse';

export type Env = Readonly<Record<string, string | undefined>>;

/** `<project>/.env`, wherever the command was started from. */
export const ENV_FILE = resolve(__dirname, '..', '..', '.env');

/** ENV_FILE, else the project's `.env`; null for ENV_FILE=none. */
export function envFilePath(processEnv: Env = process.env): string | null {
  const given = parseSetting('ENV_FILE', processEnv.ENV_FILE);
  if (given === undefined) return ENV_FILE;
  return given === 'none' ? null : resolve(given);
}

/**
 * Variables of a dotenv file (Node's own parser, ≥ 20.12), or none when it does not exist: a
 * fresh clone has no `.env`, and the service runs with the real environment alone.
 */
export function readEnvFile(path: string | null = envFilePath()): Env {
  if (path === null) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  return parseEnv(text);
}

/** The file's variables underneath, the real environment's on top: a variable set in the environment wins. */
export function withEnvFile(file: Env, processEnv: Env): Env {
  return { ...file, ...processEnv };
}

let cached: Env | undefined;

/** The environment the service runs with: `.env` underneath, the process environment on top. */
export function environment(): Env {
  // The process environment is read afresh each time (tests change it); the file once.
  cached ??= readEnvFile();
  return withEnvFile(cached, process.env);
}
