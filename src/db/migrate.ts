/**
 * Applying and creating migrations offline (see schema-engine.ts for why not `prisma migrate`).
 */
import { Client } from 'pg';
import { MIGRATIONS_DIR, NO_FILTERS, migrationsList, withSchemaEngine, readSchema } from './schema-engine';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withPg } from './pg';
import { redactDatabaseUrl } from './url';

/** The same server's `postgres` maintenance database. */
function adminUrl(url: string): string {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return admin.toString();
}

/** Creates the database named in the URL if it does not exist (the server must be reachable). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL ${redactDatabaseUrl(url)} names no database`);
  const client = new Client({ connectionString: adminUrl(url) });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot reach PostgreSQL at ${redactDatabaseUrl(url)}: ${(error as Error).message}`);
  }
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  await withPg(adminUrl(url), (pg) => pg.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`));
}

/** Applies every pending migration; returns the names applied (empty when up to date). */
export async function applyMigrations(url: string): Promise<string[]> {
  return withSchemaEngine(url, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: migrationsList(),
      filters: NO_FILTERS,
    });
    return appliedMigrationNames;
  });
}

/** Migrations in prisma/migrations that the database has not applied yet. */
export async function pendingMigrations(url: string): Promise<string[]> {
  return withPg(url, async (client) => {
    const table = await client.query<{ t: string | null }>("SELECT to_regclass('_prisma_migrations') AS t");
    const applied = new Set<string>();
    if (table.rows[0]?.t) {
      const rows = await client.query<{ migration_name: string }>(
        'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
      );
      for (const row of rows.rows) applied.add(row.migration_name);
    }
    return migrationsList()
      .migrationDirectories.map((dir) => dir.path)
      .filter((name) => !applied.has(name));
  });
}

/**
 * Each migration folder keeps the schema it leads to (`schema.prisma`, ignored by Prisma's
 * own tooling). The next migration is the diff between that snapshot and the current
 * schema, computed by the engine without any database: introspecting a live database
 * through the WebAssembly engine fails on PostgreSQL's `char` columns, and its
 * shadow-database clean-up fails through the pg adapter.
 */
export const SCHEMA_SNAPSHOT = 'schema.prisma';

export function latestSchemaSnapshot(): string | undefined {
  const latest = migrationsList().migrationDirectories.at(-1);
  if (!latest) return undefined;
  const path = join(MIGRATIONS_DIR, latest.path, SCHEMA_SNAPSHOT);
  if (!existsSync(path)) throw new Error(`${path} is missing: cannot tell what the last migration leads to`);
  return readFileSync(path, 'utf8');
}

/** The SQL that takes the last migration's schema to schema.prisma ('' when nothing changed). */
export async function diffSchemaAgainstMigrations(url: string): Promise<string> {
  // The engine wants a connection even for a pure schema-to-schema diff; the server's
  // `postgres` database always exists and is left untouched.
  const previous = latestSchemaSnapshot();
  return withSchemaEngine(adminUrl(url), async (engine) => {
    const result = await engine.diff({
      from: previous
        ? { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: previous }] }
        : { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: readSchema() }] },
      script: true,
      exitCode: null,
      filters: NO_FILTERS,
    });
    return result.stdout ?? '';
  });
}
