/**
 * npm run dev — the local stack (Temporal dev server with its UI, PostgreSQL migrated,
 * the GLPI simulator when no GLPI is configured) and a worker, until Ctrl-C.
 */
import { environment } from '../config';
import { checkStackPorts } from '../dev/ports';
import { runCli } from './run';

const USAGE = `Usage: npm run dev

Starts what the worker needs and the worker itself; Ctrl-C stops everything it started.
  - Temporal: a persistent dev server (gRPC 127.0.0.1:7233, TEMPORAL_DEV_PORT; UI
    http://localhost:8233, TEMPORAL_DEV_UI_PORT; state in .temporal/dev.db), unless
    TEMPORAL_ADDRESS points at a server;
  - PostgreSQL: DATABASE_URL (default the local server), created and migrated;
  - GLPI: GLPI_URL and its credentials, or the built-in simulator (port GLPI_SIM_PORT, 8990)
    when GLPI_URL is unset.
A port already taken fails it at once, naming the port and the setting to change.`;

runCli(
  USAGE,
  async () => {
    // A taken port fails at once, before the heavy modules are loaded.
    await checkStackPorts(environment());
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the port check (see above)
    const { startLocalStack } = require('../dev/stack') as typeof import('../dev/stack');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the port check (see above)
    const { startConfiguredWorker } = require('../worker') as typeof import('../worker');
    const stack = await startLocalStack({ sampleDevices: 200, log: (line) => console.log(`[dev] ${line}`) });
    try {
      const { done } = await startConfiguredWorker(stack.config, stack.glpi);
      console.log(`[dev] Temporal UI: ${stack.config.temporal.uiUrl}`);
      console.log(
        '[dev] Start a check in another terminal: npm run start-check -- --sync   (Ctrl-C here stops everything)',
      );
      await done;
    } finally {
      await stack.stop();
      console.log('[dev] stopped');
    }
  },
  { exitWhenDone: true },
);
