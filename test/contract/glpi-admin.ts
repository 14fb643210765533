/**
 * Seeding and purging for the contract suite: plain HTTP to GLPI's API with the contract token,
 * deliberately independent of the project's client (which is what the suite checks).
 * Everything it creates carries the run's prefix in its name, so a later run can purge what a
 * crashed one left behind.
 */
import assert from 'node:assert/strict';

export interface ContractEnv {
  url: string;
  userToken: string;
  appToken: string | null;
  /** A user whose profile on the root entity is not recursive (optional). */
  narrowToken: string | null;
}

/** Every name and serial the suite creates starts with this (then the run's own id). */
export const CONTRACT_PREFIX = 'GDC-CT-';

/** null when the suite is not configured (the runner prints why and skips). */
export function contractEnv(env: NodeJS.ProcessEnv = process.env): ContractEnv | null {
  const url = env.GLPI_CONTRACT_URL?.trim();
  const userToken = env.GLPI_CONTRACT_USER_TOKEN?.trim();
  if (!url || !userToken) return null;
  return {
    url: url.replace(/\/+$/, ''),
    userToken,
    appToken: env.GLPI_CONTRACT_APP_TOKEN?.trim() || null,
    narrowToken: env.GLPI_CONTRACT_NARROW_TOKEN?.trim() || null,
  };
}

export interface PrinterSpec {
  name: string;
  serial: string;
  entityId?: number;
  isTemplate?: boolean;
  /** Moved to the trash after creation. */
  trashed?: boolean;
}

type Json = unknown;

/** One admin session: seeds printers and entities, and purges them. Never logs a token. */
export class GlpiAdmin {
  #session = '';

  private constructor(private readonly env: ContractEnv) {}

  static async open(env: ContractEnv): Promise<GlpiAdmin> {
    const admin = new GlpiAdmin(env);
    const login = await admin.raw('GET', 'initSession', undefined, { Authorization: `user_token ${env.userToken}` });
    assert.equal(login.status, 200, `initSession with GLPI_CONTRACT_USER_TOKEN answered HTTP ${login.status}`);
    admin.#session = (login.body as { session_token: string }).session_token;
    await admin.switchToAllEntities();
    return admin;
  }

  /** Again after creating an entity: a session only sees the entities that existed at its switch. */
  async switchToAllEntities(): Promise<void> {
    const switched = await this.call('POST', 'changeActiveEntities', { is_recursive: true });
    assert.equal(switched.body, true, 'changeActiveEntities');
  }

  async createEntity(name: string): Promise<number | null> {
    const created = await this.call('POST', 'Entity', { input: { name, entities_id: 0 } });
    if (created.status !== 201) return null; // the contract user may not create entities
    await this.switchToAllEntities();
    return (created.body as { id: number }).id;
  }

  /** Creates the printers in one request, trashes those asked for; returns their ids in order. */
  async createPrinters(specs: readonly PrinterSpec[]): Promise<number[]> {
    const input = specs.map((spec) => ({
      name: spec.name,
      serial: spec.serial,
      entities_id: spec.entityId ?? 0,
      ...(spec.isTemplate && { is_template: 1, template_name: spec.name }),
    }));
    const created = await this.call('POST', 'Printer', { input });
    assert.equal(created.status, 201, `POST /Printer answered HTTP ${created.status}: ${JSON.stringify(created.body)}`);
    const ids = (created.body as { id: number | false }[]).map((row, i) => {
      assert.ok(typeof row.id === 'number' && row.id > 0, `printer ${specs[i].name} was not created`);
      return row.id;
    });
    const toTrash = ids.filter((_, i) => specs[i].trashed);
    if (toTrash.length > 0) {
      const trashed = await this.call('DELETE', 'Printer', { input: toTrash.map((id) => ({ id })) });
      assert.equal(trashed.status, 200, 'moving printers to the trash');
    }
    return ids;
  }

  /** The serial exactly as GLPI stored it (GET /Printer/:id, un-sanitised). */
  async storedSerial(id: number): Promise<string | null> {
    const item = await this.call('GET', `Printer/${id}`, undefined, { 'X-GLPI-Sanitized-Content': 'false' });
    return (item.body as { serial: string | null }).serial;
  }

  /**
   * Purges every printer (live, trashed, template) and entity whose name starts with `prefix`.
   * GET /Printer (unlike search) also lists templates; trashed ones need is_deleted=1.
   */
  async purgeByPrefix(prefix: string): Promise<{ printers: number; entities: number }> {
    const printerIds = new Set<number>();
    for (const isDeleted of [0, 1]) {
      const query = `searchText[name]=${encodeURIComponent(`^${prefix}`)}&is_deleted=${isDeleted}&range=0-4999&only_id=true`;
      for (const row of await this.list(`Printer?${query}`)) printerIds.add(row.id);
    }
    if (printerIds.size > 0) {
      const purged = await this.call('DELETE', 'Printer', {
        input: [...printerIds].map((id) => ({ id })),
        force_purge: true,
      });
      assert.equal(purged.status, 200, `purging ${printerIds.size} printers`);
    }
    const entities = await this.list(
      `Entity?searchText[name]=${encodeURIComponent(`^${prefix}`)}&range=0-999&only_id=true`,
    );
    for (const entity of entities) {
      await this.call('DELETE', `Entity/${entity.id}?force_purge=1`);
    }
    return { printers: printerIds.size, entities: entities.length };
  }

  async close(): Promise<void> {
    if (this.#session) await this.call('GET', 'killSession').catch(() => undefined);
    this.#session = '';
  }

  private async list(path: string): Promise<{ id: number }[]> {
    const reply = await this.call('GET', path);
    if (reply.status === 200 || reply.status === 206) return reply.body as { id: number }[];
    assert.fail(`GET ${path.split('?')[0]} answered HTTP ${reply.status}`);
  }

  private call(method: string, endpoint: string, body?: Json, headers: Record<string, string> = {}) {
    return this.raw(method, endpoint, body, { 'Session-Token': this.#session, ...headers });
  }

  private async raw(method: string, endpoint: string, body: Json, headers: Record<string, string>) {
    const response = await fetch(`${this.env.url}/${endpoint}`, {
      method,
      headers: {
        Accept: 'application/json',
        ...(this.env.appToken && { 'App-Token': this.env.appToken }),
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // an HTML page: kept as text
    }
    return { status: response.status, body: parsed };
  }
}
