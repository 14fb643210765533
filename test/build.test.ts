/**
 * The production build's guard (src/workflow-bundle.ts): the compiled worker loads the prebuilt
 * workflow bundle only while the tree matches the manifest `npm run build` wrote. Checked on a
 * copy of src/ with a bundle and manifest made the way the build makes them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hashSources, SOURCE_DIR, StaleBuildError, verifiedWorkflowBundle } from '../src/workflow-bundle';
import { exitCodeOf, EXIT } from '../src/cli/run';
import { productionWorkerCommand } from './support/worker-process';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

function builtTree() {
  const dir = mkdtempSync(join(tmpdir(), 'glpi-build-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const sources = join(dir, 'src');
  cpSync(SOURCE_DIR, sources, { recursive: true });
  const bundle = join(dir, 'workflows.js');
  writeFileSync(bundle, '/* bundle */');
  const manifest = join(dir, 'manifest.json');
  const sdk = (
    JSON.parse(readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string }
  ).version;
  writeFileSync(
    manifest,
    JSON.stringify({
      version: 1,
      builtAt: '2026-12-01T00:00:00.000Z',
      temporalWorkflowVersion: sdk,
      bundleSha256: sha256(readFileSync(bundle)),
      workflowInputs: ['src/workflows/index.ts'],
      sources: hashSources(sources),
    }),
  );
  return { paths: { bundle, manifest, sources }, sources };
}

function staleMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof StaleBuildError, `a StaleBuildError, not ${String(error)}`);
    assert.equal(exitCodeOf(error), EXIT.configuration);
    return error.message;
  }
  assert.fail('the bundle was accepted');
}

describe('prebuilt workflow bundle', () => {
  test('a bundle built from the tree is accepted', () => {
    const { paths } = builtTree();
    const verified = verifiedWorkflowBundle(paths);
    assert.equal(verified.codePath, paths.bundle);
    assert.equal(verified.sourcesChecked, true);
  });

  test('an edited, added or removed source is refused, naming the file', () => {
    const { paths, sources } = builtTree();
    appendFileSync(join(sources, 'workflows', 'check-run.ts'), '\n// edited\n');
    writeFileSync(join(sources, 'core', 'new-rule.ts'), 'export {};\n');
    unlinkSync(join(sources, 'core', 'duration.ts'));
    const message = staleMessage(() => verifiedWorkflowBundle(paths));
    assert.match(message, /made from other sources/);
    assert.match(message, /src\/workflows\/check-run\.ts changed/);
    assert.match(message, /src\/core\/new-rule\.ts is new/);
    assert.match(message, /src\/core\/duration\.ts was removed/);
    assert.match(message, /run npm run build/);
  });

  test('a replaced bundle, a missing one and an unreadable manifest are refused', () => {
    const { paths } = builtTree();
    writeFileSync(paths.bundle, '/* another bundle */');
    assert.match(
      staleMessage(() => verifiedWorkflowBundle(paths)),
      /is not the bundle .* describes/,
    );
    writeFileSync(paths.manifest, '{ not json');
    assert.match(
      staleMessage(() => verifiedWorkflowBundle(paths)),
      /cannot read the workflow bundle's manifest/,
    );
    unlinkSync(paths.bundle);
    assert.match(
      staleMessage(() => verifiedWorkflowBundle(paths)),
      /no prebuilt workflow bundle/,
    );
  });

  test('a deployment without src/ checks the bundle alone', () => {
    const { paths, sources } = builtTree();
    rmSync(sources, { recursive: true });
    assert.equal(verifiedWorkflowBundle(paths).sourcesChecked, false);
  });
});

describe('the production command', () => {
  test('the systemd worker unit runs exactly what npm start runs: the build, its node options and environment', () => {
    const start = productionWorkerCommand();
    const unit = readFileSync(join(__dirname, '..', 'deploy', 'systemd', 'glpi-device-check-worker.service'), 'utf8');
    const lines = unit.split('\n').map((line) => line.trim());
    const environment = Object.fromEntries(
      lines
        .filter((line) => line.startsWith('Environment='))
        .flatMap((line) => line.slice('Environment='.length).split(/\s+/))
        .map((pair) => pair.split('=') as [string, string]),
    );
    for (const [name, value] of Object.entries(start.env)) assert.equal(environment[name], value, name);
    const exec = lines.filter((line) => line.startsWith('ExecStart='));
    assert.equal(exec.length, 1);
    const words = exec[0].slice('ExecStart='.length).split(/\s+/);
    assert.equal(words[0], '/usr/bin/node');
    assert.deepEqual(words.slice(1, -1), start.nodeArgs);
    assert.equal(join(__dirname, '..', words.at(-1)!), start.script);
    // The deploy unit runs the build too, never the sources through tsx.
    const deploy = readFileSync(join(__dirname, '..', 'deploy', 'systemd', 'glpi-device-check-deploy.service'), 'utf8');
    assert.doesNotMatch(unit + deploy, /tsx|src\//);
  });
});
