/**
 * Connecting a command to PostgreSQL, with errors that say where it looked (password
 * masked) instead of Prisma's multi-line invocation dumps.
 */
import { CommandError } from '../cli/run';
import { createDb, type Db } from '../db/client';
import { Prisma } from '../db/generated/client';
import { redactDatabaseUrl } from '../db/url';

const UNREACHABLE_EXIT_CODE = 3;
const CONNECT_TIMEOUT_MS = 15_000;

/** The driver's own one-line reason, without Prisma's "Invalid `prisma.$queryRaw()` invocation" framing. */
export function databaseErrorReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /Message: `([^`]*)`/.exec(message);
  if (quoted) return quoted[1];
  const lines = message.split('\n').filter((line) => line.trim() !== '');
  return lines[lines.length - 1]?.trim() ?? 'unknown error';
}

function adapterErrorKind(error: unknown): string | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } })?.meta;
  return meta?.driverAdapterError?.cause?.kind;
}

async function probe(db: Db, url: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  });
  try {
    await Promise.race([db.$queryRaw`SELECT 1`, timeout]);
  } catch (error) {
    // A connection attempt still pending cannot be cancelled through Prisma: let the
    // process exit once the error is printed rather than wait for the OS to give up.
    setTimeout(() => process.exit(process.exitCode ?? UNREACHABLE_EXIT_CODE), 1_000).unref();
    throw new CommandError(
      `cannot reach the database at ${redactDatabaseUrl(url)}: ${databaseErrorReason(error)}. ` +
        'Is PostgreSQL running? Set DATABASE_URL to point elsewhere.',
      UNREACHABLE_EXIT_CODE,
    );
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `fn` with a connected client; exit code 3 when the database cannot be reached. */
export async function withDatabase<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb(url, { poolSize: 2 });
  // Not closed when the probe failed: closing waits for the pending connection attempt.
  await probe(db, url);
  try {
    return await fn(db);
  } catch (error) {
    if (adapterErrorKind(error) === 'TableDoesNotExist') {
      throw new CommandError(
        `the database at ${redactDatabaseUrl(url)} has no devices table: run npm run db:migrate first`,
      );
    }
    if (error instanceof Prisma.PrismaClientKnownRequestError) {
      throw new CommandError(`database error at ${redactDatabaseUrl(url)}: ${databaseErrorReason(error)}`);
    }
    throw error;
  } finally {
    await db.$disconnect().catch(() => undefined);
  }
}
