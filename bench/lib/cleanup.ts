/**
 * Clean-ups that must run even when the bench is interrupted (Ctrl-C, a timeout's SIGTERM):
 * the Temporal dev server and the worker are separate processes, and the databases live on
 * the server, so none of them would go away with the bench.
 */
type Cleanup = () => Promise<unknown>;

const cleanups: Cleanup[] = [];

/** Registers a clean-up; returns a function that runs it now (once) and unregisters it. */
export function onInterrupt(cleanup: Cleanup): () => Promise<void> {
  let done = false;
  const once: Cleanup = async () => {
    if (done) return;
    done = true;
    await cleanup();
  };
  cleanups.push(once);
  return async () => {
    cleanups.splice(cleanups.indexOf(once), 1);
    await once();
  };
}

let installed = false;

export function cleanUpOnSignals(log: (line: string) => void): void {
  if (installed) return;
  installed = true;
  let cleaning = false;
  const handler = (signal: NodeJS.Signals) => {
    // tsx forwards the terminal's Ctrl-C as a second signal: one clean-up is enough.
    if (cleaning) return;
    cleaning = true;
    log(`\n${signal}: cleaning up (worker, dev server, databases)…`);
    // Newest first: the worker before the server it talks to.
    const pending = [...cleanups].reverse();
    void (async () => {
      for (const cleanup of pending) await cleanup().catch(() => undefined);
      process.exit(130);
    })();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
