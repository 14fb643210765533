/**
 * `npm run test:contract`: the contract suite against a real GLPI given by the environment, or
 * one line saying why it is skipped. Never part of `npm test` (test/run.ts leaves this folder out).
 *   GLPI_CONTRACT_URL           the apirest.php URL of a throw-away GLPI (the suite creates and purges printers)
 *   GLPI_CONTRACT_USER_TOKEN    an API token of a user who may create, trash and purge printers (and entities)
 *   GLPI_CONTRACT_APP_TOKEN     optional: the API client's App-Token
 *   GLPI_CONTRACT_NARROW_TOKEN  optional: a user whose profile on the root entity is not recursive
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { contractEnv } from './glpi-admin';

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : [join(__dirname, 'glpi.contract.test.ts'), join(__dirname, 'scan.contract.test.ts')];

if (!contractEnv()) {
  console.log(
    'test:contract skipped: GLPI_CONTRACT_URL and GLPI_CONTRACT_USER_TOKEN are not set (a throw-away GLPI; see README, Development)',
  );
  process.exit(0);
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
