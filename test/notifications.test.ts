/**
 * Notifications on the real parts: the Temporal dev server, PostgreSQL, the GLPI simulator, a
 * local HTTP receiver and a real SMTP server (smtp-server, STARTTLS on a self-signed certificate,
 * password login). Exactly one delivery per run and channel across failing attempts and a worker
 * SIGKILLed mid-send; every kind of channel failure recorded with its reason while the check
 * itself is untouched; the missed-night watchdog started by its own Schedule.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { Notification } from '../src/core/notifications';
import { loadConfig, ConfigError, type Env } from '../src/config';
import { deliveriesOf } from '../src/db/notifications';
import { countUnknownCards } from '../src/db/unknown-cards';
import { checkNotifications } from '../src/doctor/checks';
import { loadNotifyConfig } from '../src/notify/config';
import { ensureSchedule, watchdogScheduleId, watchdogScheduleOptions } from '../src/schedule';
import { checkAllDevices, notifyRun } from '../src/workflows';
import type { DeliveryOutcome } from '../src/workflows/notify';
import { glpiFor, inventoryOnBothSides, TEST_USER_TOKEN } from './support/glpi';
import {
  selfSignedCert,
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type SmtpReceiver,
} from './support/notify-receivers';
import { startWorker, temporalAddress, temporalClient, uniqueTaskQueue } from './support/services';
import { spawnWorker } from './support/worker-process';
import { runTs } from './support/processes';

const SMTP_USER = 'notifier';
const SMTP_PASSWORD = `smtp-pass-${randomBytes(4).toString('hex')}`;
const HMAC_SECRET = `hmac-${randomBytes(8).toString('hex')}`;

function smtpUrl(smtp: SmtpReceiver, password = SMTP_PASSWORD): string {
  return `smtp://${SMTP_USER}:${encodeURIComponent(password)}@127.0.0.1:${smtp.port}`;
}

/** Runs a full check and waits for its notification workflow; returns both outcomes. */
async function checkAndNotify(client: Client, taskQueue: string, workflowId: string) {
  const handle = await client.workflow.start(checkAllDevices, {
    taskQueue,
    workflowId,
    args: [{ batchSize: 50, trigger: 'manual' }],
  });
  const report = await handle.result();
  const notify = client.workflow.getHandle<typeof notifyRun>(`notify-${workflowId}-${handle.firstExecutionRunId}`);
  const outcomes: DeliveryOutcome[] = await notify.result();
  return { report, runId: handle.firstExecutionRunId, outcomes };
}

function body(receiver: HttpReceiver, index: number): Notification {
  return JSON.parse(receiver.requests[index].body) as Notification;
}

describe('notifications', { timeout: 600_000 }, () => {
  test('webhook, chat and e-mail: one delivery each per run, through failing attempts and recoveries', async (t) => {
    const { inv, sim, db } = await inventoryOnBothSides(60, 5);
    const cert = selfSignedCert();
    // The webhook answers 503 twice, then 200; the chat 500 once; the mail server refuses the sender once (451).
    const webhook = await startHttpReceiver({
      answer: (r) => (r.index < 2 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' }),
      signingSecret: HMAC_SECRET,
    });
    const chat = await startHttpReceiver({
      answer: (r) => (r.index < 1 ? { status: 500 } : { status: 200, body: 'ok' }),
    });
    const smtp = await startSmtpReceiver({
      user: SMTP_USER,
      password: SMTP_PASSWORD,
      cert,
      rejectSender: { code: 451, text: 'try again later', times: 1 },
    });
    const env: Env = {
      NOTIFY_WEBHOOK_URL: webhook.url,
      NOTIFY_WEBHOOK_SECRET: HMAC_SECRET,
      NOTIFY_CHAT_WEBHOOK_URL: chat.url,
      SMTP_URL: smtpUrl(smtp),
      SMTP_TLS_CA_FILE: cert.certFile,
      NOTIFY_EMAIL_TO: 'ops@example.org,inventory@example.org',
      NOTIFY_EMAIL_FROM: 'glpi-check@example.org',
      NOTIFY_RETRY_INITIAL_SECONDS: '1',
      NOTIFY_TIMEOUT_MS: '5000',
      NOTIFY_MAX_PROBLEMS: '3',
      // The chat hears of every run; the others only of changes (the default).
      NOTIFY_CHAT_ON: 'always',
      TEMPORAL_UI_URL: 'http://temporal-ui.example:8233',
      WEB_PUBLIC_URL: 'https://printers.example.org/',
    };
    const { taskQueue } = await startWorker({
      db,
      glpi: glpiFor(sim),
      notify: { config: loadNotifyConfig(env), glpiWebBase: sim.url.replace(/\/apirest\.php$/, '') },
    });
    const client = await temporalClient();

    const first = await checkAndNotify(client, taskQueue, `notify-e2e-1-${taskQueue}`);
    assert.equal(first.report.status, 'completed');
    assert.deepEqual(
      first.outcomes.map((o) => [o.channel, o.delivered]),
      [
        ['webhook', true],
        ['chat', true],
        ['email', true],
      ],
    );

    // Webhook: three attempts, one key, one processed; the body says what happened.
    assert.equal(webhook.requests.length, 3);
    const keys = new Set(webhook.requests.map((r) => r.headers['idempotency-key']));
    assert.deepEqual([...keys], [`run:notify-e2e-1-${taskQueue}:${first.runId}:webhook`]);
    assert.equal(webhook.processed.size, 1);
    assert.ok(
      webhook.requests.every((r) => r.signatureValid === true),
      'every attempt is signed with the secret',
    );
    assert.equal(new Set(webhook.requests.map((r) => r.body)).size, 1, 'every attempt sends the same body');
    const sent = body(webhook, 2);
    assert.equal(sent.kind, 'run');
    assert.equal(sent.outcome, 'completed');
    assert.equal(sent.checkRunId, first.report.checkRunId);
    assert.equal(sent.totals?.total, 60);
    assert.equal(sent.totals?.conflicts, inv.counts.conflict);
    assert.equal(sent.totals?.notFound, inv.counts.not_found);
    assert.equal(sent.changes?.previous, null, 'the first full check has nothing to compare with');
    const problems = inv.counts.conflict + inv.counts.not_found;
    assert.equal(sent.changes?.newProblemsTotal, problems);
    assert.equal(sent.changes?.newProblems.length, Math.min(3, problems));
    assert.equal(sent.changes?.newProblems[0].status, 'conflict', 'conflicts come first');
    // The device's web page first (WEB_PUBLIC_URL, its trailing slash dropped), then its GLPI cards.
    const firstProblem = sent.changes.newProblems[0];
    assert.equal(
      firstProblem.links[0],
      `https://printers.example.org/devices/${firstProblem.deviceId}?run=${first.report.checkRunId}`,
    );
    assert.equal(firstProblem.links.length, 1 + firstProblem.glpiIds.length);
    assert.match(firstProblem.links[1], /\/front\/printer\.form\.php\?id=\d+$/);
    assert.equal(sent.links.report, `https://printers.example.org/runs/${first.report.checkRunId}`);
    // The reverse check ran with the check: its counts travel with the message.
    assert.deepEqual(sent.changes.unknownCards, await countUnknownCards(db, first.report.checkRunId));
    assert.deepEqual(sent.changes.findings, {}, 'no finding moved: there is nothing to compare with');
    assert.equal(
      sent.links.temporalUi,
      `http://temporal-ui.example:8233/namespaces/default/workflows/notify-e2e-1-${taskQueue}/${first.runId}`,
    );
    assert.ok(!JSON.stringify(sent).includes('SECRET-PATH-TOKEN'), 'the body does not carry the URL');

    // Chat: Slack's JSON, two attempts, one processed.
    assert.equal(chat.requests.length, 2);
    assert.equal(chat.processed.size, 1);
    const chatText = (JSON.parse(chat.requests[1].body) as { text: string }).text;
    assert.match(chatText, /^\*GLPI device check completed: 60\/60 devices/);
    assert.match(chatText, /Temporal UI>/);

    // E-mail: refused once (451), then accepted once, over STARTTLS with the login, text + HTML.
    assert.equal(smtp.mailFromAttempts, 2);
    assert.equal(smtp.accepted.length, 1);
    const mail = smtp.accepted[0];
    assert.equal(mail.secure, true, 'STARTTLS');
    assert.equal(mail.user, SMTP_USER);
    assert.deepEqual(mail.to, ['ops@example.org', 'inventory@example.org']);
    assert.match(mail.raw, /Content-Type: multipart\/alternative/);
    assert.match(mail.raw, /Content-Type: text\/plain/);
    assert.match(mail.raw, /Content-Type: text\/html/);
    assert.match(mail.raw, /^Subject: GLPI device check completed/m);
    assert.match(mail.messageId ?? '', /^<[0-9a-f]{40}@example\.org>$/);

    // What a real delivery looks like, for whoever reads the test output.
    for (const line of [...webhook.log, ...chat.log, ...smtp.log]) t.diagnostic(line);
    t.diagnostic(`webhook body: ${webhook.requests[2].body}`);
    t.diagnostic(`e-mail as received:\n${mail.raw}`);

    const rows = await deliveriesOf(db, { checkRunId: first.report.checkRunId });
    assert.deepEqual(
      rows.map((r) => [r.channel, r.status, r.attempts, r.lastError]),
      [
        ['webhook', 'delivered', 3, null],
        ['chat', 'delivered', 2, null],
        ['email', 'delivered', 2, null],
      ],
    );

    // The same inventory again: nothing changed, so under `change` only the chat (always) hears of it.
    const second = await checkAndNotify(client, taskQueue, `notify-e2e-2-${taskQueue}`);
    assert.deepEqual(
      second.outcomes.map((o) => o.channel),
      ['chat'],
    );
    assert.equal(webhook.requests.length, 3, 'no webhook for an unchanged night');
    assert.equal(smtp.accepted.length, 1, 'no e-mail for an unchanged night');
    const secondChat = JSON.parse(chat.requests[2].body) as { text: string };
    assert.match(secondChat.text, /Compared with run \d+ .*: 0 new problem\(s\), 0 resolved/);
    const secondRows = await deliveriesOf(db, { checkRunId: second.report.checkRunId });
    assert.deepEqual(
      secondRows.map((r) => [r.channel, r.status]),
      [
        ['webhook', 'skipped'],
        ['chat', 'delivered'],
        ['email', 'skipped'],
      ],
    );

    // A GLPI card disappears: a change (a new not_found), so the webhook and the e-mail hear of it, with the delta.
    const found = await db.checkResult.findFirstOrThrow({
      where: { checkRunId: second.report.checkRunId, status: 'found' },
      select: { glpiIds: true, device: { select: { serial: true } } },
    });
    // And another found device's card moves to a place its inventory row does not name: a new location_mismatch.
    const moved = await db.checkResult.findFirstOrThrow({
      where: {
        checkRunId: second.report.checkRunId,
        status: 'found',
        glpiIds: { isEmpty: false },
        device: { location: { not: null } },
        NOT: { glpiIds: { hasSome: found.glpiIds } },
      },
      select: { glpiIds: true },
    });
    sim.setItems(
      sim
        .items()
        .filter((item) => !found.glpiIds.includes(item.id))
        .map((item) => (item.id === moved.glpiIds[0] ? { ...item, location: 'Annex > Basement' } : item)),
    );
    const third = await checkAndNotify(client, taskQueue, `notify-e2e-3-${taskQueue}`);
    assert.deepEqual(
      third.outcomes.map((o) => o.channel),
      ['webhook', 'chat', 'email'],
    );
    const change = body(webhook, 3);
    assert.equal(change.changes?.deltas?.notFound, 1);
    assert.equal(change.changes?.deltas?.found, -1);
    assert.equal(change.changes?.newProblemsTotal, 1);
    assert.equal(change.changes?.newProblems[0].serial, found.device.serial);
    assert.equal(change.changes?.newProblems[0].previousStatus, 'found');
    assert.equal(change.changes?.findings.location_mismatch?.new, 1, JSON.stringify(change.changes?.findings));
    const changeChat = (JSON.parse(chat.requests.at(-1)!.body) as { text: string }).text;
    assert.match(changeChat, /Findings new \(\+\) and resolved \(-\): [^\n]*location_mismatch \+1/);
    assert.equal(smtp.accepted.length, 2);
  });

  test('a worker SIGKILLed mid-send: the next attempt sends again with the same key, one message processed', async () => {
    const { sim, db, url } = await inventoryOnBothSides(20, 9);
    const cert = selfSignedCert();
    // The first attempt on each channel hangs (the worker is killed under it), the next ones are answered.
    const webhook = await startHttpReceiver({
      answer: (r) => (r.index === 0 ? { status: 200, delayMs: 120_000 } : { status: 200 }),
    });
    const smtp = await startSmtpReceiver({
      user: SMTP_USER,
      password: SMTP_PASSWORD,
      cert,
      dataDelayMs: (index) => (index === 0 ? 120_000 : 0),
    });
    const taskQueue = uniqueTaskQueue('notify-kill');
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporalAddress(),
      TASK_QUEUE: taskQueue,
      GLPI_URL: sim.url,
      GLPI_USER_TOKEN: TEST_USER_TOKEN,
      LOG_LEVEL: 'INFO',
      NOTIFY_ON: 'always',
      NOTIFY_WEBHOOK_URL: webhook.url,
      SMTP_URL: smtpUrl(smtp),
      SMTP_TLS_CA_FILE: cert.certFile,
      NOTIFY_EMAIL_TO: 'ops@example.org',
      NOTIFY_EMAIL_FROM: 'glpi-check@example.org',
      NOTIFY_RETRY_INITIAL_SECONDS: '1',
      NOTIFY_TIMEOUT_MS: '60000',
    };
    const first = spawnWorker(env);
    await first.ready;
    const client = await temporalClient();
    const workflowId = `notify-kill-${taskQueue}`;
    const handle = await client.workflow.start(checkAllDevices, {
      taskQueue,
      workflowId,
      args: [{ trigger: 'manual' }],
    });
    const report = await handle.result();
    assert.equal(report.status, 'completed', 'the check ended before any channel was tried');

    await Promise.all([webhook.waitForRequests(1), smtp.waitForData(1)]);
    await first.kill('SIGKILL');
    assert.equal(webhook.requests[0].answered, null, 'the first webhook attempt was never answered');
    const during = await deliveriesOf(db, { workflowId });
    assert.deepEqual(
      during.map((r) => [r.channel, r.status, r.attempts]),
      [
        ['webhook', 'sending', 1],
        ['email', 'sending', 1],
      ],
      'the killed attempts are on record',
    );

    const second = spawnWorker(env);
    await second.ready;
    const outcomes = await client.workflow
      .getHandle<typeof notifyRun>(`notify-${workflowId}-${handle.firstExecutionRunId}`)
      .result();
    await second.kill('SIGTERM');
    assert.deepEqual(
      outcomes.map((o) => [o.channel, o.delivered]),
      [
        ['webhook', true],
        ['email', true],
      ],
    );
    assert.equal(webhook.requests.length, 2);
    assert.equal(webhook.requests[0].aborted, true, 'the killed worker hung up on the first attempt');
    assert.equal(
      new Set(webhook.requests.map((r) => r.headers['idempotency-key'])).size,
      1,
      'one key for both attempts',
    );
    assert.equal(webhook.processed.size, 1, 'the receiver processed one notification');
    assert.equal(smtp.received.length, 2);
    assert.equal(smtp.accepted.length, 1, 'the mail server accepted one message');
    assert.equal(smtp.received[0].messageId, smtp.received[1].messageId, 'both attempts carry one Message-ID');
    const rows = await deliveriesOf(db, { workflowId });
    assert.deepEqual(
      rows.map((r) => [r.channel, r.status, r.attempts]),
      [
        ['webhook', 'delivered', 2],
        ['email', 'delivered', 2],
      ],
    );
    assert.match(second.output(), /Notification delivered/);
  });

  test('bad channels: bounded retries, a clear reason per channel, the check untouched', async () => {
    const { sim, db, url } = await inventoryOnBothSides(20, 13);
    const cert = selfSignedCert();
    const notFound = await startHttpReceiver({ answer: () => ({ status: 404, body: 'no_service' }) });
    const rejecting = await startSmtpReceiver({
      user: SMTP_USER,
      password: SMTP_PASSWORD,
      cert,
      rejectSender: { code: 550, text: 'sender not allowed', times: Infinity },
    });
    const tlsWebhook = await startHttpReceiver({ tls: cert });
    const slow = await startHttpReceiver({ answer: () => ({ status: 200, delayMs: 5_000 }) });
    const untrusted = await startSmtpReceiver({ user: SMTP_USER, password: SMTP_PASSWORD, cert });
    // A port nothing listens on: bound, then closed.
    const closed = await startHttpReceiver({});
    const closedUrl = closed.url;
    await closed.close();
    const closedPort = new URL(closedUrl).port;
    const common: Env = {
      NOTIFY_ON: 'always',
      NOTIFY_RETRY_INITIAL_SECONDS: '1',
      NOTIFY_MAX_ATTEMPTS: '2',
      NOTIFY_TIMEOUT_MS: '1000',
      NOTIFY_EMAIL_TO: 'ops@example.org',
      NOTIFY_EMAIL_FROM: 'glpi-check@example.org',
    };
    const cases: { env: Env; expected: [string, number, RegExp][] }[] = [
      {
        env: {
          NOTIFY_WEBHOOK_URL: closedUrl,
          NOTIFY_CHAT_WEBHOOK_URL: notFound.url,
          SMTP_URL: smtpUrl(rejecting),
          SMTP_TLS_CA_FILE: cert.certFile,
        },
        expected: [
          ['webhook', 2, new RegExp(`^webhook 127\\.0\\.0\\.1:${closedPort} cannot be reached \\(ECONNREFUSED\\)$`)],
          ['chat', 1, /^chat webhook 127\.0\.0\.1:\d+ answered HTTP 404: no_service \(check the URL and its token\)$/],
          ['email', 1, /^SMTP 127\.0\.0\.1:\d+ answered 550 to MAIL: sender not allowed/],
        ],
      },
      {
        env: { NOTIFY_WEBHOOK_URL: tlsWebhook.url, NOTIFY_CHAT_WEBHOOK_URL: slow.url, SMTP_URL: smtpUrl(untrusted) },
        expected: [
          [
            'webhook',
            2,
            /^webhook 127\.0\.0\.1:\d+: TLS failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
          ],
          ['chat', 2, /^chat webhook 127\.0\.0\.1:\d+ did not answer within 1000 ms$/],
          ['email', 2, /^SMTP 127\.0\.0\.1:\d+: TLS failed \(.*self-signed certificate/],
        ],
      },
    ];
    const client = await temporalClient();
    for (const [i, c] of cases.entries()) {
      const { taskQueue } = await startWorker({
        db,
        glpi: glpiFor(sim),
        notify: { config: loadNotifyConfig({ ...common, ...c.env }) },
      });
      const run = await checkAndNotify(client, taskQueue, `notify-bad-${i}-${taskQueue}`);
      assert.equal(run.report.status, 'completed', 'a failing channel does not fail the check');
      assert.equal(run.report.checked, 20);
      assert.deepEqual(
        run.outcomes.map((o) => o.delivered),
        [false, false, false],
      );
      const rows = await deliveriesOf(db, { checkRunId: run.report.checkRunId });
      for (const [channel, attempts, reason] of c.expected) {
        const row = rows.find((r) => r.channel === channel)!;
        assert.equal(row.status, 'failed', `${channel} is failed`);
        assert.equal(row.attempts, attempts, `${channel}: ${attempts} attempt(s)`);
        assert.match(row.lastError ?? '', reason, `${channel}'s reason`);
        assert.ok(!(row.lastError ?? '').includes('SECRET-PATH-TOKEN'), 'the reason never shows the URL path');
        assert.ok(!(row.lastError ?? '').includes(SMTP_PASSWORD), 'nor the password');
      }
      const dbRun = await db.checkRun.findUniqueOrThrow({ where: { id: run.report.checkRunId } });
      assert.equal(dbRun.status, 'completed');
    }
    assert.equal(untrusted.accepted.length, 0);
    assert.ok(slow.requests.length === 2, 'the slow receiver got two attempts');

    const doctor = await checkNotifications(url, ['webhook', 'chat', 'email']);
    assert.equal(doctor.verdict, 'warning');
    assert.match(doctor.detail, /^6 delivery\(ies\) failed in 7 days: /);
    assert.match(doctor.detail, /email \(run, run \d+, 2 attempts\): SMTP .*TLS failed/);
  });

  test('settings: a wrong address or URL names the variable, never the value', () => {
    const base = { SMTP_URL: 'smtp://u:p@mail.example.org:587', NOTIFY_EMAIL_FROM: 'a@example.org' };
    assert.throws(
      () => loadNotifyConfig({ ...base, NOTIFY_EMAIL_TO: 'ops@example.org, not an address' }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.message, 'NOTIFY_EMAIL_TO must be comma-separated addresses (name@example.org)');
        return true;
      },
    );
    assert.throws(
      () => loadNotifyConfig({ NOTIFY_EMAIL_TO: 'ops@example.org', SMTP_URL: 'mail.example.org:25?pw=hunter22' }),
      {
        message: 'SMTP_URL is invalid: it must be smtp://user:password@host:587 (STARTTLS) or smtps://…:465 (TLS)',
      },
    );
    assert.throws(() => loadNotifyConfig({ SMTP_URL: 'smtp://mail.example.org', NOTIFY_EMAIL_TO: 'ops@example.org' }), {
      message: 'NOTIFY_EMAIL_FROM is required when SMTP_URL is set',
    });
    assert.throws(() => loadNotifyConfig({ NOTIFY_WEBHOOK_URL: 'ftp://x/hook-token-123' }), {
      message: 'NOTIFY_WEBHOOK_URL is invalid: it must be an http(s) URL',
    });
    assert.throws(() => loadNotifyConfig({ NOTIFY_ON: 'sometimes' }), {
      message: 'NOTIFY_ON must be always, change, problem or never',
    });
    const config = loadNotifyConfig({ ...base, NOTIFY_EMAIL_TO: 'ops@example.org', NOTIFY_EMAIL_ON: 'problem' });
    assert.equal(config.email?.when, 'problem');
    assert.equal(config.email?.port, 587);
    assert.equal(String(config.email?.password), '[redacted]');
  });

  test('a missed night: the watchdog Schedule finds no run and notifies; a run or a pause silences it', async () => {
    const { sim, db } = await inventoryOnBothSides(10, 17);
    const webhook = await startHttpReceiver({});
    const { taskQueue } = await startWorker({
      db,
      glpi: glpiFor(sim),
      notify: { config: loadNotifyConfig({ NOTIFY_WEBHOOK_URL: webhook.url, NOTIFY_ON: 'problem' }) },
    });
    const client = await temporalClient();
    // Tonight's check is 12 hours away: nothing has started in the window that ends now.
    const at = new Date(Date.now() + 12 * 3_600_000);
    const checkTime = `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
    const config = loadConfig({
      TASK_QUEUE: taskQueue,
      SCHEDULE_ID: `notify-watch-${taskQueue}`,
      CHECK_TIME: checkTime,
      CHECK_TIMEZONE: 'UTC',
      CHECK_CATCHUP_WINDOW_SECONDS: '3600',
      NOTIFY_MISSED_NIGHT_GRACE_SECONDS: '600',
      TEMPORAL_ADDRESS: temporalAddress(),
    });
    assert.equal(await ensureSchedule(client, config), 'created');
    const schedules = [config.schedule.id, watchdogScheduleId(config)];
    after(async () => {
      for (const id of schedules)
        await client.schedule
          .getHandle(id)
          .delete()
          .catch(() => undefined);
    });
    const watchdog = client.schedule.getHandle(watchdogScheduleId(config));
    const described = await watchdog.describe();
    const expected = new Date(at.getTime() - (at.getTime() % 60_000) + 70 * 60_000);
    assert.deepEqual(
      [described.spec.calendars?.[0]?.hour, described.spec.calendars?.[0]?.minute],
      [
        [{ start: expected.getUTCHours(), end: expected.getUTCHours(), step: 1 }],
        [{ start: expected.getUTCMinutes(), end: expected.getUTCMinutes(), step: 1 }],
      ],
      'the watchdog runs at CHECK_TIME + catch-up window + grace',
    );
    assert.deepEqual(watchdogScheduleOptions(config).action.args, [
      { scheduleId: config.schedule.id, lookbackSeconds: 4200 + 600 },
    ]);

    /** Triggers the watchdog and returns the verdict of the run it started. */
    const watch = async (n: number) => {
      await watchdog.trigger();
      let actions = (await watchdog.describe()).info.recentActions;
      for (let i = 0; i < 100 && actions.length < n; i += 1) {
        await new Promise((r) => setTimeout(r, 200));
        actions = (await watchdog.describe()).info.recentActions;
      }
      const action = actions[n - 1];
      assert.ok(action, `the watchdog schedule took action ${n}`);
      return client.workflow.getHandle(action.action.workflow.workflowId).result() as Promise<{
        missed: boolean;
        reason: string;
      }>;
    };

    const missed = await watch(1);
    assert.equal(missed.missed, true);
    assert.match(missed.reason, /^no check started between .* and .*; no full check ever ran$/);
    await webhook.waitForRequests(1);
    const sent = body(webhook, 0);
    assert.equal(sent.kind, 'missed_night');
    assert.equal(sent.outcome, 'missed');
    assert.equal(sent.summary, `GLPI device check did not run: ${missed.reason}`);
    assert.match(
      String(webhook.requests[0].headers['idempotency-key']),
      /^missed_night:check-all-devices-scheduled-watchdog-/,
    );

    // A manual full check in the window: the night is not missed (NOTIFY_ON=problem: the first run says nothing new? it does: every problem is new).
    const run = await checkAndNotify(client, taskQueue, `notify-watch-run-${taskQueue}`);
    const before = webhook.requests.length;
    const found = await watch(2);
    assert.deepEqual(found, {
      missed: false,
      reason: `check run ${run.report.checkRunId} started at ${(await db.checkRun.findUniqueOrThrow({ where: { id: run.report.checkRunId } })).startedAt.toISOString()}`,
    });

    // Paused on purpose, with no run in the window: not a missed night either.
    await db.checkRun.update({
      where: { id: run.report.checkRunId },
      data: { startedAt: new Date(Date.now() - 48 * 3_600_000) },
    });
    await client.schedule.getHandle(config.schedule.id).pause('GLPI upgrade');
    const paused = await watch(3);
    assert.deepEqual(paused, { missed: false, reason: 'the schedule is paused: GLPI upgrade' });
    assert.equal(webhook.requests.length, before, 'no missed-night message for a night that ran or was paused');
  });

  test('a check terminated by npm run cleanup is notified as cancelled', async () => {
    const { sim, db, url } = await inventoryOnBothSides(20, 21, { faults: { latencyMs: 2_000 } });
    const webhook = await startHttpReceiver({});
    // A namespace of its own: cleanup terminates every stale check of its namespace.
    const namespace = `notify-cleanup-${process.pid}-${randomBytes(3).toString('hex')}`;
    const base = await temporalClient();
    await base.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const client = new Client({ connection: base.connection, namespace });
    const env: NodeJS.ProcessEnv = {
      DATABASE_URL: url,
      TEMPORAL_ADDRESS: temporalAddress(),
      TEMPORAL_NAMESPACE: namespace,
      TASK_QUEUE: uniqueTaskQueue('notify-cleanup'),
      GLPI_URL: sim.url,
      GLPI_USER_TOKEN: TEST_USER_TOKEN,
      NOTIFY_WEBHOOK_URL: webhook.url,
      NOTIFY_ON: 'always',
    };
    const worker = spawnWorker(env);
    after(() => worker.kill('SIGKILL'));
    await worker.ready;
    const handle = await client.workflow.start(checkAllDevices, {
      taskQueue: env.TASK_QUEUE!,
      workflowId: 'check-all-devices',
      args: [{ trigger: 'manual' }],
    });
    // Once the run is planned, GLPI stops answering: the batch hangs and the check keeps running.
    for (let i = 0; i < 200 && (await db.checkRun.count()) === 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    sim.setFaults({ hangRate: 1 });
    const cleanup = await runTs('src/cli/cleanup.ts', ['--older-than', '1s', '--yes', '--json'], env);
    assert.equal(cleanup.code, 0, cleanup.stderr);
    const outcomes = await client.workflow
      .getHandle<typeof notifyRun>(`notify-check-all-devices-${handle.firstExecutionRunId}`)
      .result();
    assert.deepEqual(outcomes, [{ channel: 'webhook', delivered: true }]);
    const sent = body(webhook, 0);
    assert.equal(sent.outcome, 'cancelled');
    assert.match(sent.reason ?? '', /^terminated by npm run cleanup/);
  });
});
