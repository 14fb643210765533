import { Client, Query, type Pool, type PoolClient } from 'pg';

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

/**
 * Runs a query on a pooled connection and hands each row to `visit` as it is parsed, without
 * collecting them: a large result never sits in memory whole (pg's pool.query keeps every row
 * until the last). An error thrown by `visit` ends the query's promise (after PostgreSQL is done)
 * rather than the connection's parser.
 */
export async function eachRow<R>(pool: Pool, text: string, values: unknown[], visit: (row: R) => void): Promise<void> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      const query = client.query(new Query(text, values));
      query.on('row', (row: R) => {
        if (failure !== undefined) return;
        try {
          visit(row);
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
        }
      });
      query.on('end', () => resolve());
      query.on('error', reject);
    });
  } catch (error) {
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  client.release();
  if (failure !== undefined) throw failure;
}

/**
 * Runs `fn` in a transaction on a pooled connection: committed when it returns, rolled back when
 * it throws. A connection whose transaction failed leaves the pool (as eachRow's does): whether
 * its ROLLBACK went through or not, it is not handed to the next query.
 */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let result: T;
  try {
    await client.query('BEGIN');
    result = await fn(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(error instanceof Error ? error : true);
    throw error;
  }
  client.release();
  return result;
}
