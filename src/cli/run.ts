/**
 * The shared frame of every command: --help, argument parsing, exit codes, and errors
 * printed as one clear line instead of a stack trace when they are expected (bad
 * arguments, unreachable services, wrong settings).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, readSetting } from '../config';
import { GlpiAuthError, GlpiConfigError, GlpiUnavailableError } from '../glpi/errors';
import { PortInUseError } from '../dev/ports';
import { NotTemporalError, TemporalRefusedError, TemporalUnreachableError } from '../temporal/connection';
import { MetricsPortError } from '../metrics/server';
import { StaleBuildError } from '../workflow-bundle';

/**
 * One meaning per code, for every command (the README has the same table). Scripts and
 * monitoring can tell "fix the arguments" from "fix the settings" from "try again later".
 */
export const EXIT = {
  /** Done; a check that completed without errors; doctor found everything ok. */
  ok: 0,
  /** The command ran and the answer is bad: a check with errors or that failed, an unknown
   * device or run, a failed lookup, a file that cannot be written; doctor: a warning. */
  failed: 1,
  /** Bad arguments: the message and the usage are printed. */
  usage: 2,
  /** Temporal, PostgreSQL or GLPI cannot be reached (or GLPI is unavailable): try again later. */
  unreachable: 3,
  /** A setting is missing or wrong, or GLPI refused the credentials: fix the configuration. */
  configuration: 4,
  /** doctor: at least one critical problem (map it to CRITICAL in a Nagios-style monitor). */
  critical: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A failure the user can act on: printed as its message alone, with its exit code. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failed,
  ) {
    super(message);
  }
}

/** node:util's parseArgs, with its errors (unknown option, missing value) as usage errors. */
export function parseArguments<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Refuses positional arguments beyond the `expected` first ones. */
export function rejectExtraArguments(positionals: readonly string[], expected = 0): void {
  if (positionals.length > expected)
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[expected])}`);
}

export interface CliOptions {
  /**
   * Exit as soon as the command's work has settled, whatever is still scheduled: for the
   * commands that install Temporal's runtime or start servers (dev, demo), whose native
   * threads and handles would otherwise keep a failed start-up waiting for a Ctrl-C. Their
   * own `finally` has stopped what they started by then.
   */
  exitWhenDone?: boolean;
}

export function runCli(
  usage: string,
  main: (args: string[]) => Promise<number | void>,
  options: CliOptions = {},
): void {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    return;
  }
  main(args)
    .then(
      (code) => {
        process.exitCode = code ?? EXIT.ok;
      },
      (error: unknown) => {
        process.exitCode = reportError(error, usage);
      },
    )
    .finally(() => {
      // stdout and stderr are synchronous for files and pipes on Linux: nothing printed is lost.
      if (options.exitWhenDone) process.exit();
    });
}

/** The exit code of an error that reached the top of a command. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof CommandError) return error.exitCode;
  if (
    error instanceof ConfigError ||
    error instanceof GlpiConfigError ||
    error instanceof GlpiAuthError ||
    // Fixed by a setting (the message names it): the port of the local stack's server.
    error instanceof PortInUseError ||
    error instanceof TemporalRefusedError ||
    error instanceof MetricsPortError ||
    error instanceof StaleBuildError
  ) {
    return EXIT.configuration;
  }
  if (
    error instanceof GlpiUnavailableError ||
    error instanceof TemporalUnreachableError ||
    error instanceof NotTemporalError
  ) {
    return EXIT.unreachable;
  }
  return EXIT.failed;
}

/** DEBUG set to anything prints the stack of an unexpected error. */
function debugStacks(): boolean {
  return readSetting('DEBUG') !== undefined;
}

export function reportError(error: unknown, usage?: string): number {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${message}`);
  if (error instanceof UsageError && usage) console.error(`\n${usage}`);
  const expected = error instanceof UsageError || error instanceof CommandError;
  if (!expected && debugStacks() && error instanceof Error && error.stack) console.error(error.stack);
  return exitCodeOf(error);
}
