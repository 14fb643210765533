import type { GlpiConfig } from './config';
import { GlpiSession } from './session';
import { GlpiTransport, type GlpiRequestObserver } from './transport';
import { SILENT_LOGGER, type GlpiLogger, type GlpiPingResult } from './types';

/** Search option id → the column GET /:itemtype returns it in. */
const SCAN_COLUMNS: Record<number, string> = { 5: 'serial', 6: 'otherserial' };

export interface ScanSupport {
  itemtypes: readonly string[];
  /** null: the scan cannot classify like the searches (see reason). */
  serialColumn: string | null;
  reason?: string;
}

export interface GlpiClientOptions {
  /** Debug lines per request (method, endpoint, status, ms), warnings on retries. Never secrets. */
  logger?: GlpiLogger;
  /** Every request attempt's endpoint, outcome and duration (the worker's metrics). */
  observer?: GlpiRequestObserver;
}

/**
 * Entry point to GLPI's legacy REST API. One client per process (it owns the keep-alive
 * connections and the request limiter); sessions are opened from it.
 */
export class GlpiClient {
  private readonly transport: GlpiTransport;
  private readonly logger: GlpiLogger;

  constructor(
    private readonly config: GlpiConfig,
    options: GlpiClientOptions = {},
  ) {
    this.logger = options.logger ?? SILENT_LOGGER;
    this.transport = new GlpiTransport(config, this.logger, credentialSecrets(config), options.observer);
  }

  /** Logs in and switches to all entities. The caller must close the session. */
  openSession(): Promise<GlpiSession> {
    return GlpiSession.open(this.config, this.transport, this.logger);
  }

  /** Opens a session, runs `fn`, and kills the session whatever happens. */
  async withSession<T>(fn: (session: GlpiSession) => Promise<T>): Promise<T> {
    const session = await this.openSession();
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  }

  /** Checks URL, tokens and entity switch; reports who we are where GLPI exposes it. */
  ping(): Promise<GlpiPingResult> {
    return this.withSession((session) => session.describe());
  }

  /**
   * Whether the scan strategy can read what the searches compare: the serial column behind
   * GLPI_SERIAL_FIELD (5 serial, 6 otherserial), and no GLPI_LABEL_SERIAL_FIELD (a search option
   * of a plugin's field, which GET /:itemtype does not return).
   */
  scanSupport(): ScanSupport {
    const column = SCAN_COLUMNS[this.config.serialField];
    if (!column) {
      return {
        itemtypes: this.config.itemtypes,
        serialColumn: null,
        reason: `GLPI_SERIAL_FIELD=${this.config.serialField} is not a column a scan reads (5 or 6)`,
      };
    }
    if (this.config.labelSerialField !== null) {
      return {
        itemtypes: this.config.itemtypes,
        serialColumn: null,
        reason: 'GLPI_LABEL_SERIAL_FIELD is set: a scan cannot read that field',
      };
    }
    return { itemtypes: this.config.itemtypes, serialColumn: column };
  }

  /** Closes idle keep-alive connections. The client must not be used afterwards. */
  close(): void {
    this.transport.close();
  }
}

function credentialSecrets(config: GlpiConfig): string[] {
  const { credentials } = config;
  if (credentials.kind === 'user_token') return [credentials.userToken.reveal()];
  const password = credentials.password.reveal();
  return [password, Buffer.from(`${credentials.username}:${password}`, 'utf8').toString('base64')];
}
