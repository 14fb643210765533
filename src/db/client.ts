import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client';
import { databaseUrl } from './url';

export type Db = PrismaClient;

/** Prisma 7 has no query engine of its own: it talks to PostgreSQL through the pg adapter. */
export function createDb(
  url: string = databaseUrl(),
  options: {
    poolSize?: number;
    /** pg's connectionTimeoutMillis; 0 waits as long as the OS does. */ connectTimeoutMs?: number;
  } = {},
): Db {
  const adapter = new PrismaPg({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 0,
  });
  return new PrismaClient({ adapter });
}
