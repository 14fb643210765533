import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from './generated/client';
import { databaseUrl } from './url';

/**
 * Prisma for everything, plus `pg`: the same connection pool, for the few statements whose
 * parameters or rows are large (a scan page, a batch's results, a batch's devices with their
 * cards, the device import's 10,000-row arrays). Prisma's debug module keeps the arguments of
 * its last 100 calls in memory even with DEBUG unset (@prisma/debug `argsHistory`, once in the
 * adapter and once in the client), and its query calls pass the query with its parameters:
 * with 0.5–4 MB JSON documents as parameters that held 100–200 MB of a worker's heap during a
 * 100,000-device scan, enough to run a 128 MB heap out of memory. Through `pg` those documents
 * are garbage once their statement returns (measured: 60 scan pages, heap after GC 55 MB
 * through Prisma, 9 MB through the pool).
 */
export type Db = PrismaClient & { readonly pg: Pool };

/** Prisma 7 has no query engine of its own: it talks to PostgreSQL through the pg adapter. */
export function createDb(
  url: string = databaseUrl(),
  options: {
    poolSize?: number;
    /** pg's connectionTimeoutMillis; 0 waits as long as the OS does. */ connectTimeoutMs?: number;
  } = {},
): Db {
  const pool = new Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 0,
  });
  // An idle connection that PostgreSQL drops is discarded by the pool, and the next query opens
  // another; without a listener the 'error' event would end the process.
  pool.on('error', () => undefined);
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  const disconnectPrisma = client.$disconnect.bind(client);
  return Object.assign(client, {
    pg: pool,
    // The pool is ours (Prisma leaves an external pool open): closed after Prisma lets go of it.
    async $disconnect(): Promise<void> {
      await disconnectPrisma();
      if (!pool.ended) await pool.end();
    },
  });
}
