/**
 * The shared domain rules of src/core against the places that must agree with them: the
 * error classes the workflow's retry lists name, the database enums, and the device
 * reference rule that keeps digit-only serials away from the integer id column.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../src/config';
import { MAX_INT4, parseDeviceReference, parseInt4Id } from '../src/core/device-reference';
import { FATAL_ERROR_TYPES, NON_RETRYABLE_ERROR_TYPES, NOT_WORTH_RETRYING_ERROR_TYPES } from '../src/core/error-kinds';
import { RESULT_STATUSES, RUN_STATUSES, RUN_TRIGGERS } from '../src/core/results';
import { InvalidSerialError, normaliseSerial } from '../src/core/serial';
import { UnknownDevicesError } from '../src/db/devices';
import { ForeignDatabaseError } from '../src/db/identity';
import { RunClosedError } from '../src/db/runs';
import { ResultStatus, RunStatus, RunTrigger } from '../src/db/generated/enums';
import { GlpiAuthError, GlpiConfigError, GlpiRequestError, GlpiUnavailableError } from '../src/glpi/errors';

/** One instance of every error class thrown below the workflow, built the way the code builds it. */
const THROWN_ERRORS: Error[] = [
  new GlpiConfigError('BAD_URL', 'bad url'),
  new GlpiAuthError('USER_TOKEN_REJECTED', 'rejected'),
  new GlpiRequestError('BAD_CRITERIA', 'refused'),
  new GlpiUnavailableError('TIMEOUT', 'timed out'),
  new ConfigError('bad setting'),
  new UnknownDevicesError(['NOPE']),
  new ForeignDatabaseError('glpi_device_check_demo', 'glpi_device_check'),
  new RunClosedError(1, 'cancelled'),
  new InvalidSerialError('', 'empty'),
];

describe('error kinds', () => {
  test('every class named in a retry list exists and carries that name', () => {
    const byName = new Map(THROWN_ERRORS.map((error) => [error.name, error]));
    for (const name of NON_RETRYABLE_ERROR_TYPES) {
      const error = byName.get(name);
      assert.ok(error, `${name} is in a retry list but no error class has that name`);
      assert.equal(error.constructor.name, name, `the class of ${name} is ${error.constructor.name}`);
    }
  });

  test('the lists do not overlap, and a GLPI outage stays retryable', () => {
    const fatal = new Set<string>(FATAL_ERROR_TYPES);
    assert.deepEqual(
      NOT_WORTH_RETRYING_ERROR_TYPES.filter((name) => fatal.has(name)),
      [],
    );
    assert.ok(!NON_RETRYABLE_ERROR_TYPES.includes(new GlpiUnavailableError('TIMEOUT', 'x').name));
  });
});

describe('result statuses', () => {
  test('the database enums hold exactly the values of src/core', () => {
    assert.deepEqual(Object.values(ResultStatus).sort(), [...RESULT_STATUSES].sort());
    assert.deepEqual(Object.values(RunStatus).sort(), [...RUN_STATUSES].sort());
    assert.deepEqual(Object.values(RunTrigger).sort(), [...RUN_TRIGGERS].sort());
  });
});

describe('device references', () => {
  test('a 12-digit serial is a serial and never an id', () => {
    assert.deepEqual(parseDeviceReference('123456789012'), { text: '123456789012', serial: '123456789012', id: null });
  });

  test('a number that fits int4 may also be an id; #42 and id:42 are only an id', () => {
    assert.deepEqual(parseDeviceReference(' 42 '), { text: ' 42 ', serial: '42', id: 42 });
    assert.deepEqual(parseDeviceReference('#42'), { text: '#42', serial: null, id: 42 });
    assert.deepEqual(parseDeviceReference('ID: 42'), { text: 'ID: 42', serial: null, id: 42 });
    assert.deepEqual(parseDeviceReference('#123456789012'), { text: '#123456789012', serial: null, id: null });
  });

  test('a serial is normalised once, the way the import stores it', () => {
    assert.deepEqual(parseDeviceReference(' cn-ès1 '), { text: ' cn-ès1 ', serial: 'CN-ES1', id: null });
    assert.equal(parseDeviceReference('   ').serial, null);
  });

  test('normalising a normalised serial changes nothing (the stored key is the lookup key)', () => {
    for (const raw of [' cn-ès1 ', 'straße', 'ﬁ-１２', 'AB&CD', 'İstanbul', 'ǅ']) {
      const once = normaliseSerial(raw);
      assert.equal(normaliseSerial(once), once, raw);
    }
  });

  test('int4 bounds', () => {
    assert.equal(parseInt4Id(String(MAX_INT4)), MAX_INT4);
    assert.equal(parseInt4Id(String(MAX_INT4 + 1)), null);
    assert.equal(parseInt4Id('0'), null);
    assert.equal(parseInt4Id('-1'), null);
    assert.equal(parseInt4Id('1e3'), null);
  });
});
