/**
 * npm run db:migrate              apply pending migrations (creates the database if needed)
 * npm run db:migration -- <name>  write the next migration from the changes to schema.prisma
 */
import { mkdirSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { applyMigrations, diffSchemaAgainstMigrations, ensureDatabase, SCHEMA_SNAPSHOT } from '../db/migrate';
import { MIGRATIONS_DIR, SCHEMA_PATH } from '../db/schema-engine';
import { databaseUrl, redactDatabaseUrl } from '../db/url';
import { parseArguments, rejectExtraArguments, runCli, UsageError } from './run';

const USAGE = `Usage:
  npm run db:migrate                apply pending migrations to DATABASE_URL (created if missing)
  npm run db:migration -- <name>    create prisma/migrations/<timestamp>_<name> from schema.prisma changes`;

function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

async function migrate(): Promise<void> {
  const url = databaseUrl();
  await ensureDatabase(url);
  const applied = await applyMigrations(url);
  console.log(
    applied.length
      ? `Applied ${applied.length} migration(s) to ${redactDatabaseUrl(url)}: ${applied.join(', ')}`
      : `${redactDatabaseUrl(url)} is up to date.`,
  );
}

async function createMigration(name: string | undefined): Promise<void> {
  if (!name || !/^[a-z0-9_]+$/.test(name)) throw new UsageError('give the migration a name made of a-z, 0-9 and _');
  const sql = await diffSchemaAgainstMigrations(databaseUrl());
  const statements = sql.replace(/^--.*$/gm, '').trim();
  if (!statements) {
    console.log('schema.prisma has no changes since the last migration: nothing to create.');
    return;
  }
  const dir = join(MIGRATIONS_DIR, `${timestamp()}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  copyFileSync(SCHEMA_PATH, join(dir, SCHEMA_SNAPSHOT));
  const lock = join(MIGRATIONS_DIR, 'migration_lock.toml');
  if (!existsSync(lock))
    writeFileSync(lock, '# Written by glpi-device-check; Prisma reads it too.\nprovider = "postgresql"\n');
  console.log(`Created ${dir}/migration.sql. Review it, then run npm run db:migrate.`);
}

runCli(USAGE, async (args) => {
  const { positionals } = parseArguments({ args, options: {}, allowPositionals: true, strict: true });
  const [command, ...rest] = positionals;
  if (command === 'migrate') {
    rejectExtraArguments(rest);
    return migrate();
  }
  if (command === 'migration') {
    rejectExtraArguments(rest, 1);
    return createMigration(rest[0]);
  }
  throw new UsageError(
    command === undefined ? 'give a command: migrate or migration' : `unknown command ${JSON.stringify(command)}`,
  );
});
