/**
 * Secrets audit: checks run with distinctive credentials — a GLPI user token and app token, a
 * GLPI login and password, a database password, a wrong token — with DEBUG logging and GLPI
 * failing now and then. Then every place a value could end up is searched for them: the
 * workers' whole output, the workflow histories (payloads decoded), every row of every table,
 * the reports in every format, and the start-check command's JSON. Each search first proves it
 * had something to search, so that the audit cannot pass by looking at nothing.
 */
import { withPg } from '../src/db/pg';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { insertDevices } from '../src/db/devices';
import { generateInventory, startGlpiSimulator } from '../src/dev/glpi-simulator';
import { fetchChain } from './support/history';
import { ROOT, runTs } from './support/processes';
import { temporalAddress, temporalClient, testDatabase, uniqueTaskQueue } from './support/services';
import { spawnWorker, type WorkerProcess } from './support/worker-process';
import { selfSignedCert, startHttpReceiver, startSmtpReceiver } from './support/notify-receivers';

const SUFFIX = randomBytes(6).toString('hex');
const SECRETS = {
  userToken: `SECRET-USER-TOKEN-${SUFFIX}`,
  appToken: `SECRET-APP-TOKEN-${SUFFIX}`,
  glpiPassword: `SECRET-GLPI-PASSWORD-${SUFFIX}`,
  dbPassword: `SECRET-DB-PASSWORD-${SUFFIX}`,
  wrongToken: `SECRET-WRONG-TOKEN-${SUFFIX}`,
  webhookToken: `SECRET-WEBHOOK-TOKEN-${SUFFIX}`,
  chatToken: `SECRET-CHAT-TOKEN-${SUFFIX}`,
  hmacSecret: `SECRET-HMAC-${SUFFIX}`,
  smtpPassword: `SECRET-SMTP-PASSWORD-${SUFFIX}`,
};
const SMTP_USER = 'audit-mailer';
const GLPI_USERNAME = 'audit-operator';

/** Each secret as it could leak: itself, URL-encoded, Base64, and the Basic credentials of the login. */
function secretForms(): { name: string; form: string }[] {
  const forms: { name: string; form: string }[] = [];
  for (const [name, value] of Object.entries(SECRETS)) {
    forms.push({ name, form: value }, { name: `${name} (base64)`, form: Buffer.from(value).toString('base64') });
    if (encodeURIComponent(value) !== value)
      forms.push({ name: `${name} (url-encoded)`, form: encodeURIComponent(value) });
  }
  const basic = Buffer.from(`${GLPI_USERNAME}:${SECRETS.glpiPassword}`).toString('base64');
  forms.push({ name: 'Basic credentials', form: basic });
  return forms;
}

interface Material {
  label: string;
  text: string;
}

function leaksIn(material: Material[]): string[] {
  const hits: string[] = [];
  for (const { label, text } of material) {
    for (const { name, form } of secretForms()) if (text.includes(form)) hits.push(`${name} in ${label}`);
  }
  return hits;
}

/** A history as JSON with every payload's bytes decoded as text, where a secret would show. */
function historyText(history: unknown): string {
  return JSON.stringify(history, (_key, value: unknown) =>
    value instanceof Uint8Array
      ? Buffer.from(value).toString('utf8')
      : typeof value === 'bigint'
        ? String(value)
        : value,
  );
}

/** A login role of its own with a password, as a production deployment would connect. */
async function createPasswordRole(adminUrl: string, role: string, password: string): Promise<void> {
  const database = decodeURIComponent(new URL(adminUrl).pathname.slice(1));
  await withPg(adminUrl, async (pg) => {
    await pg.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
    await pg.query(`GRANT ALL ON DATABASE "${database}" TO "${role}"`);
    await pg.query(`GRANT ALL ON ALL TABLES IN SCHEMA public TO "${role}"`);
    await pg.query(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "${role}"`);
  });
}

async function dropRole(adminUrl: string, role: string): Promise<void> {
  await withPg(adminUrl, (pg) => pg.query(`DROP OWNED BY "${role}"`)).catch(() => undefined);
  const postgres = new URL(adminUrl);
  postgres.pathname = '/postgres';
  await withPg(postgres.toString(), (pg) => pg.query(`DROP ROLE IF EXISTS "${role}"`));
}

/** Every row of every table, one JSON object per row. */
async function dumpDatabase(adminUrl: string): Promise<{ text: string; rows: Record<string, number> }> {
  return withPg(adminUrl, async (pg) => {
    const tables = await pg.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const rows: Record<string, number> = {};
    const lines: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const result = await pg.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
      rows[table] = result.rows.length;
      for (const { row } of result.rows) lines.push(`${table}: ${row}`);
    }
    return { text: lines.join('\n'), rows };
  });
}

describe('secrets audit', () => {
  test(
    'no credential shows in logs, histories, the database, reports or CLI output',
    { timeout: 420_000 },
    async (t) => {
      const inventory = generateInventory({ devices: 300, seed: 31, awkwardSerials: true });
      const sim = await startGlpiSimulator({
        items: inventory.items,
        appToken: SECRETS.appToken,
        userToken: SECRETS.userToken,
        username: GLPI_USERNAME,
        password: SECRETS.glpiPassword,
        // Some searches fail, so that the client's error paths (retries, messages) run too. 0.3, not 0.1: a run
        // makes only ~20 searches, and at 0.1 a seeded order with no failure at all came up (a vacuous audit).
        faults: { errorRate: 0.3, seed: 31 },
      });
      after(() => sim.stop());

      const { url: adminUrl, db } = await testDatabase();
      await insertDevices(db, inventory.devices);
      const role = `glpi_audit_${process.pid}_${SUFFIX}`;
      await createPasswordRole(adminUrl, role, SECRETS.dbPassword);
      const databaseUrl = new URL(adminUrl);
      databaseUrl.username = role;
      databaseUrl.password = SECRETS.dbPassword;

      // A namespace of its own: start-check attaches to any running full check of its namespace.
      const namespace = `audit-${process.pid}-${SUFFIX}`;
      const base = await temporalClient();
      await base.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
      const client = new Client({ connection: base.connection, namespace });

      // The notification channels, with secrets in the webhook URLs, the HMAC key and the SMTP password.
      // The webhook fails once per run, the chat always refuses and echoes its URL (the token) in its answer.
      const cert = selfSignedCert();
      const webhook = await startHttpReceiver({
        path: `/hooks/${SECRETS.webhookToken}`,
        signingSecret: SECRETS.hmacSecret,
        answer: (r) => (r.index % 2 === 0 ? { status: 503, body: `busy at ${r.path}` } : { status: 200 }),
      });
      const chat = await startHttpReceiver({
        path: `/services/T0/B0/${SECRETS.chatToken}`,
        answer: (r) => ({ status: 403, body: `invalid token in ${r.path}` }),
      });
      const smtp = await startSmtpReceiver({ user: SMTP_USER, password: SECRETS.smtpPassword, cert });

      const env: NodeJS.ProcessEnv = {
        DATABASE_URL: databaseUrl.toString(),
        TEMPORAL_ADDRESS: temporalAddress(),
        TEMPORAL_NAMESPACE: namespace,
        TASK_QUEUE: uniqueTaskQueue('audit'),
        GLPI_URL: sim.url,
        GLPI_APP_TOKEN: SECRETS.appToken,
        GLPI_MAX_CONCURRENCY: '2',
        GLPI_RETRY_BASE_DELAY_MS: '20',
        LOG_LEVEL: 'DEBUG',
        CHECK_BATCH_SIZE: '100',
        CHECK_RETRY_INITIAL_SECONDS: '1',
        CHECK_HEARTBEAT_TIMEOUT_SECONDS: '5',
        NOTIFY_ON: 'always',
        NOTIFY_WEBHOOK_URL: webhook.url,
        NOTIFY_WEBHOOK_SECRET: SECRETS.hmacSecret,
        NOTIFY_CHAT_WEBHOOK_URL: chat.url,
        SMTP_URL: `smtp://${SMTP_USER}:${encodeURIComponent(SECRETS.smtpPassword)}@127.0.0.1:${smtp.port}`,
        SMTP_TLS_CA_FILE: cert.certFile,
        NOTIFY_EMAIL_TO: 'audit@example.org',
        NOTIFY_EMAIL_FROM: 'glpi-check@example.org',
        NOTIFY_RETRY_INITIAL_SECONDS: '1',
      };
      const credentialSets: { name: string; env: NodeJS.ProcessEnv; succeeds: boolean }[] = [
        // The searches are where the injected faults land (the simulator fails search requests), so the first
        // run asks for them; the second takes the default strategy (a scan of the 300 cards), so both ways of
        // reading GLPI go through the audit.
        {
          name: 'user token',
          env: { GLPI_USER_TOKEN: SECRETS.userToken, CHECK_STRATEGY: 'search' },
          succeeds: true,
        },
        { name: 'login and password', env: { GLPI_USERNAME, GLPI_PASSWORD: SECRETS.glpiPassword }, succeeds: true },
        { name: 'wrong token', env: { GLPI_USER_TOKEN: SECRETS.wrongToken }, succeeds: false },
      ];

      const material: Material[] = [];
      const runs: { workflowId: string; runId: string }[] = [];
      const workers: WorkerProcess[] = [];
      after(() => Promise.all(workers.map((w) => w.kill('SIGKILL'))).then(() => dropRole(adminUrl, role)));

      for (const credentials of credentialSets) {
        const runEnv = { ...env, ...credentials.env };
        const worker = spawnWorker(runEnv);
        workers.push(worker);
        await worker.ready;
        const started = await runTs('src/cli/start-check.ts', ['--json'], runEnv);
        material.push({ label: `start-check --json (${credentials.name})`, text: started.stdout + started.stderr });
        assert.equal(started.code, 0, `start-check started the ${credentials.name} run:\n${started.stderr}`);
        const { workflowId, runId } = JSON.parse(started.stdout) as { workflowId: string; runId: string };
        runs.push({ workflowId, runId });
        const outcome = await client.workflow
          .getHandle(workflowId, runId)
          .result()
          .then(
            () => 'completed',
            (error: Error) => `failed: ${error.message} ${String((error.cause as Error | undefined)?.message)}`,
          );
        assert.equal(outcome.startsWith('completed'), credentials.succeeds, `the ${credentials.name} run: ${outcome}`);
        material.push({ label: `workflow outcome (${credentials.name})`, text: outcome });
        // The run's notifications, once every channel is delivered or failed.
        const notifyId = `notify-${workflowId}-${runId}`;
        const notifyHandle = client.workflow.getHandle(notifyId);
        const deliveries: unknown = await notifyHandle.result();
        material.push({ label: `notification outcome (${credentials.name})`, text: JSON.stringify(deliveries) });
        runs.push({ workflowId: notifyId, runId: (await notifyHandle.describe()).runId });
        const status = await runTs('src/cli/start-check.ts', ['--status', workflowId, '--json'], runEnv);
        material.push({
          label: `start-check --status --json (${credentials.name})`,
          text: status.stdout + status.stderr,
        });
        await worker.kill('SIGTERM');
        material.push({ label: `worker output (${credentials.name})`, text: worker.output() });
      }

      // Every run notified every channel, through the error paths: what the receivers got is searched too
      // (bodies, headers and messages; not the URL a receiver was called at, which is its own).
      assert.equal(webhook.processed.size, credentialSets.length, 'each run reached the webhook');
      assert.ok(
        webhook.requests.some((r) => r.answered === 503),
        'the webhook failed once per run',
      );
      assert.ok(
        webhook.requests.every((r) => r.signatureValid === true),
        'every webhook request was signed',
      );
      assert.equal(chat.requests.length, credentialSets.length, 'each run reached the chat, which refused it');
      assert.equal(smtp.accepted.length, credentialSets.length, 'each run sent one e-mail');
      for (const r of [...webhook.requests, ...chat.requests]) {
        material.push({ label: `webhook request ${r.index}`, text: JSON.stringify(r.headers) + r.body });
      }
      for (const m of smtp.received) material.push({ label: `e-mail ${m.messageId}`, text: m.raw });
      const doctor = await runTs('src/cli/doctor.ts', ['--json'], { ...env, GLPI_USER_TOKEN: SECRETS.userToken });
      assert.match(doctor.stdout, /"name": "notifications"/);
      assert.match(doctor.stdout, /chat webhook 127\.0\.0\.1:\d+ answered HTTP 403: invalid token in \[redacted\]/);
      material.push({ label: 'doctor --json', text: doctor.stdout + doctor.stderr });

      // The workers really logged at DEBUG, through the error paths, and the failed run says why.
      const logs = material.filter((m) => m.label.startsWith('worker output')).map((m) => m.text);
      for (const log of logs) assert.ok(/Worker polling task queue/.test(log), 'each worker printed its banner');
      const allLogs = logs.join('\n');
      assert.ok((allLogs.match(/ DEBUG /g) ?? []).length > 50, 'the workers logged at DEBUG level');
      assert.ok(/DEBUG GLPI request/.test(allLogs), 'the GLPI requests were logged');
      assert.ok((sim.stats().faultsInjected.error ?? 0) > 0, 'GLPI answered with errors');
      assert.ok(/WARN {2}GLPI unavailable, retrying/.test(allLogs), 'the retries were logged');
      assert.ok(/Check failed/.test(allLogs), 'the failed run was logged');
      // Log fields are printed whole now (src/logging.ts): the failures carry their error, redacted.
      assert.ok(/Activity failed .*error="?Glpi\w+Error: /.test(allLogs), 'activity failures carry the error kind');
      assert.match(material.find((m) => m.label === 'workflow outcome (wrong token)')!.text, /token/i);

      let events = 0;
      for (const run of runs) {
        for (const execution of await fetchChain(client, run.workflowId, run.runId)) {
          events += execution.history.events?.length ?? 0;
          material.push({
            label: `history of ${run.workflowId}/${execution.runId}`,
            text: historyText(execution.history),
          });
        }
      }
      assert.ok(events > 40, `the histories have events to search (${events})`);

      const dump = await dumpDatabase(adminUrl);
      assert.ok(
        (dump.rows.check_results ?? 0) >= 2 * inventory.devices.length,
        `every table dumped: ${JSON.stringify(dump.rows)}`,
      );
      assert.ok((dump.rows.check_runs ?? 0) >= 2, 'the run rows were dumped');
      const strategies = (dump.text.match(/"strategy":"\w+"/g) ?? []).sort();
      assert.deepEqual(strategies, ['"strategy":"scan"', '"strategy":"search"'], 'one run searched, one scanned');
      assert.ok((dump.rows.scan_cards ?? 0) > 0, 'the cards the scans read were dumped');
      assert.equal(dump.rows.notification_deliveries, 3 * credentialSets.length, 'the delivery records were dumped');
      material.push({ label: 'database dump', text: dump.text });

      const reportCli = join(ROOT, 'src', 'cli', 'report.ts');
      if (existsSync(reportCli)) {
        const runIds = await withPg(adminUrl, async (pg) =>
          (await pg.query<{ id: number }>('SELECT id FROM check_runs ORDER BY id')).rows.map((r) => r.id),
        );
        for (const id of runIds) {
          for (const format of ['json', 'html', 'csv', 'text']) {
            const report = await runTs('src/cli/report.ts', ['--run', String(id), '--format', format], env);
            assert.equal(report.code, 0, `report of run ${id} as ${format}: ${report.stderr}`);
            // A run that failed while planning (the wrong token) has a closed row and no results: its CSV is the header alone.
            if (format !== 'csv' || id !== runIds[runIds.length - 1])
              assert.ok(report.stdout.length > 100, `the ${format} report of run ${id} has content`);
            material.push({ label: `report --run ${id} --format ${format}`, text: report.stdout + report.stderr });
          }
        }
      } else {
        t.diagnostic('src/cli/report.ts does not exist yet: reports not audited');
      }

      // The search itself finds a planted secret, in any of its forms.
      const basic = Buffer.from(`${GLPI_USERNAME}:${SECRETS.glpiPassword}`).toString('base64');
      const planted = [{ label: 'control', text: `Authorization: Basic ${basic} ${SECRETS.dbPassword}` }];
      const control = leaksIn(planted);
      for (const expected of ['dbPassword in control', 'Basic credentials in control']) {
        assert.ok(control.includes(expected), `the search finds a planted secret (${expected}): ${control.join(', ')}`);
      }

      const hits = leaksIn(material);
      const searched = material.reduce((sum, m) => sum + m.text.length, 0);
      t.diagnostic(
        `searched ${material.length} outputs, ${(searched / 1024).toFixed(0)} KB, for ${secretForms().length} forms`,
      );
      assert.deepEqual(hits, [], 'no secret appears anywhere');
    },
  );
});
