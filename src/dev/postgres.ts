/**
 * The local PostgreSQL: reachable, or started when it is installed but stopped (as on a
 * fresh CI machine whose cluster did not come up).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Client } from 'pg';
import { redactDatabaseUrl } from '../db/url';

async function canConnect(url: string): Promise<boolean> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '';
}

/** Debian's clusters, as pg_ctlcluster knows them. */
function localClusters(): string[] {
  const root = '/etc/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((version) =>
    existsSync(`${root}/${version}`) ? readdirSync(`${root}/${version}`).map((name) => `${version} ${name}`) : [],
  );
}

export async function ensurePostgres(url: string, log: (line: string) => void = () => {}): Promise<void> {
  if (await canConnect(url)) return;
  if (isLocal(url)) {
    for (const cluster of localClusters()) {
      const [version, name] = cluster.split(' ');
      log(`PostgreSQL is not answering: starting cluster ${version}/${name}`);
      try {
        execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start'], { stdio: 'inherit' });
      } catch {
        // Already running or not ours to start: the connection test below decides.
      }
    }
    for (let attempt = 0; attempt < 20; attempt += 1) {
      if (await canConnect(url)) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  throw new Error(
    `cannot reach PostgreSQL at ${redactDatabaseUrl(url)}: start it, or point DATABASE_URL at a running server`,
  );
}
