/**
 * Real receivers for the notification tests: an HTTP server (plain or TLS) that answers as told
 * per request and remembers every request, whether its answer reached the sender, and which
 * Idempotency-Keys it processed (a receiver that dedupes, as the README asks of one); and a real
 * SMTP server (smtp-server) with STARTTLS on a self-signed certificate and password login.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface SelfSignedCert {
  key: string;
  cert: string;
  /** The certificate's file, usable as SMTP_TLS_CA_FILE (it is its own CA). */
  certFile: string;
}

/** A certificate for localhost and 127.0.0.1, made by openssl for this test process. */
export function selfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'notify-cert-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), certFile: cert };
}

export interface Answer {
  status: number;
  body?: string;
  /** Wait this long before answering (a slow receiver, or one the test kills the sender under). */
  delayMs?: number;
}

export interface ReceivedRequest {
  index: number;
  /** The request's path and query (where a chat webhook's token is). */
  path: string;
  at: Date;
  headers: IncomingMessage['headers'];
  body: string;
  /** The status sent, once the answer went out; null while waiting, or when the sender hung up first. */
  answered: number | null;
  /** The sender closed the connection before the answer. */
  aborted: boolean;
  /** The X-Signature-256 header matched the body and timestamp (null: no secret to check with). */
  signatureValid: boolean | null;
}

export interface HttpReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Keys this receiver processed: answered 2xx, first time seen (repeats are answered 200 and not processed). */
  processed: Map<string, ReceivedRequest>;
  duplicates: number;
  /** One line per request, as a receiver's access log would have it. */
  log: string[];
  /** Resolves when `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export function startHttpReceiver(options: {
  answer?: (request: ReceivedRequest) => Answer;
  tls?: SelfSignedCert;
  signingSecret?: string;
  /** The path of the URL (default /hooks/SECRET-PATH-TOKEN-<port>). */
  path?: string;
}): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const processed = new Map<string, ReceivedRequest>();
  const log: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const state = { duplicates: 0 };
  const answer: (request: ReceivedRequest) => Answer = options.answer ?? (() => ({ status: 200, body: 'ok' }));

  const verify = (req: IncomingMessage, body: string): boolean | null => {
    if (!options.signingSecret) return null;
    const timestamp = String(req.headers['x-signature-timestamp'] ?? '');
    const given = String(req.headers['x-signature-256'] ?? '');
    const wanted = `sha256=${createHmac('sha256', options.signingSecret).update(`${timestamp}.${body}`).digest('hex')}`;
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
    return fresh && given.length === wanted.length && timingSafeEqual(Buffer.from(given), Buffer.from(wanted));
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = {
        index: requests.length,
        path: req.url ?? '',
        at: new Date(),
        headers: req.headers,
        body,
        answered: null,
        aborted: false,
        signatureValid: verify(req, body),
      };
      requests.push(request);
      for (const w of waiters.filter((w) => requests.length >= w.count)) w.resolve();
      const key = String(req.headers['idempotency-key'] ?? '');
      const planned = answer(request);
      const send = () => {
        if (request.aborted) return;
        const duplicate = planned.status < 300 && processed.has(key);
        res.statusCode = planned.status;
        res.end(planned.body ?? '');
        res.on('finish', () => {
          request.answered = planned.status;
          if (planned.status >= 200 && planned.status < 300) {
            if (duplicate) state.duplicates += 1;
            else processed.set(key, request);
          }
          log.push(
            `${request.at.toISOString()} POST ${req.url} ${planned.status} idempotency-key=${key} ` +
              `signature=${request.signatureValid === null ? 'none' : request.signatureValid ? 'valid' : 'INVALID'} ` +
              `bytes=${body.length}${duplicate ? ' duplicate' : ''}`,
          );
        });
      };
      res.on('close', () => {
        if (request.answered === null && !res.writableFinished) {
          request.aborted = true;
          log.push(`${request.at.toISOString()} POST ${req.url} aborted by the sender idempotency-key=${key}`);
        }
      });
      if (planned.delayMs) setTimeout(send, planned.delayMs).unref();
      else send();
    });
  };

  const server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : createHttpServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      const receiver: HttpReceiver = {
        url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${options.path ?? `/hooks/SECRET-PATH-TOKEN-${port}`}`,
        requests,
        processed,
        get duplicates() {
          return state.duplicates;
        },
        log,
        waitForRequests(count, timeoutMs = 60_000) {
          if (requests.length >= count) return Promise.resolve();
          return new Promise((ok, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`only ${requests.length} of ${count} requests arrived`)),
              timeoutMs,
            );
            waiters.push({ count, resolve: () => (clearTimeout(timer), ok()) });
          });
        },
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      };
      after(() => receiver.close());
      resolve(receiver);
    });
  });
}

export interface ReceivedMail {
  at: Date;
  from: string;
  to: string[];
  user: string | undefined;
  secure: boolean;
  raw: string;
  messageId: string | null;
}

export interface SmtpReceiver {
  port: number;
  /** Messages the server accepted (its 250 after DATA reached the client). */
  accepted: ReceivedMail[];
  /** Messages whose data arrived, accepted or not. */
  received: ReceivedMail[];
  /** Every MAIL FROM seen (including refused ones). */
  mailFromAttempts: number;
  log: string[];
  waitForData(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface SmtpBehaviour {
  user: string;
  password: string;
  cert: SelfSignedCert;
  /** Refuse MAIL FROM with this code and text for the first `times` attempts (Infinity: always). */
  rejectSender?: { code: number; text: string; times: number };
  /** Wait before accepting the DATA of the message number `index` (0-based). */
  dataDelayMs?: (index: number) => number;
}

export function startSmtpReceiver(behaviour: SmtpBehaviour): Promise<SmtpReceiver> {
  const accepted: ReceivedMail[] = [];
  const received: ReceivedMail[] = [];
  const log: string[] = [];
  const closed = new Set<string>();
  const waiters: { count: number; resolve: () => void }[] = [];
  const counters = { mailFrom: 0 };
  const options: SMTPServerOptions = {
    secure: false, // STARTTLS
    key: behaviour.cert.key,
    cert: behaviour.cert.cert,
    authMethods: ['PLAIN', 'LOGIN'],
    authOptional: false,
    disabledCommands: [],
    logger: false,
    onAuth(auth, session, callback) {
      if (!session.secure) return callback(new Error('login only after STARTTLS'));
      if (auth.username === behaviour.user && auth.password === behaviour.password)
        return callback(null, { user: auth.username });
      log.push(`${new Date().toISOString()} AUTH refused for ${auth.username}`);
      return callback(new Error('Invalid username or password'));
    },
    onMailFrom(address, _session, callback) {
      counters.mailFrom += 1;
      const reject = behaviour.rejectSender;
      if (reject && counters.mailFrom <= reject.times) {
        log.push(`${new Date().toISOString()} MAIL FROM:<${address.address}> refused ${reject.code}`);
        const error = new Error(reject.text) as Error & { responseCode: number };
        error.responseCode = reject.code;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const mail: ReceivedMail = {
          at: new Date(),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw,
          messageId: /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? null,
        };
        const index = received.length;
        received.push(mail);
        for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
        const accept = () => {
          if (closed.has(session.id)) {
            log.push(`${new Date().toISOString()} message ${mail.messageId} not accepted: the client hung up first`);
            return;
          }
          accepted.push(mail);
          log.push(
            `${mail.at.toISOString()} accepted message ${mail.messageId} from ${mail.from} to ${mail.to.join(',')} ` +
              `user=${mail.user} tls=${mail.secure} bytes=${raw.length}`,
          );
          callback(null, 'queued');
        };
        const delay = behaviour.dataDelayMs?.(index) ?? 0;
        if (delay) setTimeout(accept, delay).unref();
        else accept();
      });
    },
    onClose(session) {
      closed.add(session.id);
    },
  };
  const server = new SMTPServer(options);
  server.on('error', () => undefined);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.server.address() as AddressInfo;
      const receiver: SmtpReceiver = {
        port,
        accepted,
        received,
        get mailFromAttempts() {
          return counters.mailFrom;
        },
        log,
        waitForData(count, timeoutMs = 60_000) {
          if (received.length >= count) return Promise.resolve();
          return new Promise((ok, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`only ${received.length} of ${count} messages arrived`)),
              timeoutMs,
            );
            waiters.push({ count, resolve: () => (clearTimeout(timer), ok()) });
          });
        },
        close: () => new Promise<void>((done) => server.close(() => done())),
      };
      after(() => receiver.close());
      resolve(receiver);
    });
  });
}
