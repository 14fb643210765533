/**
 * Temporal connections as Temporal users configure them (src/config/temporal.ts,
 * src/temporal/connection.ts), against a real TLS endpoint: Debian's nginx in front of the
 * test's dev server, terminating TLS with client-certificate verification and requiring an API
 * key (test/support/tls-front.ts). The production worker and the commands run as processes,
 * configured by their environment or by a TOML profile.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { glpiFor, inventoryOnBothSides, TEST_USER_TOKEN } from './support/glpi';
import { runTs } from './support/processes';
import { startWorker, temporalAddress, uniqueTaskQueue } from './support/services';
import { startTlsFront } from './support/tls-front';
import { spawnWorker } from './support/worker-process';
import { loadTemporalConnection } from '../src/config';
import { connectNative, connectTemporalClient, TemporalRefusedError } from '../src/temporal/connection';

const START_CHECK = 'src/cli/start-check.ts';

/** Every TEMPORAL_* connection variable blank, so that nothing of the harness's leaks in. */
const BLANK = {
  TEMPORAL_ADDRESS: '',
  TEMPORAL_NAMESPACE: '',
  TEMPORAL_API_KEY: '',
  TEMPORAL_TLS: '',
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: '',
  TEMPORAL_TLS_CLIENT_CERT_PATH: '',
  TEMPORAL_TLS_CLIENT_KEY_PATH: '',
  TEMPORAL_TLS_SERVER_NAME: '',
  TEMPORAL_PROFILE: '',
  TEMPORAL_CONFIG_FILE: '',
};

describe('Temporal over TLS with a client certificate and an API key (nginx)', async () => {
  const front = await startTlsFront(temporalAddress());
  after(() => front.stop());
  const { inv, sim, db, url } = await inventoryOnBothSides(40, 12);
  const taskQueue = uniqueTaskQueue();
  const f = front.files;
  const base = {
    ...BLANK,
    TASK_QUEUE: taskQueue,
    DATABASE_URL: url,
    GLPI_URL: sim.url,
    GLPI_USER_TOKEN: TEST_USER_TOKEN,
    CHECK_BATCH_SIZE: '10',
  };
  const good = {
    ...base,
    TEMPORAL_ADDRESS: front.address,
    TEMPORAL_API_KEY: front.apiKey,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: f.ca,
    TEMPORAL_TLS_CLIENT_CERT_PATH: f.clientCert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: f.clientKey,
  };
  const noSecretIn = (text: string) => {
    assert.ok(!text.includes(front.apiKey), 'the API key must never be printed');
    assert.ok(!/Bearer/i.test(text), 'no Authorization header in the output');
  };

  test('the right CA, certificate and API key: the production worker and start-check run a check through nginx', async () => {
    const worker = spawnWorker(good);
    after(() => worker.kill('SIGKILL'));
    await worker.ready;
    const run = await runTs(START_CHECK, ['--sync', '--json'], good);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const summary = JSON.parse(run.stdout) as { total: number; found: number; errors: number };
    assert.equal(summary.total, 40);
    assert.equal(summary.found, inv.counts.found);
    assert.equal(summary.errors, 0);
    noSecretIn(worker.output() + run.stdout + run.stderr);
    await worker.kill('SIGTERM');
  });

  test('a TOML profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE) gives the same connection', async () => {
    // A worker on the dev server itself: the command alone goes through nginx.
    await startWorker({ db, glpi: glpiFor(sim), taskQueue });
    const file = join(front.dir, 'temporal.toml');
    writeFileSync(
      file,
      [
        '[profile.default]',
        'address = "127.0.0.1:1"',
        '',
        '[profile.prod]',
        `address = "${front.address}"`,
        `api_key = "${front.apiKey}"`,
        '[profile.prod.tls]',
        `server_ca_cert_path = "${f.ca}"`,
        `client_cert_path = "${f.clientCert}"`,
        `client_key_path = "${f.clientKey}"`,
        '',
      ].join('\n'),
    );
    const env = { ...base, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' };
    const run = await runTs(START_CHECK, ['--sync', '--json'], env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((JSON.parse(run.stdout) as { total: number }).total, 40);
    noSecretIn(run.stdout + run.stderr);

    const missing = await runTs(START_CHECK, [], { ...env, TEMPORAL_PROFILE: 'staging' });
    assert.equal(missing.code, 4, missing.stderr);
    assert.match(
      missing.stderr,
      /TEMPORAL_PROFILE names profile "staging", which .*temporal\.toml does not have \(it has "default", "prod"\)/,
    );

    const badKey = join(front.dir, 'bad-key.toml');
    writeFileSync(
      badKey,
      `[profile.prod]\naddress = "${front.address}"\napi_key = "wrong-key-0000"\n[profile.prod.tls]\nserver_ca_cert_path = "${f.ca}"\nclient_cert_path = "${f.clientCert}"\nclient_key_path = "${f.clientKey}"\n`,
    );
    const refused = await runTs(START_CHECK, [], { ...env, TEMPORAL_CONFIG_FILE: badKey });
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /refused the API key .*check api_key of profile "prod" in .*bad-key\.toml/);
    assert.ok(!refused.stderr.includes('wrong-key-0000'));
  });

  const failures: [string, Record<string, string>, RegExp][] = [
    [
      'a CA that did not sign the server certificate',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: f.otherCa },
      /server's certificate is not trusted .*check TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    ],
    [
      'no client certificate',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: '', TEMPORAL_TLS_CLIENT_KEY_PATH: '' },
      /refused the client certificate .*none is set; set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH/,
    ],
    [
      'a client certificate of another CA',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: f.otherCert, TEMPORAL_TLS_CLIENT_KEY_PATH: f.otherKey },
      /refused the client certificate .*TEMPORAL_TLS_CLIENT_CERT_PATH \(with TEMPORAL_TLS_CLIENT_KEY_PATH\) is not one it accepts/,
    ],
    ['a wrong API key', { TEMPORAL_API_KEY: 'not-the-key-1234' }, /refused the API key .*check TEMPORAL_API_KEY/],
    [
      'no TLS at all',
      {
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: '',
        TEMPORAL_TLS_CLIENT_CERT_PATH: '',
        TEMPORAL_TLS_CLIENT_KEY_PATH: '',
        TEMPORAL_API_KEY: '',
      },
      /wants TLS but the connection is plain text.*TEMPORAL_TLS=true/,
    ],
  ];
  for (const [name, change, message] of failures) {
    test(`${name}: start-check and the worker fail fast, exit 4, naming the setting`, async () => {
      const env = { ...good, ...change };
      // Fast: the connection itself, in this process (a command adds the start-up of tsx).
      const conn = loadTemporalConnection({ ...process.env, ...env });
      for (const connect of [connectTemporalClient, connectNative]) {
        const started = performance.now();
        await assert.rejects(
          connect(conn),
          (error: Error) => error instanceof TemporalRefusedError && message.test(error.message),
        );
        const ms = performance.now() - started;
        // Plain text to a TLS port: grpc-js waits for its 5 s connect timeout, and the native client
        // now and then for its own 30 s one, which openProven cuts at 5 s.
        const limit = conn.tls === undefined ? 7_000 : 3_000;
        assert.ok(ms < limit, `${connect.name} failed after ${Math.round(ms)} ms`);
      }
      const run = await runTs(START_CHECK, [], env);
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.match(run.stderr, message);
      noSecretIn(run.stdout + run.stderr);

      const worker = spawnWorker(env);
      worker.ready.catch(() => undefined);
      const exit = await worker.exited;
      assert.equal(exit.code, 4, worker.output());
      assert.match(worker.output(), message);
      assert.doesNotMatch(worker.output(), /Worker polling/);
      noSecretIn(worker.output());
    });
  }
});

describe('bad Temporal settings are refused before connecting (exit 4, the setting named, never the secret)', () => {
  const dir = join(tmpdir(), `gdc-tls-bad-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const pem = join(dir, 'not-pem.crt');
  writeFileSync(pem, 'hello\n');
  const env = { ...BLANK, TEMPORAL_ADDRESS: '127.0.0.1:1', DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/unused' };
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'a client certificate file that does not exist',
      { TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'missing.crt'), TEMPORAL_TLS_CLIENT_KEY_PATH: pem },
      /TEMPORAL_TLS_CLIENT_CERT_PATH names .*missing\.crt, which cannot be read \(ENOENT\)/,
    ],
    [
      'a CA path that is a directory',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: dir },
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH names .*, which cannot be read \(EISDIR\)/,
    ],
    [
      'a CA file that holds no certificate',
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: pem },
      /TEMPORAL_TLS_SERVER_CA_CERT_PATH names .*not-pem\.crt, which holds no PEM certificate/,
    ],
    [
      'a profile when there is no configuration file',
      { TEMPORAL_PROFILE: 'prod', TEMPORAL_CONFIG_FILE: '', HOME: dir },
      /TEMPORAL_PROFILE names profile "prod", but there is no Temporal configuration file/,
    ],
    [
      'a configuration file that does not exist',
      { TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') },
      /TEMPORAL_CONFIG_FILE names .*nope\.toml, which cannot be read \(ENOENT\)/,
    ],
    [
      'an API key with a trailing newline',
      { TEMPORAL_API_KEY: 'abcdefgh-secret-key\n' },
      /TEMPORAL_API_KEY is invalid: it contains white space/,
    ],
  ];
  for (const [name, change, message] of cases) {
    test(name, async () => {
      const run = await runTs(START_CHECK, [], { ...env, ...change });
      assert.equal(run.code, 4, run.stdout + run.stderr);
      assert.match(run.stderr, message);
      assert.ok(!run.stderr.includes('abcdefgh-secret-key'));
    });
  }

  test('the worker refuses them too, before binding its metrics port or connecting', async () => {
    const worker = spawnWorker({ ...env, TEMPORAL_API_KEY: ' abcdefgh-secret-key', METRICS_PORT: '0' });
    worker.ready.catch(() => undefined);
    const exit = await worker.exited;
    assert.equal(exit.code, 4, worker.output());
    assert.match(worker.output(), /TEMPORAL_API_KEY is invalid: it contains white space/);
    assert.ok(!worker.output().includes('abcdefgh-secret-key'));
  });
});
