// The network's time zone: asked on the setup page and stored, used from the next page on without a restart;
// AMPARO_TIMEZONE, when set, wins and is shown instead of asked; while neither is set, admins are told.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { formatTime } from '../../i18n/time.ts';
import { translator } from '../../i18n/i18n.ts';
import { authModule } from '../auth/auth.module.ts';
import { Browser, csrfFrom, insertEnrolledUser, signIn } from '../auth/auth.testing.ts';
import { hashPassword } from '../auth/passwords.ts';
import { ConsoleOutbox } from '../outbox/outbox.sender.ts';
import { loadNetworkTimeZone, networkTimeZone, timeZoneNotice } from './settings.service.ts';

const PASSWORD = 'correct horse battery staple';

async function setupPath(t: TestApp): Promise<string> {
  const messages: string[] = [];
  await authModule.afterStart!(t.context, (message) => messages.push(message));
  const match = /http:\/\/\S+(\/setup\/[A-Za-z0-9_-]+)/.exec(messages.join('\n'));
  assert.ok(match, 'a setup link is announced');
  return match[1]!;
}

describe('the network time zone, asked at setup', () => {
  let t: TestApp;
  // The host's zone is whatever the machine says; the test picks one no test machine uses.
  const chosen = 'America/Chicago';
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  test('the setup page asks for the zone, United States zones first, in words', async () => {
    const page = await new Browser(t.app).get(await setupPath(t));
    assert.equal(page.status, 200);
    assert.match(page.body, /<select\s+id="time_zone"\s+name="time_zone"\s+required/);
    const central = page.body.indexOf('>Central — Chicago</option>');
    const other = page.body.indexOf('>Europe/Madrid</option>');
    assert.ok(central > 0 && other > central, 'Central — Chicago comes before the other zones');
    assert.match(page.body, /value="America\/El_Salvador"\s*>America\/El Salvador</);
    const spanish = await new Browser(t.app).get(`${await setupPath(t)}?lang=es`);
    assert.match(spanish.body, />Centro — Chicago<\/option>/);
    assert.match(spanish.body, /La zona horaria de la red/);
  });

  test('until a zone is chosen, admins are told which zone times are shown in', () => {
    assert.equal(networkTimeZone(t.context).source, 'host');
    const notice = timeZoneNotice(t.context, translator('en'));
    assert.ok(notice?.startsWith(`Times are shown in `), notice);
    assert.match(notice!, /set the network's zone/);
  });

  test('a zone not on the list is refused and nothing is created', async () => {
    const browser = new Browser(t.app);
    const path = await setupPath(t);
    const form = await browser.get(path);
    const refused = await browser.post(path, {
      _csrf: csrfFrom(form),
      email: 'first.admin@example.org',
      password: PASSWORD,
      password_repeat: PASSWORD,
      time_zone: 'Mars/Olympus',
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body, /Choose the network&#39;s time zone from the list\./);
    assert.match(refused.body, /aria-invalid="true"/);
    assert.equal(networkTimeZone(t.context).source, 'host');
    assert.equal((await browser.get(path)).status, 200, 'the link still works');
  });

  test('the chosen zone is stored and the next page shows times in it, without a restart', async () => {
    const browser = new Browser(t.app);
    const path = await setupPath(t);
    const form = await browser.get(path);
    const created = await browser.post(path, {
      _csrf: csrfFrom(form),
      email: 'first.admin@example.org',
      password: PASSWORD,
      password_repeat: PASSWORD,
      time_zone: chosen,
    });
    assert.equal(created.status, 303);
    assert.deepEqual(networkTimeZone(t.context), { zone: chosen, source: 'setup' });
    assert.equal(t.context.config.timeZone, chosen);
    assert.equal(timeZoneNotice(t.context, translator('en')), undefined);

    // A page registered before setup (the outbox) shows the time in the chosen zone, with its abbreviation.
    await new ConsoleOutbox(t.context).send({ to: '+13125550107', body: 'Hello' });
    const dispatcher = await insertEnrolledUser(t.context, {
      roles: ['dispatcher'],
      password: PASSWORD,
      passwordHash: await hashPassword(PASSWORD),
    });
    const staff = new Browser(t.app, '10.0.0.9');
    await signIn(staff, t.context, dispatcher);
    const outbox = await staff.get('/console/outbox');
    assert.equal(outbox.status, 200);
    const expected = formatTime(t.clock.now(), 'en', chosen);
    assert.match(expected, /C[SD]T$/);
    assert.ok(outbox.body.includes(expected), `the outbox shows ${expected}`);

    // A restarted process (or a separate worker) reads the stored zone.
    const restarted = { ...t.context, config: { ...t.context.config, timeZone: 'UTC' } };
    await loadNetworkTimeZone(restarted);
    assert.equal(restarted.config.timeZone, chosen);
  });
});

describe('AMPARO_TIMEZONE wins', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { AMPARO_TIMEZONE: 'America/Denver' } });
  });
  after(async () => t.close());

  test('the setup page shows the zone it names instead of asking, and a posted zone changes nothing', async () => {
    const browser = new Browser(t.app);
    const path = await setupPath(t);
    const form = await browser.get(path);
    assert.doesNotMatch(form.body, /name="time_zone"/);
    assert.match(form.body, /Times are shown in Mountain — Denver, as the server&#39;s settings say\./);
    const created = await browser.post(path, {
      _csrf: csrfFrom(form),
      email: 'first.admin@example.org',
      password: PASSWORD,
      password_repeat: PASSWORD,
      time_zone: 'America/Chicago',
    });
    assert.equal(created.status, 303);
    assert.deepEqual(networkTimeZone(t.context), { zone: 'America/Denver', source: 'environment' });
    assert.equal(timeZoneNotice(t.context, translator('en')), undefined);
  });
});
