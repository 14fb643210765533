/**
 * Heartbeat details are payloads too (the server keeps the latest per pending activity, and an
 * attempt that times out carries them into the history), but a normal run's history never
 * shows them: they are sampled from `describe()` while the run goes on.
 */
import type { WorkflowHandle } from '@temporalio/client';

export interface HeartbeatSampler {
  stop(): Promise<number>;
}

export function sampleHeartbeats(handle: WorkflowHandle, everyMs = 1000): HeartbeatSampler {
  let largest = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const { raw } = await handle.describe();
        for (const activity of raw.pendingActivities ?? []) {
          for (const payload of activity.heartbeatDetails?.payloads ?? []) {
            largest = Math.max(largest, payload.data?.byteLength ?? 0);
          }
        }
      } catch {
        // Between two executions of a continue-as-new chain: the next sample will do.
      }
      if (running) await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return largest;
    },
  };
}
