// Prisma 7 reads the connection from here (not from schema.prisma).
import { defineConfig } from 'prisma/config';
import { databaseUrl } from './src/db/url';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: databaseUrl() },
});
