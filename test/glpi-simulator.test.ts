import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normaliseSerial } from '../src/core/serial';
import { parseCsv } from '../src/devices/csv';
import {
  csvLine,
  generateInventory,
  itemsFromFile,
  startGlpiSimulator,
  type FaultConfig,
  type RunningSimulator,
  type SimItem,
  type SimulatorOptions,
} from '../src/dev/glpi-simulator';

const USER_TOKEN = 'test-user-token';
const DOC = '; view documentation in your browser at http://localhost/glpi/api/#';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

interface SearchBody {
  totalcount: number;
  count: number;
  sort: unknown[];
  order: unknown[];
  data?: Record<string, unknown>[];
  'content-range': string;
}

interface Criterion {
  field: number | string;
  searchtype: string;
  value: string;
  link?: string;
}

/** Runs `fn` with `faults` set on the simulator, and clears them whatever happens. */
async function withFaults(sim: RunningSimulator, faults: FaultConfig, fn: () => Promise<void>): Promise<void> {
  sim.setFaults(faults);
  try {
    await fn();
  } finally {
    sim.setFaults({});
  }
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

async function openSession(sim: RunningSimulator, headers: Record<string, string> = {}): Promise<string> {
  const reply = await call(`${sim.url}/initSession`, {
    headers: { Authorization: `user_token ${USER_TOKEN}`, ...headers },
  });
  assert.equal(reply.status, 200, reply.text);
  return (reply.json as { session_token: string }).session_token;
}

async function changeEntities(sim: RunningSimulator, token: string, body: unknown): Promise<Reply> {
  return call(`${sim.url}/changeActiveEntities`, {
    method: 'POST',
    headers: { 'Session-Token': token, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function openAllEntitiesSession(sim: RunningSimulator): Promise<string> {
  const token = await openSession(sim);
  const reply = await changeEntities(sim, token, { entities_id: 'all', is_recursive: true });
  assert.equal(reply.text, 'true');
  return token;
}

/** PHP bracket syntax, as a GLPI client has to write it. */
function criteriaQuery(criteria: Criterion[], extra = ''): string {
  const parts: string[] = [];
  criteria.forEach((c, i) => {
    if (c.link !== undefined) parts.push(`criteria[${i}][link]=${encodeURIComponent(c.link)}`);
    parts.push(`criteria[${i}][field]=${c.field}`);
    parts.push(`criteria[${i}][searchtype]=${c.searchtype}`);
    parts.push(`criteria[${i}][value]=${encodeURIComponent(c.value)}`);
  });
  if (extra) parts.push(extra);
  return parts.join('&');
}

async function search(
  sim: RunningSimulator,
  token: string,
  criteria: Criterion[],
  extra = 'forcedisplay[]=2',
): Promise<Reply & { body: SearchBody }> {
  const reply = await call(`${sim.url}/search/Printer?${criteriaQuery(criteria, extra)}`, {
    headers: { 'Session-Token': token },
  });
  return { ...reply, body: reply.json as SearchBody };
}

/** Column keys of the first row in the order sent (JSON.parse would reorder integer-like keys). */
function firstRowKeys(text: string): string[] {
  const start = text.indexOf('"data":[{') + '"data":['.length;
  const row = text.slice(start, text.indexOf('}', start));
  return [...row.matchAll(/[{,]"(\d+)":/g)].map((match) => match[1]);
}

/** The ids a search returned (needs forcedisplay[]=2). */
function ids(reply: { body: SearchBody }): number[] {
  return (reply.body.data ?? []).map((row) => row['2'] as number).sort((a, b) => a - b);
}

const serial = (value: string, searchtype = 'contains'): Criterion => ({ field: 5, searchtype, value });

function printer(id: number, serialValue: string | null, extra: Partial<SimItem> = {}): SimItem {
  return { id, itemtype: 'Printer', name: `prn-${String(id).padStart(3, '0')}`, serial: serialValue, ...extra };
}

const SEMANTICS_ITEMS: SimItem[] = [
  printer(1, 'AB12'),
  printer(2, 'XAB12-2'),
  printer(3, 'CAFÉ-1'),
  printer(4, 'AB%CD'),
  printer(5, 'ABXCD'),
  printer(6, 'A_B'),
  printer(7, 'AXB'),
  printer(8, 'AB&CD'),
  printer(9, null),
  printer(10, ''),
  printer(11, 'TRASH1', { isDeleted: true }),
  printer(12, 'TRASH1'),
  printer(13, 'TRASH1', { isTemplate: true }),
  printer(14, 'SUB-1', { entity: 'Root entity > Europe', entityId: 1 }),
  printer(15, 'SUB-2', { entity: 'Root entity > Europe > Paris', entityId: 2 }),
  printer(16, 'TRAIL1 '),
  printer(17, 'ONLY-TRASH', { isDeleted: true }),
];

async function withSimulator<T>(options: SimulatorOptions, body: (sim: RunningSimulator) => Promise<T>): Promise<T> {
  const sim = await startGlpiSimulator({ userToken: USER_TOKEN, ...options });
  try {
    return await body(sim);
  } finally {
    await sim.stop();
  }
}

describe('app token', () => {
  test('with no app token configured, sending one is an error (as GLPI does)', async () => {
    await withSimulator({}, async (sim) => {
      await openSession(sim);
      const reply = await call(`${sim.url}/initSession`, {
        headers: { Authorization: `user_token ${USER_TOKEN}`, 'App-Token': 'anything' },
      });
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.json, [
        'ERROR_WRONG_APP_TOKEN_PARAMETER',
        `parameter app_token seems wrong${DOC}ERROR_WRONG_APP_TOKEN_PARAMETER`,
      ]);
    });
  });

  test('a configured app token is required, checked before the session, header or query', async () => {
    await withSimulator({ appToken: 'APP' }, async (sim) => {
      const auth = { Authorization: `user_token ${USER_TOKEN}` };
      const missing = await call(`${sim.url}/initSession`, { headers: auth });
      assert.equal(missing.status, 400);
      assert.equal((missing.json as string[])[0], 'ERROR_APP_TOKEN_PARAMETERS_MISSING');
      const wrong = await call(`${sim.url}/initSession`, { headers: { ...auth, 'App-Token': 'nope' } });
      assert.equal((wrong.json as string[])[0], 'ERROR_WRONG_APP_TOKEN_PARAMETER');
      const token = await openSession(sim, { 'App-Token': 'APP' });
      const viaQuery = await call(`${sim.url}/initSession?app_token=APP`, { headers: auth });
      assert.equal(viaQuery.status, 200);

      // App token first: a bad session token is not even looked at.
      const noApp = await call(`${sim.url}/search/Printer`, { headers: { 'Session-Token': 'bogus' } });
      assert.equal((noApp.json as string[])[0], 'ERROR_APP_TOKEN_PARAMETERS_MISSING');
      const noSession = await call(`${sim.url}/search/Printer`, { headers: { 'App-Token': 'APP' } });
      assert.equal(noSession.status, 400);
      assert.equal((noSession.json as string[])[0], 'ERROR_SESSION_TOKEN_MISSING');
      const badSession = await call(`${sim.url}/search/Printer`, {
        headers: { 'App-Token': 'APP', 'Session-Token': 'bogus' },
      });
      assert.equal(badSession.status, 401);
      assert.deepEqual(badSession.json, ['ERROR_SESSION_TOKEN_INVALID', 'session_token seems invalid']);
      const ok = await call(`${sim.url}/search/Printer`, { headers: { 'App-Token': 'APP', 'Session-Token': token } });
      assert.equal(ok.status, 200);
    });
  });
});

describe('sessions and logins', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startGlpiSimulator({
      userToken: USER_TOKEN,
      username: 'glpi',
      password: 's3cret',
      userName: 'checker',
    });
  });
  after(() => sim.stop());

  test('user_token header gives a 26-character lowercase alphanumeric session token', async () => {
    const token = await openSession(sim);
    assert.match(token, /^[a-z0-9]{26}$/);
  });

  test('user_token is split on single spaces: two spaces means no token', async () => {
    const reply = await call(`${sim.url}/initSession`, { headers: { Authorization: `user_token  ${USER_TOKEN}` } });
    assert.equal(reply.status, 400);
    assert.equal((reply.json as string[])[0], 'ERROR_LOGIN_PARAMETERS_MISSING');
  });

  test('bad user token, bad password, nothing at all', async () => {
    const badToken = await call(`${sim.url}/initSession`, { headers: { Authorization: 'user_token wrong' } });
    assert.equal(badToken.status, 401);
    assert.deepEqual(badToken.json, ['ERROR_GLPI_LOGIN_USER_TOKEN', 'parameter user_token seems invalid']);
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const badPassword = await call(`${sim.url}/initSession`, { headers: { Authorization: basic('glpi', 'wrong') } });
    assert.equal(badPassword.status, 401);
    assert.deepEqual(badPassword.json, ['ERROR_GLPI_LOGIN', 'Incorrect username or password']);
    const nothing = await call(`${sim.url}/initSession`);
    assert.equal(nothing.status, 400);
    assert.deepEqual(nothing.json, [
      'ERROR_LOGIN_PARAMETERS_MISSING',
      `parameter(s) login, password or user_token are missing${DOC}ERROR_LOGIN_PARAMETERS_MISSING`,
    ]);
    const goodBasic = await call(`${sim.url}/initSession`, { headers: { Authorization: basic('glpi', 's3cret') } });
    assert.equal(goodBasic.status, 200);
  });

  test('query parameters and a POST JSON body work too', async () => {
    assert.equal((await call(`${sim.url}/initSession?user_token=${USER_TOKEN}`)).status, 200);
    assert.equal((await call(`${sim.url}/initSession?login=glpi&password=s3cret`)).status, 200);
    const posted = await call(`${sim.url}/initSession`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ login: 'glpi', password: 's3cret' }),
    });
    assert.equal(posted.status, 200);
  });

  test('credential logins are disabled when no username is configured', async () => {
    await withSimulator({}, async (other) => {
      const reply = await call(`${other.url}/initSession?login=glpi&password=x`);
      assert.equal(reply.status, 400);
      assert.equal((reply.json as string[])[0], 'ERROR_LOGIN_WITH_CREDENTIALS_DISABLED');
    });
  });

  test('a GET with a body is refused', async () => {
    // fetch() cannot send a GET body; node:http can (with an explicit length).
    const url = new URL(`${sim.url}/initSession`);
    const body = '{"a":1}';
    const headers = {
      Authorization: `user_token ${USER_TOKEN}`,
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
    };
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(url, { method: 'GET', headers }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(reply.status, 400);
    assert.equal((JSON.parse(reply.body) as string[])[0], 'ERROR_JSON_PAYLOAD_FORBIDDEN');
  });

  test('killSession answers true, then the token is invalid; stats count it', async () => {
    sim.resetStats();
    const token = await openSession(sim);
    const killed = await call(`${sim.url}/killSession`, { headers: { 'Session-Token': token } });
    assert.equal(killed.status, 200);
    assert.equal(killed.text, 'true');
    const again = await call(`${sim.url}/killSession`, { headers: { 'Session-Token': token } });
    assert.equal(again.status, 401);
    const stats = sim.stats();
    assert.equal(stats.sessionsOpened, 1);
    assert.equal(stats.sessionsKilled, 1);
    assert.equal(stats.requests.killSession, 2);
  });

  test('an initSession carrying an old Session-Token destroys that session', async () => {
    const old = await openSession(sim);
    const fresh = await openSession(sim, { 'Session-Token': old });
    assert.notEqual(fresh, old);
    assert.equal((await call(`${sim.url}/getFullSession`, { headers: { 'Session-Token': old } })).status, 401);
  });

  test('getFullSession and getGlpiConfig', async () => {
    const token = await openSession(sim);
    const full = await call(`${sim.url}/getFullSession`, { headers: { 'Session-Token': token } });
    const session = (full.json as { session: Record<string, unknown> }).session;
    assert.equal(session.glpiname, 'checker');
    assert.equal((session.glpiactiveprofile as { name: string }).name, 'Super-Admin');
    assert.equal(session.glpiactive_entity, 0);
    assert.ok(!full.text.includes(token), 'the session token is not echoed');
    const config = await call(`${sim.url}/getGlpiConfig`, { headers: { 'Session-Token': token } });
    assert.equal((config.json as { cfg_glpi: { version: string } }).cfg_glpi.version, '10.0.16');
    await withSimulator({ glpiVersion: '11' }, async (v11) => {
      const t = await openSession(v11);
      const c = await call(`${v11.url}/getGlpiConfig`, { headers: { 'Session-Token': t } });
      assert.equal((c.json as { cfg_glpi: { version: string } }).cfg_glpi.version, '11.0.1');
    });
  });

  test('routing: itemtype case, unknown itemtypes and resources', async () => {
    const token = await openSession(sim);
    const lower = await call(`${sim.url}/search/printer`, { headers: { 'Session-Token': token } });
    assert.equal(lower.status, 200);
    assert.equal(lower.headers.get('accept-range'), 'Printer 1000');
    const unknown = await call(`${sim.url}/search/Toaster`, { headers: { 'Session-Token': token } });
    assert.equal(unknown.status, 400);
    assert.equal((unknown.json as string[])[0], 'ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM');
    const noSession = await call(`${sim.url}/whatever`);
    assert.equal((noSession.json as string[])[0], 'ERROR_SESSION_TOKEN_MISSING');
    const options = await call(`${sim.url}/listSearchOptions/Printer`, { headers: { 'Session-Token': token } });
    assert.equal((options.json as Record<string, { name: string }>)['5']?.name, 'Serial number');
  });
});

describe('entities', () => {
  let sim: RunningSimulator;
  before(async () => {
    sim = await startGlpiSimulator({ userToken: USER_TOKEN, items: SEMANTICS_ITEMS });
  });
  after(() => sim.stop());

  test('a new session only sees the root entity; all + recursive shows the rest', async () => {
    const token = await openSession(sim);
    const before = await search(sim, token, [serial('SUB-')]);
    assert.equal(before.body.totalcount, 0);
    assert.equal(before.body.data, undefined);

    // intval('all') is 0: without is_recursive it is still the root alone.
    assert.equal((await changeEntities(sim, token, { entities_id: 'all' })).text, 'true');
    assert.equal((await search(sim, token, [serial('SUB-')])).body.totalcount, 0);

    assert.equal((await changeEntities(sim, token, { entities_id: 'all', is_recursive: true })).text, 'true');
    const after = await search(sim, token, [serial('SUB-')], 'forcedisplay[]=2&forcedisplay[]=80');
    assert.deepEqual(ids(after), [14, 15]);
    const paris = after.body.data?.find((row) => row['2'] === 15);
    assert.equal(paris?.['80'], 'Root entity &#62; Europe &#62; Paris', 'GLPI 10 returns completenames encoded');

    assert.equal((await changeEntities(sim, token, { entities_id: 1, is_recursive: false })).text, 'true');
    assert.deepEqual(ids(await search(sim, token, [serial('SUB-')])), [14]);
  });

  test('unknown entity answers 200 false; a non-boolean is_recursive is an error', async () => {
    const token = await openSession(sim);
    const unknown = await changeEntities(sim, token, { entities_id: 999, is_recursive: true });
    assert.equal(unknown.status, 200);
    assert.equal(unknown.text, 'false');
    const notBool = await changeEntities(sim, token, { entities_id: 0, is_recursive: 1 });
    assert.equal(notBool.status, 400);
    assert.deepEqual(notBool.json, ['ERROR', `Bad Request${DOC}ERROR`]);
  });

  test('failEntitySwitch makes changeActiveEntities fail', async () => {
    const token = await openSession(sim);
    sim.resetStats();
    await withFaults(sim, { failEntitySwitch: true }, async () => {
      const reply = await changeEntities(sim, token, { entities_id: 'all', is_recursive: true });
      assert.equal(reply.status, 400);
      assert.equal((reply.json as string[])[0], 'ERROR');
      assert.equal(sim.stats().faultsInjected.entitySwitch, 1);
    });
  });
});

describe('search semantics', () => {
  let v10: RunningSimulator;
  let v11: RunningSimulator;
  let t10: string;
  let t11: string;
  before(async () => {
    v10 = await startGlpiSimulator({ userToken: USER_TOKEN, items: SEMANTICS_ITEMS });
    v11 = await startGlpiSimulator({ userToken: USER_TOKEN, items: SEMANTICS_ITEMS, glpiVersion: '11' });
    t10 = await openAllEntitiesSession(v10);
    t11 = await openAllEntitiesSession(v11);
  });
  after(async () => {
    await v10.stop();
    await v11.stop();
  });

  test('contains is a substring match unless anchored; values are trimmed; case-insensitive', async () => {
    assert.deepEqual(ids(await search(v10, t10, [serial('ab12')])), [1, 2]);
    assert.deepEqual(ids(await search(v10, t10, [serial('^ab12$')])), [1]);
    assert.deepEqual(ids(await search(v10, t10, [serial('  ^ab12$  ')])), [1]);
    assert.deepEqual(ids(await search(v10, t10, [serial('^XAB')])), [2]);
    assert.deepEqual(ids(await search(v10, t10, [serial('12-2$')])), [2]);
  });

  test('equals: case- and accent-insensitive, trailing spaces ignored, leading ones not', async () => {
    assert.deepEqual(ids(await search(v10, t10, [serial('ab12', 'equals')])), [1]);
    assert.deepEqual(ids(await search(v10, t10, [serial('ab12   ', 'equals')])), [1]);
    assert.deepEqual(ids(await search(v10, t10, [serial(' ab12', 'equals')])), []);
    assert.deepEqual(ids(await search(v10, t10, [serial('cafe-1', 'equals')])), [3]);
    assert.deepEqual(ids(await search(v10, t10, [serial('^café-1$')])), [3]);
    // A stored trailing space: `=` pads, LIKE does not.
    assert.deepEqual(ids(await search(v10, t10, [serial('TRAIL1', 'equals')])), [16]);
    assert.deepEqual(ids(await search(v10, t10, [serial('^TRAIL1$')])), []);
  });

  test('% is a wildcard in contains, _ is literal; equals takes both literally', async () => {
    assert.deepEqual(ids(await search(v10, t10, [serial('^AB%CD$')])), [4, 5, 8]);
    assert.deepEqual(ids(await search(v10, t10, [serial('AB%CD', 'equals')])), [4]);
    assert.deepEqual(ids(await search(v10, t10, [serial('^A_B$')])), [6]);
  });

  test('GLPI 10 stores & encoded: only equals on the encoded value finds it', async () => {
    assert.deepEqual(ids(await search(v10, t10, [serial('^AB&CD$')])), []);
    assert.deepEqual(ids(await search(v10, t10, [serial('AB&CD', 'equals')])), []);
    assert.deepEqual(ids(await search(v10, t10, [serial('^AB&#38;CD$')])), [], 'contains un-sanitises the value');
    const encoded = await search(v10, t10, [serial('AB&#38;CD', 'equals')]);
    assert.deepEqual(ids(encoded), [8]);
    assert.equal(encoded.body.data?.[0]?.['5'], 'AB&#38;CD');
  });

  test('GLPI 11 stores & raw', async () => {
    const raw = await search(v11, t11, [serial('^AB&CD$')]);
    assert.deepEqual(ids(raw), [8]);
    assert.equal(raw.body.data?.[0]?.['5'], 'AB&CD');
    assert.deepEqual(ids(await search(v11, t11, [serial('AB&CD', 'equals')])), [8]);
  });

  test('the empty-value trap: an empty criterion is dropped and returns the whole table', async () => {
    const all = await search(v10, t10, [serial('')], 'forcedisplay[]=2&range=0-99');
    assert.equal(all.body.totalcount, 14, 'every active, non-template card');
    // Only spaces is not empty: it trims to nothing and becomes `IS NULL`.
    assert.deepEqual(ids(await search(v10, t10, [serial('   ')])), [9]);
    assert.deepEqual(ids(await search(v10, t10, [serial('NULL')])), [9, 10]);
  });

  test('OR, AND NOT, precedence (AND before OR), first link ignored, nested groups', async () => {
    const or = await search(v10, t10, [serial('^AB12$'), { ...serial('^A_B$'), link: 'OR' }]);
    assert.deepEqual(ids(or), [1, 6]);
    const firstLinkIgnored = await search(v10, t10, [{ ...serial('^AB12$'), link: 'OR' }]);
    assert.deepEqual(ids(firstLinkIgnored), [1]);
    const andNot = await search(v10, t10, [serial('AB'), { ...serial('12'), link: 'AND NOT' }]);
    assert.deepEqual(ids(andNot), [4, 5, 8]);
    // (serial ~ AB12 AND name ~ prn-002) OR serial = A_B
    const precedence = await search(v10, t10, [
      serial('AB12'),
      { field: 1, searchtype: 'contains', value: 'prn-002', link: 'AND' },
      { ...serial('^A_B$'), link: 'OR' },
    ]);
    assert.deepEqual(ids(precedence), [2, 6]);
    const nested =
      'criteria[0][field]=1&criteria[0][searchtype]=contains&criteria[0][value]=prn' +
      '&criteria[1][link]=AND&criteria[1][criteria][0][field]=5&criteria[1][criteria][0][searchtype]=contains' +
      '&criteria[1][criteria][0][value]=^AB12$&criteria[1][criteria][1][link]=OR' +
      '&criteria[1][criteria][1][field]=5&criteria[1][criteria][1][searchtype]=equals&criteria[1][criteria][1][value]=AXB' +
      '&forcedisplay[]=2';
    const reply = await call(`${v10.url}/search/Printer?${nested}`, { headers: { 'Session-Token': t10 } });
    assert.deepEqual(ids({ body: reply.json as SearchBody }), [1, 7]);
  });

  test('trashed cards only with is_deleted=1; templates never', async () => {
    assert.deepEqual(ids(await search(v10, t10, [serial('TRASH1', 'equals')])), [12]);
    assert.deepEqual(ids(await search(v10, t10, [serial('TRASH1', 'equals')], 'forcedisplay[]=2&is_deleted=1')), [11]);
    assert.deepEqual(ids(await search(v10, t10, [serial('ONLY-TRASH', 'equals')])), []);
  });

  test('malformed criteria and bad fields are 400 ERROR', async () => {
    const malformed = await call(`${v10.url}/search/Printer?criteria[0][field]=5&criteria[0][value]=x`, {
      headers: { 'Session-Token': t10 },
    });
    assert.equal(malformed.status, 400);
    assert.deepEqual(malformed.json, ['ERROR', `Malformed search criteria${DOC}ERROR`]);
    const badField = await search(v10, t10, [{ field: 'serial', searchtype: 'contains', value: 'x' }]);
    assert.equal(badField.status, 400);
    assert.deepEqual(badField.json, ['ERROR', `Bad field ID in search criteria${DOC}ERROR`]);
  });

  test('the custom label-serial field is option 76670', async () => {
    await withSimulator({ items: [printer(1, 'S1', { labelSerial: 'LBL-9' }), printer(2, 'S2')] }, async (sim) => {
      const token = await openAllEntitiesSession(sim);
      const reply = await search(sim, token, [{ field: 76670, searchtype: 'contains', value: '^lbl-9$' }]);
      assert.deepEqual(ids(reply), [1]);
      assert.equal(reply.body.data?.[0]?.['76670'], 'LBL-9');
    });
  });
});

describe('columns, sorting and pagination', () => {
  const ITEMS = Array.from({ length: 45 }, (_, i) => printer(i + 1, `PAGE-${String(i + 1).padStart(2, '0')}`));
  let sim: RunningSimulator;
  let token: string;
  before(async () => {
    sim = await startGlpiSimulator({ userToken: USER_TOKEN, items: ITEMS, multiEntity: false });
    token = await openSession(sim);
  });
  after(() => sim.stop());

  test('default columns: name, display preferences, criteria fields; id only when forced; 80 only multi-entity', async () => {
    const reply = await search(sim, token, [serial('PAGE-01')], '');
    assert.deepEqual(firstRowKeys(reply.text), ['1', '31', '23', '3', '4', '40', '19', '5']);
    assert.ok(
      reply.text.startsWith('{"totalcount":1,"count":1,"sort":["1"],"order":["ASC"],"data":[{"1":"prn-001","31"'),
    );
    const forced = await search(sim, token, [serial('PAGE-01')], 'forcedisplay[0]=2');
    assert.deepEqual(firstRowKeys(forced.text), ['1', '2', '5']);
    await withSimulator({ items: ITEMS }, async (multi) => {
      const t = await openSession(multi);
      const r = await search(multi, t, [serial('PAGE-01')], 'forcedisplay[]=2');
      assert.deepEqual(firstRowKeys(r.text), ['1', '80', '2', '5']);
    });
  });

  test('206 with Content-Range for a partial page, 200 for the last full one, list_limit default', async () => {
    const first = await search(sim, token, [serial('PAGE-')], 'forcedisplay[]=2&range=0-9');
    assert.equal(first.status, 206);
    assert.equal(first.headers.get('content-range'), '0-9/45');
    assert.equal(first.body['content-range'], '0-9/45');
    assert.equal(first.body.count, 10);
    assert.deepEqual(ids(first), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const last = await search(sim, token, [serial('PAGE-')], 'forcedisplay[]=2&range=40-59');
    assert.equal(last.status, 206, 'count 5 < totalcount 45');
    assert.equal(last.headers.get('content-range'), '40-44/45');
    const everything = await search(sim, token, [serial('PAGE-')], 'range=0-99');
    assert.equal(everything.status, 200);
    assert.equal(everything.body.count, 45);
    const byDefault = await search(sim, token, [serial('PAGE-')]);
    assert.equal(byDefault.body.count, 20);
    assert.equal(byDefault.headers.get('content-range'), '0-19/45');
  });

  test('range at the end, past the end, malformed; empty results have no data and no Content-Range', async () => {
    const atEnd = await search(sim, token, [serial('PAGE-')], 'range=45-60');
    assert.equal(atEnd.status, 206);
    assert.equal(atEnd.body.data, undefined);
    const past = await search(sim, token, [serial('PAGE-')], 'range=46-60');
    assert.equal(past.status, 400);
    assert.deepEqual(past.json, [
      'ERROR_RANGE_EXCEED_TOTAL',
      `Provided range exceed total count of data: 45${DOC}ERROR_RANGE_EXCEED_TOTAL`,
    ]);
    const bad = await search(sim, token, [serial('PAGE-')], 'range=0-');
    assert.equal(bad.status, 400);
    const none = await search(sim, token, [serial('NOPE')]);
    assert.equal(none.status, 200);
    assert.equal(none.headers.get('content-range'), null);
    assert.deepEqual(none.json, { totalcount: 0, count: 0, sort: ['1'], order: ['ASC'], 'content-range': '0--1/0' });
  });

  test('sort by another option, descending', async () => {
    const reply = await search(sim, token, [serial('PAGE-')], 'forcedisplay[]=2&sort=5&order=DESC&range=0-2');
    assert.deepEqual(
      (reply.body.data ?? []).map((r) => r['2']),
      [45, 44, 43],
    );
    assert.deepEqual(reply.body.sort, [5]);
    assert.deepEqual(reply.body.order, ['DESC']);
  });

  test('max_input_vars: variables past the limit are dropped without an error', async () => {
    await withSimulator({ items: ITEMS, maxInputVars: 7, multiEntity: false }, async (small) => {
      const t = await openSession(small);
      // 3 + 4 variables fit; the third criterion (4 more) is silently lost.
      const reply = await search(
        small,
        t,
        [serial('^PAGE-01$'), { ...serial('^PAGE-02$'), link: 'OR' }, { ...serial('^PAGE-03$'), link: 'OR' }],
        '',
      );
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('accept-range'), 'Printer 7');
      assert.equal(reply.body.totalcount, 2);
    });
  });
});

describe('item endpoints and row options', () => {
  test('GET /Printer/:id: trashed cards are returned, unknown ids are 404, other entities 403', async () => {
    await withSimulator({ items: SEMANTICS_ITEMS }, async (sim) => {
      const token = await openSession(sim);
      const headers = { 'Session-Token': token };
      const trashed = await call(`${sim.url}/Printer/11`, { headers });
      assert.equal(trashed.status, 200);
      assert.equal((trashed.json as { is_deleted: number }).is_deleted, 1);
      const missing = await call(`${sim.url}/Printer/999`, { headers });
      assert.equal(missing.status, 404);
      assert.deepEqual(missing.json, ['ERROR_ITEM_NOT_FOUND', 'Item not found']);
      assert.equal((await call(`${sim.url}/Printer/14`, { headers })).status, 403);
    });
  });

  test('GET /Printer without range: list_limit rows, Content-Range off by one', async () => {
    const items = (count: number) => Array.from({ length: count }, (_, i) => printer(i + 1, `L-${i + 1}`));
    for (const [count, status] of [
      [30, 206],
      [21, 200],
    ] as const) {
      await withSimulator({ items: items(count), multiEntity: false }, async (sim) => {
        const token = await openSession(sim);
        const reply = await call(`${sim.url}/Printer`, { headers: { 'Session-Token': token } });
        assert.equal(reply.status, status);
        assert.equal((reply.json as unknown[]).length, 20);
        assert.equal(reply.headers.get('content-range'), `0-20/${count}`);
      });
    }
  });

  test('uid_cols and withindexes', async () => {
    await withSimulator({ items: SEMANTICS_ITEMS, multiEntity: false }, async (sim) => {
      const token = await openSession(sim);
      const uid = await search(sim, token, [serial('^AB12$')], 'forcedisplay[]=2&uid_cols=1');
      assert.deepEqual(uid.body.data?.[0], {
        'Printer.name': 'prn-001',
        'Printer.id': 1,
        'Printer.serial': 'AB12',
      });
      const indexed = await search(sim, token, [serial('^AB12$')], 'withindexes=1');
      assert.deepEqual(Object.keys(indexed.body.data ?? {}), ['1']);
    });
  });
});

describe('faults', () => {
  let sim: RunningSimulator;
  let token: string;
  before(async () => {
    sim = await startGlpiSimulator({ userToken: USER_TOKEN, items: SEMANTICS_ITEMS });
    token = await openAllEntitiesSession(sim);
  });
  after(() => sim.stop());

  const searchOnce = () => call(`${sim.url}/search/Printer?range=0-1`, { headers: { 'Session-Token': token } });
  const signature = (r: Reply) => `${r.status}:${r.headers.get('content-type') ?? ''}:${r.text.length}`;

  async function runSequence(count: number): Promise<string[]> {
    const result: string[] = [];
    for (let i = 0; i < count; i++) result.push(signature(await searchOnce()));
    return result;
  }

  test('errorRate: 500/502/503, only on searches', async () => {
    await withFaults(sim, { seed: 3, errorRate: 1 }, async () => {
      for (let i = 0; i < 8; i++) {
        const reply = await searchOnce();
        assert.ok([500, 502, 503].includes(reply.status), `status ${reply.status}`);
      }
      assert.equal((await call(`${sim.url}/getFullSession`, { headers: { 'Session-Token': token } })).status, 200);
    });
  });

  test('malformedRate: 200 with a body that is not valid JSON', async () => {
    await withFaults(sim, { seed: 4, malformedRate: 1 }, async () => {
      for (let i = 0; i < 6; i++) {
        const reply = await searchOnce();
        assert.equal(reply.status, 200);
        assert.equal(reply.json, undefined, reply.text);
      }
    });
  });

  test('htmlErrorRate: 200 text/html maintenance or Mysql Error page', async () => {
    await withFaults(sim, { seed: 5, htmlErrorRate: 1 }, async () => {
      for (let i = 0; i < 6; i++) {
        const reply = await searchOnce();
        assert.equal(reply.status, 200);
        assert.match(reply.headers.get('content-type') ?? '', /text\/html/);
        assert.match(reply.text, /MAINTENANCE MODE|Mysql Error/);
      }
    });
  });

  test('rateLimitRate: 429 with Retry-After', async () => {
    await withFaults(sim, { seed: 6, rateLimitRate: 1, retryAfterSeconds: 3 }, async () => {
      const reply = await searchOnce();
      assert.equal(reply.status, 429);
      assert.equal(reply.headers.get('retry-after'), '3');
    });
  });

  test('a seed reproduces the same fault sequence; another seed does not', async () => {
    const mix = { errorRate: 0.25, malformedRate: 0.2, htmlErrorRate: 0.15, rateLimitRate: 0.15 };
    sim.resetStats();
    sim.setFaults({ seed: 42, ...mix });
    const first = await runSequence(30);
    sim.setFaults({ seed: 42, ...mix });
    const second = await runSequence(30);
    sim.setFaults({ seed: 43, ...mix });
    const third = await runSequence(30);
    sim.setFaults({});
    assert.deepEqual(second, first);
    assert.notDeepEqual(third, first);
    assert.ok(
      first.some((s) => s.startsWith('200:application/json')),
      'some requests pass',
    );
    const injected = sim.stats().faultsInjected;
    const total = (injected.error ?? 0) + (injected.malformed ?? 0) + (injected.html ?? 0) + (injected.rateLimit ?? 0);
    assert.ok(total > 20, `faults injected: ${JSON.stringify(injected)}`);
  });

  test('invalidateSessionEvery: the N-th authenticated request loses its session', async () => {
    const own = await openAllEntitiesSession(sim);
    await withFaults(sim, { invalidateSessionEvery: 3 }, async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await call(`${sim.url}/search/Printer`, { headers: { 'Session-Token': own } })).status);
      }
      assert.deepEqual(statuses, [200, 200, 401, 401]);
    });
  });

  test('invalidateAllSessions', async () => {
    const own = await openSession(sim);
    sim.invalidateAllSessions();
    assert.equal((await call(`${sim.url}/search/Printer`, { headers: { 'Session-Token': own } })).status, 401);
    assert.equal(sim.stats().activeSessions, 0);
    token = await openAllEntitiesSession(sim);
  });

  test('latencyMs delays every request', async () => {
    await withFaults(sim, { latencyMs: 150 }, async () => {
      const started = Date.now();
      await call(`${sim.url}/getGlpiConfig`, { headers: { 'Session-Token': token } });
      assert.ok(Date.now() - started >= 140);
    });
  });

  test('down: connections are destroyed', async () => {
    await withFaults(sim, { down: true }, async () => {
      await assert.rejects(call(`${sim.url}/initSession?user_token=${USER_TOKEN}`));
      assert.ok((sim.stats().faultsInjected.down ?? 0) >= 1);
    });
  });

  test('hangRate: no answer until the client gives up; stop() still returns quickly', async () => {
    const hanging = await startGlpiSimulator({ userToken: USER_TOKEN, faults: { seed: 9, hangRate: 1 } });
    const pending = call(`${hanging.url}/initSession?user_token=${USER_TOKEN}`, { signal: AbortSignal.timeout(200) });
    await assert.rejects(pending);
    const stillOpen = call(`${hanging.url}/initSession?user_token=${USER_TOKEN}`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(hanging.stats().faultsInjected.hang, 2);
    const started = Date.now();
    await hanging.stop();
    assert.ok(Date.now() - started < 1000, 'stop() does not wait for hanging requests');
    assert.ok((await stillOpen) instanceof Error, 'the hanging request fails once the server stops');
  });
});

describe('stats', () => {
  test('requests per endpoint, peak concurrency, reset', async () => {
    await withSimulator({ items: SEMANTICS_ITEMS, faults: { latencyMs: 100 } }, async (sim) => {
      const token = await openSession(sim);
      sim.resetStats();
      await Promise.all(
        Array.from({ length: 10 }, () => call(`${sim.url}/search/Printer`, { headers: { 'Session-Token': token } })),
      );
      const stats = sim.stats();
      assert.equal(stats.requests.search, 10);
      assert.equal(stats.total, 10);
      assert.equal(stats.peakConcurrency, 10);
      assert.equal(stats.activeSessions, 1);
      sim.resetStats();
      assert.equal(sim.stats().total, 0);
      assert.equal(sim.stats().peakConcurrency, 0);
    });
  });

  test('stop() closes idle keep-alive connections at once', async () => {
    const sim = await startGlpiSimulator({ userToken: USER_TOKEN });
    await openSession(sim);
    const started = Date.now();
    await sim.stop();
    assert.ok(Date.now() - started < 1000);
  });
});

describe('generateInventory', () => {
  test('counts agree with the expected map and the planned mix', () => {
    const inventory = generateInventory({ devices: 2000, seed: 11 });
    assert.equal(inventory.devices.length, 2000);
    assert.equal(inventory.expected.size, 2000);
    const tally = { found: 0, conflict: 0, not_found: 0 };
    for (const entry of inventory.expected.values()) tally[entry.status]++;
    assert.deepEqual(tally, inventory.counts);
    assert.deepEqual(inventory.counts, { found: 1800, conflict: 100, not_found: 100 });
    for (const device of inventory.devices) assert.ok(inventory.expected.has(normaliseSerial(device.serial)));
    const largest = Math.max(...[...inventory.expected.values()].map((e) => e.glpiIds.length));
    assert.ok(largest >= 25, `largest conflict has ${largest} cards`);
  });

  test('device spellings differ from GLPI in case and spacing; trashed duplicates stay found', () => {
    const inventory = generateInventory({ devices: 1000, seed: 5 });
    const byId = new Map(inventory.items.map((item) => [item.id, item]));
    let differentSpelling = 0;
    for (const device of inventory.devices) {
      const entry = inventory.expected.get(normaliseSerial(device.serial));
      if (entry?.status === 'found' && byId.get(entry.glpiIds[0])?.serial !== device.serial) differentSpelling++;
    }
    assert.ok(differentSpelling > 100, `${differentSpelling} found devices spelled differently`);
    const trashed = inventory.items.filter((item) => item.isDeleted && item.serial !== null);
    const trashedOfFound = trashed.filter((item) => {
      const entry = inventory.expected.get(normaliseSerial(item.serial as string));
      return entry?.status === 'found' && !entry.glpiIds.includes(item.id);
    });
    assert.ok(trashedOfFound.length >= 15, `${trashedOfFound.length} found devices with a trashed duplicate`);
  });

  test('deterministic from the seed', () => {
    // At one instant: the cards' dates are relative to `now`, and two calls can straddle a second.
    const now = Date.parse('2026-12-04T20:00:53.900Z');
    const a = generateInventory({ devices: 500, seed: 99, awkwardSerials: true, now });
    const b = generateInventory({ devices: 500, seed: 99, awkwardSerials: true, now });
    const c = generateInventory({ devices: 500, seed: 100, awkwardSerials: true, now });
    assert.deepEqual(a.devices, b.devices);
    assert.deepEqual(a.items, b.items);
    assert.deepEqual([...a.expected], [...b.expected]);
    assert.notDeepEqual(a.devices, c.devices);
  });

  test('100,000 devices, each with its ground truth', () => {
    // How long it takes is the bench's to say (it prints the set-up time of every size).
    const inventory = generateInventory({ devices: 100_000, seed: 1, awkwardSerials: true });
    assert.equal(inventory.devices.length, 100_000);
    assert.equal(inventory.expected.size, 100_000);
  });

  test('the simulator agrees with the ground truth (equals on the stored form, awkward serials)', async () => {
    const inventory = generateInventory({ devices: 1000, seed: 21, awkwardSerials: true });
    for (const version of ['10', '11'] as const) {
      await withSimulator({ items: inventory.items, glpiVersion: version }, async (sim) => {
        const token = await openAllEntitiesSession(sim);
        for (const device of inventory.devices) {
          const trimmed = device.serial.trim();
          const value =
            version === '10' ? trimmed.replace(/&/g, '&#38;').replace(/</g, '&#60;').replace(/>/g, '&#62;') : trimmed;
          const reply = await search(sim, token, [serial(value, 'equals')], 'forcedisplay[]=2&range=0-99');
          const expected = inventory.expected.get(normaliseSerial(device.serial));
          assert.deepEqual(ids(reply), expected?.glpiIds, `${version}: ${JSON.stringify(device.serial)}`);
        }
      });
    }
  });
});

describe('files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'glpi-sim-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('itemsFromFile reads JSON and CSV; CSV quoting survives awkward serials', () => {
    const items: SimItem[] = [printer(1, 'A,B"C'), printer(2, null, { isDeleted: true, entity: 'Root entity > X' })];
    writeFileSync(join(dir, 'items.json'), JSON.stringify(items));
    assert.deepEqual(itemsFromFile(join(dir, 'items.json')), items);

    const csv = [
      csvLine(['id', 'name', 'serial', 'isDeleted', 'entity']),
      csvLine(['1', 'prn-001', 'A,B"C', '', '']),
      csvLine(['2', 'prn-002', '', 'true', 'Root entity > X']),
    ].join('\n');
    writeFileSync(join(dir, 'items.csv'), csv);
    const fromCsv = itemsFromFile(join(dir, 'items.csv'));
    assert.equal(fromCsv[0]?.serial, 'A,B"C');
    assert.equal(fromCsv[1]?.serial, null);
    assert.equal(fromCsv[1]?.isDeleted, true);
    assert.deepEqual(
      parseCsv(csvLine([' x ', 'a"b', 'plain']), ',').map((record) => record.fields),
      [[' x ', 'a"b', 'plain']],
    );
  });
});
