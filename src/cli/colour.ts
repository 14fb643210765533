/**
 * Whether a command may style its output, decided in one place by the usual conventions:
 * NO_COLOR (https://no-color.org) turns styling off, FORCE_COLOR turns it on (0 or false:
 * off), otherwise only a terminal that is not TERM=dumb gets it. A pipe, a file or a CI log
 * gets plain text.
 */
import { environment, type Env } from '../config';

interface Stream {
  isTTY?: boolean;
}

export function colourEnabled(stream: Stream, env: Env = environment()): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/** Bold when `stream` may be styled, the text as it is otherwise. */
export function bold(text: string, stream: Stream = process.stdout): string {
  return colourEnabled(stream) ? `\x1b[1m${text}\x1b[0m` : text;
}

/**
 * A live line redrawn in place (progress bars) needs a real terminal, whatever FORCE_COLOR
 * says: elsewhere the carriage returns and erase codes would pile up in the log.
 */
export function isTerminal(stream: Stream = process.stdout): boolean {
  return stream.isTTY === true;
}
