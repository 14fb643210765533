/**
 * One serial that GLPI chokes on (an SQL error, as a quote in a value can cause on some
 * versions) must not take the others down: the chunk is bisected until the culprit is alone,
 * and only it gets status `error`. The simulator never fails on a value, so this uses a
 * minimal stand-in that does.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGlpiConfig, GlpiClient } from '../src/glpi';

const POISON = "BAD'1";

function startChokingGlpi(serials: Set<string>): Promise<{ url: string; searches: () => number; stop(): void }> {
  let searches = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', 'Accept-Range': 'Printer 1000' });
      res.end(JSON.stringify(body));
    };
    const endpoint = url.pathname.replace(/^\/apirest\.php\//, '');
    if (endpoint === 'initSession') return send(200, { session_token: 'abcdefghijklmnopqrstuvwxyz' });
    if (endpoint === 'changeActiveEntities' || endpoint === 'killSession') return send(200, true);
    if (endpoint !== 'search/Printer') return send(400, ['ERROR', 'unexpected']);
    searches++;
    const values = [...url.searchParams].filter(([key]) => /^criteria\[\d+\]\[value\]$/.test(key)).map(([, v]) => v);
    if (values.includes(POISON))
      return send(500, ['ERROR_SQL', 'Unexpected SQL Error : You have an error in your SQL syntax']);
    const rows = values
      .filter((value) => serials.has(value))
      .map((value) => ({ '2': [...serials].indexOf(value) + 1, '1': `PRN ${value}`, '5': value }));
    return send(200, { totalcount: rows.length, count: rows.length, data: rows });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/apirest.php`,
        searches: () => searches,
        stop: () => server.close(),
      });
    });
  });
}

test('a serial GLPI fails on gets status error; the others keep their real results', async (t) => {
  const known = Array.from({ length: 40 }, (_, i) => `OK-${i}`);
  const glpi = await startChokingGlpi(new Set(known));
  t.after(() => glpi.stop());
  const client = new GlpiClient(createGlpiConfig({ url: glpi.url, userToken: 'token' }));
  t.after(() => client.close());

  const results = await client.withSession((session) => session.lookupSerials([...known, POISON, 'ABSENT-1']));

  const poisoned = results.get(POISON);
  assert.equal(poisoned?.status, 'error');
  assert.match(poisoned?.error ?? '', /SQL/);
  for (const serial of known) assert.equal(results.get(serial)?.status, 'found', serial);
  assert.equal(results.get('ABSENT-1')?.status, 'not_found');
  // Bisection: about 2 log2(42) extra searches, not one per serial.
  assert.ok(glpi.searches() <= 15, `${glpi.searches()} searches`);
});
