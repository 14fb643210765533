/** Debian's promtool (package prometheus), which CI installs (.ci/run). */
import { existsSync } from 'node:fs';

export const PROMTOOL = '/usr/bin/promtool';

/** Fails (never skips) when promtool is missing. */
export function requirePromtool(): void {
  if (!existsSync(PROMTOOL)) {
    throw new Error(
      `${PROMTOOL} is missing: install Debian's prometheus package (apt-get install prometheus), as .ci/run does`,
    );
  }
}
