/**
 * npm run web — the read-only web page: runs, a run's devices with filters and CSV export, a
 * device's history, and the live progress of a running check. Runs until Ctrl-C or SIGTERM.
 */
import { startWebServer } from '../web';
import { readSetting } from '../config';
import { parseArguments, rejectExtraArguments, runCli } from './run';

const USAGE = `Usage: npm run web

Serves the web page on WEB_HOST:WEB_PORT (default 127.0.0.1:8380) until Ctrl-C or SIGTERM.
It reads DATABASE_URL (the runs), TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TASK_QUEUE (live
progress of a running check), GLPI_WEB_URL or GLPI_URL (links to GLPI's form pages) and
CHECK_TIMEZONE (how times are shown). WEB_AUTH=basic|token protects it (README, Web page).

Exit codes: 0 stopped on a signal, 1 it could not start (the port is taken…), 2 bad
arguments, 4 a setting is wrong.`;

runCli(USAGE, async (args) => {
  rejectExtraArguments(parseArguments({ args, options: {}, allowPositionals: true }).positionals);
  const web = await startWebServer({ log: (line) => console.error(line) });
  const auth = readSetting('WEB_AUTH');
  console.log(`Web page: ${web.url}/ (authentication: ${auth})`);
  if (auth === 'none' && !/^(127\.|\[?::1\]?|localhost)/.test(readSetting('WEB_HOST'))) {
    console.error(
      'warning: WEB_HOST is not a loopback address and WEB_AUTH=none: anyone who reaches it can read the runs',
    );
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await web.close();
});
