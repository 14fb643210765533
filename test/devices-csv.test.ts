/**
 * Reading inventory files: the CSV reader, encoding and delimiter detection, and the
 * row checks that decide what an import may touch. No database here.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CsvParseError, detectDelimiter, parseCsv } from '../src/devices/csv';
import { decodeBytes, EncodingError, firstInvalidUtf8 } from '../src/devices/encoding';
import { InventoryError, parseActive, readInventory } from '../src/devices/inventory';
import { planUpdate, type ExistingDevice } from '../src/devices/import';
import { devicesFixture, PROBLEMS_CSV_SKIPS, skipsOf } from './support/device-fixtures';

const fixture = (name: string) => readFileSync(devicesFixture(name));
const fields = (text: string, delimiter: ',' | ';' | '\t' | '|' = ',') =>
  parseCsv(text, delimiter).map((record) => record.fields);
const inventory = (text: string) => readInventory(Buffer.from(text, 'utf8'));

describe('parseCsv', () => {
  test('plain records, LF and CRLF, with or without a final line break', () => {
    assert.deepEqual(fields('a,b\r\nc,d\ne,f'), [
      ['a', 'b'],
      ['c', 'd'],
      ['e', 'f'],
    ]);
    assert.deepEqual(fields('a,b\n'), [['a', 'b']]);
  });

  test('quoted fields hold delimiters, doubled quotes and line breaks', () => {
    assert.deepEqual(fields('"a,b","say ""hi""","two\r\nlines",""\n'), [['a,b', 'say "hi"', 'two\r\nlines', '']]);
  });

  test('records carry the line they start on, counting line breaks inside quotes', () => {
    const records = parseCsv('h1,h2\n"x\ny\nz",1\r\nnext,2\n\nlast,3', ',');
    assert.deepEqual(
      records.map((r) => r.line),
      [1, 2, 5, 6, 7],
    );
    assert.deepEqual(records[3].fields, ['']);
  });

  test('empty fields, a trailing delimiter, a stray quote inside an unquoted field', () => {
    assert.deepEqual(fields(',,\na,\n12" screen,x'), [
      ['', '', ''],
      ['a', ''],
      ['12" screen', 'x'],
    ]);
  });

  test('spaces after a closing quote are tolerated', () => {
    assert.deepEqual(fields('"a"  ,b'), [['a', 'b']]);
  });

  test('an unterminated quote is an error naming the line where the quote opened', () => {
    assert.throws(
      () => parseCsv('serial,name\nA-1,ok\nA-2,"never closed\nA-3,lost\n', ','),
      (error: unknown) => error instanceof CsvParseError && error.line === 3 && /never closed/.test(error.message),
    );
  });

  test('text after a closing quote is an error with its line', () => {
    assert.throws(
      () => parseCsv('a,b\n"x\ny"z,1', ','),
      (error: unknown) =>
        error instanceof CsvParseError && error.line === 3 && /after a closing quote/.test(error.message),
    );
  });

  test('semicolon, tab and pipe delimiters', () => {
    assert.deepEqual(fields('a;"b;c"\n', ';'), [['a', 'b;c']]);
    assert.deepEqual(fields('a\t"b\tc"\td\n', '\t'), [['a', 'b\tc', 'd']]);
    assert.deepEqual(fields('a|b\n', '|'), [['a', 'b']]);
  });
});

describe('detectDelimiter', () => {
  test('the most frequent candidate of the header line wins', () => {
    assert.equal(detectDelimiter('serial;name;location\na,b;c'), ';');
    assert.equal(detectDelimiter('serial\tname\tlocation'), '\t');
    assert.equal(detectDelimiter('serial|name'), '|');
    assert.equal(detectDelimiter('serial,name'), ',');
  });

  test('delimiters inside quotes and on later lines do not count; a single column means ","', () => {
    assert.equal(detectDelimiter('"a;b;c",name\n;;;;;'), ',');
    assert.equal(detectDelimiter('serial\nA;B;C'), ',');
    assert.equal(detectDelimiter('\r\n\nserial;name'), ';');
  });
});

describe('decodeBytes', () => {
  test('UTF-8 with and without a BOM; the BOM is dropped', () => {
    assert.deepEqual(decodeBytes(Buffer.from('\ufeffserial\nÉ-1', 'utf8')), { text: 'serial\nÉ-1', encoding: 'utf-8' });
    assert.deepEqual(decodeBytes(Buffer.from('serial\nÉ-1', 'utf8')), { text: 'serial\nÉ-1', encoding: 'utf-8' });
  });

  test('UTF-16 LE and BE by their BOM, and LE without one', () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('serial\nZoë', 'utf16le')]);
    assert.deepEqual(decodeBytes(le), { text: 'serial\nZoë', encoding: 'utf-16le' });
    const be = Buffer.from(le.subarray(2)).swap16();
    assert.deepEqual(decodeBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), {
      text: 'serial\nZoë',
      encoding: 'utf-16be',
    });
    const bomless = decodeBytes(le.subarray(2));
    assert.equal(bomless.text, 'serial\nZoë');
    assert.equal(bomless.encoding, 'utf-16le');
    assert.match(bomless.note ?? '', /no BOM/);
  });

  test('invalid UTF-8 falls back to windows-1252 and says where', () => {
    // 0x80 is € in windows-1252 (Excel's "ANSI"), a control character in strict latin1.
    const bytes = Buffer.concat([
      Buffer.from('serial;name\nA-1;ok\nA-2;Imprimante étage ', 'latin1'),
      Buffer.from([0x80]),
    ]);
    const decoded = decodeBytes(bytes);
    assert.equal(decoded.encoding, 'windows-1252');
    assert.equal(decoded.text, 'serial;name\nA-1;ok\nA-2;Imprimante étage €');
    assert.match(decoded.note ?? '', /not valid UTF-8 \(first bad byte on line 3\).*windows-1252/);
  });

  test('a given encoding is used strictly', () => {
    assert.equal(decodeBytes(Buffer.from('é', 'latin1'), 'latin1').text, 'é');
    assert.equal(decodeBytes(Buffer.from('é', 'utf8'), 'latin1').text, 'Ã©');
    assert.equal(decodeBytes(Buffer.from([0x93, 0x80, 0x99, 0x94]), 'cp1252').text, '“€™”');
    assert.throws(
      () => decodeBytes(Buffer.from('a\né', 'latin1'), 'utf-8'),
      /not valid utf-8 \(first bad byte on line 2\)/,
    );
    assert.throws(() => decodeBytes(Buffer.from('a'), 'klingon'), EncodingError);
  });

  test('firstInvalidUtf8 rejects truncated, overlong and surrogate sequences', () => {
    assert.equal(firstInvalidUtf8(Buffer.from('aé€😀', 'utf8')), -1);
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xc3])), 1);
    assert.equal(firstInvalidUtf8(Buffer.from([0xc0, 0x80])), 0);
    assert.equal(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80])), 1);
    assert.equal(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])), 0);
  });
});

describe('readInventory', () => {
  test('header names are trimmed and case-insensitive, organization is an alias, extra columns are ignored', () => {
    const inv = inventory(' SERIAL ,Name,Organization,Notes\nA-1,Accueil,DSI,x\n');
    assert.deepEqual(inv.columns, ['serial', 'name', 'organisation']);
    assert.deepEqual(inv.ignoredColumns, ['Notes']);
    assert.deepEqual(inv.entries[0].fields, { name: 'Accueil', organisation: 'DSI' });
  });

  test('the reference fixture: CRLF, quoted commas, doubled quotes, a line break inside a value', () => {
    const inv = readInventory(fixture('inventory.csv'));
    assert.equal(inv.delimiter, ',');
    assert.deepEqual(
      inv.entries.map((e) => [e.line, e.serial, e.active]),
      [
        [2, 'PRN-001', true],
        [3, 'PRN-002', true],
        [5, 'prn-003', false],
        [6, 'PRN-004', true],
      ],
    );
    assert.equal(inv.entries[1].fields.name, 'Compta "couleur"');
    // Saved with CRLF or LF, a value with a line break is the same value.
    assert.equal(inv.entries[1].fields.location, 'Siège\n2e étage');
    assert.deepEqual(inv.entries[3].fields, { name: null, model: null, location: null, organisation: null });
  });

  test('a windows-1252 file with ";" and a UTF-16 file with tabs', () => {
    const latin = readInventory(fixture('semicolon-windows1252.csv'));
    assert.equal(latin.delimiter, ';');
    assert.equal(latin.encoding, 'windows-1252');
    assert.match(latin.encodingNote ?? '', /not valid UTF-8/);
    assert.deepEqual(latin.entries[0].fields, {
      name: 'Imprimante étage',
      location: 'Bâtiment Nord',
      organisation: 'Société Générale',
    });
    const utf16 = readInventory(fixture('tab-utf16le.csv'));
    assert.equal(utf16.delimiter, '\t');
    assert.equal(utf16.encoding, 'utf-16le');
    assert.deepEqual(
      utf16.entries.map((e) => [e.serial, e.fields.name, e.active]),
      [
        ['U16-1', 'Imprimante Zoë', true],
        ['U16-2', 'Tab\there', false],
      ],
    );
    const bom = readInventory(fixture('utf8-bom.csv'));
    assert.deepEqual(
      [bom.encoding, bom.delimiter, bom.columns[0], bom.entries[0].fields.name],
      ['utf-8', '|', 'serial', 'Café'],
    );
  });

  test('every skip reason, with the line it happened on', () => {
    const inv = readInventory(fixture('problems.csv'));
    assert.deepEqual(skipsOf(inv.skipped), PROBLEMS_CSV_SKIPS);
    assert.deepEqual(
      inv.entries.map((e) => [e.line, e.serial, e.active]),
      [
        [2, 'ab-1', true],
        [4, '', true],
        [8, 'EF-3', true],
        [9, '', true],
        [10, 'GH-4', false],
      ],
    );
    // CD-2's row was skipped, but the device is still in the inventory.
    // Rows without a serial are in it too, by their key (issue 13).
    assert.deepEqual([...inv.mentionedSerials].sort(), [
      'AB-1',
      'CD-2',
      'EF-3',
      'GH-4',
      'no-serial:name=blank serial',
      'no-serial:name=no serial',
    ]);
    assert.equal(inv.rows, 9);
  });

  test('active values', () => {
    for (const yes of ['', ' ', 'true', 'TRUE', 'yes', 'Yes', '1', 'oui', 'OUI'])
      assert.equal(parseActive(yes), true, yes);
    for (const no of ['false', 'False', 'no', 'NO', '0', 'non', 'Non']) assert.equal(parseActive(no), false, no);
    for (const bad of ['maybe', 'y', '2', 'vrai', 'actif']) assert.equal(parseActive(bad), undefined, bad);
  });

  test('a short row leaves the missing columns empty; trailing empty fields are harmless', () => {
    const inv = inventory('serial,name,location,active\nA-1,Only a name\nA-2,x,y,no,,,\n');
    assert.deepEqual(inv.entries[0].fields, { name: 'Only a name', location: null });
    assert.equal(inv.entries[0].active, true);
    assert.equal(inv.entries[1].active, false);
  });

  test('blank lines are not rows', () => {
    const inv = inventory('\nserial,name\n\nA-1,x\n,\n  ,  \n');
    assert.equal(inv.rows, 1);
    assert.equal(inv.blankRows, 3);
    assert.equal(inv.entries[0].line, 4);
  });

  test('files that cannot be imported', () => {
    assert.throws(
      () => readInventory(fixture('missing-serial.csv')),
      /no serial column.*delimiter ";".*"Nom", "Modèle", "Lieu"/,
    );
    assert.throws(() => readInventory(fixture('too-many-fields.csv')), /line 3: 4 fields but the header has 3/);
    assert.throws(() => readInventory(fixture('unterminated-quote.csv')), /line 3: a quoted field is never closed/);
    assert.throws(() => inventory('serial,name,Serial\n'), /column serial twice \(columns 1 and 3\)/);
    assert.throws(() => inventory('\n\n'), /empty: a header row/);
    for (const name of ['missing-serial.csv', 'too-many-fields.csv', 'unterminated-quote.csv']) {
      assert.throws(() => readInventory(fixture(name)), InventoryError);
    }
  });

  test('an explicit delimiter and encoding override detection', () => {
    const bytes = Buffer.from('serial;name,model\nA-1;Café, RDC\n', 'utf8');
    const inv = readInventory(bytes, { delimiter: ';', encoding: 'latin1' });
    assert.deepEqual([inv.columns, inv.ignoredColumns], [['serial'], ['name,model']]);
    assert.equal(inv.encoding, 'windows-1252');
    assert.equal(inv.encodingNote, undefined);
    assert.throws(() => readInventory(Buffer.from('serial,name;model\n'), { delimiter: ';' }), /no serial column/);
  });
});

describe('planUpdate', () => {
  const device: ExistingDevice = {
    id: 7,
    serial: 'ab-1',
    serialNormalized: 'AB-1',
    name: 'Old',
    model: 'M1',
    location: 'HQ',
    organisation: 'DSI',
    active: true,
  };

  test('columns the file lacks are left alone; the others, serial spelling included, are compared', () => {
    const [entry] = inventory('serial,name\nAB-1,Old\n').entries;
    const update = planUpdate(entry, device);
    assert.deepEqual(update.changes, [{ field: 'serial', from: 'ab-1', to: 'AB-1' }]);
    assert.deepEqual(update.target, { ...device, serial: 'AB-1' });
  });

  test('no change at all means unchanged', () => {
    const [entry] = inventory('serial,name,model,location,organisation,active\nab-1,Old,M1,HQ,DSI,yes\n').entries;
    assert.deepEqual(planUpdate(entry, device).changes, []);
  });

  test('an emptied column becomes null', () => {
    const [entry] = inventory('serial,location,active\nab-1,,no\n').entries;
    assert.deepEqual(planUpdate(entry, device).changes, [
      { field: 'location', from: 'HQ', to: null },
      { field: 'active', from: true, to: false },
    ]);
  });
});
