/**
 * The shared frame of every command: --help, exit codes, and errors printed as one clear
 * line instead of a stack trace when they are expected (bad arguments, unreachable services).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the user can act on: printed as its message alone, with its exit code. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export function runCli(usage: string, main: (args: string[]) => Promise<number | void>): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return;
  }
  main(args).then(
    (code) => {
      process.exitCode = code ?? EXIT.ok;
    },
    (error: unknown) => {
      process.exitCode = reportError(error, usage);
    },
  );
}

export function reportError(error: unknown, usage?: string): number {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}`);
    if (usage) console.error(`\n${usage}`);
    return EXIT.usage;
  }
  if (error instanceof CommandError) {
    console.error(`error: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${message}`);
  if (process.env.DEBUG && error instanceof Error && error.stack) console.error(error.stack);
  return EXIT.failure;
}
