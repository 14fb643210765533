import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Bounds the requests to GLPI: at most `maxConcurrent` in flight, and (if `maxPerSecond` > 0)
 * starts spaced evenly so that no more than `maxPerSecond` start in any second.
 * One limiter per client, shared by its sessions: GLPI's capacity is what we protect.
 */
export class RequestLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly intervalMs: number;
  private nextStartAt = 0;

  constructor(
    private readonly maxConcurrent: number,
    maxPerSecond: number,
  ) {
    this.intervalMs = maxPerSecond > 0 ? 1000 / maxPerSecond : 0;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      // Pace after taking a slot: pacing first would let a queue of paced requests start
      // together the moment slots free up.
      await this.pace();
      return await task();
    } finally {
      this.releaseSlot();
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return;
    }
    // The releasing task hands its slot over directly, so `active` stays counted.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  private async pace(): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = Date.now();
    const startAt = Math.max(now, this.nextStartAt);
    this.nextStartAt = startAt + this.intervalMs;
    if (startAt > now) await sleep(startAt - now);
  }
}
