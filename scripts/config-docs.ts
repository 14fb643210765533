/**
 * npm run docs:config — writes the configuration tables of README.md from the schema
 * (src/config/schema.ts), formatted as Prettier formats markdown.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { withConfigurationDocs } from '../src/config/docs';

async function main(): Promise<void> {
  const path = join(__dirname, '..', 'README.md');
  const updated = withConfigurationDocs(readFileSync(path, 'utf8'));
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(updated, { ...options, filepath: path }));
  console.log(`README.md: configuration tables written from src/config/schema.ts`);
}

main().catch((error: unknown) => {
  console.error(`docs:config: ${(error as Error).message}`);
  process.exitCode = 1;
});
