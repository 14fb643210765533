/**
 * The one way this service connects to Temporal: the worker (NativeConnection), every command,
 * doctor and the schedule (Connection), all from the TemporalConnection that src/config builds
 * (envconfig profile + TEMPORAL_* variables, every file already read and checked).
 *
 * Each connection is proven at once with a GetSystemInfo call under a short deadline, so that a
 * wrong CA, a missing client certificate or a refused API key fails here, in seconds, with a
 * message that names the setting — not later as an opaque error of the first real call.
 */
import { isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { TemporalConnection } from '../config';
import { redactKnownSecrets } from '../redaction';

/** Temporal answered, and refused us: a configuration problem (exit 4), retrying will not help. */
export class TemporalRefusedError extends Error {
  override readonly name = 'TemporalRefusedError';
  constructor(
    message: string,
    /** The setting to fix. */
    readonly setting: string,
  ) {
    super(message);
  }
}

/** Temporal cannot be reached (exit 3): not running, wrong host, network. */
export class TemporalUnreachableError extends Error {
  override readonly name = 'TemporalUnreachableError';
}

/** Something answers at the address, but not as a Temporal frontend (a web server, the UI port). */
export class NotTemporalError extends Error {
  override readonly name = 'NotTemporalError';
}

const PROBE_MS = 5_000;

/** The native client's words for the gRPC codes it puts in its error text. */
const NATIVE_CODES: [RegExp, number][] = [
  [/does not have valid authentication credentials/i, 16],
  [/does not have permission/i, 7],
  [/requested entity was not found/i, 5],
  [/deadline expired/i, 4],
  [/service is currently unavailable/i, 14],
];

/** The gRPC code and the server's message, from either client's error (grpc-js wraps its cause). */
function describeError(error: unknown): { code?: number; text: string } {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const { code, details } = current as { code?: unknown; details?: unknown };
    if (typeof code === 'number') {
      const text = typeof details === 'string' && details ? details : (current as Error).message;
      return { code, text: redactKnownSecrets(String(text).split('\n')[0]) };
    }
    current = (current as { cause?: unknown }).cause;
  }
  const message = redactKnownSecrets(((error as Error)?.message ?? String(error)).split('\n')[0]);
  const code = NATIVE_CODES.find(([pattern]) => pattern.test(message))?.[1];
  const server = /message: "([^"]*)"/.exec(message)?.[1];
  return { code, text: server ?? message };
}

/**
 * A TLS handshake of our own with the same CA, certificate and server name: grpc-js reports a
 * failed handshake only as "Failed to connect before the deadline", this says why.
 * Returns undefined when the handshake succeeds.
 */
function tlsProbe(conn: TemporalConnection, verify = true): Promise<{ code: string; message: string } | undefined> {
  const [host, port] = splitAddress(conn.address);
  const t = typeof conn.tls === 'object' ? conn.tls : {};
  const servername = t.serverNameOverride ?? (isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      ...(t.serverRootCACertificate && { ca: t.serverRootCACertificate }),
      ...(t.clientCertPair && { cert: t.clientCertPair.crt, key: t.clientCertPair.key }),
      ...(servername && { servername }),
      ALPNProtocols: ['h2'],
      rejectUnauthorized: verify,
    });
    const done = (result: { code: string; message: string } | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ code: 'ETIMEDOUT', message: 'no TLS handshake within 3 s' }), 3_000);
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ code: error.code ?? 'error', message: error.message.split('\n')[0] }),
    );
  });
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

const UNTRUSTED_SERVER =
  /UNABLE_TO_VERIFY|SELF_SIGNED|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|CERT_HAS_EXPIRED|UnknownIssuer|unknown ?issuer|self.signed|not trusted|invalid ?certificate|BadSignature|Expired/i;
const WRONG_NAME = /ALTNAME|NotValidForName|hostname|not valid for name/i;
const CLIENT_CERT_REFUSED =
  /certificate required|alert bad certificate|unknown ca|alert number 4[2-9]|alert number 116|CertificateRequired|BadCertificate|UnknownCA/i;
const NOT_TLS = /wrong version number|packet length too long|EPROTO|ECONNRESET|InvalidContentType|CorruptMessage/i;

/**
 * What a failed connect or probe means, in the operator's terms, naming the setting to fix.
 * gRPC codes: 16 UNAUTHENTICATED, 7 PERMISSION_DENIED, 5 NOT_FOUND (namespace), 14 UNAVAILABLE,
 * 4 DEADLINE_EXCEEDED.
 */
export async function explainConnectError(error: unknown, conn: TemporalConnection): Promise<Error> {
  if (error instanceof TemporalRefusedError || error instanceof NotTemporalError) return error;
  if (error instanceof TemporalUnreachableError) return error;
  const { labels } = conn;
  const { code, text } = describeError(error);
  const at = `Temporal at ${conn.address} (${conn.source})`;
  const hasCert = typeof conn.tls === 'object' && conn.tls.clientCertPair !== undefined;
  const refused = (message: string, setting: string) => new TemporalRefusedError(message, setting);

  if (code === 16) {
    if (/certificate/i.test(text) || (!conn.apiKey && !hasCert && !/api.?key|unauthorized/i.test(text))) {
      return refused(
        `${at} refused the client certificate (${text}): ` +
          (hasCert
            ? `${labels.clientCert} (with ${labels.clientKey}) is not one it accepts`
            : `none is set; set ${labels.clientCert} and ${labels.clientKey}`),
        labels.clientCert,
      );
    }
    return refused(
      `${at} refused the API key (${text}): ` +
        (conn.apiKey ? `check ${labels.apiKey}` : `none is set; set ${labels.apiKey}`),
      labels.apiKey,
    );
  }
  if (code === 7) {
    return refused(
      `${at} refused access to namespace ${conn.namespace} (${text}): check ${labels.namespace}, and that ` +
        `${conn.apiKey ? labels.apiKey : labels.clientCert} is allowed on it`,
      labels.namespace,
    );
  }
  if (code === 5 && /namespace/i.test(text)) {
    return refused(`${at}: ${text}; check ${labels.namespace}`, labels.namespace);
  }

  const unreachable = code === undefined || code === 14 || code === 4 || /deadline|connect/i.test(text);
  if (unreachable) {
    const probe = await tlsProbe(conn, conn.tls !== undefined);
    const reason = probe ? `${probe.code}: ${probe.message}` : '';
    if (conn.tls !== undefined && probe) {
      const all = `${reason} ${text}`;
      if (WRONG_NAME.test(all)) {
        return refused(
          `${at}: the server's certificate is not issued to the name checked (${reason}); set ${labels.serverName} ` +
            'to a name the certificate carries',
          labels.serverName,
        );
      }
      if (UNTRUSTED_SERVER.test(all)) {
        return refused(
          `${at}: the server's certificate is not trusted (${reason}); check ${labels.serverCa}, the CA that ` +
            "signed the server's certificate",
          labels.serverCa,
        );
      }
      if (CLIENT_CERT_REFUSED.test(all)) {
        return refused(
          `${at}: the TLS handshake was refused (${reason}): ` +
            (hasCert
              ? `the server does not accept the client certificate ${labels.clientCert}`
              : `it wants a client certificate; set ${labels.clientCert} and ${labels.clientKey}`),
          labels.clientCert,
        );
      }
      if (NOT_TLS.test(all)) {
        return refused(
          `${at}: TLS is on but the server does not answer TLS (${reason}); set TEMPORAL_TLS=false if it is plain text`,
          'TEMPORAL_TLS',
        );
      }
    }
    if (conn.tls === undefined && !probe) {
      return refused(
        `${at}: the server wants TLS but the connection is plain text (${text}); set TEMPORAL_TLS=true ` +
          `(and ${labels.serverCa} for a private CA)`,
        'TEMPORAL_TLS',
      );
    }
    return new TemporalUnreachableError(
      `cannot reach ${at}: ${text}. Start one with \`npm run dev\`, or set ${labels.address} (or TEMPORAL_PROFILE)`,
    );
  }
  if (conn.tls !== undefined) {
    const probe = await tlsProbe(conn);
    if (probe && UNTRUSTED_SERVER.test(`${probe.code} ${probe.message}`)) {
      return refused(
        `${at}: the server's certificate is not trusted (${probe.code}: ${probe.message}); check ${labels.serverCa}`,
        labels.serverCa,
      );
    }
  }
  return new NotTemporalError(
    `something answers at ${conn.address} but not as a Temporal server (${text}): ${labels.address} must be ` +
      "the frontend's gRPC address (port 7233 by default), not the web UI (8233) or another service",
  );
}

function baseOptions(conn: TemporalConnection) {
  return {
    address: conn.address,
    ...(conn.tls !== undefined && { tls: conn.tls }),
    ...(conn.apiKey && { apiKey: conn.apiKey.reveal() }),
    ...(conn.metadata && { metadata: conn.metadata }),
  };
}

export function clientConnectionOptions(conn: TemporalConnection): ConnectionOptions {
  return { ...baseOptions(conn), connectTimeout: `${PROBE_MS}ms` };
}

export function nativeConnectionOptions(conn: TemporalConnection): NativeConnectionOptions {
  return baseOptions(conn);
}

/** A client connection, proven; the caller closes it. */
export async function connectClientConnection(conn: TemporalConnection): Promise<Connection> {
  // grpc-js retries a failed TLS handshake until its deadline and then says only that: a
  // handshake of our own first makes a wrong CA or server name fail at once, and say why.
  if (conn.tls !== undefined && (await tlsProbe(conn))) {
    throw await explainConnectError(new Error('Failed to connect: TLS handshake'), conn);
  }
  return openProven(
    conn,
    () => Connection.connect(clientConnectionOptions(conn)),
    async (connection) => {
      await connection.withDeadline(Date.now() + PROBE_MS, () => connection.workflowService.getSystemInfo({}));
      await connection.withDeadline(Date.now() + PROBE_MS, () =>
        connection.workflowService.describeNamespace({ namespace: conn.namespace }),
      );
    },
  );
}

export async function connectTemporalClient(conn: TemporalConnection): Promise<Client> {
  const connection = await connectClientConnection(conn);
  return new Client({ connection, namespace: conn.namespace });
}

/** The worker's connection, proven the same way; the caller closes it. */
export async function connectNative(conn: TemporalConnection): Promise<NativeConnection> {
  return openProven(
    conn,
    () => NativeConnection.connect(nativeConnectionOptions(conn)),
    async (connection) => {
      await connection.withDeadline(Date.now() + PROBE_MS, () =>
        connection.workflowService.describeNamespace({ namespace: conn.namespace }),
      );
    },
  );
}

/**
 * Opens a connection and proves it with `probe`: either failure comes out explained (which
 * setting, never a secret), and a connection that opened but failed its probe is closed.
 */
async function openProven<C extends { close(): Promise<void> }>(
  conn: TemporalConnection,
  open: () => Promise<C>,
  probe: (connection: C) => Promise<void>,
): Promise<C> {
  let connection: C;
  try {
    connection = await openWithin(open, PROBE_MS);
  } catch (error) {
    throw await explainConnectError(error, conn);
  }
  try {
    await probe(connection);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw await explainConnectError(error, conn);
  }
  return connection;
}

/**
 * `open()`, bounded: the native client usually fails at once on a port that does not answer
 * gRPC, but now and then it waits for its own 30 s connect timeout, and NativeConnection takes no
 * shorter one. Past `ms` this gives up with a deadline error (explained like any other), and a
 * connection that still opens afterwards is closed.
 */
async function openWithin<C extends { close(): Promise<void> }>(open: () => Promise<C>, ms: number): Promise<C> {
  const opening = open();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Failed to connect before the deadline (${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([opening, deadline]);
  } catch (error) {
    opening.then((late) => late.close()).catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the connection still answers (readiness): a cheap call under a short deadline. */
export async function nativeConnectionAlive(connection: NativeConnection, timeoutMs = 2_000): Promise<boolean> {
  try {
    await connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}
