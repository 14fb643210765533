/**
 * Cards whose serial GLPI stores with stray white space (typed by hand): GLPI's `equals` misses
 * them, the client's second pass with `contains` finds them, each with a finding that names the
 * stored serial — and the pass stays within its request budget.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  generateInventory,
  startGlpiSimulator,
  type RunningSimulator,
  type SimItem,
  type SimulatorOptions,
} from '../src/dev/glpi-simulator';
import { createGlpiConfig, GlpiClient, type SerialLookup } from '../src/glpi';

const TOKEN = 'whitespace-user-token';

async function setup(
  t: TestContext,
  options: SimulatorOptions,
): Promise<{ sim: RunningSimulator; client: GlpiClient }> {
  const sim = await startGlpiSimulator({ userToken: TOKEN, ...options });
  const client = new GlpiClient(createGlpiConfig({ url: sim.url, userToken: TOKEN, retryBaseDelayMs: 10 }));
  t.after(async () => {
    client.close();
    await sim.stop();
  });
  return { sim, client };
}

const printer = (id: number, serial: string, extra: Partial<SimItem> = {}): SimItem => ({
  id,
  itemtype: 'Printer',
  name: `PRN-${id}`,
  serial,
  ...extra,
});

const ids = (result: SerialLookup | undefined): number[] => (result?.items ?? []).map((item) => item.id);

const ITEMS = [
  printer(1, '  WS-1  '),
  printer(2, 'WS-2\t'),
  printer(3, ' ws-3'),
  printer(4, 'WS-4   '),
  printer(5, 'CLEAN-5'),
  printer(6, '  XWS-6-2 '),
  printer(7, ' 50XOFF'),
  printer(8, '  A&B-8 '),
  printer(9, ' DUP-9'),
  printer(10, 'DUP-9\t'),
  printer(11, ' TRASHED-11', { isDeleted: true }),
  printer(12, '\tSUB-12', { entity: 'Root entity > Lyon', entityId: 1 }),
];

describe('the white-space pass', () => {
  test('cards stored with leading/trailing spaces or a TAB are found, each with a finding', async (t) => {
    const { sim, client } = await setup(t, { items: ITEMS });
    sim.resetStats();
    const results = await client.withSession((session) =>
      session.lookupSerials(['WS-1', 'ws-2', 'WS-3', 'WS-4', 'CLEAN-5', 'A&B-8', 'SUB-12']),
    );
    for (const [serial, id, stored] of [
      ['WS-1', 1, '  WS-1  '],
      ['WS-2', 2, 'WS-2\t'],
      ['WS-3', 3, ' ws-3'],
      ['WS-4', 4, 'WS-4   '],
      ['A&B-8', 8, '  A&B-8 '],
      ['SUB-12', 12, '\tSUB-12'],
    ] as const) {
      const result = results.get(serial);
      assert.equal(result?.status, 'found', serial);
      assert.deepEqual(ids(result), [id], serial);
      assert.deepEqual(result?.findings, [
        { kind: 'serial_whitespace', itemtype: 'Printer', glpiId: id, storedSerial: stored },
      ]);
    }
    assert.deepEqual(results.get('CLEAN-5')?.findings, []);
    // One exact search for all seven, one `contains` search for the five it missed.
    assert.equal(sim.stats().requests.search, 2);
  });

  test('it never matches look-alikes, wildcards or the trash; two white-space cards are a conflict', async (t) => {
    const { client } = await setup(t, { items: ITEMS });
    const results = await client.withSession((session) =>
      session.lookupSerials(['WS-6', '50%OFF', 'DUP-9', 'TRASHED-11', '%', 'MISSING']),
    );
    assert.equal(results.get('WS-6')?.status, 'not_found', 'XWS-6-2 contains WS-6 but is not it');
    assert.equal(results.get('50%OFF')?.status, 'not_found', '% matched 50XOFF in SQL, not after normalisation');
    assert.equal(results.get('DUP-9')?.status, 'conflict');
    assert.deepEqual(ids(results.get('DUP-9')), [9, 10]);
    assert.equal(results.get('DUP-9')?.findings.length, 2);
    assert.equal(results.get('TRASHED-11')?.status, 'not_found');
    assert.equal(results.get('%')?.status, 'not_found');
    assert.equal(results.get('MISSING')?.status, 'not_found');
  });

  test('whitespacePass: false leaves it to a later whitespacePass() call', async (t) => {
    const { sim, client } = await setup(t, { items: ITEMS });
    await client.withSession(async (session) => {
      const exact = await session.lookupSerials(['WS-1', 'CLEAN-5'], { whitespacePass: false });
      assert.equal(exact.get('WS-1')?.status, 'not_found');
      assert.equal(exact.get('CLEAN-5')?.status, 'found');
      sim.resetStats();
      const second = await session.whitespacePass(['WS-1', 'MISSING']);
      assert.deepEqual(ids(second.get('WS-1')), [1]);
      assert.equal(second.get('MISSING')?.status, 'not_found');
      assert.equal(sim.stats().requests.search, 1);
    });
  });

  test('a generated inventory with white-space cards is classified exactly, findings included', async (t) => {
    const inventory = generateInventory({ devices: 1500, seed: 5, awkwardSerials: true, whitespaceRate: 0.02 });
    const { client } = await setup(t, { items: inventory.items });
    const results = await client.withSession((session) =>
      session.lookupSerials(inventory.devices.map((device) => device.serial)),
    );
    let findings = 0;
    for (const [serial, expected] of inventory.expected) {
      const result = results.get(serial);
      assert.equal(result?.status, expected.status, serial);
      assert.deepEqual(ids(result), expected.glpiIds, serial);
      assert.deepEqual(
        result?.findings.map((f) => f.glpiId),
        expected.whitespaceIds ?? [],
        serial,
      );
      findings += result?.findings.length ?? 0;
    }
    assert.ok(findings >= 30, `${findings} findings`);
  });

  test('budget: with 3 % of serials unmatched by the exact search, a batch costs at most 10 % more requests', async (t) => {
    // A batch as the check activity runs it: one session, 100 serials per call without the pass,
    // then one white-space pass for the batch's unmatched serials.
    const inventory = generateInventory({
      devices: 500,
      seed: 9,
      conflictRate: 0.05,
      absentRate: 0.02,
      whitespaceRate: 0.01,
    });
    const { sim, client } = await setup(t, { items: inventory.items });
    const serials = inventory.devices.map((device) => device.serial);
    const runBatch = async (withPass: boolean): Promise<number> => {
      sim.resetStats();
      await client.withSession(async (session) => {
        const unmatched: string[] = [];
        for (let i = 0; i < serials.length; i += 100) {
          const results = await session.lookupSerials(serials.slice(i, i + 100), { whitespacePass: false });
          for (const result of results.values()) if (result.status === 'not_found') unmatched.push(result.serial);
        }
        assert.ok(unmatched.length >= 14 && unmatched.length <= 16, `${unmatched.length} unmatched of 500`);
        if (withPass) await session.whitespacePass(unmatched);
      });
      return sim.stats().total;
    };
    const before = await runBatch(false);
    const after = await runBatch(true);
    console.log(`# one batch of 500: ${before} GLPI requests without the white-space pass, ${after} with it`);
    assert.ok(after <= before * 1.1, `${after} requests instead of ${before}`);
  });
});
