/**
 * Connecting a command to PostgreSQL: one probe with a connect timeout, and errors that say
 * where it looked (password masked) and what to do, instead of Prisma's multi-line dumps.
 */
import { DatabaseError } from 'pg';
import { createDb, type Db } from '../db/client';
import { COMMAND_CONNECT_TIMEOUT_MS } from '../db/pg';
import { Prisma } from '../db/generated/client';
import { redactDatabaseUrl } from '../db/url';
import { CommandError, EXIT } from './run';

/** The driver's own one-line reason, without Prisma's "Invalid `prisma.$queryRaw()` invocation" framing. */
export function databaseErrorReason(error: unknown, url?: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /Message: `([^`]*)`/.exec(message);
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  let reason = quoted ? quoted[1] : (lines[lines.length - 1]?.trim() ?? 'unknown error');
  // Driver messages do not carry the password today; this keeps it so if one ever does.
  const password = url ? urlPassword(url) : '';
  if (password) reason = reason.split(password).join('***');
  return reason;
}

function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/**
 * A database that was created but never migrated: Prisma's P2021, the adapter's own kind, or
 * PostgreSQL's undefined_table (42P01) from a statement sent through db.pg.
 */
export function isMissingTable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { code?: unknown }).code === 'P2021') return true;
  if (error instanceof DatabaseError && error.code === '42P01') return true;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } }).meta;
  return meta?.driverAdapterError?.cause?.kind === 'TableDoesNotExist';
}

/** The server answered, but the database DATABASE_URL names does not exist on it (3D000). */
export function missingDatabaseName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string; db?: string } } } }).meta;
  const cause = meta?.driverAdapterError?.cause;
  return cause?.kind === 'DatabaseDoesNotExist' ? (cause.db ?? '') : undefined;
}

/**
 * Runs `fn` with a connected client. Exit code 3 when the database cannot be reached within
 * COMMAND_CONNECT_TIMEOUT_MS; a database without the tables is told to run the migrations.
 */
export async function withDatabase<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(url, { poolSize: 2, connectTimeoutMs: COMMAND_CONNECT_TIMEOUT_MS });
  try {
    try {
      await db.$queryRaw`SELECT 1`;
    } catch (error) {
      const missing = missingDatabaseName(error);
      if (missing !== undefined) {
        throw new CommandError(
          `PostgreSQL at ${redactDatabaseUrl(url)} has no database ${JSON.stringify(missing)}: ` +
            'create it with its tables by npm run db:migrate, or set DATABASE_URL to the right database',
          EXIT.failed,
        );
      }
      throw new CommandError(
        `cannot reach the database at ${redactDatabaseUrl(url)}: ${databaseErrorReason(error, url)}. ` +
          'Is PostgreSQL running? Set DATABASE_URL to point elsewhere.',
        EXIT.unreachable,
      );
    }
    return await fn(db);
  } catch (error) {
    if (isMissingTable(error)) {
      throw new CommandError(
        `the database at ${redactDatabaseUrl(url)} has no tables yet: run npm run db:migrate first`,
      );
    }
    if (error instanceof Prisma.PrismaClientKnownRequestError || error instanceof DatabaseError) {
      throw new CommandError(`database error at ${redactDatabaseUrl(url)}: ${databaseErrorReason(error, url)}`);
    }
    throw error;
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}
