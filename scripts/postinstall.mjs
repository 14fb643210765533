// npm's postinstall: runs `npm run setup` (scripts/setup.ts, through tsx) where the dev
// dependencies are installed. A production install (`npm ci --omit=dev`) has no tsx and needs no
// setup: the build it runs (lib/, from `npm run build`) carries the generated Prisma client, and
// the Temporal CLI binaries are for development only. Plain JavaScript, so that it runs without tsx.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

try {
  require.resolve('tsx');
} catch {
  console.log('[setup] skipped: no dev dependencies (a production install runs the build in lib/)');
  process.exit(0);
}
const setup = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/setup.ts'], { stdio: 'inherit' });
process.exit(setup.status ?? 1);
