/**
 * What the client says when GLPI_URL is wrong, when the web server drops the token, and when the
 * API user does not see every entity — each as GLPI 10.0.19 really answered, on the simulator.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startGlpiSimulator, type RunningSimulator, type SimulatorOptions } from '../src/dev/glpi-simulator';
import { createGlpiConfig, GlpiClient, GlpiConfigError, type GlpiConfigOptions } from '../src/glpi';
import { errorFromBadBody, errorFromGlpiCode, errorFromHttpStatus } from '../src/glpi/http-errors';
import { main as glpiCli } from '../src/cli/glpi';
import { EXIT } from '../src/cli/run';

const TOKEN = 'diagnostics-user-token-4471';

async function simulator(t: TestContext, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startGlpiSimulator({ userToken: TOKEN, ...options });
  t.after(() => sim.stop());
  return sim;
}

function client(t: TestContext, options: Partial<GlpiConfigOptions> & { url: string }): GlpiClient {
  const glpi = new GlpiClient(createGlpiConfig({ userToken: TOKEN, retryBaseDelayMs: 10, ...options }));
  t.after(() => glpi.close());
  return glpi;
}

async function configError(promise: Promise<unknown>): Promise<GlpiConfigError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof GlpiConfigError, `${(error as Error).name}: ${(error as Error).message}`);
    assert.doesNotMatch(error.message, new RegExp(TOKEN));
    return error;
  }
  assert.fail('expected a configuration error');
}

/** `glpi …` in-process, with its own environment and captured output. */
async function cli(args: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await glpiCli(args, env, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const origin = (sim: RunningSimulator): string => sim.url.replace(/\/apirest\.php$/, '');

describe('a GLPI_URL that is not the API', () => {
  test('the GLPI base URL and index.php: the login page, a configuration error naming GLPI_URL and the fix', async (t) => {
    const sim = await simulator(t);
    for (const url of [origin(sim), `${origin(sim)}/index.php`]) {
      sim.resetStats();
      const error = await configError(client(t, { url }).ping());
      assert.equal(error.code, 'URL_IS_WEB_INTERFACE');
      assert.equal(error.variable, 'GLPI_URL');
      assert.ok(error.message.includes(`probably ${sim.url}`), error.message);
      assert.doesNotMatch(error.message, /database|unavailable/i);
      assert.equal(sim.stats().total, 1, 'not retried');
    }
  });

  test("behind GLPI's public/ web root: the 403 is a configuration error too", async (t) => {
    const sim = await simulator(t, { webLayout: 'public' });
    const error = await configError(client(t, { url: origin(sim) }).ping());
    assert.equal(error.code, 'URL_FORBIDDEN');
    assert.match(error.message, /HTTP 403/);
    assert.ok(error.message.includes(sim.url), error.message);
  });

  test("GLPI 11's /api.php/v1 on a GLPI 10: 404, with the apirest.php URL to use; on GLPI 11 it works", async (t) => {
    const v10 = await simulator(t);
    const error = await configError(client(t, { url: `${origin(v10)}/api.php/v1` }).ping());
    assert.equal(error.code, 'URL_NOT_FOUND');
    assert.match(error.message, /GLPI 11/);
    assert.ok(error.message.includes(v10.url), error.message);
    const v11 = await simulator(t, { glpiVersion: '11' });
    const ping = await client(t, { url: `${origin(v11)}/api.php/v1` }).ping();
    assert.equal(ping.scope.complete, true);
  });

  test('glpi ping with the base URL: one line, the configuration exit code', async (t) => {
    const sim = await simulator(t);
    const run = await cli(['ping'], { GLPI_URL: origin(sim), GLPI_USER_TOKEN: TOKEN });
    assert.equal(run.code, EXIT.configuration);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^glpi: GLPI_URL points at GLPI's web interface/);
    assert.doesNotMatch(run.stderr, /unavailable|database/i);
  });

  test("GLPI's maintenance page is still an outage, not a configuration error", async (t) => {
    const sim = await simulator(t, { items: [{ id: 1, itemtype: 'Printer', name: 'P', serial: 'M-1' }] });
    const glpi = client(t, { url: sim.url, retryAttempts: 1 });
    sim.setFaults({ htmlErrorRate: 1 });
    await assert.rejects(
      glpi.withSession((session) => session.lookupSerials(['M-1'])),
      (error: Error) => error.name === 'GlpiUnavailableError',
    );
  });
});

describe('a web server that drops the Authorization header', () => {
  test('the token "missing" gets its own message with the web-server fix, never the token', async (t) => {
    const sim = await simulator(t, { stripAuthorization: true });
    const error = await configError(client(t, { url: sim.url }).ping());
    assert.equal(error.code, 'USER_TOKEN_NOT_RECEIVED');
    assert.match(error.message, /drops the Authorization header/);
    assert.match(error.message, /CGIPassAuth On/);
    assert.match(error.message, /GLPI_USER_TOKEN_IN_QUERY/);
  });

  test('GLPI_USER_TOKEN_IN_QUERY=true sends it as a query parameter instead (opt-in)', async (t) => {
    const sim = await simulator(t, { stripAuthorization: true });
    const ping = await client(t, { url: sim.url, userTokenInQuery: true }).ping();
    assert.equal(ping.user, 'glpi-check');
  });
});

describe('entity scope', () => {
  const items = [
    { id: 1, itemtype: 'Printer', name: 'P1', serial: 'ROOT-1' },
    { id: 2, itemtype: 'Printer', name: 'P2', serial: 'LYON-1', entity: 'Root entity > Lyon', entityId: 1 },
  ];
  const technician = [{ id: 6, name: 'Technician', entities: [{ id: 0, recursive: false }] }];

  test('a recursive Super-Admin: every entity in scope, no warning', async (t) => {
    const sim = await simulator(t, { items });
    const run = await cli(['ping'], { GLPI_URL: sim.url, GLPI_USER_TOKEN: TOKEN });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^OK: /);
    assert.match(run.stdout, /2 entities in scope: Root entity, Root entity > Lyon$/m);
  });

  test('a non-recursive profile on the root: ping warns, names the entities in scope, exits with the warning code', async (t) => {
    const sim = await simulator(t, { items, profiles: technician });
    const scope = (await client(t, { url: sim.url }).ping()).scope;
    assert.equal(scope.complete, false);
    assert.deepEqual(scope.entities, [{ id: 0, name: 'Root entity' }]);
    assert.match(scope.reason ?? '', /profile Technician is not recursive on Root entity, and GLPI has other entities/);

    const run = await cli(['ping'], { GLPI_URL: sim.url, GLPI_USER_TOKEN: TOKEN });
    assert.equal(run.code, EXIT.failed, 'a warning');
    assert.match(
      run.stdout,
      /^WARNING: 1 entity in scope: Root entity — devices outside them can only be `not_found` \(profile Technician/m,
    );
    const json = await cli(['ping', '--json'], { GLPI_URL: sim.url, GLPI_USER_TOKEN: TOKEN });
    assert.equal(json.code, EXIT.failed);
    assert.equal((JSON.parse(json.stdout) as { scope: { complete: boolean } }).scope.complete, false);
  });

  test('GLPI_REQUIRE_FULL_SCOPE=true: the same scope is a configuration error', async (t) => {
    const sim = await simulator(t, { items, profiles: technician });
    const run = await cli(['ping'], { GLPI_URL: sim.url, GLPI_USER_TOKEN: TOKEN, GLPI_REQUIRE_FULL_SCOPE: 'true' });
    assert.equal(run.code, EXIT.configuration);
    assert.match(run.stderr, /does not see every entity \(1 entity in scope: Root entity;/);
    assert.match(run.stderr, /GLPI_REQUIRE_FULL_SCOPE/);
  });

  test('a single-entity GLPI with a non-recursive profile: no false warning', async (t) => {
    const sim = await simulator(t, { items: [items[0]], profiles: technician, multiEntity: false });
    const scope = (await client(t, { url: sim.url }).ping()).scope;
    assert.equal(scope.complete, true, scope.reason);
  });

  test('a profile on a sub-entity only: the root is out of sight', async (t) => {
    const sim = await simulator(t, {
      items,
      profiles: [{ id: 8, name: 'Lyon desk', entities: [{ id: 1, recursive: true }] }],
    });
    const scope = (await client(t, { url: sim.url }).ping()).scope;
    assert.equal(scope.complete, false);
    assert.deepEqual(
      scope.entities.map((e) => e.name),
      ['Root entity > Lyon'],
    );
    assert.match(scope.reason ?? '', /does not see the root entity/);
  });
});

describe('every non-API answer maps to one error kind, never to not_found, never with a token', () => {
  const url = 'https://glpi.example.org/glpi';
  const secret = 'tok-5e1f2d3c4b5a';
  const ctx = (endpoint: string) => ({ method: 'GET', endpoint, url, secrets: [secret] });
  const login =
    '<!DOCTYPE html><html><head><title>Authentication - GLPI</title></head><body>GLPI internal database</body></html>';
  const cases: [string, () => Error, string, string][] = [
    [
      'the login page (200)',
      () => errorFromBadBody(200, 'text/html', login, ctx('initSession')),
      'GlpiConfigError',
      'URL_IS_WEB_INTERFACE',
    ],
    [
      'the login page mid-run',
      () => errorFromBadBody(200, 'text/html', login, ctx('search/Printer')),
      'GlpiConfigError',
      'URL_IS_WEB_INTERFACE',
    ],
    [
      'a proxy page (200) at login',
      () => errorFromBadBody(200, 'text/html', '<html><body>Portal</body></html>', ctx('initSession')),
      'GlpiConfigError',
      'URL_NOT_API',
    ],
    [
      'maintenance (200)',
      () => errorFromBadBody(200, 'text/html', '<html>MAINTENANCE MODE</html>', ctx('initSession')),
      'GlpiUnavailableError',
      'HTML_RESPONSE',
    ],
    [
      'Mysql Error (200)',
      () => errorFromBadBody(200, 'text/html', '<html><h1>Mysql Error</h1></html>', ctx('search/Printer')),
      'GlpiUnavailableError',
      'HTML_RESPONSE',
    ],
    [
      'an empty 200',
      () => errorFromBadBody(200, 'application/json', '', ctx('search/Printer')),
      'GlpiUnavailableError',
      'MALFORMED_RESPONSE',
    ],
    [
      '403 with an empty body',
      () => errorFromHttpStatus(403, { 'content-type': 'text/html' }, '', ctx('initSession')),
      'GlpiConfigError',
      'URL_FORBIDDEN',
    ],
    [
      'a 404 page',
      () => errorFromHttpStatus(404, { 'content-type': 'text/html' }, '<h1>Not Found</h1>', ctx('initSession')),
      'GlpiConfigError',
      'URL_NOT_FOUND',
    ],
    [
      '502 from a proxy',
      () => errorFromHttpStatus(502, { 'content-type': 'text/html' }, '<h1>Bad Gateway</h1>', ctx('search/Printer')),
      'GlpiUnavailableError',
      'SERVER_ERROR',
    ],
    [
      '500 empty (PHP fatal)',
      () => errorFromHttpStatus(500, {}, '', ctx('search/Printer')),
      'GlpiUnavailableError',
      'SERVER_ERROR',
    ],
    [
      'range past the total',
      () =>
        errorFromGlpiCode(
          'ERROR_RANGE_EXCEED_TOTAL',
          `Provided range exceed total count of data: 2 ${secret}`,
          400,
          ctx('search/Printer'),
        ),
      'GlpiRequestError',
      'BAD_REQUEST',
    ],
  ];
  for (const [label, make, kind, code] of cases) {
    test(`${label} → ${kind} ${code}`, () => {
      const error = make() as Error & { code: string };
      assert.equal(error.name, kind);
      assert.equal(error.code, code);
      assert.ok(!error.message.includes(secret), error.message);
      if (kind === 'GlpiConfigError') assert.match(error.message, /GLPI_URL/);
    });
  }
});

describe('glpi find shows the findings', () => {
  test('a card stored with stray white space: found, with the sentence naming the stored serial and the card', async (t) => {
    const sim = await simulator(t, { items: [{ id: 10, itemtype: 'Printer', name: 'PRN-10', serial: '  X-1  ' }] });
    const run = await cli(['find', 'x-1'], { GLPI_URL: sim.url, GLPI_USER_TOKEN: TOKEN });
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.match(run.stdout, /^X-1: found\n {2}Printer #10 PRN-10 \(serial ␠␠X-1␠␠, entity Root entity\)/);
    assert.match(run.stdout, /\n {2}finding: GLPI stores this serial as `␠␠X-1␠␠`: fix it on card #10$/);
    const json = await cli(['find', 'x-1', '--json'], { GLPI_URL: sim.url, GLPI_USER_TOKEN: TOKEN });
    assert.deepEqual((JSON.parse(json.stdout) as { findings: unknown[] }[])[0].findings, [
      { kind: 'serial_whitespace', itemtype: 'Printer', glpiId: 10, storedSerial: '  X-1  ' },
    ]);
  });
});
