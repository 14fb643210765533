/**
 * The scan strategy against a real GLPI: seeds awkward printers (white space, `& < >`, case,
 * duplicates, trash, a template), then classifies every serial GLPI holds (plus absent ones) both
 * ways — the searches (lookupSerials) and the scan (scanList, then the same candidate rule and the
 * same classification as the scan activity) — and compares them serial by serial. Prints both
 * wall times and request counts. Purges what it created.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createGlpiConfig, GlpiClient } from '../../src/glpi';
import { newCursor, type ScannedCard } from '../../src/glpi/scan';
import { selectCandidates } from '../../src/core/scan-match';
import { classifyDevice, DEFAULT_RULES } from '../../src/core/classify';
import { CONTRACT_PREFIX, contractEnv, GlpiAdmin } from './glpi-admin';

const env = contractEnv();
if (!env) throw new Error('run the contract suite with npm run test:contract (GLPI_CONTRACT_URL is not set)');

const RUN = `${CONTRACT_PREFIX}S${randomBytes(3).toString('hex').toUpperCase()}`;
let admin: GlpiAdmin;

before(async () => {
  admin = await GlpiAdmin.open(env);
  await admin.switchToAllEntities();
  const s = (k: string) => `${RUN}-${k}`;
  await admin.createPrinters([
    { name: s('clean'), serial: s('A') },
    { name: s('twin-spaced'), serial: ` ${s('A')}` },
    { name: s('trailing'), serial: `${s('B')}   ` },
    { name: s('tab'), serial: `\t${s('C')}` },
    { name: s('amp'), serial: `${s('D')}&<x>` },
    { name: s('dup1'), serial: s('E') },
    { name: s('dup2'), serial: s('e').toLowerCase() },
    { name: s('trashed'), serial: s('F'), trashed: true },
    { name: s('template'), serial: s('G'), isTemplate: true },
  ]);
});

after(async () => {
  await admin.purgeByPrefix(RUN);
  await admin.close();
});

test('a full check by scan classifies every serial as the searches do', async () => {
  const glpi = new GlpiClient(createGlpiConfig({ url: env.url, userToken: env.userToken, appToken: env.appToken }));
  after(() => glpi.close());

  // The scan: every live card and the trash, in memory here (the activity stores them in PostgreSQL).
  const cards: ScannedCard[] = [];
  let scanRequests = 0;
  const scanStarted = performance.now();
  await glpi.withSession(async (session) => {
    for (const trashed of [false, true]) {
      const cursor = await session.scanList(
        {
          itemtype: 'Printer',
          trashed,
          serialColumn: 'serial',
          onCards: (page) => {
            cards.push(...page.map((json) => JSON.parse(json) as ScannedCard));
            return Promise.resolve();
          },
        },
        newCursor(),
      );
      scanRequests += cursor.requests;
    }
  });
  const scanMs = performance.now() - scanStarted;

  const serials = [
    ...new Set(cards.filter((c) => c.serialNormalized !== null && !c.isDeleted).map((c) => c.serialNormalized!)),
    `${RUN}-ABSENT`,
    `${RUN}-F`,
    `${RUN}-G`,
  ];
  const bySerial = new Map<string, ScannedCard[]>();
  for (const card of cards) {
    if (card.serialNormalized === null) continue;
    bySerial.set(card.serialNormalized, [...(bySerial.get(card.serialNormalized) ?? []), card]);
  }

  // The search strategy as checkBatch runs it: the lookups (white-space pass included), then the
  // trash pass for what is still not found, both classified by the same rule module.
  const searchStarted = performance.now();
  const searched = new Map<string, ReturnType<typeof classifyDevice>>();
  await glpi.withSession(async (session) => {
    const lookups = await session.lookupSerials(serials);
    const notFound = serials.filter((serial) => lookups.get(serial)?.status === 'not_found');
    const inTrash = await session.trashPass(notFound);
    for (const serial of serials) {
      const lookup = lookups.get(serial);
      if (!lookup) continue;
      const live = lookup.items.map((card, i) => ({
        card,
        storedSerial: lookup.storedSerials?.[i] ?? card.serial ?? '',
      }));
      const trash = lookup.status === 'not_found' ? (inTrash.get(serial)?.items ?? []) : [];
      const facts = { serialNormalized: serial, name: null, model: null, location: null };
      searched.set(serial, classifyDevice(facts, live, trash, DEFAULT_RULES, Date.now()));
    }
  });
  const searchMs = performance.now() - searchStarted;

  let differences = 0;
  const examples: string[] = [];
  for (const serial of serials) {
    const candidates = (bySerial.get(serial) ?? []).map((c) => ({ ...c, storedSerial: c.storedSerial ?? '' }));
    const { live, trashed } = selectCandidates(serial, candidates);
    const result = classifyDevice(
      { serialNormalized: serial, name: null, model: null, location: null },
      live.map((c) => ({ card: c.item, storedSerial: c.storedSerial })),
      trashed.map((c) => c.item),
      DEFAULT_RULES,
      Date.now(),
    );
    try {
      assert.deepEqual(result, searched.get(serial));
    } catch (error) {
      if (differences++ < 3) examples.push(`${serial}: ${(error as Error).message}`);
    }
  }
  console.log(
    `scan: ${cards.length} cards in ${scanRequests} requests, ${scanMs.toFixed(0)} ms; ` +
      `search: ${serials.length} serials, ${searchMs.toFixed(0)} ms`,
  );
  assert.equal(differences, 0, examples.join('\n'));
  assert.equal(searched.get(`${RUN}-A`)?.items.length, 1, 'the clean card hides its spaced twin');
  assert.equal(searched.get(`${RUN}-E`)?.status, 'conflict');
  assert.deepEqual(
    searched.get(`${RUN}-F`)?.findings.map((f) => f.kind),
    ['only_in_trash'],
    'a trash-only serial says so',
  );
});
