/**
 * One attempt to deliver a notification on one channel. Every failure becomes a DeliveryError
 * with a reason an operator can act on and whether another attempt may help; the reason names
 * the host, never the URL's path or query (a chat webhook's token is its path) and never a
 * password. The idempotency key travels with every attempt: the webhook's Idempotency-Key header,
 * the e-mail's Message-ID.
 */
import { createHash, createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { Channel, Notification } from '../core/notifications';
import { redactSecrets } from '../redaction';
import type { EmailChannel, NotifyConfig, WebhookChannel } from './config';
import { chatBody, emailContent, webhookBody } from './render';

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    /** false: the channel refused for good (a 4xx, a rejected address); retrying cannot help. */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface DeliveryReceipt {
  /** What the receiver answered, in short (HTTP status, SMTP response). */
  detail: string;
}

export const SIGNATURE_HEADER = 'X-Signature-256';
export const TIMESTAMP_HEADER = 'X-Signature-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): what a receiver recomputes. */
export function signatureOf(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Message-ID of the e-mail of one key: the same for every attempt, so a mail system can drop repeats. */
export function messageIdOf(key: string, from: string): string {
  const domain = from.split('@')[1] ?? 'glpi-device-check.invalid';
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}

/** Node's codes for a refused certificate (fetch puts them on error.cause). */
const TLS_CODES = /CERT|SELF_SIGNED|TLS|SSL|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/i;

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function shortBody(text: string, secrets: string[]): string {
  const oneLine = redactSecrets(text, secrets).replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 120)}…` : oneLine;
}

async function postJson(
  channel: WebhookChannel,
  label: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<DeliveryReceipt> {
  const secrets = [channel.url.reveal(), new URL(channel.url.reveal()).pathname, channel.signingSecret?.reveal() ?? ''];
  let response: Response;
  try {
    response = await fetch(channel.url.reveal(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'glpi-device-check', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new DeliveryError(`${label} ${channel.where} did not answer within ${timeoutMs} ms`, true);
    const cause = (error as { cause?: unknown }).cause;
    const code = causeCode(error) ?? (cause instanceof Error ? cause.message : 'network error');
    if (TLS_CODES.test(code))
      throw new DeliveryError(`${label} ${channel.where}: TLS failed (${code}): its certificate is not trusted`, true);
    throw new DeliveryError(`${label} ${channel.where} cannot be reached (${code})`, true);
  }
  const text = await response.text().catch(() => '');
  if (response.status >= 200 && response.status < 300) return { detail: `HTTP ${response.status}` };
  const answered = `${label} ${channel.where} answered HTTP ${response.status}${text ? `: ${shortBody(text, secrets)}` : ''}`;
  if (response.status === 408 || response.status === 425 || response.status === 429 || response.status >= 500)
    throw new DeliveryError(answered, true);
  if (response.status >= 300 && response.status < 400)
    throw new DeliveryError(`${answered} (a redirect: set the final URL)`, false);
  const hint =
    response.status === 401 || response.status === 403 || response.status === 404
      ? ' (check the URL and its token)'
      : '';
  throw new DeliveryError(`${answered}${hint}`, false);
}

export function sendWebhook(
  channel: WebhookChannel,
  n: Notification,
  key: string,
  timeoutMs: number,
  now: () => Date = () => new Date(),
): Promise<DeliveryReceipt> {
  const body = webhookBody(n);
  const headers: Record<string, string> = { [IDEMPOTENCY_HEADER]: key };
  if (channel.signingSecret) {
    const timestamp = String(Math.floor(now().getTime() / 1000));
    headers[TIMESTAMP_HEADER] = timestamp;
    headers[SIGNATURE_HEADER] = signatureOf(channel.signingSecret.reveal(), timestamp, body);
  }
  return postJson(channel, 'webhook', body, headers, timeoutMs);
}

export function sendChat(
  channel: WebhookChannel,
  n: Notification,
  key: string,
  timeoutMs: number,
): Promise<DeliveryReceipt> {
  // Slack ignores unknown headers; a receiver of our own can dedupe by it.
  return postJson(channel, 'chat webhook', chatBody(n), { [IDEMPOTENCY_HEADER]: key }, timeoutMs);
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
  message?: string;
}

function smtpFailure(channel: EmailChannel, error: unknown): DeliveryError {
  const e = error as SmtpError;
  const where = `SMTP ${channel.host}:${channel.port}`;
  const secrets = [channel.password?.reveal() ?? ''];
  if (typeof e.responseCode === 'number') {
    const what = e.command ? ` to ${e.command.split(' ')[0]}` : '';
    const text = shortBody((e.response ?? e.message ?? '').replace(/^\d{3}[ -](\d\.\d\.\d+ )?/, ''), secrets);
    const permanent = e.responseCode >= 500;
    const hint =
      e.code === 'EAUTH'
        ? ' (check the user and password in SMTP_URL)'
        : e.code === 'EENVELOPE'
          ? ' (check NOTIFY_EMAIL_FROM / NOTIFY_EMAIL_TO)'
          : '';
    return new DeliveryError(`${where} answered ${e.responseCode}${what}: ${text}${hint}`, !permanent);
  }
  const code = e.code ?? causeCode(error) ?? 'error';
  const message = shortBody(e.message ?? '', secrets);
  if (code === 'ETIMEDOUT') return new DeliveryError(`${where} did not answer in time (${message})`, true);
  if (TLS_CODES.test(code) || /certificate|STARTTLS|TLS|SSL/i.test(message))
    return new DeliveryError(`${where}: TLS failed (${message})`, true);
  if (code === 'EAUTH') return new DeliveryError(`${where} refused the login: ${message}`, false);
  return new DeliveryError(`${where} cannot be reached (${code}: ${message})`, true);
}

export async function sendEmail(
  channel: EmailChannel,
  n: Notification,
  key: string,
  timeoutMs: number,
): Promise<DeliveryReceipt> {
  const transport = nodemailer.createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.secure,
    requireTLS: !channel.secure && channel.requireTls,
    ...(channel.user ? { auth: { user: channel.user, pass: channel.password?.reveal() ?? '' } } : {}),
    // SNI takes a host name only; an IP address is still checked against the certificate.
    tls: { ...(isIP(channel.host) ? {} : { servername: channel.host }), ...(channel.ca ? { ca: channel.ca } : {}) },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    // Nodemailer's own pooling and retries would hide attempts from the delivery record.
    pool: false,
  });
  const content = emailContent(n);
  try {
    const info = await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: content.subject,
      text: content.text,
      html: content.html,
      messageId: messageIdOf(key, channel.from),
      headers: { 'X-Idempotency-Key': key },
    });
    return { detail: shortBody(String(info.response ?? 'accepted'), []) };
  } catch (error) {
    throw smtpFailure(channel, error);
  } finally {
    transport.close();
  }
}

/** One attempt on one channel, by name. */
export function deliver(
  config: NotifyConfig,
  channel: Channel,
  n: Notification,
  key: string,
): Promise<DeliveryReceipt> {
  const timeoutMs = config.timeoutMs;
  switch (channel) {
    case 'webhook':
      if (!config.webhook) throw new DeliveryError('webhook: NOTIFY_WEBHOOK_URL is not set on this worker', false);
      return sendWebhook(config.webhook, n, key, timeoutMs);
    case 'chat':
      if (!config.chat) throw new DeliveryError('chat: NOTIFY_CHAT_WEBHOOK_URL is not set on this worker', false);
      return sendChat(config.chat, n, key, timeoutMs);
    case 'email':
      if (!config.email) throw new DeliveryError('email: SMTP_URL is not set on this worker', false);
      return sendEmail(config.email, n, key, timeoutMs);
  }
}
