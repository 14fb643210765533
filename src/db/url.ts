import { environment, readSetting, type Env } from '../config';

/** DATABASE_URL, or the local PostgreSQL of every machine here (trust auth). */
export function databaseUrl(env: Env = environment()): string {
  return readSetting('DATABASE_URL', env);
}

/** The URL with its password masked, for logs and error messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}
