/**
 * The simulator against what a real GLPI 10.0.19 did: whitespace kept
 * as typed, `equals` blind only to trailing spaces, non-recursive profiles that a successful
 * entity switch does not widen, the web server's answers outside the API, and a web server that
 * drops the Authorization header.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  startGlpiSimulator,
  type RunningSimulator,
  type SimItem,
  type SimulatorOptions,
} from '../src/dev/glpi-simulator';

const TOKEN = 'facts-user-token';

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
}

/** A simulator stopped when the calling test ends. */
async function start(t: TestContext, options: SimulatorOptions): Promise<RunningSimulator> {
  const sim = await startGlpiSimulator({ userToken: TOKEN, ...options });
  t.after(() => sim.stop());
  return sim;
}

/** initSession + changeActiveEntities {is_recursive: true}, as the client does it. */
async function switchedSession(sim: RunningSimulator): Promise<string> {
  const login = await call(`${sim.url}/initSession`, { headers: { Authorization: `user_token ${TOKEN}` } });
  assert.equal(login.status, 200, login.text);
  const token = (login.json as { session_token: string }).session_token;
  const switched = await call(`${sim.url}/changeActiveEntities`, {
    method: 'POST',
    headers: { 'Session-Token': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({ is_recursive: true }),
  });
  assert.equal(switched.text, 'true');
  return token;
}

async function serialSearch(sim: RunningSimulator, token: string, searchtype: string, value: string) {
  const query = `criteria[0][field]=5&criteria[0][searchtype]=${searchtype}&criteria[0][value]=${encodeURIComponent(value)}&forcedisplay[]=2&range=0-99`;
  const reply = await call(`${sim.url}/search/Printer?${query}`, { headers: { 'Session-Token': token } });
  assert.equal(reply.status, 200, reply.text);
  const body = reply.json as { totalcount: number; data?: Record<string, unknown>[] };
  return (body.data ?? []).map((row) => row['2'] as number).sort((a, b) => a - b);
}

const printer = (id: number, serial: string, extra: Partial<SimItem> = {}): SimItem => ({
  id,
  itemtype: 'Printer',
  name: `prn-${id}`,
  serial,
  ...extra,
});

describe('whitespace is stored as typed; equals ignores only trailing spaces', () => {
  let sim: RunningSimulator;
  let token: string;
  before(async () => {
    sim = await startGlpiSimulator({
      userToken: TOKEN,
      items: [
        printer(1, '  WS-1  '),
        printer(2, 'WS-2\t'),
        printer(3, 'WS  3'),
        printer(4, ' WS-4'),
        printer(5, 'WS-5   '),
      ],
    });
    token = await switchedSession(sim);
  });
  after(() => sim.stop());

  test('equals finds trailing spaces only; leading spaces and a TAB are significant', async () => {
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'WS-1'), []);
    assert.deepEqual(await serialSearch(sim, token, 'equals', ' WS-1'), []);
    assert.deepEqual(await serialSearch(sim, token, 'equals', '  WS-1'), [1]);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'WS-2'), []);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'WS-2\t'), [2]);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'WS 3'), []);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'ws  3'), [3]);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'WS-4'), []);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'ws-5'), [5]);
  });

  test('contains finds the card whatever whitespace surrounds the serial', async () => {
    assert.deepEqual(await serialSearch(sim, token, 'contains', 'WS-1'), [1]);
    assert.deepEqual(await serialSearch(sim, token, 'contains', 'ws-2'), [2]);
    assert.deepEqual(await serialSearch(sim, token, 'contains', 'WS-4'), [4]);
  });

  test('rows and GET /Printer/:id return the serial with its whitespace', async () => {
    const reply = await call(
      `${sim.url}/search/Printer?criteria[0][field]=5&criteria[0][searchtype]=contains&criteria[0][value]=WS-&forcedisplay[]=2&forcedisplay[]=5`,
      {
        headers: { 'Session-Token': token },
      },
    );
    const rows = (reply.json as { data: Record<string, unknown>[] }).data;
    assert.equal(rows.find((row) => row['2'] === 1)?.['5'], '  WS-1  ');
    assert.equal(rows.find((row) => row['2'] === 2)?.['5'], 'WS-2\t');
    const item = await call(`${sim.url}/Printer/2`, { headers: { 'Session-Token': token } });
    assert.equal((item.json as { serial: string }).serial, 'WS-2\t');
  });

  test('listSearchOptions does not list equals for the serial, which works anyway', async () => {
    const reply = await call(`${sim.url}/listSearchOptions/Printer`, { headers: { 'Session-Token': token } });
    const serialOption = (reply.json as Record<string, { available_searchtypes?: string[] }>)['5'];
    assert.deepEqual(serialOption.available_searchtypes, ['contains', 'notcontains']);
  });
});

describe('profiles and entity scope', () => {
  const items = [
    printer(1, 'ROOT-1'),
    printer(2, 'LYON-1', { entity: 'Root entity > Lyon', entityId: 1 }),
    printer(3, 'PARIS-1', { entity: 'Root entity > Paris', entityId: 2 }),
  ];

  test('a non-recursive profile on the root: the switch answers true and still sees only the root', async (t) => {
    const sim = await start(t, {
      items,
      profiles: [{ id: 6, name: 'Technician', entities: [{ id: 0, recursive: false }] }],
    });
    const token = await switchedSession(sim);
    const headers = { 'Session-Token': token };
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'ROOT-1'), [1]);
    assert.deepEqual(
      await serialSearch(sim, token, 'equals', 'LYON-1'),
      [],
      'invisible, and a search says nothing more',
    );
    assert.deepEqual((await call(`${sim.url}/getActiveEntities`, { headers })).json, {
      active_entity: { id: 0, active_entity_recursive: true, active_entities: [{ id: 0 }] },
    });
    assert.deepEqual((await call(`${sim.url}/getMyProfiles`, { headers })).json, {
      myprofiles: [{ id: 6, name: 'Technician', entities: [{ id: 0, name: 'Root entity', is_recursive: 0 }] }],
    });
    assert.deepEqual((await call(`${sim.url}/getMyEntities?is_recursive=1`, { headers })).json, {
      myentities: [{ id: 0, name: 'Root entity' }],
    });
    const hidden = await call(`${sim.url}/Printer/2`, { headers });
    assert.equal(hidden.status, 403);
    assert.equal((hidden.json as string[])[0], 'ERROR_RIGHT_MISSING');
  });

  test('the default Super-Admin, recursive on the root, sees every entity after the switch', async (t) => {
    const sim = await start(t, { items });
    const login = await call(`${sim.url}/initSession`, { headers: { Authorization: `user_token ${TOKEN}` } });
    const fresh = (login.json as { session_token: string }).session_token;
    const before = await call(`${sim.url}/getActiveEntities`, { headers: { 'Session-Token': fresh } });
    assert.deepEqual(before.json, {
      active_entity: { id: 0, active_entity_recursive: 0, active_entities: [{ id: 0 }] },
    });

    const token = await switchedSession(sim);
    const headers = { 'Session-Token': token };
    const active = (await call(`${sim.url}/getActiveEntities`, { headers })).json as {
      active_entity: { active_entities: { id: number }[] };
    };
    assert.deepEqual(active.active_entity.active_entities.map((e) => e.id).sort(), [0, 1, 2]);
    const mine = (await call(`${sim.url}/getMyEntities?is_recursive=1`, { headers })).json as {
      myentities: { id: number; name: string }[];
    };
    assert.deepEqual(
      mine.myentities.map((e) => e.name).sort(),
      ['Root entity', 'Root entity &#62; Lyon', 'Root entity &#62; Paris'],
      'getMyEntities encodes > in completenames',
    );
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'PARIS-1'), [3]);
    assert.equal(sim.stats().requests.getActiveEntities, 2);
    assert.equal(sim.stats().requests.getMyEntities, 1);
  });

  test('a profile recursive on a sub-entity sees that branch only', async (t) => {
    const sim = await start(t, {
      items,
      profiles: [{ id: 7, name: 'Lyon admin', entities: [{ id: 1, recursive: true }] }],
    });
    const token = await switchedSession(sim);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'LYON-1'), [2]);
    assert.deepEqual(await serialSearch(sim, token, 'equals', 'ROOT-1'), []);
  });
});

describe('the web server outside the API', () => {
  test("GLPI's directory as web root: the login page for the base URL and index.php, 404 for other scripts", async (t) => {
    const sim = await start(t, {});
    const origin = sim.url.replace(/\/apirest\.php$/, '');
    for (const path of ['/', '/initSession', '/index.php', '/index.php/initSession', '/glpi/initSession']) {
      const page = await call(`${origin}${path}`, { headers: { Authorization: `user_token ${TOKEN}` } });
      assert.equal(page.status, 200, path);
      assert.match(page.contentType, /text\/html/);
      assert.match(page.text, /<title>Authentication - GLPI<\/title>/);
      assert.match(page.text, /GLPI internal database/);
    }
    for (const path of ['/api.php/v1/initSession', '/glpi/apirest.php/initSession', '/missing.js']) {
      const missing = await call(`${origin}${path}`);
      assert.equal(missing.status, 404, path);
      assert.match(missing.contentType, /text\/html/);
    }
    const docs = await call(sim.url);
    assert.equal(docs.status, 200);
    assert.match(docs.contentType, /text\/html/);
  });

  test("behind GLPI's public/ web root: the login page at / and index.php, 403 with an empty body elsewhere", async (t) => {
    const sim = await start(t, { webLayout: 'public' });
    const origin = sim.url.replace(/\/apirest\.php$/, '');
    assert.match((await call(`${origin}/`)).text, /Authentication - GLPI/);
    assert.match((await call(`${origin}/index.php`)).text, /Authentication - GLPI/);
    const forbidden = await call(`${origin}/initSession`, { headers: { Authorization: `user_token ${TOKEN}` } });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.text, '');
    assert.equal(
      (await call(`${sim.url}/initSession`, { headers: { Authorization: `user_token ${TOKEN}` } })).status,
      200,
    );
  });

  test('GLPI 11 serves the legacy API at /api.php/v1 as well', async (t) => {
    const sim = await start(t, { glpiVersion: '11' });
    const base = sim.url.replace(/\/apirest\.php$/, '/api.php/v1');
    const login = await call(`${base}/initSession`, { headers: { Authorization: `user_token ${TOKEN}` } });
    assert.equal(login.status, 200, login.text);
    assert.equal(sim.stats().requests.initSession, 1);
  });

  test('a web server that drops the Authorization header: GLPI says the login parameters are missing', async (t) => {
    const sim = await start(t, { stripAuthorization: true });
    const login = await call(`${sim.url}/initSession`, { headers: { Authorization: `user_token ${TOKEN}` } });
    assert.equal(login.status, 400);
    assert.equal((login.json as string[])[0], 'ERROR_LOGIN_PARAMETERS_MISSING');
  });
});
