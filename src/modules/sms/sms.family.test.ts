// The family intake by text (FAMILIA / FAMILY), end to end through the signed webhook: one short question a
// text, in the person's language, a clear re-ask after a wrong answer, "was it at <site>?" only while an
// operation is open, and a follow-up for the legal team at the end (never a case, never the name in a
// report or a log). Consent NO means nothing is texted afterwards.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { createTestApp, TestClock, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { createStaffSession } from '../../../test/support/staff.ts';
import { translate } from '../../i18n/i18n.ts';
import { makeLegalIntakeTeam } from '../cases/legal-intake.test-helpers.ts';
import { openTestCase } from '../cases/cases.test-helpers.ts';
import { followupField } from '../voice/followups.fields.ts';
import { takeFollowupForCase } from '../voice/followups.service.ts';
import { registerOpenOperationSites, resetOpenOperationSites } from '../voice/operation-sites.ts';
import { followupsOfOperation } from '../voice/voice.queries.ts';
import { parseKeyword } from './sms.conversation.ts';
import { sendOwedReply, sweepConversations } from './sms.service.ts';
import { freshNumber, openConversationOf, reportsFrom, text, type Answer } from './sms.test-helpers.ts';

const NETWORK = 'Chicago Rapid Response';
const PAUSE_MS = 30_000;
const OPERATION = randomUUID();
const SITES = [
  { operationId: OPERATION, siteId: randomUUID(), siteName: 'Koch Foods, Morton', zip: '39117' },
  { operationId: OPERATION, siteId: randomUUID(), siteName: 'Pollería Canton', zip: '39046' },
];
const NAME = 'Maria Zenaida Quispe';

describe('SMS family intake', () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    t = await createTestApp({
      clock: new TestClock(Date.parse('2026-12-16T14:00:00Z')),
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_NETWORK_NAME: NETWORK },
    });
  });
  afterEach(() => resetOpenOperationSites());
  after(async () => {
    await t.close();
    await standIn.close();
  });

  async function converse(from: string, bodies: string[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (const body of bodies) {
      t.clock.advance(PAUSE_MS);
      const answer = await text(t, from, body);
      assert.equal(answer.status, 200, answer.body);
      answers.push(answer);
    }
    return answers;
  }

  async function followupOf(from: string) {
    const [report, ...others] = await reportsFrom(t, from);
    assert.ok(report, 'a report holds the number');
    assert.equal(others.length, 0);
    const task = await t.context.db
      .selectFrom('followup_tasks')
      .selectAll()
      .where('report_id', '=', report.id)
      .executeTakeFirstOrThrow();
    const { fields } = t.context.secrets;
    return {
      report,
      task,
      name: fields.decryptOptional(followupField(task.id, 'detained_name'), task.detained_name_ciphertext),
      relationship: fields.decryptOptional(
        followupField(task.id, 'relationship'),
        task.relationship_ciphertext,
      ),
    };
  }

  test('FAMILIA alone is the keyword, whatever its case and accents; inside a sentence it is not', () => {
    for (const body of ['FAMILIA', 'familia', ' Família! ', 'FAMILY', 'family.']) {
      assert.equal(parseKeyword(body)?.kind, 'family', body);
    }
    assert.equal(parseKeyword('FAMILIA')?.language, 'es');
    assert.equal(parseKeyword('Family')?.language, 'en');
    assert.equal(parseKeyword('se llevaron a una familia en la 26'), undefined);
  });

  test('Spanish, no operation open: four questions, then a follow-up with the answers, never a case', async () => {
    const from = freshNumber();
    const replies = (await converse(from, ['Familia', NAME, 'Soy su hija', '2', 'sí'])).map((a) => a.reply);
    assert.deepEqual(replies, [
      `${translate('es', 'sms.family_intro', { network: NETWORK })} ${translate('es', 'sms.family_name')}`,
      translate('es', 'sms.family_relationship'),
      translate('es', 'sms.family_dependents'),
      translate('es', 'sms.family_consent'),
      replies[4],
    ]);
    const { report, task, name, relationship } = await followupOf(from);
    assert.equal(replies[4], translate('es', 'sms.family_received', { reference: report.reference }));
    assert.equal(name, NAME);
    assert.equal(relationship, 'Soy su hija');
    assert.equal(task.dependents_without_care, 2);
    assert.equal(task.consent_to_text, true);
    assert.equal(task.channel, 'sms');
    assert.equal(task.language, 'es');
    assert.equal(task.operation_id, null);
    assert.equal(task.case_id, null, 'a follow-up, not a case');
    assert.equal(report.activity, 'detaining');
    assert.ok(!report.details?.includes('Quispe'), 'the report never holds the name');
    assert.ok(!task.detained_name_ciphertext?.includes('Quispe'), 'the name is encrypted');
    assert.equal(await openConversationOf(t, from), undefined, 'the conversation is closed');
    assert.ok(!t.logs.text.includes('Quispe'), 'no name in the logs');
    assert.ok(!t.logs.text.includes(from.slice(2)), 'no number in the logs');
  });

  test('English during an operation: "was it at <site>?", a wrong answer re-asked, the site filed', async () => {
    registerOpenOperationSites(async () => SITES);
    const from = freshNumber();
    const replies = (await converse(from, ['FAMILY', NAME, 'wife', 'yes', 'three', 'YES', '7', '2'])).map(
      (a) => a.reply,
    );
    const siteQuestion = translate('en', 'sms.family_site', {
      choices: '1 Koch Foods, Morton 2 Polleria Canton 3 Other or not sure',
    });
    assert.deepEqual(replies.slice(3, 7), [
      translate('en', 'sms.family_dependents_count'),
      translate('en', 'sms.family_consent'),
      siteQuestion,
      `${translate('en', 'sms.ask_again')} ${siteQuestion}`,
    ]);
    const { report, task } = await followupOf(from);
    assert.equal(replies[7], translate('en', 'sms.family_received', { reference: report.reference }));
    assert.equal(task.dependents_without_care, 3);
    assert.equal(task.operation_id, OPERATION);
    assert.equal(task.operation_site_id, SITES[1]!.siteId);
    assert.equal(task.operation_site_name, 'Pollería Canton', 'the name as the operation gave it');
    // The legal intake team's list says it in words; a dispatcher sees none of it.
    const legal = await createStaffSession(t.context, ['legal']);
    await makeLegalIntakeTeam(t.context, [legal.userId]);
    const page = await t.app.inject({
      url: '/console/followups',
      headers: { accept: 'text/html', cookie: legal.cookie },
    });
    assert.equal(page.statusCode, 200);
    const row = page.body.slice(page.body.indexOf(`data-id="${task.id}"`));
    const cell = row.slice(0, row.indexOf('</tr>'));
    for (const words of [
      'By text (FAMILY)',
      `Detained: ${NAME}`,
      'Relationship: wife',
      'Children without care: 3',
      'At: Pollería Canton',
      'Agreed to be texted about the case',
    ]) {
      assert.ok(cell.includes(words), words);
    }
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const refused = await t.app.inject({
      url: '/console/followups',
      headers: { accept: 'text/html', cookie: dispatcher.cookie },
    });
    assert.equal(refused.statusCode, 403);
    assert.ok(!refused.body.includes(NAME));
    const filed = await followupsOfOperation(t.context.db, OPERATION);
    assert.deepEqual(
      filed.filter((row) => row.id === task.id),
      [{ id: task.id, siteId: SITES[1]!.siteId, dependentsWithoutCare: 3, consentToText: true }],
    );
  });

  test('a case opened from the follow-up takes the name and relationship; the task keeps only the pointer', async () => {
    const from = freshNumber();
    await converse(from, ['FAMILY', NAME, 'cousin', 'no', 'yes']);
    const { task } = await followupOf(from);
    const legal = await createStaffSession(t.context, ['legal']);
    const caseId = (await openTestCase(t.context, legal.userId)).id;
    const handover = await t.context.db
      .transaction()
      .execute((trx) => takeFollowupForCase(t.context, trx, task.id, caseId, legal.userId));
    assert.equal(handover.detainedName, NAME);
    assert.equal(handover.relationship, 'cousin');
    assert.equal(handover.callbackPhone, from);
    const after = await t.context.db
      .selectFrom('followup_tasks')
      .selectAll()
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.case_id, caseId);
    assert.equal(after.detained_name_ciphertext, null);
    assert.equal(after.relationship_ciphertext, null);
  });

  test('consent NO: the closing reply says so, the follow-up records it, and nothing is texted later', async () => {
    const from = freshNumber();
    const answers = await converse(from, ['familia', NAME, 'hermano', 'no', 'No']);
    const { report, task } = await followupOf(from);
    assert.equal(
      answers[4]!.reply,
      translate('es', 'sms.family_received_no_texts', { reference: report.reference }),
    );
    assert.equal(task.consent_to_text, false);
    assert.equal(task.dependents_without_care, 0);
    const conversation = await t.context.db
      .selectFrom('sms_conversations')
      .select(['id', 'step'])
      .where('report_id', '=', report.id)
      .executeTakeFirstOrThrow();
    assert.equal(conversation.step, 'family_done');
    const before = standIn.requests.length;
    t.clock.advance(10 * 60_000);
    assert.equal(await sendOwedReply(t.context, conversation.id), 'nothing_owed');
    assert.equal(standIn.requests.length, before, 'no text went out');
  });

  test('a bad answer twice settles the question as unknown and the intake goes on', async () => {
    const from = freshNumber();
    const replies = (await converse(from, ['FAMILY', '12', '12', 'son', 'maybe', 'maybe'])).map(
      (a) => a.reply,
    );
    assert.equal(replies[1], `${translate('en', 'sms.ask_again')} ${translate('en', 'sms.family_name')}`);
    assert.equal(replies[2], translate('en', 'sms.family_relationship'));
    assert.equal(replies[5], translate('en', 'sms.family_consent'));
  });

  test('STOP mid-way ends it: what was answered becomes a follow-up without consent', async () => {
    const from = freshNumber();
    await converse(from, ['FAMILIA', NAME]);
    t.clock.advance(PAUSE_MS);
    const stopped = await text(t, from, 'ALTO');
    assert.match(stopped.reply ?? '', /INICIO/);
    const { task, name } = await followupOf(from);
    assert.equal(name, NAME);
    assert.equal(task.consent_to_text, false);
    assert.equal(task.relationship_ciphertext, null);
  });

  test('silence past the conversation timeout: the answers so far become a follow-up, nothing texted', async () => {
    const from = freshNumber();
    await converse(from, ['FAMILY', NAME, 'nephew']);
    t.clock.advance(21 * 60_000);
    await sweepConversations(t.context);
    const { task, relationship } = await followupOf(from);
    assert.equal(relationship, 'nephew');
    assert.equal(task.consent_to_text, null);
    assert.equal(task.dependents_without_care, null);
  });
});
