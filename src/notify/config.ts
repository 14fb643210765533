/**
 * The notification channels as the worker (and `npm run notify`) sees them: which are
 * configured, with their secrets wrapped in Secret, and how the settings combine (SMTP_URL needs
 * NOTIFY_EMAIL_TO and NOTIFY_EMAIL_FROM). Which variables exist is the schema's.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, environment, loadNotifySettings, type Env } from '../config';
import type { Channel, NotifyWhen } from '../core/notifications';
import { registerSecret, Secret } from '../redaction';

export interface WebhookChannel {
  url: Secret;
  /** host:port, the only part of the URL a message may name (the path and query may hold a token). */
  where: string;
  signingSecret: Secret | null;
  when: NotifyWhen;
}

export interface EmailChannel {
  host: string;
  port: number;
  /** smtps:// (TLS from the first byte); smtp:// upgrades with STARTTLS. */
  secure: boolean;
  user: string | null;
  password: Secret | null;
  requireTls: boolean;
  /** PEM text of SMTP_TLS_CA_FILE, or null for the system's CAs. */
  ca: string | null;
  to: string[];
  from: string;
  when: NotifyWhen;
}

export interface NotifyConfig {
  webhook: WebhookChannel | null;
  chat: WebhookChannel | null;
  email: EmailChannel | null;
  maxProblems: number;
  timeoutMs: number;
  retryInitialSeconds: number;
  maxAttempts: number;
  missedNightGraceSeconds: number;
  /** For the links to a run in Temporal's UI. */
  uiUrl: string;
  /** WEB_PUBLIC_URL: the web page's base, for the run's and the problems' links; null: GLPI's cards only. */
  webUrl: string | null;
  namespace: string;
}

/** The channels that are configured, in a fixed order. */
export function configuredChannels(config: NotifyConfig): Channel[] {
  return (['webhook', 'chat', 'email'] as const).filter((c) => config[c] !== null);
}

/** Every part of a URL that may carry its token is masked in logs too, not only the whole URL. */
function registerUrlParts(url: URL): void {
  for (const segment of url.pathname.split('/')) if (segment.length >= 8) registerSecret(decodeURIComponent(segment));
  for (const value of url.searchParams.values()) registerSecret(value);
  if (url.password) registerSecret(decodeURIComponent(url.password));
}

function webhook(url: string | undefined, when: NotifyWhen, signing?: string): WebhookChannel | null {
  if (!url) return null;
  const parsed = new URL(url); // checked by the schema
  registerUrlParts(parsed);
  return {
    url: new Secret(url),
    where: parsed.host,
    signingSecret: signing ? new Secret(signing) : null,
    when,
  };
}

export function loadNotifyConfig(env: Env = environment()): NotifyConfig {
  const s = loadNotifySettings(env);
  const on = s.on as NotifyWhen;
  const whenOf = (value: string | undefined) => (value as NotifyWhen | undefined) ?? on;
  let email: EmailChannel | null = null;
  if (s.smtpUrl) {
    if (!s.emailTo) throw new ConfigError('NOTIFY_EMAIL_TO is required when SMTP_URL is set', 'NOTIFY_EMAIL_TO');
    if (!s.emailFrom) throw new ConfigError('NOTIFY_EMAIL_FROM is required when SMTP_URL is set', 'NOTIFY_EMAIL_FROM');
    const url = new URL(s.smtpUrl);
    registerUrlParts(url);
    const secure = url.protocol === 'smtps:';
    let ca: string | null = null;
    if (s.smtpCaFile) {
      try {
        ca = readFileSync(s.smtpCaFile, 'utf8');
      } catch (error) {
        throw new ConfigError(
          `SMTP_TLS_CA_FILE ${s.smtpCaFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
          'SMTP_TLS_CA_FILE',
        );
      }
      if (!ca.includes('-----BEGIN CERTIFICATE-----'))
        throw new ConfigError(`SMTP_TLS_CA_FILE ${s.smtpCaFile} holds no PEM certificate`, 'SMTP_TLS_CA_FILE');
    }
    email = {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port ? Number(url.port) : secure ? 465 : 587,
      secure,
      user: url.username ? decodeURIComponent(url.username) : null,
      password: url.password ? new Secret(decodeURIComponent(url.password)) : null,
      requireTls: s.smtpRequireTls,
      ca,
      to: s.emailTo.split(','),
      from: s.emailFrom,
      when: whenOf(s.emailOn),
    };
  } else if (s.emailTo || s.emailFrom) {
    throw new ConfigError('NOTIFY_EMAIL_TO and NOTIFY_EMAIL_FROM need SMTP_URL (the mail server)', 'SMTP_URL');
  }
  if (s.webhookSecret && !s.webhookUrl)
    throw new ConfigError('NOTIFY_WEBHOOK_SECRET is set but NOTIFY_WEBHOOK_URL is not', 'NOTIFY_WEBHOOK_URL');
  return {
    webhook: webhook(s.webhookUrl, whenOf(s.webhookOn), s.webhookSecret),
    chat: webhook(s.chatUrl, whenOf(s.chatOn)),
    email,
    maxProblems: s.maxProblems,
    timeoutMs: s.timeoutMs,
    retryInitialSeconds: s.retryInitialSeconds,
    maxAttempts: s.maxAttempts,
    missedNightGraceSeconds: s.missedNightGraceSeconds,
    uiUrl: s.uiUrl,
    webUrl: s.webUrl ?? null,
    namespace: s.namespace,
  };
}
