/**
 * The web page over real HTTP against a real PostgreSQL (and, for live progress, the real
 * Temporal dev server): bad input gets a clear page with the right status and never a stack
 * trace; hostile inventory values come out escaped (HTML) and neutralised (CSV); the security
 * headers, the read-only methods and the optional authentication hold.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { checkAllDevices } from '../src/workflows';
import { loadConfig } from '../src/config';
import { createDb, type Db } from '../src/db/client';
import { insertDevices } from '../src/db/devices';
import { Secret } from '../src/redaction';
import { buildWebApp, type WebDeps } from '../src/web/server';
import { temporalLiveSource, type LiveSource } from '../src/web/live';
import type { WebAuth } from '../src/web/auth';
import { startWorker, temporalAddress, temporalClient, testDatabase, uniqueTaskQueue } from './support/services';
import { glpiFor, startSimulator } from './support/glpi';

const HOSTILE = {
  script: '<script>alert("xss")</script>',
  attribute: `"'><img src=x onerror=alert(1)>`,
  rtl: '\u202Eevil\u202C שלום עולם',
  formula: '=HYPERLINK("http://evil.example","click")',
  plus: '+1+cmd|" /C calc"!A0',
  at: '@SUM(1+1)',
  long: 'L'.repeat(5000),
};

const idle: LiveSource = {
  progress: () => Promise.resolve({ state: 'not_running', message: 'not asked' }),
  close: () => Promise.resolve(),
};

async function serve(deps: Partial<WebDeps> & { db: Db }): Promise<{ base: string; app: FastifyInstance }> {
  const app = await buildWebApp({
    live: idle,
    links: { glpiBase: 'https://glpi.example.org' },
    timeZone: 'UTC',
    auth: { kind: 'none' },
    ...deps,
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  after(() => app.close());
  return { base: address, app };
}

function assertNoStack(body: string) {
  assert.doesNotMatch(body, /\n\s+at .+\(.+:\d+:\d+\)/, 'no stack trace');
  assert.doesNotMatch(body, /node_modules|\.ts:\d+/, 'no source paths');
}

/** A raw request, for what fetch() will not send (a 100 kB request line). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web page over HTTP', async () => {
  const { db } = await testDatabase();
  await insertDevices(db, [
    { serial: 'SAFE-1', name: 'Ordinary printer', model: 'HP', location: 'Lyon', organisation: 'Org A' },
    {
      serial: HOSTILE.formula,
      name: HOSTILE.script,
      model: HOSTILE.attribute,
      location: HOSTILE.rtl,
      organisation: HOSTILE.plus,
    },
    { serial: 'HOSTILE-2', name: HOSTILE.at, model: HOSTILE.long, location: 'Lyon', organisation: 'Org A' },
  ]);
  const devices = await db.device.findMany({ orderBy: { id: 'asc' } });
  const run = await db.checkRun.create({
    data: {
      workflowId: 'nightly-http',
      runId: 'r1',
      trigger: 'schedule',
      status: 'completed_with_errors',
      finishedAt: new Date(),
      total: 3,
    },
  });
  await db.checkResult.createMany({
    data: [
      { checkRunId: run.id, deviceId: devices[0].id, status: 'found', glpiIds: [7] },
      {
        checkRunId: run.id,
        deviceId: devices[1].id,
        status: 'conflict',
        glpiIds: [8, 9],
        glpiItems: [{ itemtype: 'Printer', id: 8, name: HOSTILE.script, serial: HOSTILE.formula }],
        findings: [{ kind: 'serial_whitespace', itemtype: 'Printer', glpiId: 8, storedSerial: ` ${HOSTILE.script} ` }],
      },
      { checkRunId: run.id, deviceId: devices[2].id, status: 'error', glpiIds: [], errorMessage: HOSTILE.attribute },
    ],
  });
  const { base } = await serve({ db });

  test('hostile inventory values are escaped on every page and isolated as bidi text', async () => {
    for (const path of ['/', `/runs/${run.id}`, `/devices/${devices[1].id}`, `/devices/${devices[2].id}`]) {
      const response = await fetch(base + path);
      assert.equal(response.status, 200, path);
      const body = await response.text();
      assert.ok(!body.includes('<script>alert'), `${path}: no raw script tag`);
      assert.ok(!body.includes('<img src=x'), `${path}: no raw img tag`);
      if (path.startsWith('/runs/') || path === `/devices/${devices[1].id}`) {
        assert.ok(
          body.includes('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;'),
          `${path}: the script shows as text`,
        );
        assert.ok(
          body.includes(`<bdi>${'\u202E'}evil${'\u202C'} שלום עולם</bdi>`),
          `${path}: RTL text isolated in <bdi>`,
        );
      }
    }
    const device = await (await fetch(`${base}/devices/${devices[2].id}`)).text();
    assert.ok(device.includes(HOSTILE.long), 'a 5,000-character value is shown whole (the CSS wraps it)');
    assert.ok(device.includes('&quot;&#39;&gt;&lt;img src=x onerror=alert(1)&gt;'), 'attribute breakers are escaped');
  });

  test('CSV export: exactly the filtered devices, formula prefixes neutralised', async () => {
    const all = await fetch(`${base}/runs/${run.id}/devices.csv`);
    assert.equal(all.status, 200);
    assert.match(all.headers.get('content-type') ?? '', /^text\/csv/);
    assert.match(
      all.headers.get('content-disposition') ?? '',
      new RegExp(`attachment; filename="run-${run.id}-devices.csv"`),
    );
    const text = await all.text();
    const lines = text
      .replace(/^\ufeff/, '')
      .trimEnd()
      .split('\r\n');
    assert.equal(
      lines[0],
      'device_id,serial,name,model,location,organisation,status,glpi_ids,glpi_links,error,findings',
    );
    assert.equal(lines.length, 4, 'a header and three devices');
    const hostile = lines.find((l) => l.startsWith(`${devices[1].id},`))!;
    assert.ok(hostile.includes(`"'=HYPERLINK(""http://evil.example"",""click"")"`), hostile);
    assert.ok(hostile.includes(`"'+1+cmd|"" /C calc""!A0"`), 'a + prefix is neutralised');
    assert.ok(hostile.includes('https://glpi.example.org/front/printer.form.php?id=8'));
    const second = lines.find((l) => l.startsWith(`${devices[2].id},`))!;
    assert.ok(second.includes(`,'@SUM(1+1),`), 'an @ prefix is neutralised');

    const filtered = await (await fetch(`${base}/runs/${run.id}/devices.csv?status=conflict`)).text();
    const rows = filtered.trimEnd().split('\r\n').slice(1);
    assert.equal(rows.length, 1);
    assert.ok(rows[0].startsWith(`${devices[1].id},`));
    const byLocation = await (
      await fetch(`${base}/runs/${run.id}/devices.csv?location=Lyon&sort=serial&dir=desc`)
    ).text();
    assert.deepEqual(
      byLocation
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((l) => l.split(',')[1]),
      ['SAFE-1', 'HOSTILE-2'],
      'the filter and the order of the page',
    );
  });

  test('changes and missing cards: real data after two full checks, escaped and linked', async () => {
    const { db: fleet } = await testDatabase();
    await insertDevices(fleet, [
      { serial: 'FLEET-1', name: 'stays found' },
      { serial: 'FLEET-2', name: 'loses its card' },
      { serial: 'FLEET-3', name: 'gains a card' },
    ]);
    const [one, two, three] = await fleet.device.findMany({ orderBy: { id: 'asc' } });
    const stray = { id: 90, itemtype: 'Printer', name: HOSTILE.script, serial: 'STRAY-<1>', location: 'HQ > Floor 2' };
    const sim = await startSimulator({
      items: [
        { id: 10, itemtype: 'Printer', name: 'stays found', serial: 'FLEET-1' },
        { id: 20, itemtype: 'Printer', name: 'loses its card', serial: 'FLEET-2' },
        stray,
      ],
    });
    after(() => sim.stop());
    const { taskQueue } = await startWorker({ db: fleet, glpi: glpiFor(sim) });
    const client = await temporalClient();
    const check = (id: string) =>
      client.workflow.execute(checkAllDevices, { taskQueue, workflowId: `${id}-${taskQueue}`, args: [{}] });
    const first = await check('web-fleet-1');
    sim.setItems([
      { id: 10, itemtype: 'Printer', name: 'stays found', serial: 'FLEET-1' },
      { id: 30, itemtype: 'Printer', name: 'gains a card', serial: 'FLEET-3' },
      stray,
    ]);
    const second = await check('web-fleet-2');
    const { base: fleetBase } = await serve({ db: fleet });

    const firstPage = await (await fetch(`${fleetBase}/runs/${first.checkRunId}`)).text();
    assert.match(firstPage, /first completed full check: there is nothing to compare with/);

    const page = await (await fetch(`${fleetBase}/runs/${second.checkRunId}`)).text();
    assertNoStack(page);
    const section = (id: string) =>
      page.slice(page.indexOf(`<section id="${id}"`), page.indexOf('</section>', page.indexOf(`<section id="${id}"`)));
    const changes = section('changes');
    assert.ok(
      changes.includes(`Compared with run <a href="/runs/${first.checkRunId}">#${first.checkRunId}</a>`),
      changes,
    );
    assert.match(changes, /2 devices changed status/);
    assert.ok(changes.includes(`<a href="/devices/${two.id}?run=${second.checkRunId}">#${two.id}</a>`));
    assert.ok(changes.includes(`<a href="/devices/${three.id}?run=${second.checkRunId}">#${three.id}</a>`));
    assert.ok(!changes.includes(`/devices/${one.id}?`), 'an unchanged device is not listed');
    // not_found: one new (FLEET-2), one resolved (FLEET-3), none persisting.
    assert.match(
      changes,
      /not found<\/span><\/th><td class="num">1<\/td><td class="num">1<\/td><td class="num">0<\/td>/,
    );
    const missing = section('missing-cards');
    assert.match(missing, /1 card with a serial that no active device has; 0 without a serial/);
    assert.ok(missing.includes('href="https://glpi.example.org/front/printer.form.php?id=90"'), missing);
    assert.ok(missing.includes('&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;'), 'the card name is escaped');
    assert.ok(missing.includes('STRAY-&lt;1&gt;'), 'the serial is escaped');
    assert.ok(!missing.includes('<script>alert'));
  });

  test('unknown ids: a 404 page, no stack trace', async () => {
    for (const path of [
      '/runs/999999',
      '/runs/abc',
      '/runs/99999999999999',
      '/devices/424242',
      '/devices/-1',
      '/nowhere',
    ]) {
      const response = await fetch(base + path);
      assert.equal(response.status, 404, path);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      const body = await response.text();
      assert.match(body, /not found/i);
      assertNoStack(body);
    }
  });

  test('malformed filters: 400 naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['status=bogus', /status must be one of found, conflict, not_found, error/],
      ['sort=password', /sort must be one of/],
      ['dir=sideways', /dir must be one of asc, desc/],
      ['size=7', /size must be one of 25, 50, 100, 200/],
      ['status=found&status=error', /status is given more than once/],
      ['finding=made_up', /finding must be one of any, location_mismatch, model_mismatch, .*serial_whitespace/],
      ['after=not-a-number', /after is not a position/],
      ['sort=name&after=%%%', /after is not a position|Bad/],
      ['after=1&before=2', /give after or before/],
      [`q=${'x'.repeat(300)}`, /q is longer than 255 characters/],
      ['location=%00', /location holds a control character/],
    ];
    for (const [query, message] of cases) {
      const response = await fetch(`${base}/runs/${run.id}?${query}`);
      assert.equal(response.status, 400, query);
      const body = await response.text();
      assert.match(body, message, query);
      assertNoStack(body);
    }
    assert.equal((await fetch(`${base}/devices/${devices[0].id}?run=x`)).status, 400);
    assert.equal((await fetch(`${base}/?before=x`)).status, 400);
  });

  test('huge page positions: an empty page, not an error', async () => {
    const response = await fetch(`${base}/runs/${run.id}?after=2147483647`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /No more devices on this side of the list/);
    const sorted = Buffer.from(JSON.stringify(['\uffff'.repeat(50), 2147483647])).toString('base64url');
    assert.equal((await fetch(`${base}/runs/${run.id}?sort=name&after=${sorted}`)).status, 200);
    assert.equal((await fetch(`${base}/runs/${run.id}?after=99999999999`)).status, 400, 'beyond the id column');
  });

  test('a 100 kB query string: 414, and an 9 kB one too', async () => {
    const huge = await rawGet(base, `/runs/${run.id}?q=${'a'.repeat(100_000)}`);
    assert.equal(huge.status, 414);
    const long = await fetch(`${base}/runs/${run.id}?q=${'a'.repeat(9_000)}`);
    assert.equal(long.status, 414);
    assertNoStack(await long.text());
  });

  test('read-only: every method but GET and HEAD is 405 with Allow', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const response = await fetch(`${base}/runs/${run.id}`, { method, body: method === 'POST' ? 'x=1' : undefined });
      assert.equal(response.status, 405, method);
      assert.equal(response.headers.get('allow'), 'GET, HEAD');
    }
    const head = await fetch(`${base}/runs/${run.id}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
  });

  test('security headers on pages, assets, errors and CSV', async () => {
    for (const path of [
      '/',
      `/runs/${run.id}`,
      '/assets/web.js',
      '/assets/web.css',
      '/nowhere',
      `/runs/${run.id}/devices.csv`,
    ]) {
      const response = await fetch(base + path);
      await response.arrayBuffer();
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.match(csp, /frame-ancestors 'none'/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
      assert.equal(response.headers.get('server'), null, path);
      assert.equal(response.headers.get('x-powered-by'), null, path);
    }
    const page = await (await fetch(`${base}/runs/${run.id}`)).text();
    assert.doesNotMatch(page, /<script>|<script [^>]*>[^<]/, 'no inline script');
    assert.doesNotMatch(page, / style="/, 'no inline style (the CSP refuses them)');
  });

  const password = 'correct horse battery staple 42';
  const token = 'web-token-0123456789abcdef';
  const basic: WebAuth = { kind: 'basic', username: 'it-team', password: new Secret(password) };
  const basicBase = (await serve({ db, auth: basic })).base;
  const tokenBase = (await serve({ db, auth: { kind: 'token', token: new Secret(token) } })).base;

  describe('authentication', () => {
    const basicHeader = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

    test('basic: 401 with a challenge without or with wrong credentials, 200 with the right ones', async () => {
      const none = await fetch(`${basicBase}/`);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic realm=/);
      for (const header of [
        basicHeader('it-team', 'wrong'),
        basicHeader('someone', password),
        'Basic !!!',
        `Bearer ${password}`,
      ]) {
        assert.equal((await fetch(`${basicBase}/`, { headers: { authorization: header } })).status, 401, header);
      }
      const ok = await fetch(`${basicBase}/runs/${run.id}`, {
        headers: { authorization: basicHeader('it-team', password) },
      });
      assert.equal(ok.status, 200);
      const body = await ok.text();
      const headers = JSON.stringify([...ok.headers.entries()]);
      assert.ok(!body.includes(password) && !headers.includes(password), 'the password is on no page or header');
      assert.equal((await fetch(`${basicBase}/assets/web.css`)).status, 401, 'assets are protected too');
    });

    test('token: Bearer only, compared whole', async () => {
      assert.equal((await fetch(`${tokenBase}/`)).status, 401);
      assert.equal(
        (await fetch(`${tokenBase}/`, { headers: { authorization: `Bearer ${token.slice(0, -1)}` } })).status,
        401,
      );
      assert.equal((await fetch(`${tokenBase}/`, { headers: { authorization: `Bearer ${token}x` } })).status, 401);
      const ok = await fetch(`${tokenBase}/`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.ok(!(await ok.text()).includes(token));
    });
  });

  test('the database down: a 503 page within seconds, no stack trace', async () => {
    const down = createDb('postgresql://postgres@127.0.0.1:1/nowhere', { poolSize: 1, connectTimeoutMs: 2_000 });
    after(() => down.$disconnect());
    const lines: string[] = [];
    const { base: downBase } = await serve({ db: down, log: (line) => lines.push(line) });
    for (const path of ['/', `/runs/${run.id}`, `/devices/1`, `/runs/${run.id}/devices.csv`]) {
      const started = Date.now();
      const response = await fetch(downBase + path);
      const body = await response.text();
      assert.equal(response.status, 503, `${path}: ${body.slice(0, 200)}`);
      assert.ok(Date.now() - started < 8_000, 'no hang');
      assert.match(body, /The database does not answer right now/);
      assert.equal(response.headers.get('retry-after'), '30');
      assertNoStack(body);
    }
    assert.ok(
      lines.some((l) => l.includes('database unavailable')),
      'the service log says it',
    );
  });

  test('Temporal unreachable while a run is in progress: the page renders and says so', async () => {
    const running = await db.checkRun.create({
      data: { workflowId: 'still-running', runId: 'r2', trigger: 'manual', status: 'running', total: 3 },
    });
    await db.checkResult.create({
      data: { checkRunId: running.id, deviceId: devices[0].id, status: 'found', glpiIds: [7] },
    });
    const config = loadConfig({ TEMPORAL_ADDRESS: '127.0.0.1:1', ENV_FILE: 'none' });
    const live = temporalLiveSource(config);
    after(() => live.close());
    const { base: liveBase } = await serve({ db, live });
    const started = Date.now();
    const page = await fetch(`${liveBase}/runs/${running.id}`);
    assert.equal(page.status, 200);
    const body = await page.text();
    assert.ok(Date.now() - started < 6_000, 'no hang');
    assert.match(body, /Temporal cannot be reached: the progress is unknown/);
    assert.match(body, /127\.0\.0\.1:1/);
    assert.match(body, /1 of 3|Checked of 3/, 'the counts from the database are still shown');
    const json = (await (await fetch(`${liveBase}/runs/${running.id}/progress.json`)).json()) as { state: string };
    assert.equal(json.state, 'unreachable');
    await db.checkRun.update({ where: { id: running.id }, data: { status: 'cancelled', finishedAt: new Date() } });
  });

  test('a running check with no worker polling: the page says nothing moves, and why', async () => {
    const client = await temporalClient();
    const taskQueue = uniqueTaskQueue('web-no-worker');
    const workflowId = `web-no-worker-${taskQueue}`;
    await client.workflow.start(checkAllDevices, { taskQueue, workflowId, args: [{}] });
    after(() =>
      client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined),
    );
    const running = await db.checkRun.create({
      data: { workflowId, runId: 'r3', trigger: 'manual', status: 'running', total: 3 },
    });
    const config = loadConfig({ TEMPORAL_ADDRESS: temporalAddress(), TASK_QUEUE: taskQueue, ENV_FILE: 'none' });
    const live = temporalLiveSource(config);
    after(() => live.close());
    const { base: liveBase } = await serve({ db, live });
    const body = await (await fetch(`${liveBase}/runs/${running.id}`)).text();
    assert.match(body, /Waiting: no worker is polling/);
    assert.match(body, new RegExp(`no worker polls the task queue ${taskQueue}`));
    await db.checkRun.update({ where: { id: running.id }, data: { status: 'cancelled', finishedAt: new Date() } });
  });
});
