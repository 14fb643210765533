/**
 * deploy/prometheus-alerts.yml is valid for Prometheus (`promtool check rules`), fires when it
 * should (`promtool test rules` with deploy/prometheus-alerts.test.yml), and only uses metrics
 * the worker exposes (the registry of src/metrics/registry.ts, and what /metrics adds).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServiceMetrics } from '../src/metrics/registry';
import { ROOT } from './support/processes';
import { PROMTOOL, requirePromtool } from './support/promtool';

const RULES = join(ROOT, 'deploy', 'prometheus-alerts.yml');

function promtool(args: string[], input?: string) {
  requirePromtool();
  return spawnSync(PROMTOOL, args, { cwd: join(ROOT, 'deploy'), encoding: 'utf8', input });
}

test('promtool check rules accepts the alerts', () => {
  const run = promtool(['check', 'rules', RULES]);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS: 5 rules found/);
});

test('promtool test rules: each alert fires when it should and not before', () => {
  const run = promtool(['test', 'rules', 'prometheus-alerts.test.yml']);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /SUCCESS/);
});

test('the alerts use only metrics the worker exposes', async () => {
  const exposed = new Set(
    (await createServiceMetrics(() => Promise.resolve({})).registry.getMetricsAsJSON()).map((m) => m.name),
  );
  const used = new Set([...readFileSync(RULES, 'utf8').matchAll(/\b(glpi_device_check_[a-z_]+)/g)].map((m) => m[1]));
  assert.ok(used.size >= 4, `alerts use ${[...used].join(', ')}`);
  for (const name of used) {
    const family = name.replace(/_(total|bucket|sum|count)$/, '');
    assert.ok(exposed.has(name) || exposed.has(family), `${name} is not a metric of src/metrics/registry.ts`);
  }
});
