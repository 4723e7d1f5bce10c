// The CSV reader: quoting as spreadsheets write it, line numbers that point at the right line of the file
// (even after quoted line breaks), and broken quoting reported per record without losing the others.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { detectDelimiter, parseCsv } from './csv.ts';

describe('parseCsv', () => {
  test('plain records, with the line each starts on', () => {
    assert.deepEqual(parseCsv('name,phone\nBroadview,555-0100\nDodge,555-0101\n'), [
      { line: 1, fields: ['name', 'phone'] },
      { line: 2, fields: ['Broadview', '555-0100'] },
      { line: 3, fields: ['Dodge', '555-0101'] },
    ]);
  });

  test('quoted fields hold commas, doubled quotes and line breaks; lines after them are counted right', () => {
    const records = parseCsv(
      'name,address,visiting_notes\r\n' +
        '"Broadview Processing Center","1930 Beach St, Broadview, IL","Visits: ""by appointment""\r\nBring ID"\r\n' +
        'Dodge,"",\r\n',
    );
    assert.deepEqual(records, [
      { line: 1, fields: ['name', 'address', 'visiting_notes'] },
      {
        line: 2,
        fields: [
          'Broadview Processing Center',
          '1930 Beach St, Broadview, IL',
          'Visits: "by appointment"\r\nBring ID',
        ],
      },
      { line: 4, fields: ['Dodge', '', ''] },
    ]);
  });

  test('UTF-8 text with accents and a byte-order mark', () => {
    assert.deepEqual(parseCsv('\uFEFFnombre\nCentro de Detención Pérez\n'), [
      { line: 1, fields: ['nombre'] },
      { line: 2, fields: ['Centro de Detención Pérez'] },
    ]);
  });

  test('blank lines are skipped but still counted; the last record needs no line break', () => {
    assert.deepEqual(parseCsv('name\n\nA\r\n\r\nB'), [
      { line: 1, fields: ['name'] },
      { line: 3, fields: ['A'] },
      { line: 5, fields: ['B'] },
    ]);
  });

  test('old Mac line endings (CR alone)', () => {
    assert.deepEqual(parseCsv('name\rA\r"B\rC"\rD'), [
      { line: 1, fields: ['name'] },
      { line: 2, fields: ['A'] },
      { line: 3, fields: ['B\rC'] },
      { line: 5, fields: ['D'] },
    ]);
  });

  test('a quote inside an unquoted field is kept; spaces around a quoted field are forgiven', () => {
    assert.deepEqual(parseCsv('a 5" door, "x, y" ,z'), [{ line: 1, fields: ['a 5" door', 'x, y', 'z'] }]);
  });

  test('text after a closing quote spoils only its own record', () => {
    assert.deepEqual(parseCsv('name,phone\n"Broadview"x,1\nDodge,2\n'), [
      { line: 1, fields: ['name', 'phone'] },
      { line: 2, fields: ['Broadview', '1'], problem: 'text_after_quote' },
      { line: 3, fields: ['Dodge', '2'] },
    ]);
  });

  test('a quote never closed is reported on the line it was opened', () => {
    const records = parseCsv('name,phone\nDodge,1\n"Broadview,2\nKrome,3\n');
    assert.equal(records.length, 3);
    assert.deepEqual(records[1], { line: 2, fields: ['Dodge', '1'] });
    assert.equal(records[2]?.line, 3);
    assert.equal(records[2]?.problem, 'unclosed_quote');
  });

  test('semicolon-separated files (spreadsheets in a comma-decimal locale)', () => {
    const text = 'nombre;teléfono\n"Krome; Miami";305\n';
    assert.equal(detectDelimiter(text), ';');
    assert.deepEqual(parseCsv(text), [
      { line: 1, fields: ['nombre', 'teléfono'] },
      { line: 2, fields: ['Krome; Miami', '305'] },
    ]);
    assert.equal(detectDelimiter('name;x,y\n'), ',');
    assert.equal(detectDelimiter('"a;b"\n'), ',');
  });

  test('empty input and a lone header', () => {
    assert.deepEqual(parseCsv(''), []);
    assert.deepEqual(parseCsv('name'), [{ line: 1, fields: ['name'] }]);
  });
});
