/**
 * npm run dev — the local stack (Temporal dev server with its UI, PostgreSQL migrated,
 * the GLPI simulator when no GLPI is configured) and a worker, until Ctrl-C.
 */
import { startLocalStack } from '../dev/stack';
import { startConfiguredWorker } from '../worker';
import { runCli } from './run';

const USAGE = `Usage: npm run dev

Starts what the worker needs and the worker itself; Ctrl-C stops everything it started.
  - Temporal: a persistent dev server (gRPC 127.0.0.1:7233, UI http://localhost:8233,
    state in .temporal/dev.db), unless TEMPORAL_ADDRESS points at a server;
  - PostgreSQL: DATABASE_URL (default the local server), created and migrated;
  - GLPI: GLPI_URL and its credentials, or the built-in simulator when GLPI_URL is unset.`;

runCli(USAGE, async () => {
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
});
