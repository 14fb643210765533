/**
 * The GLPI client's pure parts: configuration, query building, chunking, answer parsing,
 * error mapping, redaction. No network.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createGlpiConfig, loadGlpiConfig } from '../src/glpi/config';
import { GlpiAuthError, GlpiConfigError, GlpiRequestError, GlpiUnavailableError } from '../src/glpi/errors';
import { errorFromGlpiCode, parseRetryAfter } from '../src/glpi/http-errors';
import { RequestLimiter } from '../src/glpi/limiter';
import { redactSecrets, Secret } from '../src/redaction';
import {
  buildSearchQuery,
  decodeGlpiText,
  encodeGlpi10StoredForm,
  planChunks,
  searchValuesFor,
  type SerialTerm,
} from '../src/glpi/search-query';
import { parseAcceptRange, parseSearchPage, rowSerials, rowToItem } from '../src/glpi/search-results';

const BASE_ENV = { GLPI_URL: 'https://glpi.example.org/apirest.php/', GLPI_USER_TOKEN: 'secret-user-token' };

describe('loadGlpiConfig', () => {
  test('defaults', () => {
    const config = loadGlpiConfig(BASE_ENV);
    assert.equal(config.url, 'https://glpi.example.org/apirest.php');
    assert.equal(config.appToken, null);
    assert.equal(config.credentials.kind, 'user_token');
    assert.equal(config.verifyTls, true);
    assert.equal(config.timeoutMs, 30_000);
    assert.deepEqual(config.itemtypes, ['Printer']);
    assert.equal(config.serialField, 5);
    assert.equal(config.labelSerialField, null);
    assert.equal(config.maxConcurrency, 4);
    assert.equal(config.maxRequestsPerSecond, 0);
  });

  test('every variable', () => {
    const config = loadGlpiConfig({
      GLPI_URL: 'http://glpi.local/apirest.php',
      GLPI_APP_TOKEN: 'app-token',
      GLPI_USERNAME: 'api',
      GLPI_PASSWORD: 'pass word',
      GLPI_VERIFY_TLS: 'false',
      GLPI_TIMEOUT_MS: '5000',
      GLPI_ITEMTYPES: 'Printer, Computer',
      GLPI_SERIAL_FIELD: '5',
      GLPI_LABEL_SERIAL_FIELD: '76670',
      GLPI_MAX_CONCURRENCY: '8',
      GLPI_MAX_REQUESTS_PER_SECOND: '2.5',
    });
    assert.equal(config.appToken?.reveal(), 'app-token');
    assert.deepEqual(
      config.credentials.kind === 'password' && [config.credentials.username, config.credentials.password.reveal()],
      ['api', 'pass word'],
    );
    assert.equal(config.verifyTls, false);
    assert.equal(config.timeoutMs, 5000);
    assert.deepEqual(config.itemtypes, ['Printer', 'Computer']);
    assert.equal(config.labelSerialField, 76670);
    assert.equal(config.maxConcurrency, 8);
    assert.equal(config.maxRequestsPerSecond, 2.5);
  });

  const bad: [string, Record<string, string>, string][] = [
    ['missing URL', { GLPI_USER_TOKEN: 'x' }, 'GLPI_URL'],
    ['bad URL', { ...BASE_ENV, GLPI_URL: 'not a url' }, 'GLPI_URL'],
    ['URL with credentials', { ...BASE_ENV, GLPI_URL: 'https://u:secret-in-url@h/apirest.php' }, 'GLPI_URL'],
    ['no credentials', { GLPI_URL: 'https://h/apirest.php' }, 'GLPI_USER_TOKEN'],
    ['username without password', { GLPI_URL: 'https://h/apirest.php', GLPI_USERNAME: 'u' }, 'GLPI_PASSWORD'],
    ['token with a space', { ...BASE_ENV, GLPI_USER_TOKEN: 'secret token' }, 'GLPI_USER_TOKEN'],
    ['timeout not a number', { ...BASE_ENV, GLPI_TIMEOUT_MS: '30s' }, 'GLPI_TIMEOUT_MS'],
    ['zero concurrency', { ...BASE_ENV, GLPI_MAX_CONCURRENCY: '0' }, 'GLPI_MAX_CONCURRENCY'],
    ['bad boolean', { ...BASE_ENV, GLPI_VERIFY_TLS: 'maybe' }, 'GLPI_VERIFY_TLS'],
    ['bad itemtype', { ...BASE_ENV, GLPI_ITEMTYPES: 'Printer,../x' }, 'GLPI_ITEMTYPES'],
    ['bad field', { ...BASE_ENV, GLPI_LABEL_SERIAL_FIELD: 'label' }, 'GLPI_LABEL_SERIAL_FIELD'],
  ];
  for (const [name, env, variable] of bad) {
    test(`rejects ${name}, naming ${variable} and no value`, () => {
      assert.throws(
        () => loadGlpiConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof GlpiConfigError);
          assert.equal(error.variable, variable);
          assert.match(error.message, new RegExp(variable));
          for (const secret of ['secret token', 'secret-in-url', '30s', 'maybe']) {
            assert.ok(!error.message.includes(secret), error.message);
          }
          return true;
        },
      );
    });
  }

  test('createGlpiConfig names the option', () => {
    assert.throws(() => createGlpiConfig({ url: 'https://h/apirest.php', userToken: 't', maxConcurrency: 0 }), {
      name: 'GlpiConfigError',
      message: /option maxConcurrency/,
    });
  });

  test('secrets do not print', () => {
    const config = loadGlpiConfig({ ...BASE_ENV, GLPI_APP_TOKEN: 'secret-app-token' });
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), `${String(config.appToken)}`]) {
      assert.ok(!text.includes('secret-user-token'), text);
      assert.ok(!text.includes('secret-app-token'), text);
    }
  });
});

describe('search values and encoding', () => {
  test('GLPI 10 encoded form is added only when it differs', () => {
    assert.deepEqual(searchValuesFor(['  ABC-1 ']), ['ABC-1']);
    assert.deepEqual(searchValuesFor(['AB&CD']), ['AB&CD', 'AB&#38;CD']);
    assert.deepEqual(searchValuesFor(['<A>']), ['<A>', '&#60;A&#62;']);
    assert.throws(() => searchValuesFor(['  ']));
  });

  test('encode then decode is the identity', () => {
    for (const value of ['AB&CD', '<x>&<y>', '&#38;', 'plain', '50%-OFF']) {
      assert.equal(decodeGlpiText(encodeGlpi10StoredForm(value)), value);
    }
    assert.equal(decodeGlpiText('A&amp;B&lt;C&gt;'), 'A&B<C>');
    assert.equal(decodeGlpiText('&#38;#60;'), '&#60;'); // one pass only
  });

  test('query: range first, equals criteria OR-linked, values percent-encoded', () => {
    const terms: SerialTerm[] = [
      { serial: '50%-OFF', values: ['50%-OFF'] },
      { serial: 'A+B #1', values: ['A+B #1'] },
    ];
    const query = buildSearchQuery(terms, { fields: [5], forcedisplay: [2, 1, 5] });
    const text = query.withRange(0, 999);
    assert.ok(text.startsWith('range=0-999&'));
    const params = new URLSearchParams(text);
    assert.equal(params.get('criteria[0][value]'), '50%-OFF');
    assert.equal(params.get('criteria[0][searchtype]'), 'equals');
    assert.equal(params.get('criteria[0][link]'), null);
    assert.equal(params.get('criteria[1][link]'), 'OR');
    assert.equal(params.get('criteria[1][value]'), 'A+B #1');
    assert.deepEqual(params.getAll('forcedisplay[]'), ['2', '1', '5']);
    assert.equal(query.variableCount, [...params.keys()].length);
  });

  test('chunks respect the byte and variable budgets', () => {
    const terms: SerialTerm[] = Array.from({ length: 1000 }, (_, i) => ({
      serial: `SN-${i}`,
      values: searchValuesFor([i % 10 === 0 ? `SN&${i}` : `SN-${i}`]),
    }));
    const shape = { fields: [5, 76670], forcedisplay: [2, 1, 5, 76670, 31, 3, 80] };
    for (const limits of [
      { maxQueryBytes: 6000, maxVariables: 900 },
      { maxQueryBytes: 100_000, maxVariables: 200 },
    ]) {
      const chunks = planChunks(terms, shape, limits);
      assert.deepEqual(
        chunks.flat().map((t) => t.serial),
        terms.map((t) => t.serial),
      );
      for (const chunk of chunks) {
        const query = buildSearchQuery(chunk, shape);
        assert.ok(query.bytes <= limits.maxQueryBytes, `${query.bytes} bytes`);
        assert.ok(query.variableCount <= limits.maxVariables, `${query.variableCount} variables`);
      }
    }
  });
});

describe('search answers', () => {
  test('no data key means no rows', () => {
    assert.deepEqual(parseSearchPage({ totalcount: 0, count: 0, 'content-range': '0--1/0' }), {
      totalcount: 0,
      rows: [],
    });
  });

  test('bad shapes are problems', () => {
    for (const body of [null, [], 'x', { count: 1 }, { totalcount: 'many' }, { totalcount: 1, data: {} }]) {
      assert.ok('problem' in parseSearchPage(body), JSON.stringify(body));
    }
  });

  test('rows decode and normalise', () => {
    const row = { '2': '12', '1': 'PRN &#38; co', '5': ' ab&#38;cd ', '31': null, '3': 'Paris', '80': 'Root' };
    assert.deepEqual([...rowSerials(row, [5])], ['AB&CD']);
    assert.deepEqual(rowToItem(row, 'Printer', 5), {
      itemtype: 'Printer',
      id: 12,
      name: 'PRN & co',
      serial: ' ab&cd ',
      statusName: null,
      location: 'Paris',
      entity: 'Root',
    });
    assert.equal(rowToItem({ '1': 'no id' }, 'Printer', 5), null);
  });

  test('Accept-Range and Retry-After', () => {
    assert.equal(parseAcceptRange('Printer 1000'), 1000);
    assert.equal(parseAcceptRange(undefined), undefined);
    assert.equal(parseRetryAfter('3'), 3000);
    const fromDate = parseRetryAfter(new Date(Date.now() + 5000).toUTCString()) ?? 0;
    assert.ok(fromDate > 3000 && fromDate <= 5000, `${fromDate}`); // HTTP dates have whole seconds
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('GLPI error codes', () => {
  const ctx = { method: 'GET', endpoint: 'initSession', secrets: ['tok123'] };
  const cases: [string, number, string, new (...args: never[]) => Error][] = [
    ['ERROR_WRONG_APP_TOKEN_PARAMETER', 400, 'APP_TOKEN_WRONG', GlpiConfigError],
    ['ERROR_APP_TOKEN_PARAMETERS_MISSING', 400, 'APP_TOKEN_MISSING', GlpiConfigError],
    ['ERROR_GLPI_LOGIN_USER_TOKEN', 401, 'USER_TOKEN_REJECTED', GlpiAuthError],
    ['ERROR_GLPI_LOGIN', 401, 'LOGIN_REJECTED', GlpiAuthError],
    ['ERROR_LOGIN_PARAMETERS_MISSING', 400, 'CREDENTIALS_NOT_RECEIVED', GlpiAuthError],
    ['ERROR_LOGIN_WITH_CREDENTIALS_DISABLED', 400, 'PASSWORD_LOGIN_DISABLED', GlpiConfigError],
    ['ERROR_NOT_ALLOWED_IP', 400, 'IP_NOT_ALLOWED', GlpiConfigError],
    ['ERROR_RIGHT_MISSING', 403, 'RIGHT_MISSING', GlpiAuthError],
    ['ERROR_SQL', 500, 'SQL_ERROR', GlpiRequestError],
    ['ERROR', 400, 'BAD_REQUEST', GlpiRequestError],
    ['ERROR_SOMETHING_NEW', 503, 'SERVER_ERROR', GlpiUnavailableError],
  ];
  for (const [code, status, ourCode, kind] of cases) {
    test(`${code} -> ${ourCode}`, () => {
      const error = errorFromGlpiCode(
        code,
        'bad tok123; view documentation in your browser at http://x/#E',
        status,
        ctx,
      );
      assert.ok(error instanceof kind);
      assert.equal(error.code, ourCode);
      assert.ok(!error.message.includes('tok123'));
      assert.ok(!error.message.includes('view documentation'));
    });
  }
  test('a database that went away is an outage, not a bad query', () => {
    const error = errorFromGlpiCode('ERROR_SQL', 'Unexpected SQL Error : MySQL server has gone away', 500, ctx);
    assert.ok(error instanceof GlpiUnavailableError);
    assert.equal(error.code, 'DATABASE_UNAVAILABLE');
  });
  test('API disabled is a configuration error', () => {
    assert.equal(errorFromGlpiCode('ERROR', 'API disabled', 400, ctx).code, 'API_DISABLED');
  });
});

describe('redaction', () => {
  test('masks plain, URL-encoded and Base64 forms', () => {
    const secret = 'p@ss word/1';
    const text = `a ${secret} b ${encodeURIComponent(secret)} c ${Buffer.from(secret).toString('base64')}`;
    const redacted = redactSecrets(text, [secret, null, '']);
    assert.ok(!redacted.includes(secret) && !redacted.includes(encodeURIComponent(secret)));
    assert.ok(!redacted.includes(Buffer.from(secret).toString('base64')));
  });

  test('Secret hides its value', () => {
    const secret = new Secret('hunter2');
    assert.equal(secret.reveal(), 'hunter2');
    assert.ok(!inspect({ secret }).includes('hunter2'));
    assert.ok(!JSON.stringify({ secret }).includes('hunter2'));
    assert.ok(!`${String(secret)}`.includes('hunter2'));
  });
});

describe('RequestLimiter', () => {
  test('bounds concurrency', async () => {
    const limiter = new RequestLimiter(3, 0);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limiter.run(async () => {
          peak = Math.max(peak, ++active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
        }),
      ),
    );
    assert.equal(peak, 3);
  });

  test('paces starts', async () => {
    const limiter = new RequestLimiter(10, 50);
    const started = Date.now();
    await Promise.all(Array.from({ length: 11 }, () => limiter.run(() => Promise.resolve())));
    assert.ok(Date.now() - started >= 190, `${Date.now() - started} ms`); // 10 intervals of 20 ms
  });
});
