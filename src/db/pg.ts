import { Client } from 'pg';

/** Runs `fn` on a plain pg connection of its own, closed afterwards whatever happens. */
export async function withPg<T>(url: string, fn: (pg: Client) => Promise<T>): Promise<T> {
  const pg = new Client({ connectionString: url });
  await pg.connect();
  try {
    return await fn(pg);
  } finally {
    await pg.end();
  }
}
