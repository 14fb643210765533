/**
 * Every setting the service reads from the environment: name, type, default, allowed range,
 * whether it is a secret, and what it does. The README's configuration table is generated from
 * this table (`npm run docs:config`) and test/config-docs.test.ts fails when they disagree.
 *
 * A hand-written declarative table rather than a schema library such as zod: what we need from
 * a schema is the documentation (range, default and description as text for the README), an
 * error that never shows a secret's value, and an import the workflow bundle can take (the
 * workflow reads its defaults from here) — a plain table gives all three with no dependency,
 * and the parser for it (src/config/parse.ts) is fifty lines.
 *
 * This module is pure (no Node built-ins, no I/O): the workflow code imports it.
 */
import { parseCompareFields } from '../core/classify';

/** The README table's sections, in order. `temporal` is the connection, kept apart for @temporalio/envconfig. */
export const SECTIONS = {
  source: 'Where settings come from',
  database: 'Database',
  temporal: 'Temporal connection',
  service: 'Task queue and links',
  glpi: 'GLPI',
  check: 'Check runs (read by the command that starts a run, sent as workflow input)',
  schedule: 'Schedule',
  worker: 'Worker',
  web: 'Web page (`npm run web`)',
  metrics: 'Metrics and health (the worker)',
  notify: 'Notifications (read by the worker)',
  logging: 'Logging and errors',
  dev: 'Local stack and tools (`npm run dev`, `npm run demo`, `npm run setup`)',
} as const;
export type Section = keyof typeof SECTIONS;

interface Base {
  section: Section;
  description: string;
  /** Never shown in errors or logs; an error says "is invalid" and what is allowed. */
  secret?: boolean;
  /** The default as the README shows it when it is not a plain value (e.g. "host zone"). */
  defaultText?: string;
}

export interface IntegerSetting extends Base {
  kind: 'integer';
  min: number;
  max: number;
  unit?: string;
  /** Absent = unset means "none". */
  default?: number;
}

export interface DecimalSetting extends Base {
  kind: 'decimal';
  /** 0 is allowed besides [min, max] and means "off" (e.g. no rate limit). */
  zeroMeans?: string;
  min: number;
  max: number;
  default: number;
}

export interface BooleanSetting extends Base {
  kind: 'boolean';
  default: boolean;
}

export interface ChoiceSetting extends Base {
  kind: 'choice';
  choices: readonly string[];
  default: string;
}

export interface TextSetting extends Base {
  kind: 'text';
  default?: string;
  /** What a valid value looks like, for errors and the README. */
  format?: string;
  /** Returns the normalised value, or undefined when the value is not valid. */
  check?: (value: string) => string | undefined;
  /** Keep the value exactly as given (a password may legitimately be spaces). */
  raw?: boolean;
}

/**
 * A URL the pg driver can use: postgresql:// or postgres:// with a host. Anything else would
 * reach the driver and come back as "Can't reach database server at base" (a bare word) or
 * "unexpected copyData message" (mysql://): nothing that names DATABASE_URL.
 */
export function postgresUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const host = url.hostname !== '' || url.searchParams.has('host');
  return ['postgresql:', 'postgres:'].includes(url.protocol) && host ? value : undefined;
}

export type Setting = IntegerSetting | DecimalSetting | BooleanSetting | ChoiceSetting | TextSetting;

/** CHECK_COMPARE_FIELDS: `none`, or a list of location, model, name (normalised: lower case, in that order). */
function compareFields(value: string): string | undefined {
  if (value.trim().toLowerCase() === 'none') return 'none';
  const fields = parseCompareFields(value);
  return fields && fields.length > 0 ? fields.join(',') : undefined;
}

/** Node's timers overflow above 2^31-1 ms (about 24.8 days) and then fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function hhmm(value: string): string | undefined {
  const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value);
  return match ? `${match[1].padStart(2, '0')}:${match[2]}` : undefined;
}

function timeZone(value: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value;
  } catch {
    return undefined;
  }
}

function httpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** GLPI class names, plugin ones included (PluginFooBar, GlpiPlugin\Foo\Bar). */
export const ITEMTYPE = /^[A-Za-z_][A-Za-z0-9_\\]*$/;

function itemtypeList(value: string): string | undefined {
  const list = value.split(',').map((t) => t.trim());
  return list.every((t) => ITEMTYPE.test(t)) ? list.join(',') : undefined;
}

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

/** When a channel gets a message (README: Notifications). */
export const NOTIFY_WHEN = ['always', 'change', 'problem', 'never'] as const;
export type NotifyWhen = (typeof NOTIFY_WHEN)[number];

function notifyWhen(value: string): string | undefined {
  const lower = value.toLowerCase();
  return (NOTIFY_WHEN as readonly string[]).includes(lower) ? lower : undefined;
}

function smtpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A plain address (local@domain): what SMTP's MAIL FROM / RCPT TO accept, without display names. */
export const EMAIL_ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

function emailList(value: string): string | undefined {
  const list = value.split(',').map((a) => a.trim());
  return list.length > 0 && list.every((a) => EMAIL_ADDRESS.test(a)) ? list.join(',') : undefined;
}

const NOTIFY_WHEN_FORMAT = 'always, change, problem or never';
/** How a full check asks GLPI (CHECK_STRATEGY). */
export const CHECK_STRATEGIES = ['auto', 'search', 'scan'] as const;
export type CheckStrategy = (typeof CHECK_STRATEGIES)[number];

export const SETTINGS = {
  ENV_FILE: {
    section: 'source',
    kind: 'text',
    defaultText: '`.env` in the project root',
    description: 'a dotenv file read for what the environment does not set; `none` reads no file',
  },

  DATABASE_URL: {
    section: 'database',
    kind: 'text',
    secret: true, // may carry the database password
    default: 'postgresql://postgres@127.0.0.1:5432/glpi_device_check',
    format: 'a postgresql:// URL (postgresql://user:password@host:5432/database)',
    check: postgresUrl,
    description: 'PostgreSQL (`npm run demo` defaults to the database `glpi_device_check_demo`)',
  },

  TEMPORAL_ADDRESS: {
    section: 'temporal',
    kind: 'text',
    default: '127.0.0.1:7233',
    defaultText: 'the profile’s, else `127.0.0.1:7233`',
    format: 'host:port',
    check: (v) => (/^[^\s/]+:\d{1,5}$/.test(v) ? v : undefined),
    description:
      'Temporal frontend (`npm run dev`/`demo` start one when unset); Temporal Cloud: `<namespace>.<account>.tmprl.cloud:7233` or the regional API endpoint',
  },
  TEMPORAL_NAMESPACE: {
    section: 'temporal',
    kind: 'text',
    default: 'default',
    defaultText: 'the profile’s, else `default`',
    description: 'Temporal namespace',
  },
  TEMPORAL_API_KEY: {
    section: 'temporal',
    kind: 'text',
    secret: true,
    // Kept as given, so that white space (a copied newline) is refused instead of sent.
    raw: true,
    defaultText: 'the profile’s, else none',
    description: 'API key (Temporal Cloud, or a proxy that wants `Authorization: Bearer`); turns TLS on',
  },
  TEMPORAL_TLS: {
    section: 'temporal',
    kind: 'boolean',
    default: false,
    defaultText: 'the profile’s, else on with an API key or a certificate',
    description: 'TLS to the frontend (`false` turns it off even with a profile that has it)',
  },
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: {
    section: 'temporal',
    kind: 'text',
    defaultText: 'the system’s CAs',
    description: 'PEM file of the CA that signed the frontend’s certificate (self-hosted clusters)',
  },
  TEMPORAL_TLS_SERVER_CA_CERT_DATA: {
    section: 'temporal',
    kind: 'text',
    defaultText: 'none',
    description: 'the same CA as PEM text, instead of the file',
  },
  TEMPORAL_TLS_CLIENT_CERT_PATH: {
    section: 'temporal',
    kind: 'text',
    defaultText: 'none',
    description: 'PEM file of the client certificate (mTLS), with `TEMPORAL_TLS_CLIENT_KEY_PATH`',
  },
  TEMPORAL_TLS_CLIENT_CERT_DATA: {
    section: 'temporal',
    kind: 'text',
    defaultText: 'none',
    description: 'the client certificate as PEM text, instead of the file',
  },
  TEMPORAL_TLS_CLIENT_KEY_PATH: {
    section: 'temporal',
    kind: 'text',
    defaultText: 'none',
    description: 'PEM file of the client certificate’s private key',
  },
  TEMPORAL_TLS_CLIENT_KEY_DATA: {
    section: 'temporal',
    kind: 'text',
    secret: true,
    raw: true,
    defaultText: 'none',
    description: 'the private key as PEM text, instead of the file',
  },
  TEMPORAL_TLS_SERVER_NAME: {
    section: 'temporal',
    kind: 'text',
    defaultText: 'the address’s host',
    description: 'the name the frontend’s certificate is checked against (SNI)',
  },
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: {
    section: 'temporal',
    kind: 'boolean',
    default: false,
    description: 'not supported by the TypeScript SDK: `true` is refused (use `TEMPORAL_TLS_SERVER_NAME`)',
  },
  TEMPORAL_PROFILE: {
    section: 'temporal',
    kind: 'text',
    defaultText: '`default` (when the file has one)',
    description: 'the profile of the Temporal configuration file to use; must exist in the file',
  },
  TEMPORAL_CONFIG_FILE: {
    section: 'temporal',
    kind: 'text',
    defaultText: '`~/.config/temporalio/temporal.toml` if it exists',
    description: 'the Temporal configuration file (TOML, as written by `temporal config set`); must exist when set',
  },

  TASK_QUEUE: {
    section: 'service',
    kind: 'text',
    default: 'glpi-device-check',
    description: 'the workers’ task queue',
  },
  TEMPORAL_UI_URL: {
    section: 'service',
    kind: 'text',
    default: 'http://localhost:8233',
    format: 'an http(s) URL',
    check: (v) => httpUrl(v)?.replace(/\/+$/, ''),
    description: 'for the links the commands print',
  },

  GLPI_URL: {
    section: 'glpi',
    kind: 'text',
    defaultText: '— (required by the worker and `npm run glpi`)',
    format: 'the apirest.php URL, e.g. https://glpi.example.org/apirest.php',
    description: 'the `apirest.php` URL, e.g. `https://glpi.example.org/apirest.php`; also the base of report links',
  },
  GLPI_WEB_URL: {
    section: 'glpi',
    kind: 'text',
    defaultText: 'GLPI_URL without `/apirest.php`',
    format: 'an http(s) URL',
    description: 'GLPI’s web address, for the links to GLPI’s asset pages in reports',
  },
  GLPI_APP_TOKEN: {
    section: 'glpi',
    kind: 'text',
    secret: true,
    defaultText: 'none',
    description: 'only if your GLPI API client has one (sending one when none is configured is an error in GLPI)',
  },
  GLPI_USER_TOKEN: {
    section: 'glpi',
    kind: 'text',
    secret: true,
    defaultText: '—',
    description: 'the API user’s **API token** (user preferences → Remote access keys → API token)',
  },
  GLPI_USERNAME: {
    section: 'glpi',
    kind: 'text',
    defaultText: '—',
    description: 'with `GLPI_PASSWORD`, instead of the token (GLPI’s "login with credentials" must be enabled)',
  },
  GLPI_PASSWORD: {
    section: 'glpi',
    kind: 'text',
    secret: true,
    raw: true,
    defaultText: '—',
    description: 'see `GLPI_USERNAME`',
  },
  GLPI_VERIFY_TLS: { section: 'glpi', kind: 'boolean', default: true, description: 'verify GLPI’s TLS certificate' },
  GLPI_TIMEOUT_MS: {
    section: 'glpi',
    kind: 'integer',
    default: 30_000,
    min: 100,
    max: 600_000,
    unit: 'ms',
    description: 'per request',
  },
  GLPI_ITEMTYPES: {
    section: 'glpi',
    kind: 'text',
    default: 'Printer',
    format: 'a comma-separated list of GLPI itemtypes such as Printer,Computer',
    check: itemtypeList,
    description: 'comma list, each searched; the first one names the type in reports',
  },
  GLPI_SERIAL_FIELD: {
    section: 'glpi',
    kind: 'integer',
    default: 5,
    min: 1,
    max: 2_147_483_647,
    description: 'search option id of the serial',
  },
  GLPI_LABEL_SERIAL_FIELD: {
    section: 'glpi',
    kind: 'integer',
    min: 1,
    max: 2_147_483_647,
    defaultText: 'none',
    description: 'a second field searched the same way (e.g. a custom "serial on label" field)',
  },
  GLPI_MAX_CONCURRENCY: {
    section: 'glpi',
    kind: 'integer',
    default: 4,
    min: 1,
    max: 64,
    description: 'requests in flight per worker',
  },
  GLPI_MAX_REQUESTS_PER_SECOND: {
    section: 'glpi',
    kind: 'decimal',
    default: 0,
    zeroMeans: 'no limit',
    min: 0.1,
    max: 10_000,
    description: 'per worker',
  },
  GLPI_PAGE_SIZE: {
    section: 'glpi',
    kind: 'integer',
    default: 1000,
    min: 1,
    max: 10_000,
    description: 'rows per search page',
  },
  GLPI_MAX_URL_BYTES: {
    section: 'glpi',
    kind: 'integer',
    default: 6000,
    min: 1000,
    max: 65_536,
    unit: 'bytes',
    description: 'longest search URL (proxies commonly refuse 8 KiB and more)',
  },
  GLPI_MAX_INPUT_VARS: {
    section: 'glpi',
    kind: 'integer',
    default: 900,
    min: 50,
    max: 100_000,
    description: 'query variables per search, below PHP’s `max_input_vars` (1000 by default)',
  },
  GLPI_RETRY_ATTEMPTS: {
    section: 'glpi',
    kind: 'integer',
    default: 3,
    min: 1,
    max: 20,
    description: 'attempts per request when GLPI is unavailable (1 = no retry), before the activity’s retry ladder',
  },
  GLPI_RETRY_BASE_DELAY_MS: {
    section: 'glpi',
    kind: 'integer',
    default: 500,
    min: 0,
    max: 60_000,
    unit: 'ms',
    description: 'first backoff of those retries; doubles per attempt, with jitter',
  },
  GLPI_RETRY_BUDGET_MS: {
    section: 'glpi',
    kind: 'integer',
    default: 30_000,
    min: 0,
    max: 600_000,
    unit: 'ms',
    description: 'total time a request may spend retrying',
  },
  GLPI_REQUIRE_FULL_SCOPE: {
    section: 'glpi',
    kind: 'boolean',
    default: false,
    description: 'a GLPI user who does not see every entity fails the run (configuration) instead of a warning',
  },
  GLPI_USER_TOKEN_IN_QUERY: {
    section: 'glpi',
    kind: 'boolean',
    default: false,
    description:
      'send the user token as a query parameter, for web servers that drop `Authorization` (it can then appear in access logs)',
  },

  CHECK_BATCH_SIZE: {
    section: 'check',
    kind: 'integer',
    default: 500,
    // A batch's heartbeat carries its results so far (~280 bytes a device) and must stay under
    // Temporal's 256 KB payload warning.
    min: 1,
    max: 1000,
    description: 'devices per batch activity (a batch’s heartbeat carries its results so far)',
  },
  CHECK_BATCH_CONCURRENCY: {
    section: 'check',
    kind: 'integer',
    default: 8,
    min: 1,
    max: 15,
    description: 'batches in flight per run (≤ 15 keeps each execution under 4,096 events)',
  },
  CHECK_RETRY_INITIAL_SECONDS: {
    section: 'check',
    kind: 'integer',
    default: 300,
    min: 1,
    max: 86_400,
    unit: 's',
    description: 'first wait of the retry ladder (then ×4: 1200, 4800)',
  },
  CHECK_HEARTBEAT_TIMEOUT_SECONDS: {
    section: 'check',
    kind: 'integer',
    default: 20,
    min: 1,
    max: 3600,
    unit: 's',
    description:
      'how soon the batches of a crashed worker are noticed; they resume about 1 s later (no retry-ladder wait)',
  },
  CHECK_HISTORY_EVENT_LIMIT: {
    section: 'check',
    kind: 'integer',
    default: 4000,
    min: 100,
    max: 50_000,
    description: 'continue-as-new threshold (Temporal suggests 4096)',
  },

  CHECK_COMPARE_FIELDS: {
    section: 'check',
    kind: 'text',
    default: 'location,model',
    format: 'a comma-separated list of location, model, name, or none',
    check: compareFields,
    description:
      'inventory columns compared with the GLPI card (case, accents and white space ignored): a difference is a `location_mismatch`, `model_mismatch` or `name_mismatch` finding',
  },
  CHECK_STALE_DAYS: {
    section: 'check',
    kind: 'integer',
    default: 7,
    min: 1,
    max: 3650,
    unit: 'days',
    description:
      'a found card whose last inventory update (else last modification) is older is `stale`; GLPI printer logs are not read (one request per card)',
  },
  CHECK_RETIRED_STATES: {
    section: 'check',
    kind: 'text',
    defaultText: 'none',
    format: 'comma-separated GLPI state names, e.g. Decommissioned,Stolen',
    description: 'GLPI states that mean retired: a found card in one of them is a `retired_state` finding',
  },
  CHECK_STRATEGY: {
    section: 'check',
    kind: 'choice',
    choices: CHECK_STRATEGIES,
    default: 'auto',
    description:
      'how a full check asks GLPI: `search` looks serials up ~50 per request, `scan` reads every card ~1000 per request and classifies locally, `auto` picks from the counts (see “How GLPI is searched”)',
  },
  CHECK_REVERSE: {
    section: 'check',
    kind: 'boolean',
    default: true,
    description: 'every full check also lists the GLPI cards no inventory device has (needs a scan of GLPI)',
  },

  CHECK_TIME: {
    section: 'schedule',
    kind: 'text',
    default: '02:00',
    format: 'HH:MM (24 h)',
    check: hhmm,
    description: 'daily start time of the schedule',
  },
  CHECK_TIMEZONE: {
    section: 'schedule',
    kind: 'text',
    defaultText: 'host zone',
    format: 'an IANA time zone such as Europe/Paris',
    check: timeZone,
    description: 'the zone of `CHECK_TIME`',
  },
  CHECK_CATCHUP_WINDOW_SECONDS: {
    section: 'schedule',
    kind: 'integer',
    default: 4 * 3600,
    min: 60,
    max: 7 * 86_400,
    unit: 's',
    description: 'a night missed while Temporal was down still runs if it comes back within this window',
  },
  SCHEDULE_ID: {
    section: 'schedule',
    kind: 'text',
    default: 'glpi-device-check-daily',
    description: 'the schedule’s id',
  },

  WORKER_MAX_CONCURRENT_ACTIVITIES: {
    section: 'worker',
    kind: 'integer',
    default: 8,
    min: 1,
    max: 1000,
    description: 'activities a worker runs at once',
  },
  WORKER_SHUTDOWN_GRACE_SECONDS: {
    section: 'worker',
    kind: 'integer',
    default: 30,
    min: 0,
    max: 3600,
    unit: 's',
    description: 'time running activities get to finish on SIGTERM',
  },
  WORKER_ENSURE_SCHEDULE: {
    section: 'worker',
    kind: 'boolean',
    default: false,
    description: 'the worker ensures the schedule at start',
  },

  WEB_HOST: {
    section: 'web',
    kind: 'text',
    default: '127.0.0.1',
    format: 'an IP address or host name to listen on',
    check: (v) => (/^[A-Za-z0-9.:_-]+$/.test(v) ? v : undefined),
    description: 'address the web page listens on; keep 127.0.0.1 behind a reverse proxy',
  },
  WEB_PORT: {
    section: 'web',
    kind: 'integer',
    default: 8380,
    min: 0,
    max: 65_535,
    description: 'port of the web page (0 = any free port)',
  },
  WEB_PUBLIC_URL: {
    section: 'web',
    kind: 'text',
    defaultText: 'none',
    format: 'an http(s) URL',
    check: (v) => httpUrl(v)?.replace(/\/+$/, ''),
    description:
      'the web page as its readers open it (e.g. `https://printers.example.org` behind a proxy): notifications link the run’s page and each new problem’s device page; without it they link GLPI’s cards',
  },
  WEB_AUTH: {
    section: 'web',
    kind: 'choice',
    choices: ['none', 'basic', 'token'],
    default: 'none',
    description:
      '`basic`: HTTP Basic with `WEB_USERNAME`/`WEB_PASSWORD`; `token`: `Authorization: Bearer <WEB_TOKEN>`; `none`: open (loopback or a proxy that authenticates)',
  },
  WEB_USERNAME: {
    section: 'web',
    kind: 'text',
    description: 'user name for `WEB_AUTH=basic`',
  },
  WEB_PASSWORD: {
    section: 'web',
    kind: 'text',
    secret: true,
    raw: true,
    description: 'password for `WEB_AUTH=basic`',
  },
  WEB_TOKEN: {
    section: 'web',
    kind: 'text',
    secret: true,
    description: 'bearer token for `WEB_AUTH=token` (16 characters at least)',
  },
  NOTIFY_WEBHOOK_URL: {
    section: 'notify',
    kind: 'text',
    secret: true,
    defaultText: 'none (no webhook)',
    format: 'an http(s) URL',
    check: httpUrl,
    description: 'generic webhook: a JSON POST after each run and for a missed night (README: Notifications)',
  },
  NOTIFY_WEBHOOK_SECRET: {
    section: 'notify',
    kind: 'text',
    secret: true,
    raw: true,
    defaultText: 'none (unsigned)',
    description: 'HMAC-SHA256 key: the webhook gets `X-Signature-256` over the timestamp and the body',
  },
  NOTIFY_WEBHOOK_ON: {
    section: 'notify',
    kind: 'text',
    defaultText: 'NOTIFY_ON',
    format: NOTIFY_WHEN_FORMAT,
    check: notifyWhen,
    description: 'when the webhook gets a message',
  },
  NOTIFY_CHAT_WEBHOOK_URL: {
    section: 'notify',
    kind: 'text',
    secret: true,
    defaultText: 'none (no chat)',
    format: 'an http(s) URL',
    check: httpUrl,
    description: 'Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat)',
  },
  NOTIFY_CHAT_ON: {
    section: 'notify',
    kind: 'text',
    defaultText: 'NOTIFY_ON',
    format: NOTIFY_WHEN_FORMAT,
    check: notifyWhen,
    description: 'when the chat gets a message',
  },
  SMTP_URL: {
    section: 'notify',
    kind: 'text',
    secret: true,
    defaultText: 'none (no e-mail)',
    format: 'smtp://user:password@host:587 (STARTTLS) or smtps://…:465 (TLS)',
    check: smtpUrl,
    description:
      'the mail server; user and password URL-encoded; smtp:// must upgrade with STARTTLS unless `SMTP_REQUIRE_TLS=false`',
  },
  SMTP_REQUIRE_TLS: {
    section: 'notify',
    kind: 'boolean',
    default: true,
    description: 'refuse to send over smtp:// when the server does not offer STARTTLS',
  },
  SMTP_TLS_CA_FILE: {
    section: 'notify',
    kind: 'text',
    defaultText: 'the system’s CAs',
    format: 'a PEM file',
    description: 'CA certificate(s) the mail server’s certificate is verified against (a private CA)',
  },
  NOTIFY_EMAIL_TO: {
    section: 'notify',
    kind: 'text',
    defaultText: '— (required with SMTP_URL)',
    format: 'comma-separated addresses (name@example.org)',
    check: emailList,
    description: 'recipients of the e-mail',
  },
  NOTIFY_EMAIL_FROM: {
    section: 'notify',
    kind: 'text',
    defaultText: '— (required with SMTP_URL)',
    format: 'an address (name@example.org)',
    check: (v) => (EMAIL_ADDRESS.test(v) ? v : undefined),
    description: 'sender of the e-mail',
  },
  NOTIFY_EMAIL_ON: {
    section: 'notify',
    kind: 'text',
    defaultText: 'NOTIFY_ON',
    format: NOTIFY_WHEN_FORMAT,
    check: notifyWhen,
    description: 'when the e-mail is sent',
  },
  NOTIFY_ON: {
    section: 'notify',
    kind: 'text',
    default: 'change',
    format: NOTIFY_WHEN_FORMAT,
    check: notifyWhen,
    description: 'when every channel gets a message (README: Notifications)',
  },
  NOTIFY_MAX_PROBLEMS: {
    section: 'notify',
    kind: 'integer',
    default: 10,
    min: 0,
    max: 100,
    description: 'new problems listed (with links) in a message',
  },
  NOTIFY_TIMEOUT_MS: {
    section: 'notify',
    kind: 'integer',
    default: 15_000,
    min: 500,
    max: 300_000,
    unit: 'ms',
    description: 'one delivery attempt (connect, send, answer)',
  },
  NOTIFY_RETRY_INITIAL_SECONDS: {
    section: 'notify',
    kind: 'integer',
    default: 10,
    min: 1,
    max: 3600,
    unit: 's',
    description: 'first wait before a failed delivery is retried (then ×3, at most 30 min)',
  },
  NOTIFY_MAX_ATTEMPTS: {
    section: 'notify',
    kind: 'integer',
    default: 10,
    min: 1,
    max: 100,
    description:
      'attempts per channel and run (10 spread over about 2 h 20 min with the defaults); then the delivery is `failed`',
  },
  NOTIFY_MISSED_NIGHT_GRACE_SECONDS: {
    section: 'notify',
    kind: 'integer',
    default: 900,
    min: 60,
    max: 86_400,
    unit: 's',
    description:
      'the watchdog looks for the night’s run this long after CHECK_TIME + the catch-up window (read by `schedule ensure`)',
  },

  METRICS_PORT: {
    section: 'metrics',
    kind: 'integer',
    default: 9464,
    min: 0,
    max: 65_535,
    description:
      'the worker’s `/metrics`, `/healthz` and `/readyz`; 0 turns them off (and the SDK’s metrics); one port per worker on a host',
  },
  METRICS_HOST: {
    section: 'metrics',
    kind: 'text',
    default: '127.0.0.1',
    format: 'an IP address or host name of this machine',
    check: (v) => (/^[A-Za-z0-9.:_-]+$/.test(v) ? v : undefined),
    description:
      'the address `METRICS_PORT` listens on: `0.0.0.0` (or `::`) lets a Prometheus on another host scrape it',
  },
  METRICS_SDK_PORT: {
    section: 'metrics',
    kind: 'integer',
    default: 9465,
    min: 0,
    max: 65_535,
    description:
      'the Temporal SDK’s own exporter, on 127.0.0.1 only; its `temporal_*` metrics are served through `METRICS_PORT`; 0 = none',
  },

  LOG_FORMAT: {
    section: 'logging',
    kind: 'choice',
    choices: ['TEXT', 'JSON'],
    default: 'TEXT',
    description:
      'the worker’s log lines: `text` (`key=value` fields) or `json` (one object per line, for log shippers)',
  },
  LOG_LEVEL: {
    section: 'logging',
    kind: 'choice',
    choices: LOG_LEVELS,
    default: 'INFO',
    description: 'the worker’s log level',
  },
  DEBUG: {
    section: 'logging',
    kind: 'text',
    defaultText: 'unset',
    description: 'any value: commands print the stack trace of an unexpected error',
  },

  TEMPORAL_DEV_PORT: {
    section: 'dev',
    kind: 'integer',
    default: 7233,
    min: 1,
    max: 65_535,
    description: 'gRPC port of the Temporal dev server `npm run dev`/`demo` start when `TEMPORAL_ADDRESS` is unset',
  },
  TEMPORAL_DEV_UI_PORT: {
    section: 'dev',
    kind: 'integer',
    default: 8233,
    min: 1,
    max: 65_535,
    description: 'web UI port of that dev server (the printed links follow it)',
  },
  GLPI_SIM_PORT: {
    section: 'dev',
    kind: 'integer',
    default: 8990,
    min: 0,
    max: 65_535,
    description: 'port of the GLPI simulator the local stack starts when `GLPI_URL` is unset (0 = any free port)',
  },
  TEMPORAL_CLI_PATH: {
    section: 'dev',
    kind: 'text',
    defaultText: '`temporal` on PATH, else `.tools/venv`',
    description: 'the Temporal CLI the local stack runs',
  },
  TEMPORAL_TEST_SERVER_PATH: {
    section: 'dev',
    kind: 'text',
    defaultText: '`temporal-test-server` on PATH, else `.tools/venv`',
    description: 'the time-skipping test server (tests)',
  },
  PATH: {
    section: 'dev',
    kind: 'text',
    raw: true,
    defaultText: 'the system’s',
    description: 'where `temporal` and `temporal-test-server` are looked for',
  },
  PYTHON: {
    section: 'dev',
    kind: 'text',
    default: 'python3',
    description: 'the Python `npm run setup` creates `.tools/venv` with',
  },
  PRISMA_SCHEMA_ENGINE_BINARY: {
    section: 'dev',
    kind: 'text',
    defaultText: 'this Node',
    description: '`npm run setup`: what Prisma runs as its schema engine (the WASM engine runs in Node)',
  },
  npm_config_once: {
    section: 'dev',
    kind: 'boolean',
    default: false,
    description: 'set by npm for `npm run demo --once`; prefer `npm run demo -- --once`',
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

type ValueOf<S> = S extends { kind: 'integer' | 'decimal' }
  ? number
  : S extends { kind: 'boolean' }
    ? boolean
    : S extends { kind: 'choice'; choices: readonly (infer C)[] }
      ? C
      : string;

/** A setting's parsed value: `undefined` only for a setting without a default. */
export type SettingValue<N extends SettingName> = (typeof SETTINGS)[N] extends { default: unknown }
  ? ValueOf<(typeof SETTINGS)[N]>
  : ValueOf<(typeof SETTINGS)[N]> | undefined;

/** The default of a setting that has one (the single place a default is written). */
export function defaultOf<N extends SettingName>(name: N): ValueOf<(typeof SETTINGS)[N]> {
  const setting: Setting = SETTINGS[name];
  if (!('default' in setting) || setting.default === undefined) throw new Error(`${name} has no default`);
  return setting.default as ValueOf<(typeof SETTINGS)[N]>;
}

/** Defaults of the run tunables; the workflow applies them to whatever input it got. */
export const CHECK_DEFAULTS = {
  batchSize: SETTINGS.CHECK_BATCH_SIZE.default,
  batchConcurrency: SETTINGS.CHECK_BATCH_CONCURRENCY.default,
  retryInitialSeconds: SETTINGS.CHECK_RETRY_INITIAL_SECONDS.default,
  historyEventLimit: SETTINGS.CHECK_HISTORY_EVENT_LIMIT.default,
  heartbeatTimeoutSeconds: SETTINGS.CHECK_HEARTBEAT_TIMEOUT_SECONDS.default,
  compareFields: SETTINGS.CHECK_COMPARE_FIELDS.default,
  staleDays: SETTINGS.CHECK_STALE_DAYS.default,
  retiredStates: '',
  strategy: SETTINGS.CHECK_STRATEGY.default,
  reverse: SETTINGS.CHECK_REVERSE.default,
} as const;

/** What a setting accepts, in words: the same text in errors and in the README. */
export function allowedText(setting: Setting): string {
  switch (setting.kind) {
    case 'integer': {
      const unit = setting.unit ? ` ${setting.unit}` : '';
      return `a whole number from ${setting.min} to ${setting.max}${unit}`;
    }
    case 'decimal':
      return `a number from ${setting.min} to ${setting.max}${setting.zeroMeans ? `, or 0 (${setting.zeroMeans})` : ''}`;
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${setting.choices.join(', ')}`;
    case 'text':
      return setting.format ?? 'text';
  }
}
