/**
 * Which failures the web page answers 503 ("try again later") rather than 500: the database or
 * its connection is not there. Recognised by the driver's and Prisma's codes, never shown raw.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'P1001', // can't reach the database server
  'P1002', // the server timed out
  'P1008', // operation timed out
  'P1017', // the server closed the connection
  'P2024', // timed out fetching a connection from the pool
  '57P01', // admin shutdown
  '57P03', // cannot connect now (starting up)
  '53300', // too many connections
  '3D000', // the database does not exist
]);

const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'DatabaseDoesNotExist',
  'ConnectionClosed',
  'SocketTimeout',
]);

const UNAVAILABLE_TEXT =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|timeout exceeded when trying to connect|Connection terminated|connect(ion)? (refused|timeout)|Can't reach database server|server closed the connection/i;

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const fields = error as {
    code?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } };
  };
  if (typeof fields.code === 'string' && UNAVAILABLE_CODES.has(fields.code)) return true;
  if (typeof fields.kind === 'string' && UNAVAILABLE_KINDS.has(fields.kind)) return true;
  const adapter = fields.meta?.driverAdapterError?.cause;
  if (adapter && typeof adapter.kind === 'string' && UNAVAILABLE_KINDS.has(adapter.kind)) return true;
  if (adapter && typeof adapter.originalCode === 'string' && UNAVAILABLE_CODES.has(adapter.originalCode)) return true;
  if (typeof fields.message === 'string' && UNAVAILABLE_TEXT.test(fields.message)) return true;
  if (error instanceof AggregateError && error.errors.some((e) => isDatabaseUnavailable(e, depth + 1))) return true;
  return isDatabaseUnavailable(fields.cause, depth + 1);
}
