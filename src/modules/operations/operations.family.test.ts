// A family's text during an operation, joined to the operation (operations.wiring.ts): children the family says
// are without care go to the top of the operation's page as urgent tasks, in the same transaction as the
// follow-up; a text naming an operation that no longer exists files the follow-up and nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { createTestTeam } from '../cases/cases.test-helpers.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';
import { freshNumber, text } from '../sms/sms.test-helpers.ts';
import { makeLegalIntakeTeam } from '../cases/legal-intake.test-helpers.ts';
import { translate } from '../../i18n/i18n.ts';
import { MAX_DEPENDENTS_FROM_ONE_TEXT } from './operations.wiring.ts';
import './operations.module.ts';

const NAME = 'Maria Zenaida Quispe';

describe('children without care, as a family texts them during an operation', () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let legal: StaffSession;
  let operationId: string;
  let teamId: string;

  const operationPage = async (): Promise<string> => {
    const page = await t.app.inject({
      url: `/console/operations/${operationId}`,
      headers: { accept: 'text/html', cookie: legal.cookie },
    });
    assert.equal(page.statusCode, 200);
    return page.body;
  };
  const converse = async (from: string, bodies: string[]): Promise<void> => {
    for (const body of bodies) {
      t.clock.advance(30_000);
      const answer = await text(t, from, body);
      assert.equal(answer.status, 200, answer.body);
    }
  };

  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    t = await createTestApp({
      clock: new TestClock(Date.parse('2019-08-07T16:00:00Z')),
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
        AMPARO_TIMEZONE: 'America/Chicago',
      },
    });
    const coordinator = await createStaffSession(t.context, ['coordinator']);
    legal = await createStaffSession(t.context, ['legal']);
    teamId = await createTestTeam(t.context, 'Jackson legal team', [legal.userId]);
    const opened = await postForm(t.app, coordinator, '/console/operations', {
      name: 'Morton poultry plants',
      raid_date: '2019-08-07',
      raid_time: '06:30',
      sites: 'Koch Foods, Morton, 39117',
      teams: [teamId],
    });
    assert.equal(opened.statusCode, 303, opened.body);
    operationId = /([0-9a-f-]{36})$/.exec(String(opened.headers.location))![1]!;
  });
  after(async () => {
    await t.close();
    await standIn.close();
  });

  test('two children without care become two urgent tasks, first on the page', async () => {
    assert.match(await operationPage(), /id="waiting-empty"/, 'nobody waits before the text');
    const home = async () =>
      (await t.app.inject({ url: '/console', headers: { accept: 'text/html', cookie: legal.cookie } })).body;
    assert.ok(
      !(await home()).includes('id="dependents-waiting"'),
      'the legal home says nothing while none wait',
    );
    await converse(freshNumber(), ['FAMILIA', NAME, 'su hija', 'sí', 'dos', 'sí', '1']);
    const page = await operationPage();
    const list = page.slice(page.indexOf('id="waiting-list"'));
    for (const position of [1, 2]) {
      assert.ok(
        list.includes(`${NAME} (su hija) · ${position}/2`),
        `task ${position} of 2 is on the urgent list`,
      );
    }
    assert.equal(
      list.split('Reported by the family by text to the hotline').length - 1,
      2,
      'said in the reader’s words',
    );
    assert.ok(page.indexOf('id="waiting-list"') < page.indexOf('id="sites'), 'the children come first');
    const legalHome = await home();
    assert.match(legalHome, /id="dependents-waiting"/);
    assert.ok(
      legalHome.includes('2 children or dependents without a confirmed caregiver'),
      'the count on the legal home',
    );
    assert.ok(
      legalHome.indexOf('id="dependents-waiting"') < legalHome.indexOf('id="panel-followups"'),
      'above the panels',
    );
    assert.ok(!t.logs.text.includes('Quispe'), 'no name in the logs');
  });

  test('a mistyped large number puts at most the cap on the list; the follow-up keeps the number', async () => {
    await converse(freshNumber(), ['FAMILY', 'Juan Ixcoy', 'brother', 'yes', '40', 'yes', '1']);
    const page = await operationPage();
    const tasks = page.match(/Juan Ixcoy \(brother\) · \d+\/40/g) ?? [];
    assert.equal(tasks.length, MAX_DEPENDENTS_FROM_ONE_TEXT);
  });

  test('a case opened from the family’s follow-up is the operation’s, and the family is texted a status code', async () => {
    const family = freshNumber();
    await converse(family, ['FAMILIA', 'Rosa Ixcoy', 'su esposo', 'no', 'sí', '1']);
    await makeLegalIntakeTeam(t.context, [legal.userId]);
    const task = await t.context.db
      .selectFrom('followup_tasks')
      .select(['id', 'operation_id'])
      .where('operation_id', '=', operationId)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const form = await t.app.inject({
      url: `/console/cases/new?task=${task.id}`,
      headers: { accept: 'text/html', cookie: legal.cookie },
    });
    assert.match(
      form.body,
      /name="contact_consent" value="yes" checked/,
      'their yes to texts is carried over',
    );
    const opened = await postForm(t.app, legal, '/console/cases', {
      name: 'Rosa Ixcoy',
      task_id: task.id,
      team_id: teamId,
      contact_name: 'Esposo',
      contact_phone: family,
      contact_language: 'es',
      contact_consent: 'yes',
    });
    assert.equal(opened.statusCode, 303, opened.body);
    const caseId = /\/console\/cases\/([0-9a-f-]{36})/.exec(String(opened.headers.location))![1]!;
    const caseRow = await t.context.db
      .selectFrom('cases')
      .select('operation_id')
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow();
    assert.equal(caseRow.operation_id, operationId, 'the case is the operation’s');
    const texted = [...standIn.messages.values()].filter((m) => m.to === family && m.body.includes('ESTADO'));
    assert.equal(texted.length, 1, 'one code text');
    const code = /ESTADO ([A-Z0-9]{6})/.exec(texted[0]!.body)![1]!;
    assert.equal(texted[0]!.body, translate('es', 'cases.status_code_text', { code }));
    t.clock.advance(60_000);
    const answer = await text(t, family, `ESTADO ${code}`);
    assert.ok(
      answer.reply?.startsWith(
        translate('es', 'cases.status_looking', { network: t.context.config.networkName }),
      ),
      answer.reply,
    );
    assert.ok(!answer.reply?.includes('Rosa') && !answer.reply?.includes('Ixcoy'), 'no name in the answer');
  });

  test('a quick case whose family contact agrees to texts gives them a status code; without the tick, none', async () => {
    const agreed = freshNumber();
    const declined = freshNumber();
    for (const [phone, consent] of [
      [agreed, 'yes'],
      [declined, ''],
    ] as const) {
      const opened = await postForm(t.app, legal, `/console/cases/quick?operation=${operationId}`, {
        name: `Persona ${phone.slice(-4)}`,
        age: '30',
        contact_phone: phone,
        contact_language: 'es',
        contact_consent: consent,
        children: 'no',
        team_id: teamId,
      });
      assert.equal(opened.statusCode, 303, opened.body);
    }
    const codeTexts = (phone: string) =>
      [...standIn.messages.values()].filter((m) => m.to === phone && m.body.includes('ESTADO'));
    assert.equal(codeTexts(agreed).length, 1);
    assert.equal(codeTexts(declined).length, 0);
  });
});
