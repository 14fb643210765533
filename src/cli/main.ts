#!/usr/bin/env node
/**
 * The `glpi-device-check` command of the build (package.json `bin`): `glpi-device-check <command>
 * [options]` runs the same commands as `npm run <command>`, from the compiled lib/ (no tsx).
 */
import { EXIT } from './run';

const COMMANDS: Record<string, string> = {
  worker: './worker',
  'start-check': './start-check',
  schedule: './schedule',
  report: './report',
  doctor: './doctor',
  cleanup: './cleanup',
  devices: './devices',
  glpi: './glpi',
  db: './db',
};

const USAGE = `Usage: glpi-device-check <command> [options]

Commands (each takes --help): ${Object.keys(COMMANDS).join(', ')}.
They are the npm run scripts of the same names (db: db migrate), run from the build (npm run build).`;

const [command, ...rest] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h') {
  console.log(USAGE);
  process.exitCode = command === undefined ? EXIT.usage : EXIT.ok;
} else if (!(command in COMMANDS)) {
  console.error(`error: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  process.exitCode = EXIT.usage;
} else {
  // Each command reads its arguments from process.argv.slice(2), as under npm run.
  process.argv.splice(2, process.argv.length - 2, ...rest);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the command runs as it loads
  require(COMMANDS[command]);
}
