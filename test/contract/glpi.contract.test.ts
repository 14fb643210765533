/**
 * The contract suite: the project's own GLPI client against a real GLPI given by the environment
 * (`npm run test:contract`; see test/contract/run.ts). It seeds its own printers through the API —
 * awkward serials, duplicates, trash, a template, a sub-entity — checks every classification and
 * finding, and purges what it created, also after a failure (and what an earlier crashed run left).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  createGlpiConfig,
  GlpiAuthError,
  GlpiClient,
  GlpiConfigError,
  type GlpiConfigOptions,
  type SerialLookup,
} from '../../src/glpi';
import { normaliseSerial } from '../../src/core/serial';
import { CONTRACT_PREFIX, contractEnv, GlpiAdmin, type PrinterSpec } from './glpi-admin';

const env = contractEnv();
if (!env) throw new Error('run the contract suite with npm run test:contract (GLPI_CONTRACT_URL is not set)');

/** This run's prefix: unique, so parallel or crashed runs never mix their printers. */
const RUN = `${CONTRACT_PREFIX}${randomBytes(3).toString('hex').toUpperCase()}`;
const s = (suffix: string): string => `${RUN}-${suffix}`;

function client(overrides: Partial<GlpiConfigOptions> = {}): GlpiClient {
  const glpi = new GlpiClient(
    createGlpiConfig({
      url: env!.url,
      userToken: env!.userToken,
      appToken: env!.appToken,
      retryBaseDelayMs: 50,
      ...overrides,
    }),
  );
  after(() => glpi.close());
  return glpi;
}

async function lookup(glpi: GlpiClient, serials: string[]): Promise<Map<string, SerialLookup>> {
  return glpi.withSession((session) => session.lookupSerials(serials));
}

/** What the suite seeds: name → spec, and the ids GLPI gave them. */
const seeded = new Map<string, { spec: PrinterSpec; id: number }>();
let subEntityId: number | null = null;
let admin: GlpiAdmin;

function idOf(name: string): number {
  const entry = seeded.get(name);
  assert.ok(entry, `${name} was not seeded`);
  return entry.id;
}

before(async () => {
  admin = await GlpiAdmin.open(env);
  const leftovers = await admin.purgeByPrefix(CONTRACT_PREFIX);
  if (leftovers.printers + leftovers.entities > 0) {
    console.log(`# purged leftovers of earlier runs: ${leftovers.printers} printers, ${leftovers.entities} entities`);
  }
  subEntityId = await admin.createEntity(`${RUN} sub-entity`);
  const specs: PrinterSpec[] = [
    { name: s('exact'), serial: s('EXACT') },
    { name: s('case'), serial: `${RUN.toLowerCase()}-café-ä` },
    { name: s('markup'), serial: s('A&B<C>') },
    { name: s('dup-1'), serial: s('DUP') },
    { name: s('dup-2'), serial: s('DUP') },
    { name: s('trash-only'), serial: s('TRASH-ONLY'), trashed: true },
    { name: s('trash-live'), serial: s('TRASH-LIVE') },
    { name: s('trash-dead'), serial: s('TRASH-LIVE'), trashed: true },
    { name: s('template'), serial: s('TEMPLATE'), isTemplate: true },
    { name: s('percent'), serial: s('50%OFF') },
    { name: s('percent-decoy'), serial: s('50XOFF') },
    { name: s('substring'), serial: s('AB12') },
    { name: s('substring-decoy'), serial: s('XAB12-2') },
    { name: s('ws-both'), serial: `  ${s('WS-BOTH')}  ` },
    { name: s('ws-tab'), serial: `${s('WS-TAB')}\t` },
    { name: s('ws-leading'), serial: ` ${s('WS-LEAD')}` },
    { name: s('ws-trailing'), serial: `${s('WS-TRAIL')}   ` },
    { name: s('ws-inner'), serial: `${RUN}-WS  INNER` },
    { name: s('ws-dup-clean'), serial: s('WS-DUP') },
    { name: s('root'), serial: s('ROOT') },
    ...Array.from({ length: 5 }, (_, i) => ({ name: s(`page-${i}`), serial: s('PAGE') })),
    ...(subEntityId === null ? [] : [{ name: s('sub'), serial: s('SUB'), entityId: subEntityId }]),
  ];
  const ids = await admin.createPrinters(specs);
  specs.forEach((spec, i) => seeded.set(spec.name, { spec, id: ids[i] }));
});

after(async () => {
  if (!admin) return;
  const purged = await admin.purgeByPrefix(RUN);
  await admin.close();
  console.log(`# purged ${purged.printers} printers and ${purged.entities} entities of run ${RUN}`);
});

describe('GLPI stores what was typed', () => {
  test('whitespace, & < > and case are kept (and & < > HTML-encoded only in the default answer)', async () => {
    assert.equal(await admin.storedSerial(idOf(s('ws-both'))), `  ${s('WS-BOTH')}  `);
    assert.equal(await admin.storedSerial(idOf(s('ws-tab'))), `${s('WS-TAB')}\t`);
    assert.equal(await admin.storedSerial(idOf(s('markup'))), s('A&B<C>'));
  });
});

describe('classification through the project client', () => {
  let results: Map<string, SerialLookup>;
  const get = (raw: string): SerialLookup => {
    const result = results.get(normaliseSerial(raw));
    assert.ok(result, `no result for ${JSON.stringify(raw)}`);
    return result;
  };
  const ids = (raw: string): number[] => get(raw).items.map((item) => item.id);

  before(async () => {
    results = await lookup(client(), [
      s('exact'),
      s('EXACT'),
      `${RUN}-CAFE-A`,
      s('a&b<c>'),
      s('DUP'),
      s('TRASH-ONLY'),
      s('TRASH-LIVE'),
      s('TEMPLATE'),
      s('50%OFF'),
      s('AB12'),
      s('WS-BOTH'),
      s('WS-TAB'),
      s('WS-LEAD'),
      s('WS-TRAIL'),
      `${RUN}-WS  INNER`,
      `${RUN}-WS INNER`,
      s('WS-DUP'),
      s('MISSING'),
      ` ${s('ROOT')} `,
      ...(subEntityId === null ? [] : [s('SUB')]),
    ]);
  });

  test('exact, case and accents', () => {
    assert.equal(get(s('EXACT')).status, 'found');
    assert.deepEqual(ids(s('EXACT')), [idOf(s('exact'))]);
    assert.deepEqual(ids(`${RUN}-CAFE-A`), [idOf(s('case'))]);
    assert.equal(get(` ${s('ROOT')} `).status, 'found', 'the inventory spelling is trimmed too');
  });

  test('& < > are found, and returned decoded', () => {
    const markup = get(s('a&b<c>'));
    assert.equal(markup.status, 'found');
    assert.equal(markup.items[0].serial, s('A&B<C>'));
  });

  test('duplicates are a conflict with every id; trash and templates do not count', () => {
    assert.equal(get(s('DUP')).status, 'conflict');
    assert.deepEqual(
      ids(s('DUP')),
      [idOf(s('dup-1')), idOf(s('dup-2'))].sort((a, b) => a - b),
    );
    assert.equal(get(s('TRASH-ONLY')).status, 'not_found');
    assert.deepEqual(ids(s('TRASH-LIVE')), [idOf(s('trash-live'))]);
    assert.equal(get(s('TEMPLATE')).status, 'not_found');
  });

  test('% and substrings never match look-alikes', () => {
    assert.deepEqual(ids(s('50%OFF')), [idOf(s('percent'))]);
    assert.deepEqual(ids(s('AB12')), [idOf(s('substring'))]);
    assert.equal(get(s('MISSING')).status, 'not_found');
  });

  test('cards stored with stray whitespace are found, each with a finding naming the stored serial', () => {
    for (const [device, card, stored] of [
      [s('WS-BOTH'), s('ws-both'), `  ${s('WS-BOTH')}  `],
      [s('WS-TAB'), s('ws-tab'), `${s('WS-TAB')}\t`],
      [s('WS-LEAD'), s('ws-leading'), ` ${s('WS-LEAD')}`],
      [s('WS-TRAIL'), s('ws-trailing'), `${s('WS-TRAIL')}   `],
    ]) {
      const result = get(device);
      assert.equal(result.status, 'found', device);
      assert.deepEqual(ids(device), [idOf(card)]);
      assert.deepEqual(result.findings, [
        { kind: 'serial_whitespace', itemtype: 'Printer', glpiId: idOf(card), storedSerial: stored },
      ]);
    }
    assert.deepEqual(get(s('EXACT')).findings, [], 'a clean card has no finding');
  });

  test('inner spaces are part of the serial: doubled spaces match only doubled spaces', () => {
    assert.deepEqual(ids(`${RUN}-WS  INNER`), [idOf(s('ws-inner'))]);
    assert.equal(get(`${RUN}-WS INNER`).status, 'not_found');
  });

  test('a card in a sub-entity is found after the switch to all entities', (t) => {
    if (subEntityId === null) return t.skip('the contract user may not create entities');
    assert.deepEqual(ids(s('SUB')), [idOf(s('sub'))]);
  });
});

describe('paging and request limits', () => {
  test('a conflict wider than one page is read page by page (206, Content-Range)', async () => {
    const paged = await lookup(client({ pageSize: 2 }), [s('PAGE')]);
    const result = paged.get(normaliseSerial(s('PAGE')));
    assert.equal(result?.status, 'conflict');
    assert.equal(result?.items.length, 5);
  });

  test("more criteria than PHP's max_input_vars: the client reads Accept-Range and splits", async () => {
    const serials = [s('EXACT'), s('DUP'), ...Array.from({ length: 400 }, (_, i) => s(`NONE-${i}`))];
    const many = await lookup(client({ maxInputVars: 5000, maxUrlBytes: 60_000 }), serials);
    assert.equal(many.get(normaliseSerial(s('EXACT')))?.status, 'found');
    assert.equal(many.get(normaliseSerial(s('DUP')))?.status, 'conflict');
    assert.equal([...many.values()].filter((r) => r.status === 'not_found').length, 400);
  });
});

describe('scope and errors as GLPI answers them', () => {
  test('ping: user, version and the entities in scope', async () => {
    const ping = await client().ping();
    assert.ok(ping.user, 'the user is exposed');
    assert.match(ping.glpiVersion ?? '', /^\d+\.\d+/);
    assert.ok(ping.scope.entities.length >= 1);
    if (subEntityId !== null) {
      assert.ok(
        ping.scope.entities.some((e) => e.id === subEntityId),
        'the new sub-entity is in scope',
      );
    }
  });

  test('a narrow user (non-recursive profile on the root) is told its scope; sub-entity cards stay invisible', async (t) => {
    if (!env.narrowToken) return t.skip('GLPI_CONTRACT_NARROW_TOKEN is not set');
    const narrow = client({ userToken: env.narrowToken });
    const ping = await narrow.ping();
    assert.equal(ping.scope.complete, false);
    assert.deepEqual(
      ping.scope.entities.map((e) => e.id),
      [0],
    );
    const found = await lookup(narrow, [s('ROOT'), ...(subEntityId === null ? [] : [s('SUB')])]);
    assert.equal(found.get(normaliseSerial(s('ROOT')))?.status, 'found');
    if (subEntityId !== null) assert.equal(found.get(normaliseSerial(s('SUB')))?.status, 'not_found');
    await assert.rejects(client({ userToken: env.narrowToken, requireFullScope: true }).ping(), (error) => {
      assert.ok(error instanceof GlpiConfigError);
      assert.equal(error.code, 'SCOPE_INCOMPLETE');
      assert.match(error.message, /GLPI_REQUIRE_FULL_SCOPE/);
      return true;
    });
  });

  test('a wrong user token is a credentials error naming GLPI_USER_TOKEN', async () => {
    await assert.rejects(client({ userToken: 'wrongtoken0123456789' }).ping(), (error) => {
      assert.ok(error instanceof GlpiAuthError);
      assert.equal(error.code, 'USER_TOKEN_REJECTED');
      assert.match(error.message, /GLPI_USER_TOKEN/);
      return true;
    });
  });

  test('a wrong App-Token is a configuration error naming GLPI_APP_TOKEN', async () => {
    await assert.rejects(client({ appToken: 'wrongapptoken0123456789' }).ping(), (error) => {
      assert.ok(error instanceof GlpiConfigError);
      assert.equal(error.code, 'APP_TOKEN_WRONG');
      return true;
    });
  });

  const origin = new URL(env.url).origin;
  const apiPath = new URL(env.url).pathname.replace(/\/apirest\.php$/, '');
  for (const [label, url] of [
    ['the GLPI base URL', `${origin}${apiPath}`],
    ['index.php', `${origin}${apiPath}/index.php`],
    ['a GLPI 11 URL on this server', `${origin}${apiPath}/api.php/v1`],
    ['a path the web server does not have', `${origin}${apiPath}/no-such-dir/apirest.php`],
  ] as const) {
    test(`GLPI_URL set to ${label}: a configuration error naming GLPI_URL, never "unavailable"`, async () => {
      await assert.rejects(client({ url }).ping(), (error) => {
        assert.ok(error instanceof GlpiConfigError, `${(error as Error).name}: ${(error as Error).message}`);
        assert.equal(error.variable, 'GLPI_URL');
        assert.match(error.message, /GLPI_URL/);
        assert.match(error.message, /apirest\.php/);
        assert.doesNotMatch(error.message, new RegExp(env.userToken));
        return true;
      });
    });
  }

  test('an itemtype GLPI does not know is a configuration error', async () => {
    await assert.rejects(lookup(client({ itemtypes: ['NoSuchItemtype'] }), [s('EXACT')]), (error) => {
      assert.ok(error instanceof GlpiConfigError);
      assert.equal(error.code, 'ENDPOINT_REJECTED');
      return true;
    });
  });
});
