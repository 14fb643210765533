/**
 * A fresh, migrated database per measurement, dropped afterwards: every run starts from the
 * same empty tables and indexes, and nothing of the bench stays on the server.
 */
import { createDb, type Db } from '../../src/db/client';
import { applyMigrations, dropDatabase, ensureDatabase } from '../../src/db/migrate';
import { ensurePostgres } from '../../src/dev/postgres';

export interface FreshDatabase {
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** The server the bench uses: BENCH_DATABASE_URL, else the local one (trust auth). */
export function benchServerUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
}

export async function freshDatabase(name: string, serverUrl = benchServerUrl()): Promise<FreshDatabase> {
  await ensurePostgres(serverUrl);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await dropDatabase(databaseUrl);
  await ensureDatabase(databaseUrl);
  await applyMigrations(databaseUrl);
  const db = createDb(databaseUrl);
  let dropped = false;
  return {
    url: databaseUrl,
    db,
    async drop() {
      if (dropped) return;
      dropped = true;
      await db.$disconnect();
      await dropDatabase(databaseUrl);
    },
  };
}
