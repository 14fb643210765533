import { Client } from 'pg';

/**
 * How long a command (not the worker's pool) waits for PostgreSQL to accept a connection: a
 * host that drops packets must not hang doctor, migrations or a report for minutes.
 */
export const COMMAND_CONNECT_TIMEOUT_MS = 10_000;

/** Runs `fn` on a plain pg connection of its own (connect timeout included), closed afterwards whatever happens. */
export async function withPg<T>(url: string, fn: (pg: Client) => Promise<T>): Promise<T> {
  const pg = new Client({ connectionString: url, connectionTimeoutMillis: COMMAND_CONNECT_TIMEOUT_MS });
  await pg.connect();
  try {
    return await fn(pg);
  } finally {
    await pg.end();
  }
}
