/**
 * npm run notify -- test: sends a test message to every configured channel, now, from this
 * machine (no worker, no Temporal, nothing recorded), and reports each channel's answer.
 */
import { hostname } from 'node:os';
import { summaryOf, type Channel, type Notification } from '../core/notifications';
import { deliver, DeliveryError } from '../notify/channels';
import { configuredChannels, loadNotifyConfig } from '../notify/config';
import { CommandError, EXIT, parseArguments, runCli, UsageError } from './run';

const USAGE = `Usage: npm run notify -- test [--json]

Sends a test message to every configured notification channel (NOTIFY_WEBHOOK_URL,
NOTIFY_CHAT_WEBHOOK_URL, SMTP_URL with NOTIFY_EMAIL_TO and NOTIFY_EMAIL_FROM) and prints
each channel's answer or the reason it failed. One attempt per channel, NOTIFY_TIMEOUT_MS each.

Exit codes: 0 every channel accepted the message, 1 at least one failed, 2 bad arguments,
4 no channel is configured or a setting is wrong.`;

interface ChannelResult {
  channel: Channel;
  ok: boolean;
  detail: string;
}

function testNotification(now: Date): Notification {
  const base: Omit<Notification, 'summary'> = {
    version: 1,
    kind: 'test',
    outcome: 'test',
    reason: null,
    trigger: null,
    workflowId: 'notify-test',
    runId: `${hostname()}-${now.toISOString()}`,
    checkRunId: null,
    startedAt: now.toISOString(),
    finishedAt: null,
    durationMs: null,
    totals: null,
    changes: null,
    links: { temporalUi: null, report: null },
  };
  return { ...base, summary: summaryOf(base) };
}

runCli(USAGE, async (args) => {
  const { values, positionals } = parseArguments({
    args,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals[0] !== 'test' || positionals.length > 1)
    throw new UsageError('the command is: npm run notify -- test');
  const config = loadNotifyConfig();
  const channels = configuredChannels(config);
  if (channels.length === 0) {
    throw new CommandError(
      'no notification channel is configured: set NOTIFY_WEBHOOK_URL, NOTIFY_CHAT_WEBHOOK_URL or SMTP_URL (README: Notifications)',
      EXIT.configuration,
    );
  }
  const notification = testNotification(new Date());
  const results: ChannelResult[] = await Promise.all(
    channels.map(async (channel): Promise<ChannelResult> => {
      const key = `test:${notification.runId}:${channel}`;
      try {
        const receipt = await deliver(config, channel, notification, key);
        return { channel, ok: true, detail: receipt.detail };
      } catch (error) {
        if (error instanceof DeliveryError) return { channel, ok: false, detail: error.message };
        throw error;
      }
    }),
  );
  if (values.json) console.log(JSON.stringify({ results }, null, 2));
  else for (const r of results) console.log(`${(r.ok ? 'OK' : 'FAILED').padEnd(7)} ${r.channel.padEnd(8)} ${r.detail}`);
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
});
