/**
 * Where a report goes: stdout, or a file that appears only once complete (written beside it,
 * then renamed), so a failed run never leaves half a report where the last good one was.
 */
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

export interface Sink {
  write(text: string): Promise<void>;
  /** Flushes, and for a file puts it in place. */
  close(): Promise<void>;
  /** Removes a partial file (nothing to do on stdout). */
  abort(): Promise<void>;
}

/** Strings are gathered into chunks of this size: one write per row would cost a syscall each. */
const CHUNK_BYTES = 64 * 1024;

/** The reader of stdout went away (`… | head`): not a failure of the report. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
}

/** The output file could not be written; the message names the file, not its temporary twin. */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

const REASONS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

function outputError(path: string, error: NodeJS.ErrnoException): OutputError {
  const reason = (error.code && REASONS[error.code]) ?? error.code ?? error.message;
  return new OutputError(`cannot write ${path}: ${reason}`);
}

/** Resolves when the stream takes more, or is gone (an 'error' is always followed by 'close'). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function streamSink(
  stream: Writable,
  translate: (error: NodeJS.ErrnoException) => Error,
  onClose: () => Promise<void>,
  onAbort: () => Promise<void>,
): Sink {
  let buffer = '';
  let failure: Error | undefined;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    failure ??= translate(error);
  });
  const check = () => {
    if (failure) throw failure;
  };
  const flush = async () => {
    check();
    if (buffer === '') return;
    const chunk = buffer;
    buffer = '';
    if (!stream.write(chunk)) await drained(stream);
    check();
  };
  return {
    async write(text) {
      buffer += text;
      if (buffer.length >= CHUNK_BYTES) await flush();
    },
    async close() {
      await flush();
      await onClose().catch((error: NodeJS.ErrnoException) => {
        throw failure ?? translate(error);
      });
      check();
    },
    abort: onAbort,
  };
}

export function stdoutSink(): Sink {
  const nothing = async () => {};
  return streamSink(
    process.stdout,
    (error) => (error.code === 'EPIPE' ? new OutputClosedError('output closed') : error),
    nothing,
    nothing,
  );
}

export function fileSink(path: string): Sink {
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  const stream = createWriteStream(partial);
  return streamSink(
    stream,
    (error) => outputError(path, error),
    async () => {
      stream.end();
      await once(stream, 'close');
      renameSync(partial, path);
    },
    async () => {
      if (!stream.closed) {
        stream.destroy();
        await once(stream, 'close').catch(() => undefined);
      }
      rmSync(partial, { force: true });
    },
  );
}
