/**
 * The GLPI client over real HTTP against the GLPI simulator: matching, batching, paging,
 * sessions, faults and error kinds.
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { NON_RETRYABLE_ERROR_TYPES } from '../src/core/error-kinds';
import {
  generateInventory,
  startGlpiSimulator,
  type RunningSimulator,
  type SimItem,
  type SimulatorOptions,
} from '../src/dev/glpi-simulator';
import {
  createGlpiConfig,
  GlpiAuthError,
  GlpiClient,
  GlpiConfigError,
  GlpiUnavailableError,
  InvalidSerialError,
  type GlpiConfigOptions,
  type SerialLookup,
} from '../src/glpi';
import { rejectionOf } from './support/rejection';

const USER_TOKEN = 'sim-user-token-5f2a9c71';

async function simulator(t: TestContext, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startGlpiSimulator({ userToken: USER_TOKEN, ...options });
  t.after(() => sim.stop());
  return sim;
}

/** Quick retries: the faults under test would otherwise cost seconds each. */
function clientFor(sim: RunningSimulator, overrides: Partial<GlpiConfigOptions> = {}, t?: TestContext): GlpiClient {
  const client = new GlpiClient(
    createGlpiConfig({ url: sim.url, userToken: USER_TOKEN, retryBaseDelayMs: 10, ...overrides }),
  );
  t?.after(() => client.close());
  return client;
}

function lookup(client: GlpiClient, serials: string[]): Promise<Map<string, SerialLookup>> {
  return client.withSession((session) => session.lookupSerials(serials));
}

function printer(id: number, serial: string | null, extra: Partial<SimItem> = {}): SimItem {
  return { id, itemtype: 'Printer', name: `PRN-${id}`, serial, ...extra };
}

function idsOf(result: SerialLookup | undefined): number[] {
  return (result?.items ?? []).map((item) => item.id);
}

/** The serials a fault test looks up, and what GLPI holds for them. */
const FAULT_ITEMS = Array.from({ length: 120 }, (_, i) => printer(i + 1, `FLT-${i + 1}`));
const FAULT_SERIALS = [...FAULT_ITEMS.map((item) => item.serial!), 'FLT-MISSING'];

function assertFaultResults(results: Map<string, SerialLookup>): void {
  assert.equal(results.size, FAULT_SERIALS.length);
  for (const item of FAULT_ITEMS) assert.deepEqual(idsOf(results.get(item.serial!)), [item.id], item.serial!);
  assert.equal(results.get('FLT-MISSING')?.status, 'not_found');
}

const MATCHING_ITEMS: SimItem[] = [
  printer(1, 'A12345'),
  printer(2, '1234'),
  printer(3, 'abc-77'),
  printer(4, 'AB&CD'),
  printer(5, '50%-OFF'),
  printer(6, '50X-OFF'),
  printer(7, 'A/B-7'),
  printer(8, 'X+Y 8'),
  printer(9, '^S9$'),
  printer(10, 'Q"R10'),
  printer(11, "O'NEIL-11"),
  printer(12, '#12'),
  printer(13, 'CAFÉ-13'),
  printer(14, '<TAG14>'),
  printer(15, 'UNDER_15'),
  printer(16, 'UNDERX15'),
  printer(17, 'ZZ-17', { isDeleted: true }),
  printer(18, 'ZZ-17'),
  printer(19, 'ZZ-17', { isTemplate: true }),
  printer(20, 'A&B<C>'),
  printer(22, 'DUP-22'),
  printer(23, 'dup-22 '),
  printer(24, 'OTHER-24', { labelSerial: 'LBL-24' }),
  printer(25, null),
  printer(26, ''),
];

for (const glpiVersion of ['10', '11'] as const) {
  describe(`exact matching on GLPI ${glpiVersion}`, () => {
    let sim: RunningSimulator;
    let client: GlpiClient;
    before(async () => {
      sim = await startGlpiSimulator({ userToken: USER_TOKEN, glpiVersion, items: MATCHING_ITEMS });
      client = clientFor(sim);
    });
    after(async () => {
      client.close();
      await sim.stop();
    });

    test('a serial never matches a longer one that contains it', async () => {
      const results = await lookup(client, ['1234', '12345', 'A1234', '234']);
      assert.equal(results.get('1234')?.status, 'found');
      assert.deepEqual(idsOf(results.get('1234')), [2]);
      for (const serial of ['12345', 'A1234', '234']) assert.equal(results.get(serial)?.status, 'not_found', serial);
    });

    test('case, accents and surrounding spaces do not matter; the key is the normalised serial', async () => {
      const results = await lookup(client, ['  ABC-77 ', 'Abc-77', 'cafe-13']);
      assert.deepEqual([...results.keys()], ['ABC-77', 'CAFE-13']);
      assert.deepEqual(idsOf(results.get('ABC-77')), [3]);
      assert.deepEqual(idsOf(results.get('CAFE-13')), [13]);
    });

    test('serials with / & % + ^ $ " \' # < > _ and non-ASCII are found exactly', async () => {
      const expected: [string, number][] = [
        ['AB&CD', 4],
        ['50%-OFF', 5],
        ['50x-off', 6],
        ['a/b-7', 7],
        ['X+Y 8', 8],
        ['^S9$', 9],
        ['Q"R10', 10],
        ["o'neil-11", 11],
        ['#12', 12],
        ['café-13', 13],
        ['<tag14>', 14],
        ['UNDER_15', 15],
        ['A&B<C>', 20],
      ];
      const results = await lookup(
        client,
        expected.map(([serial]) => serial),
      );
      for (const [serial, id] of expected) {
        const result = [...results.values()].find((r) => r.items.some((item) => item.id === id));
        assert.equal(result?.status, 'found', serial);
        assert.deepEqual(idsOf(result), [id], serial);
      }
      // Stored HTML-encoded on GLPI 10, handed back decoded.
      assert.equal(results.get('AB&CD')?.items[0]?.serial, 'AB&CD');
      assert.equal(results.get('A&B<C>')?.items[0]?.serial, 'A&B<C>');
    });

    test('% and _ are not wildcards', async () => {
      const results = await lookup(client, ['5_%-OFF', '50_-OFF', '%', 'UNDER%', '%-OFF']);
      for (const result of results.values()) assert.equal(result.status, 'not_found', result.serial);
    });

    test('trashed items and templates are ignored; a real duplicate is a conflict', async () => {
      const results = await lookup(client, ['ZZ-17', 'DUP-22']);
      assert.equal(results.get('ZZ-17')?.status, 'found');
      assert.deepEqual(idsOf(results.get('ZZ-17')), [18]);
      assert.equal(results.get('DUP-22')?.status, 'conflict');
      assert.deepEqual(idsOf(results.get('DUP-22')), [22, 23]);
    });

    test('the label serial field is searched when configured', async () => {
      const withLabel = clientFor(sim, { labelSerialField: 76670 });
      try {
        const results = await lookup(withLabel, ['LBL-24', 'OTHER-24']);
        assert.deepEqual(idsOf(results.get('LBL-24')), [24]);
        assert.deepEqual(idsOf(results.get('OTHER-24')), [24]);
      } finally {
        withLabel.close();
      }
      assert.equal((await lookup(client, ['LBL-24'])).get('LBL-24')?.status, 'not_found');
    });
  });
}

describe('input validation', () => {
  test('empty or white-space serials are rejected before any request', async (t) => {
    const sim = await simulator(t, { items: MATCHING_ITEMS });
    const client = clientFor(sim, {}, t);
    await client.withSession(async (session) => {
      sim.resetStats();
      for (const bad of ['', '   ', '\t']) {
        await assert.rejects(session.lookupSerials(['1234', bad]), InvalidSerialError);
      }
      assert.equal(sim.stats().total, 0);
    });
  });

  test('duplicates are looked up once', async (t) => {
    const sim = await simulator(t, { items: MATCHING_ITEMS });
    const client = clientFor(sim, {}, t);
    const results = await lookup(client, ['1234', ' 1234', '1234 ']);
    assert.deepEqual([...results.keys()], ['1234']);
    assert.equal(sim.stats().requests.search, 1);
  });
});

describe('many serials', () => {
  test('1,000 serials take a handful of searches and give the expected classification', async (t) => {
    const inventory = generateInventory({ devices: 1000, seed: 11, awkwardSerials: true });
    const sim = await simulator(t, { items: inventory.items });
    const client = clientFor(sim, {}, t);
    let progressCalls = 0;
    let lastProgress: [number, number] = [0, 0];
    const results = await client.withSession((session) =>
      session.lookupSerials(
        inventory.devices.map((device) => device.serial),
        {
          onProgress: (done, total) => {
            progressCalls++;
            lastProgress = [done, total];
          },
        },
      ),
    );
    const stats = sim.stats();
    assert.ok(stats.requests.search <= 50, `${stats.requests.search} search requests`);
    assert.equal(results.size, inventory.expected.size);
    for (const [serial, expected] of inventory.expected) {
      const result = results.get(serial);
      assert.equal(result?.status, expected.status, serial);
      assert.deepEqual(idsOf(result), expected.glpiIds, serial);
    }
    assert.ok(progressCalls > 0);
    assert.deepEqual(lastProgress, [results.size, results.size]);
    assert.ok(stats.peakConcurrency <= 4 + 1, `peak concurrency ${stats.peakConcurrency}`);
  });

  test('a conflict spread over several pages lists every id', async (t) => {
    const copies = Array.from({ length: 23 }, (_, i) => printer(100 + i, i % 2 ? 'many-1' : 'MANY-1'));
    const sim = await simulator(t, { items: [...copies, printer(1, 'ONE-1')], listLimit: 5 });
    const client = clientFor(sim, { pageSize: 5 }, t);
    const results = await lookup(client, ['MANY-1', 'ONE-1']);
    assert.equal(results.get('MANY-1')?.status, 'conflict');
    assert.deepEqual(
      idsOf(results.get('MANY-1')),
      copies.map((item) => item.id),
    );
    assert.deepEqual(idsOf(results.get('ONE-1')), [1]);
    assert.ok(sim.stats().requests.search >= 5, 'paged');
  });

  test('each itemtype is searched; a serial on two itemtypes is a conflict', async (t) => {
    const sim = await simulator(t, {
      items: [
        printer(1, 'SHARED-1'),
        { id: 7, itemtype: 'Computer', name: 'PC-7', serial: 'shared-1' },
        { id: 8, itemtype: 'Computer', name: 'PC-8', serial: 'PC-ONLY' },
      ],
    });
    const client = clientFor(sim, { itemtypes: ['Printer', 'Computer'] }, t);
    const results = await lookup(client, ['SHARED-1', 'PC-ONLY']);
    assert.equal(results.get('SHARED-1')?.status, 'conflict');
    assert.deepEqual(
      results.get('SHARED-1')?.items.map((item) => `${item.itemtype}#${item.id}`),
      ['Computer#7', 'Printer#1'],
    );
    assert.deepEqual(idsOf(results.get('PC-ONLY')), [8]);
    assert.equal(sim.stats().requests.search, 2);
  });

  test('a low PHP max_input_vars is detected and the chunks shrink to fit', async (t) => {
    const sim = await simulator(t, { items: FAULT_ITEMS, maxInputVars: 120 });
    const client = clientFor(sim, {}, t);
    assertFaultResults(await lookup(client, FAULT_SERIALS));
  });
});

describe('sessions', () => {
  test('killSession after success and after failure', async (t) => {
    const sim = await simulator(t, { items: MATCHING_ITEMS });
    const client = clientFor(sim, {}, t);
    await lookup(client, ['1234']);
    assert.equal(sim.stats().sessionsKilled, 1);
    await assert.rejects(
      client.withSession(() => Promise.reject(new Error('caller failed'))),
      /caller failed/,
    );
    assert.equal(sim.stats().sessionsKilled, 2);
    assert.equal(sim.stats().activeSessions, 0);
  });

  test('a session that expires mid-lookup is renewed and the result is still right', async (t) => {
    // Every 10th request kills its session: with 4 in flight, a renewed session always lasts
    // long enough for the retried requests (a second rejection in a row is an error).
    const sim = await simulator(t, { items: FAULT_ITEMS, faults: { invalidateSessionEvery: 10 } });
    const client = clientFor(sim, { maxUrlBytes: 1500 }, t);
    const results = await lookup(client, FAULT_SERIALS);
    assertFaultResults(results);
    const stats = sim.stats();
    assert.ok(stats.sessionsOpened > 1, `${stats.sessionsOpened} sessions`);
    assert.equal(stats.activeSessions, 0);
  });

  test('a session invalidated from outside is renewed once', async (t) => {
    const sim = await simulator(t, { items: MATCHING_ITEMS });
    const client = clientFor(sim, {}, t);
    await client.withSession(async (session) => {
      assert.equal((await session.lookupSerials(['1234'])).get('1234')?.status, 'found');
      sim.invalidateAllSessions();
      assert.equal((await session.lookupSerials(['1234'])).get('1234')?.status, 'found');
    });
    assert.equal(sim.stats().sessionsOpened, 2);
  });

  test('ping reports the user and switches entities', async (t) => {
    const sim = await simulator(t, { items: MATCHING_ITEMS, userName: 'api-checker' });
    const result = await clientFor(sim, {}, t).ping();
    assert.equal(result.user, 'api-checker');
    assert.equal(result.entitiesSwitched, true);
    assert.equal(sim.stats().activeSessions, 0);
  });

  test('items in child entities are visible (entity switch)', async (t) => {
    const inventory = generateInventory({ devices: 200, seed: 3 });
    const sim = await simulator(t, { items: inventory.items, multiEntity: true });
    const results = await lookup(
      clientFor(sim, {}, t),
      inventory.devices.map((device) => device.serial),
    );
    for (const [serial, expected] of inventory.expected) assert.equal(results.get(serial)?.status, expected.status);
  });

  test('login with user name and password', async (t) => {
    const sim = await simulator(t, { items: MATCHING_ITEMS, username: 'glpi-api', password: 's3cret pass' });
    const client = new GlpiClient(createGlpiConfig({ url: sim.url, username: 'glpi-api', password: 's3cret pass' }));
    t.after(() => client.close());
    assert.equal((await lookup(client, ['1234'])).get('1234')?.status, 'found');
  });
});

/** Asserts that `secret` appears nowhere in the error as a person or a log would see it. */
function assertNoSecret(error: unknown, secret: string): void {
  for (const text of [
    String(error),
    (error as Error).message,
    (error as Error).stack ?? '',
    JSON.stringify(error),
    inspect(error, { depth: 10, showHidden: true }),
  ]) {
    assert.ok(!text.includes(secret), `secret found in: ${text}`);
  }
}

describe('credentials and configuration errors', () => {
  test('a wrong App-Token is a non-retryable configuration error that does not show the token', async (t) => {
    const sim = await simulator(t, { appToken: 'right-app-token-123' });
    const client = clientFor(sim, { appToken: 'wrong-app-token-XYZ' }, t);
    const error = await rejectionOf(client.openSession());
    assert.ok(error instanceof GlpiConfigError);
    assert.equal(error.code, 'APP_TOKEN_WRONG');
    assert.equal(error.retryable, false);
    assert.match(error.message, /App-Token/);
    assert.ok(NON_RETRYABLE_ERROR_TYPES.includes(error.name));
    assertNoSecret(error, 'wrong-app-token-XYZ');
    assertNoSecret(error, USER_TOKEN);
  });

  test('an App-Token GLPI does not expect is refused too', async (t) => {
    const sim = await simulator(t);
    await assert.rejects(clientFor(sim, { appToken: 'unexpected-token' }, t).ping(), { code: 'APP_TOKEN_WRONG' });
  });

  test('a wrong user token is a non-retryable credential error that does not show the token', async (t) => {
    const sim = await simulator(t);
    const client = clientFor(sim, { userToken: 'wrong-user-token-ABC' }, t);
    const error = await rejectionOf(client.ping());
    assert.ok(error instanceof GlpiAuthError);
    assert.equal(error.code, 'USER_TOKEN_REJECTED');
    assert.match(error.message, /user token/);
    assert.ok(NON_RETRYABLE_ERROR_TYPES.includes(error.name));
    assertNoSecret(error, 'wrong-user-token-ABC');
    assert.equal(sim.stats().sessionsOpened, 0);
  });

  test('a wrong password is a credential error that does not show the password', async (t) => {
    const sim = await simulator(t, { username: 'glpi-api', password: 'right-password' });
    const client = new GlpiClient(createGlpiConfig({ url: sim.url, username: 'glpi-api', password: 'wrong-pass-QQ' }));
    t.after(() => client.close());
    const error = await client.ping().catch((e: unknown) => e);
    assert.ok(error instanceof GlpiAuthError, String(error));
    assertNoSecret(error, 'wrong-pass-QQ');
    assertNoSecret(error, Buffer.from('glpi-api:wrong-pass-QQ').toString('base64'));
  });

  test('neither the client nor an open session shows a token when inspected or logged', async (t) => {
    const sim = await simulator(t, { appToken: 'app-token-for-inspect' });
    const client = clientFor(sim, { appToken: 'app-token-for-inspect' }, t);
    await client.withSession(async (session) => {
      for (const value of [client, session]) {
        const text = `${inspect(value, { depth: 12, showHidden: true })} ${JSON.stringify(value)}`;
        assert.ok(!text.includes(USER_TOKEN) && !text.includes('app-token-for-inspect'), text);
        assert.doesNotMatch(text, /\b[a-z0-9]{26}\b/, 'no session token'); // the simulator's token shape
      }
      return Promise.resolve();
    });
  });

  test('an entity switch failure is an error, and the session is still killed', async (t) => {
    const sim = await simulator(t, { faults: { failEntitySwitch: true } });
    const error = await clientFor(sim, {}, t)
      .openSession()
      .catch((e: unknown) => e);
    assert.ok(error instanceof GlpiAuthError, String(error));
    assert.equal(error.code, 'ENTITY_SWITCH_FAILED');
    assert.equal(sim.stats().sessionsKilled, 1);
    assert.equal(sim.stats().activeSessions, 0);
  });

  test('a URL that is not apirest.php is a configuration error', async (t) => {
    const sim = await simulator(t);
    const client = clientFor(sim, { url: sim.url.replace(/apirest\.php$/, 'nothing-here.php') }, t);
    await assert.rejects(client.ping(), (error: unknown) => error instanceof GlpiConfigError);
  });
});

describe('faults', () => {
  test('occasional 5xx, 429, malformed and HTML answers are absorbed', async (t) => {
    const sim = await simulator(t, {
      items: FAULT_ITEMS,
      faults: { seed: 5, errorRate: 0.1, rateLimitRate: 0.05, malformedRate: 0.05, htmlErrorRate: 0.05 },
    });
    const client = clientFor(sim, { maxUrlBytes: 1500, retryAttempts: 6 }, t);
    assertFaultResults(await lookup(client, FAULT_SERIALS));
    const faults = Object.values(sim.stats().faultsInjected).reduce((sum, n) => sum + n, 0);
    assert.ok(faults > 0, 'faults were injected');
  });

  const persistent: [string, SimulatorOptions['faults'], string][] = [
    ['5xx', { errorRate: 1 }, ''],
    ['malformed JSON', { malformedRate: 1 }, 'MALFORMED_RESPONSE'],
    ['HTML page with status 200', { htmlErrorRate: 1 }, 'HTML_RESPONSE'],
    ['429', { rateLimitRate: 1, retryAfterSeconds: 0 }, 'RATE_LIMITED'],
  ];
  for (const [name, faults, code] of persistent) {
    test(`persistent ${name}: GlpiUnavailableError, never not_found`, async (t) => {
      const sim = await simulator(t, { items: FAULT_ITEMS, faults });
      const error = await lookup(clientFor(sim, {}, t), FAULT_SERIALS).catch((e: unknown) => e);
      assert.ok(error instanceof GlpiUnavailableError, String(error));
      assert.equal(error.retryable, true);
      if (code) assert.equal(error.code, code);
      assert.equal(sim.stats().activeSessions, 0, 'session killed');
    });
  }

  test('429 Retry-After is honoured', async (t) => {
    const sim = await simulator(t, { items: FAULT_ITEMS, faults: { rateLimitRate: 1, retryAfterSeconds: 1 } });
    const client = clientFor(sim, { retryAttempts: 2 }, t);
    const started = Date.now();
    const error = await lookup(client, ['FLT-1']).catch((e: unknown) => e);
    assert.ok(error instanceof GlpiUnavailableError);
    assert.equal(error.code, 'RATE_LIMITED');
    assert.equal(error.retryAfterMs, 1000);
    assert.ok(Date.now() - started >= 1000, `${Date.now() - started} ms`);
    assert.equal(sim.stats().requests.search, 2);
  });

  test('a hanging GLPI times out as unavailable', async (t) => {
    const sim = await simulator(t, { items: FAULT_ITEMS });
    const client = clientFor(sim, { timeoutMs: 300, retryAttempts: 2 }, t);
    const session = await client.openSession();
    sim.setFaults({ hangRate: 1 });
    const error = await session.lookupSerials(['FLT-1']).catch((e: unknown) => e);
    await session.close();
    assert.ok(error instanceof GlpiUnavailableError, String(error));
    assert.equal(error.code, 'TIMEOUT');
  });

  test('GLPI down: GlpiUnavailableError, when opening and in the middle of a lookup', async (t) => {
    const sim = await simulator(t, { items: FAULT_ITEMS });
    const client = clientFor(sim, {}, t);
    const session = await client.openSession();
    sim.setFaults({ down: true });
    const error = await session.lookupSerials(FAULT_SERIALS).catch((e: unknown) => e);
    await session.close();
    assert.ok(error instanceof GlpiUnavailableError, String(error));
    assert.equal(error.code, 'NETWORK');
    await assert.rejects(client.ping(), (e: unknown) => e instanceof GlpiUnavailableError);
  });

  test('nothing listening: GlpiUnavailableError', async (t) => {
    const sim = await simulator(t);
    const client = clientFor(sim, {}, t);
    await sim.stop();
    await assert.rejects(client.ping(), { name: 'GlpiUnavailableError', code: 'NETWORK' });
  });
});
