/**
 * The production worker's monitoring endpoint during a real run: /metrics (the service's own
 * metrics and the SDK's, valid for `promtool check metrics`), /healthz, /readyz; LOG_FORMAT=json;
 * a metrics port in use; GLPI credentials rejected as a metric; notification attempts and a failing
 * channel (a webhook receiver that refuses every message, a chat one that takes them).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { inventoryOnBothSides, stackEnv, TEST_USER_TOKEN } from './support/glpi';
import { startHttpReceiver } from './support/notify-receivers';
import { runTs, spawnTs } from './support/processes';
import { uniqueTaskQueue } from './support/services';
import { freePort } from './support/tls-front';
import { spawnWorker } from './support/worker-process';
import { PROMTOOL, requirePromtool } from './support/promtool';

/** The value of one sample of a Prometheus text exposition (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const given = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => given[k] === v)) return Number(match[3]);
  }
  return undefined;
}

async function get(port: number, path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
}

describe('worker metrics and health', async () => {
  const devices = 200;
  // 300 ms per GLPI answer and batches of 10: the run lasts several seconds, long enough for scrapes to see it
  // part-way (the database side of /metrics is read at most once a second).
  const { inv, sim, url } = await inventoryOnBothSides(devices, 31, { faults: { latencyMs: 300 } });
  // The webhook refuses every message for good (400: no retry), the chat takes them.
  const webhook = await startHttpReceiver({ answer: () => ({ status: 400, body: 'unknown hook' }) });
  const chat = await startHttpReceiver({ answer: () => ({ status: 200, body: 'ok' }) });
  const taskQueue = uniqueTaskQueue();
  const [port, sdkPort] = [await freePort(), await freePort()];
  const env = {
    ...stackEnv(taskQueue, url, sim.url),
    // By search: batches of GLPI searches to count while the run is in progress (a scan of 200
    // cards is over in one request).
    CHECK_STRATEGY: 'search',
    CHECK_REVERSE: 'false',
    CHECK_BATCH_SIZE: '10',
    CHECK_BATCH_CONCURRENCY: '2',
    METRICS_PORT: String(port),
    METRICS_SDK_PORT: String(sdkPort),
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'INFO',
    NOTIFY_ON: 'always',
    NOTIFY_WEBHOOK_URL: webhook.url,
    NOTIFY_CHAT_WEBHOOK_URL: chat.url,
  };
  const worker = spawnWorker(env);
  after(() => worker.kill('SIGKILL'));
  await worker.ready;

  test('/healthz answers; /readyz says ready with Temporal, the database and the worker', async () => {
    assert.deepEqual(await get(port, '/healthz'), { status: 200, text: 'ok\n' });
    // The first database query of a cold pool may take a moment on a busy machine.
    let ready = await get(port, '/readyz');
    for (let i = 0; i < 30 && ready.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      ready = await get(port, '/readyz');
    }
    assert.equal(ready.status, 200, ready.text);
    const body = JSON.parse(ready.text) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    assert.equal(body.ready, true);
    assert.deepEqual(Object.keys(body.checks).sort(), ['database', 'temporal', 'worker']);
    assert.ok(Object.values(body.checks).every((c) => c.ok));
  });

  test('/metrics during a real run and after it: progress, devices by status, GLPI requests, SDK metrics', async () => {
    const startedAt = Date.now() / 1000;
    const check = spawnTs('src/cli/start-check.ts', ['--sync', '--json'], env);
    // Scrape while it runs until the progress shows a run part-way through.
    let during: string | undefined;
    for (let i = 0; i < 600 && !during; i++) {
      const { text } = await get(port, '/metrics');
      const done = sample(text, 'glpi_device_check_run_devices_done') ?? 0;
      if (sample(text, 'glpi_device_check_run_in_progress') === 1 && done > 0 && done < devices) during = text;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(during, 'a scrape saw the run in progress');
    assert.equal(sample(during, 'glpi_device_check_run_devices_planned'), devices);
    assert.ok((sample(during, 'glpi_device_check_run_started_timestamp_seconds') ?? 0) >= Math.floor(startedAt) - 1);
    assert.equal(sample(during, 'glpi_device_check_worker_polling'), 1);

    const exit = await check.exited;
    assert.equal(exit.code, 0, check.output());
    const { status, text } = await get(port, '/metrics');
    assert.equal(status, 200);
    assert.equal(sample(text, 'glpi_device_check_run_in_progress'), 0);
    for (const [label, count] of [
      ['found', inv.counts.found],
      ['conflict', inv.counts.conflict],
      ['not_found', inv.counts.not_found],
      ['error', 0],
    ] as const) {
      assert.equal(sample(text, 'glpi_device_check_devices_checked_total', { status: label }), count, label);
      assert.equal(sample(text, 'glpi_device_check_last_run_devices', { status: label }), count, label);
    }
    const completed = sample(text, 'glpi_device_check_last_completed_run_timestamp_seconds') ?? 0;
    assert.ok(completed >= startedAt - 1 && completed <= Date.now() / 1000 + 1, `completed at ${completed}`);
    assert.ok((sample(text, 'glpi_device_check_last_run_duration_seconds') ?? 0) > 0.5);
    assert.equal(sample(text, 'glpi_device_check_last_run_failed'), 0);
    assert.equal(sample(text, 'glpi_device_check_run_duration_seconds_count', { status: 'completed' }), 1);
    // Every batch opened a session (10 batches) and searched; the simulator's latency is in the histogram.
    assert.ok(
      (sample(text, 'glpi_device_check_glpi_requests_total', { endpoint: 'initSession', outcome: 'ok' }) ?? 0) >= 10,
    );
    const searches = sample(text, 'glpi_device_check_glpi_request_duration_seconds_count', {
      endpoint: 'search/Printer',
    });
    const searchSeconds = sample(text, 'glpi_device_check_glpi_request_duration_seconds_sum', {
      endpoint: 'search/Printer',
    });
    assert.ok(searches && searches >= 10, `searches: ${searches}`);
    assert.ok(searchSeconds && searchSeconds / searches >= 0.1, `mean search latency ${searchSeconds! / searches}`);
    // The SDK's own metrics, through the same endpoint.
    assert.match(text, /^temporal_[a-z_]+_total\{/m);
    assert.ok(
      (sample(text, 'temporal_activity_execution_latency_seconds_count', { activity_type: 'checkBatch' }) ?? 0) >= 10,
    );

    requirePromtool();
    const lint = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  });

  test('notifications: attempts by channel and outcome; the channel whose last delivery failed reads 1', async () => {
    // The run above notified both channels once its report was written; wait for the deliveries to settle.
    let text = '';
    for (let i = 0; i < 150; i++) {
      text = (await get(port, '/metrics')).text;
      const settled = ['webhook', 'chat'].every(
        (channel) => sample(text, 'glpi_device_check_notification_channel_failing', { channel }) !== undefined,
      );
      if (settled) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(sample(text, 'glpi_device_check_notification_channel_failing', { channel: 'webhook' }), 1, text);
    assert.equal(sample(text, 'glpi_device_check_notification_channel_failing', { channel: 'chat' }), 0);
    assert.equal(
      sample(text, 'glpi_device_check_notification_attempts_total', { channel: 'webhook', outcome: 'failed' }),
      1,
      'a 400 is refused for good: one attempt, no retry',
    );
    assert.equal(
      sample(text, 'glpi_device_check_notification_attempts_total', { channel: 'chat', outcome: 'delivered' }),
      1,
    );
    assert.equal(webhook.requests.length, 1);
    assert.equal(chat.processed.size, 1);
    assert.ok(!text.includes(webhook.url) && !text.includes(chat.url), 'no channel URL in the exposition');
  });

  test('LOG_FORMAT=json: every line the worker wrote is one JSON object, values as fields', () => {
    const lines = worker
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '');
    assert.ok(lines.length > 5);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const progress = entries.find((e) => e.msg === 'Progress');
    assert.ok(progress, 'a Progress entry');
    assert.equal(typeof progress.checked, 'number');
    assert.equal(progress.workflowType, 'checkAllDevices');
    assert.ok(entries.some((e) => /^Worker polling task queue/.test(String(e.msg))));
    assert.ok(!worker.output().includes(TEST_USER_TOKEN));
  });

  test('a metrics port in use: the worker exits 4 naming METRICS_PORT, before connecting anywhere', async () => {
    const blocker = createServer();
    const taken = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    after(() => blocker.close());
    for (const [variable, extra] of [
      ['METRICS_PORT', { METRICS_PORT: String(taken), METRICS_SDK_PORT: '0' }],
      ['METRICS_SDK_PORT', { METRICS_PORT: String(await freePort()), METRICS_SDK_PORT: String(taken) }],
    ] as const) {
      const second = spawnWorker({ ...env, ...extra, TEMPORAL_ADDRESS: '127.0.0.1:1' });
      second.ready.catch(() => undefined);
      const exit = await second.exited;
      assert.equal(exit.code, 4, second.output());
      assert.match(second.output(), new RegExp(`${variable} ${taken} is already in use on 127\\.0\\.0\\.1`));
      assert.doesNotMatch(second.output(), /cannot reach/);
    }
  });

  test('GLPI credentials rejected: counted as outcome auth_rejected', async () => {
    const queue = `${taskQueue}-bad`;
    const badPort = await freePort();
    const bad = spawnWorker({
      ...env,
      TASK_QUEUE: queue,
      METRICS_PORT: String(badPort),
      METRICS_SDK_PORT: '0',
      GLPI_USER_TOKEN: 'wrong-token-123456',
    });
    after(() => bad.kill('SIGKILL'));
    await bad.ready;
    const run = await runTs('src/cli/start-check.ts', ['--sync'], { ...env, TASK_QUEUE: queue });
    assert.notEqual(run.code, 0);
    const { text } = await get(badPort, '/metrics');
    assert.ok(
      (sample(text, 'glpi_device_check_glpi_requests_total', { endpoint: 'initSession', outcome: 'auth_rejected' }) ??
        0) >= 1,
      text,
    );
    assert.ok(!bad.output().includes('wrong-token-123456'));
  });
});
