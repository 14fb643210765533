/**
 * Which database a run belongs to. Two stacks can share one Temporal server (the demo beside
 * `npm run dev`): a worker must never write a run into a database that is not the run's own.
 * The command that starts a run names its database (the DATABASE_URL's database name) in the
 * workflow input; every activity compares it with the database the worker is connected to
 * (PostgreSQL's current_database()) before touching anything.
 */
import type { Db } from './client';
import type { FatalErrorType } from '../core/error-kinds';

/** The run names another database than the worker's: a non-retryable, fatal error of the run. */
export class ForeignDatabaseError extends Error {
  override readonly name = 'ForeignDatabaseError' satisfies FatalErrorType;
  constructor(
    readonly runDatabase: string,
    readonly workerDatabase: string,
  ) {
    super(
      `this run belongs to the database "${runDatabase}", but this worker writes to "${workerDatabase}": ` +
        'it refused the run rather than mix the two. Two stacks share one Temporal task queue — give each its ' +
        'own TASK_QUEUE (the demo uses glpi-device-check-demo), or start the run with the DATABASE_URL of this worker',
    );
  }
}

/** The database name of a postgresql:// URL (what current_database() answers once connected). */
export function databaseNameOf(url: string): string {
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    // libpq's default: the user's name when the URL names no database.
    return name || decodeURIComponent(new URL(url).username) || 'postgres';
  } catch {
    return '';
  }
}

const names = new WeakMap<Db, Promise<string>>();

/** The name of the database `db` is connected to, asked once per client. */
export function currentDatabase(db: Db): Promise<string> {
  let name = names.get(db);
  if (!name) {
    name = db.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`.then(([row]) => row.name);
    // A failed attempt (database down) is asked again next time.
    name.catch(() => names.delete(db));
    names.set(db, name);
  }
  return name;
}

/** Throws ForeignDatabaseError when the run names a database other than `db`'s (a run naming none passes). */
export async function assertOwnDatabase(db: Db, runDatabase: string | undefined): Promise<void> {
  if (!runDatabase) return;
  const mine = await currentDatabase(db);
  if (mine !== runDatabase) throw new ForeignDatabaseError(runDatabase, mine);
}
