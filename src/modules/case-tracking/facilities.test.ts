// The facility directory over a real database: console add/edit/remove with errors in the
// reader's language and everything typed kept, and the CSV import: quoted commas and line breaks, accents,
// bad rows named by line with good rows kept, re-imports that update by name instead of duplicating, and
// files that cannot be read at all.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { MAX_CSV_BYTES } from './facilities.schemas.ts';

const BOUNDARY = '----amparo-test-boundary';

function multipartBody(csrf: string, file: Buffer | string, filename = 'facilities.csv'): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\ncontent-disposition: form-data; name="_csrf"\r\n\r\n${csrf}\r\n` +
        `--${BOUNDARY}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\n` +
        `content-type: text/csv\r\n\r\n`,
    ),
    typeof file === 'string' ? Buffer.from(file, 'utf8') : file,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

describe(`facility directory`, () => {
  let t: TestApp;
  let legal: StaffSession;
  before(async () => {
    t = await createTestApp();
    legal = await createStaffSession(t.context, ['legal']);
  });
  after(async () => t.close());
  beforeEach(async () => {
    await t.context.db.deleteFrom('facilities').execute();
  });

  const get = (url: string, lang = 'en', session = legal) =>
    t.app.inject({
      url,
      headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang },
    });
  const post = (url: string, form: Record<string, string>, lang = 'en', session = legal) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: {
        accept: 'text/html',
        cookie: session.cookie,
        'accept-language': lang,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: session.csrfToken, ...form }).toString(),
    });
  const importCsv = (file: Buffer | string, lang = 'en', csrf = legal.csrfToken) =>
    t.app.inject({
      method: 'POST',
      url: '/console/facilities/import',
      headers: {
        accept: 'text/html',
        cookie: legal.cookie,
        'accept-language': lang,
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      },
      payload: multipartBody(csrf, file),
    });
  const facilities = () => t.context.db.selectFrom('facilities').selectAll().orderBy('name_key').execute();

  test('legal adds, edits and removes a facility; coordinators may too, dispatchers may not', async () => {
    const added = await post('/console/facilities', {
      name: '  Broadview   Processing Center ',
      operator: 'ICE',
      address: '1930 Beach St\nBroadview, IL 60155',
      phone: '(708) 555-0100',
      visiting_notes: 'No visits.',
      deposit_notes: 'Money orders only.',
    });
    assert.equal(added.statusCode, 303, added.body);
    assert.equal(added.headers.location, '/console/facilities?saved=1');
    const [row] = await facilities();
    assert.ok(row);
    assert.equal(row.name, 'Broadview Processing Center');
    assert.equal(row.address, '1930 Beach St\nBroadview, IL 60155');

    const list = await get('/console/facilities?saved=1');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Facility saved\./);
    assert.match(list.body, /Broadview Processing Center/);
    assert.match(list.body, /1930 Beach St<br \/>Broadview, IL 60155/);

    const edit = await get(`/console/facilities/${row.id}`);
    assert.equal(edit.statusCode, 200);
    assert.match(edit.body, /Money orders only\./);
    const changed = await post(`/console/facilities/${row.id}`, {
      name: 'Broadview Processing Center',
      operator: 'GEO Group',
      address: '',
      phone: '',
      visiting_notes: '',
      deposit_notes: '',
    });
    assert.equal(changed.statusCode, 303);
    assert.equal((await facilities())[0]?.operator, 'GEO Group');

    const coordinator = await createStaffSession(t.context, ['coordinator']);
    assert.equal((await get('/console/facilities', 'en', coordinator)).statusCode, 200);
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    assert.equal((await get('/console/facilities', 'en', dispatcher)).statusCode, 403);

    const removed = await post(`/console/facilities/${row.id}/delete`, {});
    assert.equal(removed.statusCode, 303);
    assert.equal((await facilities()).length, 0);
    assert.equal((await post(`/console/facilities/${row.id}/delete`, {})).statusCode, 404);
    assert.equal((await get('/console/facilities/not-a-uuid')).statusCode, 404);
  });

  test('a bad form comes back with what was typed and the error in Spanish; names are unique', async () => {
    const missing = await post('/console/facilities', { name: '  ', operator: 'ICE <b>' }, 'es');
    assert.equal(missing.statusCode, 422);
    assert.match(missing.body, /Este campo es obligatorio\./);
    assert.match(missing.body, /value="ICE &lt;b&gt;"/);

    const tooLong = await post('/console/facilities', { name: 'x'.repeat(201) }, 'en');
    assert.equal(tooLong.statusCode, 422);
    assert.match(tooLong.body, /Too long: at most 200 characters\./);

    assert.equal((await post('/console/facilities', { name: 'Centro de Detención Pérez' })).statusCode, 303);
    // Same name without accents or case: the same facility.
    const taken = await post('/console/facilities', { name: 'CENTRO DE DETENCION PEREZ' }, 'es');
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /El directorio ya tiene un centro con este nombre\./);
    assert.equal((await facilities()).length, 1);
  });

  test('CSV: quoted commas and line breaks, accents, a BOM and CRLF are imported as written', async () => {
    const csv =
      '\uFEFFname,operator,address,phone,visiting_notes,deposit_notes\r\n' +
      '"Broadview Processing Center",ICE,"1930 Beach St, Broadview, IL 60155",708-555-0100,"Visits: ""by appointment""\r\nBring ID",\r\n' +
      'Centro de Detención Pérez,GEO Group,"Calle Ñandú 5, Ciudad Juárez",,"Sábados, 9–12",Depósitos en línea\r\n';
    const res = await importCsv(csv);
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /Import finished: 2 added, 0 updated\./);
    const rows = await facilities();
    assert.deepEqual(
      rows.map((row) => [
        row.name,
        row.operator,
        row.address,
        row.phone,
        row.visiting_notes,
        row.deposit_notes,
      ]),
      [
        [
          'Broadview Processing Center',
          'ICE',
          '1930 Beach St, Broadview, IL 60155',
          '708-555-0100',
          'Visits: "by appointment"\nBring ID',
          '',
        ],
        [
          'Centro de Detención Pérez',
          'GEO Group',
          'Calle Ñandú 5, Ciudad Juárez',
          '',
          'Sábados, 9–12',
          'Depósitos en línea',
        ],
      ],
    );
  });

  test('CSV: bad rows are reported by line in the reader language and the good rows are kept', async () => {
    const csv = [
      'name,operator,phone', // 1
      'Krome,ICE,305-555-0101', // 2
      ',ICE,', // 3: no name
      '"Otero" County,ICE,', // 4: text after a closing quote
      'Dilley,CoreCivic,830,extra', // 5: too many values
      '"Port Isabel', // 6: quote opened, with a line break inside …
      'Detention",ICE,956', // … 7: so this row is line 6's
      'krome,GEO,', // 8: same name as line 2
      `${'y'.repeat(201)},ICE,`, // 9: too long
      'Dilley,,', // 10: fine, and the trailing empty cell of line 5 would have been too
    ].join('\n');
    const res = await importCsv(csv, 'es');
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /Importación terminada: 3 agregados, 0 actualizados\./);
    assert.match(res.body, /5 filas no se importaron/);
    const problems = [...res.body.matchAll(/<li data-line="(\d+)">\s*([^<]*?)\s*<\/li>/g)].map((m) => [
      Number(m[1]),
      m[2]!.replace(/\s+/g, ' '),
    ]);
    assert.deepEqual(problems, [
      [3, 'Línea 3: falta el nombre.'],
      [4, problems[1]?.[1]],
      [
        5,
        'Línea 5: esta fila tiene 4 valores pero los encabezados tienen 3 columnas. Un valor con una coma debe ir entre comillas.',
      ],
      [8, 'Línea 8: este centro ya está en la línea 2 del archivo.'],
      [
        9,
        'Línea 9: el valor de la columna &quot;name&quot; es demasiado largo (como máximo 200 caracteres).',
      ],
    ]);
    assert.match(String(problems[1]?.[1]), /^Línea 4: hay texto después de unas comillas de cierre/);
    // Line 6 opened a quote that line 7 closes: one odd facility name, imported as written.
    assert.deepEqual(
      (await facilities()).map((row) => row.name),
      ['Dilley', 'Krome', 'Port Isabel Detention'],
    );
  });

  test('CSV: a re-import updates facilities by name and leaves columns the file lacks alone', async () => {
    await importCsv('name,operator,deposit_notes\nKrome,ICE,Money orders\nDilley,CoreCivic,\n');
    const before = await facilities();
    const res = await importCsv('Nombre;Operador\nKROME;GEO Group\n"Otay Mesa";CoreCivic\n');
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.body, /Import finished: 1 added, 1 updated\./);
    const rows = await facilities();
    assert.equal(rows.length, 3);
    const krome = rows.find((row) => row.name_key === 'krome');
    assert.equal(krome?.id, before.find((row) => row.name_key === 'krome')?.id, 'same row, not a new one');
    assert.equal(krome?.name, 'KROME');
    assert.equal(krome?.operator, 'GEO Group');
    assert.equal(krome?.deposit_notes, 'Money orders', 'no deposit column: kept');
  });

  test('CSV: files that cannot be read are refused as a whole with a clear message', async () => {
    const latin1 = Buffer.from('name\nCentro de Detención\n', 'latin1');
    const notUtf8 = await importCsv(latin1, 'es');
    assert.equal(notUtf8.statusCode, 422);
    assert.match(notUtf8.body, /No se importó nada\./);
    assert.match(notUtf8.body, /no está en UTF-8/);

    const noName = await importCsv('operator,phone\nICE,1\n');
    assert.equal(noName.statusCode, 422);
    assert.match(noName.body, /The header row has no &quot;name&quot; column\./);

    const empty = await importCsv('');
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /The file is empty\./);

    const big = await importCsv(`name\n${'Krome\n'.repeat(MAX_CSV_BYTES / 6 + 10)}`);
    assert.equal(big.statusCode, 413);
    assert.match(big.body, /The file is too large/);

    const expired = await importCsv('name\nKrome\n', 'en', 'not-a-token');
    assert.equal(expired.statusCode, 403);
    assert.match(expired.body, /This form had expired/);

    const urlEncoded = await post('/console/facilities/import', {});
    assert.equal(urlEncoded.statusCode, 415);
    assert.equal((await facilities()).length, 0);
  });
});
