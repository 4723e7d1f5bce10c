// Staff profiles and the roster over a real database: what is stored (the phone only encrypted and as a
// blind index), what comes back when something is wrong (everything typed, in the reader's language), and
// who sees whom on shift.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { createStaff } from './dispatch.test-helpers.ts';
import { anyoneOnShiftToRing, onShiftPhones, staffPhoneField } from '../staff/staff.service.ts';

describe(`staff profile and roster`, () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  const get = (session: StaffSession, url: string, lang = 'en') =>
    t.app.inject({
      url,
      headers: { accept: 'text/html', cookie: session.cookie, 'accept-language': lang },
    });
  const post = (session: StaffSession, form: Record<string, string>, lang = 'en') =>
    t.app.inject({
      method: 'POST',
      url: '/console/profile',
      headers: {
        accept: 'text/html',
        cookie: session.cookie,
        'accept-language': lang,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: session.csrfToken, ...form }).toString(),
    });

  test('a responder saves a profile: the phone is stored only encrypted and as a blind index', async () => {
    const responder = await createStaffSession(t.context, ['responder']);
    const form = await get(responder, '/console/profile');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /name="on_shift"/);

    const saved = await post(responder, {
      display_name: 'Ana',
      phone: '(773) 555-0199',
      languages: 'es, en, mam',
      home_zips: '60623, 60608',
      on_shift: 'yes',
    });
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(saved.headers.location, '/console/profile?saved=1');

    const row = await t.context.db
      .selectFrom('staff_profiles')
      .selectAll()
      .where('user_id', '=', responder.userId)
      .executeTakeFirstOrThrow();
    assert.equal(row.display_name, 'Ana');
    assert.deepEqual(row.languages, ['es', 'en', 'mam']);
    assert.deepEqual(row.home_zips, ['60623', '60608']);
    assert.equal(row.on_shift, true);
    assert.ok(row.on_shift_since instanceof Date);
    const { rows } = await sql<{ row: string }>`
      select t::text as row from staff_profiles t where t.user_id = ${responder.userId}`.execute(
      t.context.db,
    );
    for (const fragment of ['5550199', '773555', '+1773']) {
      assert.ok(!rows[0]!.row.includes(fragment), `the row holds "${fragment}" in the clear`);
    }
    const { fields, blindIndex } = t.context.secrets;
    assert.equal(
      fields.decryptOptional(staffPhoneField(responder.userId), row.phone_ciphertext),
      '+17735550199',
    );
    assert.equal(row.phone_index, blindIndex.phone('+17735550199'));

    const again = await get(responder, '/console/profile?saved=1');
    assert.match(again.body, /Your profile is saved/);
    assert.match(again.body, /value="\+17735550199"/, 'the owner sees their own number');
    assert.ok(!t.logs.text.includes('5550199'), 'the number is not in the logs');
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('subject_id', '=', responder.userId)
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['profile.updated'],
    );
    assert.ok(!JSON.stringify(audit).includes('5550199'));
  });

  test('mistakes come back with everything typed, in Spanish, and nothing is saved', async () => {
    const responder = await createStaffSession(t.context, ['responder']);
    const res = await post(
      responder,
      {
        display_name: 'Beto <b>',
        phone: '12345',
        languages: 'español',
        home_zips: '60623, 99999',
        on_shift: 'yes',
      },
      'es',
    );
    assert.equal(res.statusCode, 422);
    assert.match(res.body, /<html lang="es"/);
    assert.match(res.body, /No parece un número de teléfono/);
    assert.match(res.body, /Elija los idiomas de la lista/);
    assert.match(res.body, /No conocemos el código postal 99999/);
    assert.match(res.body, /value="Beto &lt;b&gt;"/, 'typed values return, escaped');
    assert.match(res.body, /value="60623, 99999"/);
    assert.match(res.body, /name="on_shift" value="yes" checked/);
    const row = await t.context.db
      .selectFrom('staff_profiles')
      .select('user_id')
      .where('user_id', '=', responder.userId)
      .executeTakeFirst();
    assert.equal(row, undefined);
  });

  test('a responder cannot go on shift without a phone; a legal observer can', async () => {
    const responder = await createStaffSession(t.context, ['responder']);
    const refused = await post(responder, {
      display_name: 'C',
      languages: 'en',
      home_zips: '',
      on_shift: 'yes',
    });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Add your phone number to go on shift/);
    const legal = await createStaffSession(t.context, ['legal']);
    const accepted = await post(legal, {
      display_name: 'L',
      languages: 'en',
      home_zips: '',
      on_shift: 'yes',
    });
    assert.equal(accepted.statusCode, 303);
  });

  test("a number already on someone else's profile is saved alike, never said to be theirs", async () => {
    const first = await createStaffSession(t.context, ['responder']);
    const second = await createStaffSession(t.context, ['dispatcher']);
    const fields = { display_name: 'X', phone: '+1 312 555 0123', languages: 'en', home_zips: '60601' };
    assert.equal((await post(first, fields)).statusCode, 303);
    assert.equal((await post(first, { ...fields, display_name: 'X2' })).statusCode, 303, 'own number again');
    const unused = await post(second, { ...fields, phone: '312-555-0999' });
    const taken = await post(second, { ...fields, phone: '312-555-0123' });
    // The very same answer as for a number nobody has.
    assert.deepEqual(
      [taken.statusCode, taken.headers.location, taken.body],
      [unused.statusCode, unused.headers.location, unused.body],
    );
    assert.equal(taken.headers.location, '/console/profile?saved=1');
    const page = await get(second, '/console/profile?saved=1');
    assert.match(page.body, /Your profile is saved/);
    assert.match(page.body, /value="\+13125550123"/, 'the number shows as saved, as any other');
    assert.ok(!/another staff member|otra persona/.test(page.body));
    for (const lang of ['en', 'es']) {
      const again = await post(second, { ...fields, phone: '(312) 555-0123' }, lang);
      assert.equal(again.statusCode, 303);
    }

    // Safely: a text or call from the number still means the person who had it first.
    const rows = await t.context.db
      .selectFrom('staff_profiles')
      .select(['user_id', 'phone_index', 'phone_ciphertext'])
      .where('user_id', 'in', [first.userId, second.userId])
      .execute();
    const byUser = new Map(rows.map((row) => [row.user_id, row]));
    assert.equal(byUser.get(first.userId)!.phone_index, t.context.secrets.blindIndex.phone('+13125550123'));
    assert.equal(byUser.get(second.userId)!.phone_index, null);
    assert.ok(byUser.get(second.userId)!.phone_ciphertext);
    const audit = await t.context.db
      .selectFrom('audit_log')
      .select('details')
      .where('actor_id', '=', second.userId)
      .where('action', '=', 'profile.updated')
      .execute();
    assert.ok(audit.some((row) => JSON.stringify(row.details).includes('"phoneOnAnotherProfile":true')));
    assert.ok(!audit.some((row) => /555|0123/.test(JSON.stringify(row.details))), 'never the number');
  });

  test('two people saving one new number at once are both answered alike; one holds it', async () => {
    const [a, b] = [
      await createStaffSession(t.context, ['responder']),
      await createStaffSession(t.context, ['responder']),
    ];
    const fields = { display_name: 'Y', phone: '+1 312 555 0456', languages: 'en', home_zips: '60601' };
    const answers = await Promise.all([post(a, fields), post(b, fields)]);
    assert.deepEqual(
      answers.map((answer) => answer.statusCode),
      [303, 303],
    );
    const indexed = await t.context.db
      .selectFrom('staff_profiles')
      .select('user_id')
      .where('phone_index', '=', t.context.secrets.blindIndex.phone('+13125550456'))
      .execute();
    assert.equal(indexed.length, 1);
  });

  test('languages are ticked from a list of names, saved as codes; codes from before the list are kept', async () => {
    const responder = await createStaffSession(t.context, ['responder']);
    const form = await get(responder, '/console/profile');
    const field = /<fieldset id="languages"[\s\S]*?<\/fieldset>/.exec(form.body)?.[0] ?? '';
    for (const name of [
      'English',
      'Spanish',
      'Mam',
      'K&#39;iche&#39;',
      'Q&#39;anjob&#39;al',
      'Akateko',
      'Haitian Creole',
    ]) {
      assert.ok(field.includes(name), name);
    }
    assert.match(field, /<details>\s*<summary>More languages<\/summary>[\s\S]*Somali[\s\S]*<\/details>/);
    assert.match(field, /type="checkbox" name="languages" value="quc"/);
    assert.doesNotMatch(form.body, /type="text"[^>]*name="languages"/, 'no codes typed by hand');
    const spanish = await get(responder, '/console/profile', 'es');
    const campo = /<fieldset id="languages"[\s\S]*?<\/fieldset>/.exec(spanish.body)?.[0] ?? '';
    for (const name of ['Inglés', 'Español', 'Criollo haitiano', 'Portugués', 'Más idiomas']) {
      assert.ok(campo.includes(name), name);
    }

    const body = new URLSearchParams({ _csrf: responder.csrfToken, display_name: 'Lu', phone: '' });
    for (const code of ['en', 'es', 'mam', 'quc']) body.append('languages', code);
    body.append('texts_in', 'es');
    const saved = await t.app.inject({
      method: 'POST',
      url: '/console/profile',
      headers: {
        accept: 'text/html',
        cookie: responder.cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: body.toString(),
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const languagesOf = async (userId: string) =>
      (
        await t.context.db
          .selectFrom('staff_profiles')
          .select('languages')
          .where('user_id', '=', userId)
          .executeTakeFirstOrThrow()
      ).languages;
    assert.deepEqual(
      await languagesOf(responder.userId),
      ['es', 'en', 'mam', 'quc'],
      'texts in Spanish: es first',
    );
    const again = await get(responder, '/console/profile');
    assert.match(again.body, /name="texts_in" value="es" checked/);
    assert.match(again.body, /value="quc" checked>\s*K&#39;iche&#39;/);

    // A profile saved when codes were typed by hand: the unknown code is shown as it is, ticked, and kept.
    const old = await createStaff(t.context, ['responder'], {
      languages: ['pt', 'zzz', 'en'],
      phone: null,
      onShift: false,
    });
    const oldForm = await get(old, '/console/profile');
    assert.match(oldForm.body, /value="zzz" checked>\s*zzz/);
    assert.match(oldForm.body, /value="pt" checked>\s*Portuguese/);
    const ticked = [...oldForm.body.matchAll(/name="languages" value="([^"]+)" checked/g)].map((m) => m[1]!);
    assert.deepEqual(ticked, ['pt', 'zzz', 'en'], 'in their order');
    const resave = new URLSearchParams({ _csrf: old.csrfToken, display_name: 'Old' });
    for (const code of ticked) resave.append('languages', code);
    resave.append('texts_in', 'en');
    const kept = await t.app.inject({
      method: 'POST',
      url: '/console/profile',
      headers: {
        accept: 'text/html',
        cookie: old.cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: resave.toString(),
    });
    assert.equal(kept.statusCode, 303, kept.body);
    assert.deepEqual(await languagesOf(old.userId), ['en', 'pt', 'zzz']);
  });

  test('the roster shows who is on shift, with languages and ZIP codes but no phone numbers', async () => {
    const onShift = await createStaff(t.context, ['responder'], {
      displayName: 'Rosa Roster',
      phone: '+17735550177',
      languages: ['es', 'ht', 'quc'],
      homeZips: ['60632'],
    });
    await createStaff(t.context, ['responder'], { displayName: 'Otto Offshift', onShift: false });
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const page = await get(dispatcher, '/console/roster');
    assert.equal(page.statusCode, 200);
    const onShiftTable =
      /<table class="roster" id="roster-on-shift">([\s\S]*?)<\/table>/.exec(page.body)?.[1] ?? '';
    assert.match(onShiftTable, /Rosa Roster/);
    assert.match(onShiftTable, /Spanish, Haitian Creole, K&#39;iche&#39;/, 'names, never codes');
    const enEspanol = await get(dispatcher, '/console/roster', 'es');
    assert.match(enEspanol.body, /Español, Criollo haitiano, K&#39;iche&#39;/);
    assert.match(onShiftTable, /60632/);
    assert.ok(!onShiftTable.includes('Otto Offshift'));
    assert.match(page.body, /id="roster-off-shift"[\s\S]*Otto Offshift/);
    assert.ok(!page.body.includes('5550177') && !page.body.includes(onShift.phone!), 'no phone numbers');

    assert.match(
      page.body,
      /<nav class="console-nav"[\s\S]*href="\/console\/roster"[\s\S]*href="\/console\/profile"/,
    );
    const responder = await createStaffSession(t.context, ['responder']);
    assert.equal((await get(responder, '/console/roster')).statusCode, 403);
    const home = await get(responder, '/console');
    assert.match(home.body, /href="\/console\/profile"/, 'a responder finds their profile from the console');
    assert.ok(!home.body.includes('href="/console/roster"'));
  });

  test('the voice line can ask for the on-shift dispatchers it should ring', async () => {
    const ringing = await createStaff(t.context, ['dispatcher'], { phone: '+17735550155' });
    await createStaff(t.context, ['dispatcher'], { onShift: false });
    await createStaff(t.context, ['dispatcher'], { phone: null, onShift: true });
    const { phones, unreadable } = await onShiftPhones(t.context, 'dispatcher', 10);
    assert.equal(unreadable, 0);
    assert.ok(phones.some((p) => p.userId === ringing.userId && p.phone === '+17735550155'));
    assert.ok(phones.every((p) => p.phone.startsWith('+')));
    assert.equal(phones.length, 1);
  });

  test('the voice line rings those on shift longest first, at most the limit, and leaves out a number it cannot read', async () => {
    await t.context.db.updateTable('staff_profiles').set({ on_shift: false }).execute();
    assert.equal(await anyoneOnShiftToRing(t.context.db, 'dispatcher'), false);
    // Names in the opposite order, so the order can only come from the time each came on shift.
    const first = await createStaff(t.context, ['dispatcher'], { displayName: 'Zoe First' });
    t.clock.advance(60_000);
    const second = await createStaff(t.context, ['dispatcher'], { displayName: 'Yara Second' });
    t.clock.advance(60_000);
    const third = await createStaff(t.context, ['dispatcher'], { displayName: 'Xavi Third' });
    assert.equal(await anyoneOnShiftToRing(t.context.db, 'dispatcher'), true);

    const two = await onShiftPhones(t.context, 'dispatcher', 2);
    assert.deepEqual(
      two.phones.map((p) => p.userId),
      [first.userId, second.userId],
    );
    assert.deepEqual(
      two.phones.map((p) => p.phone),
      [first.phone, second.phone],
    );

    await t.context.db
      .updateTable('staff_profiles')
      .set({ phone_ciphertext: 'not-a-ciphertext' })
      .where('user_id', '=', second.userId)
      .execute();
    const all = await onShiftPhones(t.context, 'dispatcher', 10);
    assert.deepEqual(
      all.phones.map((p) => p.userId),
      [first.userId, third.userId],
    );
    assert.equal(all.unreadable, 1);
  });
});
