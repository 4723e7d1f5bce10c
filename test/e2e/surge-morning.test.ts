// The morning of a raid, end to end (issue 16's "Done when"), in a real Chromium without JavaScript: a
// coordinator opens an operation from two confirmed incidents; ten families text FAMILIA through the signed
// webhook, two of them with a child left without care; a legal volunteer opens three cases from the families'
// follow-ups (the families are texted their status codes), imports a roster of 50 people of whom 3 are those
// cases, adds 5 quick cases, sees the 2 children first on the operation's page until a caregiver is recorded
// for each, and locates 20 people from the worklist; one family then texts ESTADO with its code and hears the
// facility in Spanish, with no name in the text. Screenshots go to /tmp/i16-morning/.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.ts';
import {
  incomingSms,
  postWebhook,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TWILIO_TEST_ENV,
} from '../support/twilio-webhooks.ts';
import { incidentWith } from '../../src/modules/alerts/alerts.test-helpers.ts';
import { saveFacility } from '../../src/modules/case-tracking/facilities.service.ts';
import { makeLegalIntakeTeam } from '../../src/modules/cases/legal-intake.test-helpers.ts';
import { replyOf, SMS_PATH } from '../../src/modules/sms/sms.test-helpers.ts';
import { translate } from '../../src/i18n/i18n.ts';
import {
  axeViolations,
  closeAll,
  launchBrowser,
  serveApp,
  signedInContext,
  type ServedApp,
} from './browser.ts';

const SHOTS = '/tmp/i16-morning';
const SITE = 'Koch Foods, Morton';
const FACILITY = 'Madison County Jail';

/** Ten families: the person taken, and whether a child was left without care. */
const FAMILIES = [
  { name: 'Rosa Ixcoy Tum', birth: '1985-03-14', child: true },
  { name: 'Juan Carlos Batz', birth: '1990-07-02', child: true },
  { name: 'Elena Quispe Mamani', birth: '1979-11-23', child: false },
  { name: 'Pedro Pablo Xol', birth: '1992-01-09', child: false },
  { name: 'María de los Ángeles Cux', birth: '1988-05-30', child: false },
  { name: 'Tomás Choc Caal', birth: '1975-09-17', child: false },
  { name: 'Lucía Pop Coc', birth: '1995-12-01', child: false },
  { name: 'Andrés Tzul Ajú', birth: '1983-04-04', child: false },
  { name: 'Francisca Ical Bol', birth: '1991-06-21', child: false },
  { name: 'Mateo Sic Pérez', birth: '1987-08-08', child: false },
].map((family, index) => ({ ...family, phone: `+1601555${String(100 + index).padStart(4, '0')}` }));

/** The three families whose follow-ups become cases before the roster arrives. */
const FIRST_CASES = FAMILIES.slice(0, 3);

function rosterCsv(): string {
  const lines = ['name,date of birth,a-number,site'];
  // The three people whose cases are open already, as an employer would spell them.
  for (const person of FIRST_CASES) lines.push(`"${person.name}",${person.birth},,"${SITE}"`);
  for (let i = 0; i < 47; i += 1) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    lines.push(`Trabajador ${String(i + 1).padStart(2, '0')} Morales,1980-02-${day},,"${SITE}"`);
  }
  return `${lines.join('\n')}\n`;
}

async function fits(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.equal(overflow, 0, `${what}: no horizontal overflow`);
}

async function submit(page: Page, form: string): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.click(`${form} button[type="submit"]`)]);
}

describe('a day like Mississippi: the morning of a raid', () => {
  let served: ServedApp | undefined;
  let browser: Browser | undefined;
  let standIn: TwilioStandIn | undefined;
  let coordinator: StaffSession;
  let legal: StaffSession;
  let operationId = '';

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    // The browser's cookies need the app's own (http) address, so the webhook is signed for that address.
    const twilio = Object.fromEntries(
      Object.entries(TWILIO_TEST_ENV).filter(([name]) => name !== 'AMPARO_PUBLIC_URL'),
    );
    served = await serveApp({
      env: {
        ...twilio,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
        AMPARO_TIMEZONE: 'America/Chicago',
        AMPARO_NETWORK_NAME: 'Red de Respuesta de Mississippi',
      },
    });
    browser = await launchBrowser();
    const { context } = served;
    coordinator = await createStaffSession(context, ['coordinator']);
    legal = await createStaffSession(context, ['legal']);
    // One legal team: it takes the hotline's follow-ups and answers for the operation.
    await makeLegalIntakeTeam(context, [legal.userId]);
    await saveFacility(context, undefined, { name: FACILITY, visiting_notes: 'Sat-Sun 8-11 AM' });
    for (const zip of ['39117', '39074']) await incidentWith(context, { status: 'confirmed', zip });
  });
  after(async () => {
    await closeAll(browser, served);
    await standIn?.close();
  });

  const tab = async (
    who: StaffSession,
    options: { width?: number; lang?: 'en' | 'es'; javaScript?: boolean } = {},
  ) => {
    const lang = options.lang ?? 'en';
    const context = await signedInContext(browser!, served!.baseUrl, who, {
      // Everything works without JavaScript; axe itself needs it.
      javaScriptEnabled: options.javaScript ?? false,
      viewport: { width: options.width ?? 1440, height: options.width === 375 ? 812 : 900 },
      locale: lang === 'es' ? 'es-US' : 'en-US',
      extraHTTPHeaders: { 'Accept-Language': lang },
    });
    return { context, page: await context.newPage() };
  };

  const text = async (from: string, body: string): Promise<string> => {
    // Past the number's reply window (10 s), so every answer comes back at once; the whole morning stays
    // inside the staff sessions' 30 idle minutes.
    served!.clock.advance(11_000);
    const answer = await postWebhook(served!.app, SMS_PATH, incomingSms(from, body), {
      publicUrl: served!.context.config.publicUrl.href.replace(/\/$/, ''),
    });
    assert.equal(answer.status, 200, answer.body);
    return replyOf(answer.body) ?? '';
  };

  test('a coordinator opens the operation from two confirmed incidents', async () => {
    const { context, page } = await tab(coordinator, { width: 375 });
    await page.goto(`${served!.baseUrl}/console/operations/new`);
    await fits(page, 'new operation 375');
    await page.fill('#name', 'Morton poultry plants');
    await page.fill('#sites', `${SITE}, 39117\nPH Food, 39074`);
    await page.check('input[name="agencies"][value="ice"]');
    const incidents = page.locator('input[name="incidents"]');
    assert.equal(await incidents.count(), 2);
    for (const box of await incidents.all()) await box.check();
    await page.check('input[name="teams"]');
    await submit(page, 'form[action="/console/operations"]');
    operationId = /operations\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
    assert.ok(operationId, page.url());
    const linked = await served!.context.db
      .selectFrom('operation_incidents')
      .select('incident_id')
      .where('operation_id', '=', operationId)
      .execute();
    assert.equal(linked.length, 2, 'both incidents are the operation’s');
    await context.close();
  });

  test('ten families text FAMILIA; the two children without care lead the operation’s page', async () => {
    for (const family of FAMILIES) {
      const replies = [];
      for (const body of ['FAMILIA', family.name, 'su hija', family.child ? '1' : 'no', 'sí', '1'])
        replies.push(await text(family.phone, body));
      assert.ok(
        replies[0]!.startsWith(
          translate('es', 'sms.family_intro', { network: 'Red de Respuesta de Mississippi' }),
        ),
      );
      assert.match(replies[5]!, /[A-Z0-9]/, 'the last reply gives the family a reference');
    }
    const { context, page } = await tab(legal, { width: 375, lang: 'es' });
    await page.goto(`${served!.baseUrl}/console/operations/${operationId}`);
    await fits(page, 'operation 375 es');
    assert.equal(await page.locator('#waiting-list > li').count(), 2);
    const order = await page.evaluate(() =>
      [...document.querySelectorAll('main section[id]')].map((section) => section.id),
    );
    assert.equal(order[0], 'waiting', `the children come first: ${order.join(', ')}`);
    await page.screenshot({ path: `${SHOTS}/operation-after-texts-375-es.png`, fullPage: true });
    await page.goto(`${served!.baseUrl}/console`);
    assert.match((await page.textContent('#dependents-waiting')) ?? '', /2 niños o personas a cargo/);
    await context.close();
  });

  test('three cases from the families’ follow-ups, each family texted its code', async () => {
    const { context, page } = await tab(legal);
    const tasks = await served!.context.db
      .selectFrom('followup_tasks')
      .select('id')
      .where('operation_id', '=', operationId)
      .orderBy('created_at')
      .execute();
    assert.equal(tasks.length, 10);
    for (const [index, person] of FIRST_CASES.entries()) {
      await page.goto(`${served!.baseUrl}/console/cases/new?task=${tasks[index]!.id}`);
      assert.ok(await page.isChecked('input[name="contact_consent"]'), 'their yes to texts is carried over');
      await page.fill('#name', person.name);
      await page.fill('#date_of_birth', person.birth);
      await submit(page, '#case-form');
      assert.match(page.url(), /\/console\/cases\/[0-9a-f-]{36}/);
    }
    for (const person of FIRST_CASES) {
      const codes = [...standIn!.messages.values()].filter(
        (m) => m.to === person.phone && /ESTADO [A-Z0-9]{6}/.test(m.body),
      );
      assert.equal(codes.length, 1, 'one code text per family');
    }
    served!.clock.advance(60_000);
    await context.close();
  });

  test('a roster of 50 finds the 3 people already open, then 5 quick cases', async () => {
    const { context, page } = await tab(legal);
    await page.goto(`${served!.baseUrl}/console/cases/roster?operation=${operationId}`);
    await page.fill('#roster-paste', rosterCsv());
    await submit(page, 'form[enctype="multipart/form-data"]');
    await page.waitForSelector('#roster-rows');
    assert.equal(await page.locator('tr[data-class="matched"]').count(), 3);
    assert.equal(await page.locator('tr[data-class="new"]').count(), 47);
    await page.screenshot({ path: `${SHOTS}/roster-preview-1440.png`, fullPage: true });
    await submit(page, 'form[action="/console/cases/roster/import"]');
    assert.match((await page.textContent('#roster-result')) ?? '', /47 cases opened; 3 rows skipped/);
    served!.clock.advance(60_000);

    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${served!.baseUrl}/console/cases/quick?operation=${operationId}`);
    for (let i = 1; i <= 5; i += 1) {
      await page.fill('#name', `Persona Rápida ${i}`);
      await page.fill('#age', String(30 + i));
      await page.selectOption('#site', { label: SITE });
      await page.check('input[name="children"][value="no"]');
      await submit(page, '#quick-case');
      assert.match((await page.textContent('#quick-opened')) ?? '', new RegExp(`Persona Rápida ${i}`));
    }
    await fits(page, 'quick case 375');
    const opened = await served!.context.db
      .selectFrom('cases')
      .select('id')
      .where('operation_id', '=', operationId)
      .execute();
    assert.equal(opened.length, 3 + 47 + 5);
    await context.close();
  });

  test('a caregiver for each child empties the urgent list', async () => {
    const { context, page } = await tab(legal, { width: 375 });
    await page.goto(`${served!.baseUrl}/console/operations/${operationId}`);
    for (const caregiver of ['Ana Ixcoy (aunt)', 'Marta Batz (neighbour)']) {
      const first = page.locator('#waiting-list > li').first();
      await first.locator('input[name="caregiver_name"]').fill(caregiver);
      await first.locator('input[name="caregiver_relationship"]').fill('family friend');
      await Promise.all([page.waitForURL(/#waiting$/), first.locator('button[type="submit"]').click()]);
    }
    assert.equal(await page.locator('#waiting-list > li').count(), 0);
    assert.equal(await page.locator('#waiting-empty').count(), 1);
    await page.goto(`${served!.baseUrl}/console`);
    assert.equal(await page.locator('#dependents-waiting').count(), 0, 'the legal home no longer warns');
    await context.close();
  });

  test('twenty people located from the worklist, oldest first', async () => {
    const { context, page } = await tab(legal);
    const worklist = `${served!.baseUrl}/console/operations/${operationId}/worklist`;
    await page.goto(worklist);
    assert.equal(await page.locator('li.worklist-row').count(), 55);
    for (let i = 0; i < 20; i += 1) {
      const row = page.locator('li.worklist-row').first();
      await row.locator('select[name="facility_id"]').selectOption({ label: FACILITY });
      await row.locator('input[name="result"][value="found"]').check();
      await Promise.all([page.waitForURL(/done=found/), row.getByRole('button').click()]);
    }
    await page.goto(worklist);
    assert.equal(await page.locator('li.worklist-row').count(), 35);
    await page.goto(`${served!.baseUrl}/console/operations/${operationId}`);
    const located = await page.locator('dt:text-is("Located") + dd').first().textContent();
    assert.equal(located?.trim(), '20');
    await context.close();
  });

  test('a family texts ESTADO with its code and hears the facility in Spanish, with no name', async () => {
    const family = FIRST_CASES[0]!;
    const codeText = [...standIn!.messages.values()].find(
      (m) => m.to === family.phone && /ESTADO/.test(m.body),
    );
    const code = /ESTADO ([A-Z0-9]{6})/.exec(codeText!.body)![1]!;
    const reply = await text(family.phone, `ESTADO ${code}`);
    assert.ok(
      reply.includes(
        translate('es', 'cases.status_located', {
          network: 'Red de Respuesta de Mississippi',
          facility: FACILITY,
        }),
      ),
      reply,
    );
    for (const part of family.name.split(' ')) assert.ok(!reply.includes(part), `no "${part}" in the text`);
  });

  test('the operation’s pages fit 375 and 1440 in English and Spanish, with no serious axe finding', async () => {
    for (const lang of ['en', 'es'] as const) {
      for (const width of [375, 1440]) {
        const { context, page } = await tab(legal, { width, lang, javaScript: true });
        for (const [name, path] of [
          ['operation', `/console/operations/${operationId}`],
          ['worklist', `/console/operations/${operationId}/worklist`],
          ['home', '/console'],
        ] as const) {
          await page.goto(`${served!.baseUrl}${path}`);
          await fits(page, `${name} ${lang} ${width}`);
          const serious = (await axeViolations(page)).filter((v) => /\((serious|critical)\)/.test(v));
          assert.deepEqual(serious, [], `${name} ${lang} ${width}`);
          // The worklist of 35 people is very long on a phone: its first screen is what a volunteer sees.
          await page.screenshot({
            path: `${SHOTS}/${name}-${lang}-${width}.png`,
            fullPage: name !== 'worklist',
          });
        }
        await context.close();
      }
    }
  });
});
