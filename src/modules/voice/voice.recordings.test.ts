// Recordings: a voicemail becomes exactly one voice report whichever of Twilio's callbacks arrives first
// (including a hang-up mid-message), its audio is copied from Twilio (the stand-in) into the encrypted
// store and deleted there, staff play it back (audited, by role), and a family's call about a detention
// becomes a follow-up task for the legal team.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import {
  postWebhook,
  sid,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TWILIO_TEST_ENV,
} from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import { caseKeyStoreFor } from '../../crypto/case-keys.ts';
import { destroyDueCaseKeys } from '../cases/cases.retention.ts';
import { caseFileStore } from '../cases/hotline-messages.ts';
import { makeLegalIntakeTeam } from '../cases/legal-intake.test-helpers.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { sweepOrphanPhotos } from '../reports/reports.service.ts';
import { fetchRecording } from './recordings.service.ts';
import { recordingDeps } from './voice.module.ts';
import { spokenReference } from './voice.script.ts';
import { forgetOldCalls } from './voice.service.ts';
import { findAll, only, parseTwiml, pathOf, TestCall, type CallAnswer } from './voice.test-helpers.ts';
import { reportCallbackPhoneField } from '../reports/reports.fields.ts';

const CALLER = '+17735550188';
/** Stands in for an MP3: what matters is that these exact bytes come back, and never lie on disk. */
const AUDIO = Buffer.concat([Buffer.from('ID3canary-voicemail-audio'), randomBytes(2048)]);

async function receiptCount(t: TestApp): Promise<number> {
  const row = await t.context.db
    .selectFrom('twilio_webhook_receipts')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe(`voice recordings`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dataDir: string;
  let dispatcher: StaffSession;
  let legal: StaffSession;

  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-voice-'));
    t = await createTestApp({
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_DATA_DIR: dataDir },
    });
  });
  after(async () => {
    await t.close();
    await standIn.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A call that reaches the recording for a menu key, in a language. */
  async function callToRecording(
    key: '1' | '2' | '3',
    lang: '1' | '2',
  ): Promise<{ call: TestCall; at: CallAnswer }> {
    const call = new TestCall(t.app, CALLER);
    const at = await call.press(await call.toMenu(lang), key);
    only(at.twiml, 'Record');
    return { call, at };
  }

  function recordAction(at: CallAnswer): string {
    return pathOf(only(at.twiml, 'Record').attrs.action!);
  }

  async function recordingsOf(recordingSid: string) {
    return t.context.db
      .selectFrom('report_recordings')
      .innerJoin('reports', 'reports.id', 'report_recordings.report_id')
      .selectAll('report_recordings')
      .select([
        'reports.reference',
        'reports.channel',
        'reports.language',
        'reports.callback_phone_ciphertext',
      ])
      .where('recording_sid', '=', recordingSid)
      .execute();
  }

  async function fetchJobsFor(recordingId: string): Promise<unknown[]> {
    const rows = await t.context.db
      .selectFrom('pgboss.job' as never)
      .select(['data' as never])
      .where('name' as never, '=', 'voice.fetch-recording' as never)
      .execute();
    return (rows as { data: { recordingId: string } }[])
      .map((row) => row.data)
      .filter((data) => data.recordingId === recordingId);
  }

  test('a hang-up mid-message still becomes a voice report with the caller number and language', async () => {
    const { call, at } = await callToRecording('2', '2');
    const held = standIn.addRecording(AUDIO);
    const answer = await call.post(recordAction(at), {
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingDuration: '3',
      Digits: 'hangup',
    });
    const [row, ...others] = await recordingsOf(held.sid);
    assert.ok(row, 'the recording is stored');
    assert.equal(others.length, 0);
    assert.equal(row.channel, 'voice');
    assert.equal(row.language, 'es');
    assert.equal(row.duration_seconds, 3);
    assert.equal(
      t.context.secrets.fields.decrypt(
        reportCallbackPhoneField(row.report_id),
        row.callback_phone_ciphertext!,
      ),
      CALLER,
    );
    assert.ok(row.twilio_url_ciphertext && !row.twilio_url_ciphertext.includes('api.twilio.com'));
    assert.equal(row.storage_key, null, 'fetched later, by a job');
    assert.deepEqual(await fetchJobsFor(row.id), [{ recordingId: row.id }]);
    // Twilio ignores the answer after a hang-up, but a caller still on the line hears the reference.
    const said = findAll(answer.twiml, 'Say').map((node) => node.text);
    assert.equal(said[0], translate('es', 'voice.thanks', { reference: spokenReference(row.reference) }));
    for (const node of findAll(answer.twiml, 'Say')) assert.equal(node.attrs.language, 'es-MX');
    assert.equal(findAll(answer.twiml, 'Hangup').length, 1);
    assert.ok(!t.logs.text.includes('5550188'), 'the caller number is not logged');
  });

  test('the Record action retried, then the status callback: one report, one recording', async () => {
    const { call, at } = await callToRecording('2', '1');
    const held = standIn.addRecording(AUDIO);
    const fields = { RecordingSid: held.sid, RecordingUrl: held.url, RecordingDuration: '41' };
    const first = await call.post(recordAction(at), fields);
    const retried = await call.post(recordAction(at), fields);
    assert.equal(retried.body, first.body);
    const status = await postWebhook(t.app, '/webhooks/twilio/status', {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: call.callSid,
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingStatus: 'completed',
      RecordingDuration: '41',
      RecordingChannels: '1',
      RecordingSource: 'RecordVerb',
    });
    assert.equal(status.status, 200);
    const rows = await recordingsOf(held.sid);
    assert.equal(rows.length, 1);
    const reports = await t.context.db
      .selectFrom('reports')
      .select('id')
      .where('id', '=', rows[0]!.report_id)
      .execute();
    assert.equal(reports.length, 1);
    assert.equal((await fetchJobsFor(rows[0]!.id)).length, 1, 'fetched once');
  });

  test('the status callback first, then the Record action: the action reads back the same reference', async () => {
    const { call, at } = await callToRecording('2', '1');
    const held = standIn.addRecording(AUDIO);
    const statusParams = {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: call.callSid,
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingStatus: 'completed',
      RecordingDuration: '12',
    };
    assert.equal((await postWebhook(t.app, '/webhooks/twilio/status', statusParams)).status, 200);
    assert.equal((await postWebhook(t.app, '/webhooks/twilio/status', statusParams)).status, 200);
    const [row, ...others] = await recordingsOf(held.sid);
    assert.ok(row);
    assert.equal(others.length, 0);
    assert.equal(row.language, 'en', 'the language comes from the call');
    const answer = await call.post(recordAction(at), {
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingDuration: '12',
    });
    assert.equal((await recordingsOf(held.sid)).length, 1);
    assert.ok(answer.body.includes(spokenReference(row.reference)));
  });

  test('a recording still in progress is acknowledged and not stored', async () => {
    const held = standIn.addRecording(AUDIO);
    const res = await postWebhook(t.app, '/webhooks/twilio/status', {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: sid('CA'),
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingStatus: 'in-progress',
    });
    assert.equal(res.status, 200);
    assert.equal((await recordingsOf(held.sid)).length, 0);
  });

  test('when nothing was recorded no report is made and the caller hears so', async () => {
    const { call, at } = await callToRecording('2', '1');
    const before = await t.context.db.selectFrom('reports').select('id').execute();
    const answer = await call.post(recordAction(at), { Digits: 'hangup' });
    assert.equal(findAll(answer.twiml, 'Say')[0]!.text, translate('en', 'voice.no_message'));
    const afterwards = await t.context.db.selectFrom('reports').select('id').execute();
    assert.equal(afterwards.length, before.length);
  });

  describe('a family that leaves no message', () => {
    /** The call's own status callback, as Twilio posts it to the number's "call status changes" URL. */
    const callEnded = (call: TestCall, options?: { signature?: null }) =>
      postWebhook(
        t.app,
        '/webhooks/twilio/status',
        {
          AccountSid: TEST_ACCOUNT_SID,
          CallSid: call.callSid,
          CallStatus: 'completed',
          CallDuration: '14',
          From: call.from,
          To: '+15550100199',
          Direction: 'inbound',
        },
        options,
      );

    async function reportsOfCall(call: TestCall) {
      const row = await t.context.db
        .selectFrom('voice_calls')
        .select('report_id')
        .where('call_sid', '=', call.callSid)
        .executeTakeFirstOrThrow();
      if (row.report_id === null) return [];
      return t.context.db
        .selectFrom('reports')
        .select([
          'id',
          'reference',
          'channel',
          'language',
          'incomplete',
          'activity',
          'callback_phone_ciphertext',
        ])
        .where('id', '=', row.report_id)
        .execute();
    }

    const tasksOf = (reportId: string) =>
      t.context.db.selectFrom('followup_tasks').selectAll().where('report_id', '=', reportId).execute();

    const reportCount = async () => (await t.context.db.selectFrom('reports').select('id').execute()).length;

    after(async () => {
      // The follow-up list tests below expect only their own open tasks.
      await t.context.db
        .updateTable('followup_tasks')
        .set({ status: 'done', closed_at: t.context.clock.now() })
        .where('status', '=', 'open')
        .execute();
    });

    test('3 then a hang-up before the tone: the call status keeps the number once, with a follow-up', async () => {
      const { call, at } = await callToRecording('3', '2');
      assert.equal((await callEnded(call)).status, 200);
      assert.equal((await callEnded(call)).status, 200, 'a retry');
      const [report, ...others] = await reportsOfCall(call);
      assert.ok(report, 'a report is kept');
      assert.equal(others.length, 0);
      assert.equal(report.channel, 'voice');
      assert.equal(report.language, 'es');
      assert.equal(report.incomplete, true);
      assert.equal(report.activity, 'detaining');
      assert.equal(
        t.context.secrets.fields.decrypt(
          reportCallbackPhoneField(report.id),
          report.callback_phone_ciphertext!,
        ),
        CALLER,
      );
      const tasks = await tasksOf(report.id);
      assert.equal(tasks.length, 1);
      assert.equal(tasks[0]!.kind, 'family_detained');
      assert.equal(tasks[0]!.status, 'open');
      assert.equal(tasks[0]!.language, 'es');
      // The step after an empty <Record> arriving late finds the same report and says its reference.
      const late = await call.post(pathOf(only(at.twiml, 'Redirect').text));
      assert.equal(
        findAll(late.twiml, 'Say')[0]!.text,
        translate('es', 'voice.family_no_message', { reference: spokenReference(report.reference) }),
      );
      assert.equal((await reportsOfCall(call)).length, 1);
      assert.equal((await tasksOf(report.id)).length, 1);
      assert.ok(!t.logs.text.includes('5550188'), 'the caller number is not logged');

      // The legal intake team sees the number to call back, and that there is no message to wait for.
      const legalTeam = await createStaffSession(t.context, ['legal']);
      await makeLegalIntakeTeam(t.context, [legalTeam.userId]);
      const page = await t.app.inject({
        url: '/console/followups',
        headers: { accept: 'text/html', cookie: legalTeam.cookie },
      });
      assert.equal(page.statusCode, 200);
      const row = page.body.slice(page.body.indexOf(`data-id="${tasks[0]!.id}"`));
      assert.ok(row.length < page.body.length, 'the task is listed');
      const ownRow = row.slice(0, row.indexOf('</tr>'));
      assert.ok(ownRow.includes(report.reference));
      assert.ok(ownRow.includes(`href="tel:${CALLER}"`));
      assert.ok(ownRow.includes(translate('en', 'voice.followups_no_message')));
      assert.ok(!ownRow.includes('/recording"'), 'nothing to play');
    });

    test('3 and silence: the step after <Record> keeps the number and tells the family; the status adds nothing', async () => {
      const { call, at } = await callToRecording('3', '1');
      const before = await reportCount();
      // Twilio heard nothing, skipped the action, and followed the <Redirect> (no RecordingSid).
      const answer = await call.post(pathOf(only(at.twiml, 'Redirect').text));
      const [report] = await reportsOfCall(call);
      assert.ok(report);
      assert.equal(report.incomplete, true);
      assert.equal(report.language, 'en');
      const said = findAll(answer.twiml, 'Say');
      assert.equal(
        said[0]!.text,
        translate('en', 'voice.family_no_message', { reference: spokenReference(report.reference) }),
      );
      for (const node of said) assert.equal(node.attrs.language, 'en-US');
      assert.equal(findAll(answer.twiml, 'Hangup').length, 1);
      assert.equal((await callEnded(call)).status, 200);
      assert.equal(await reportCount(), before + 1, 'one report for the call');
      assert.equal((await tasksOf(report.id)).length, 1);
    });

    test('the call ended first, then the recording came: one report, completed, one follow-up', async () => {
      const { call, at } = await callToRecording('3', '1');
      await callEnded(call);
      const [kept] = await reportsOfCall(call);
      assert.ok(kept);
      const held = standIn.addRecording(AUDIO);
      const answer = await call.post(recordAction(at), {
        RecordingSid: held.sid,
        RecordingUrl: held.url,
        RecordingDuration: '20',
      });
      const [row, ...others] = await recordingsOf(held.sid);
      assert.ok(row);
      assert.equal(others.length, 0);
      assert.equal(row.report_id, kept.id, 'attached to the report already kept');
      const [report, ...more] = await reportsOfCall(call);
      assert.equal(more.length, 0);
      assert.equal(report!.incomplete, false);
      assert.equal((await tasksOf(kept.id)).length, 1);
      assert.ok(answer.body.includes(spokenReference(kept.reference)));
    });

    test('options 1 and 2 ending without a message, and a withheld number, keep nothing', async () => {
      const before = await reportCount();
      const past = await callToRecording('2', '1');
      await callEnded(past.call);
      const now = await callToRecording('1', '1');
      await callEnded(now.call);
      const withheld = new TestCall(t.app, 'anonymous');
      await withheld.press(await withheld.toMenu('1'), '3');
      await callEnded(withheld);
      const answer = await withheld.post('/webhooks/twilio/voice/recorded?lang=en');
      assert.equal(findAll(answer.twiml, 'Say')[0]!.text, translate('en', 'voice.no_message'));
      assert.equal(await reportCount(), before);
    });

    test('an unsigned call status is refused with 403 and keeps nothing', async () => {
      const { call } = await callToRecording('3', '1');
      const res = await callEnded(call, { signature: null });
      assert.equal(res.status, 403);
      assert.deepEqual(await reportsOfCall(call), []);
    });
  });

  test('the job copies the audio into the store encrypted, records its SHA-256, and deletes it at Twilio', async () => {
    const { call, at } = await callToRecording('2', '1');
    const held = standIn.addRecording(AUDIO);
    await call.post(recordAction(at), {
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingDuration: '9',
    });
    const [pending] = await recordingsOf(held.sid);
    assert.ok(pending);
    assert.ok(standIn.held.has(held.path), 'Twilio holds it until fetched');

    const deps = recordingDeps(t.context);
    assert.equal(await fetchRecording(deps, pending.id), 'stored');
    const [row] = await recordingsOf(held.sid);
    assert.ok(row?.storage_key);
    assert.equal(row.original_sha256, createHash('sha256').update(AUDIO).digest('hex'));
    assert.equal(row.content_type, 'audio/mpeg');
    assert.ok(row.fetched_at && row.deleted_at_twilio_at);
    assert.equal(row.twilio_url_ciphertext, null, 'where it was at Twilio is forgotten');
    assert.equal(standIn.held.has(held.path), false, 'deleted at Twilio');
    const deletion = standIn.requests.find((r) => r.method === 'DELETE' && r.path.startsWith(held.path));
    assert.ok(deletion, 'deleted through the API');

    const onDisk = await readFile(path.join(dataDir, 'uploads', row.storage_key));
    assert.notDeepEqual(onDisk, AUDIO);
    assert.equal(onDisk.indexOf(Buffer.from('canary-voicemail-audio')), -1, 'ciphertext only at rest');
    assert.equal(await fetchRecording(deps, pending.id), 'already_done', 'a second run changes nothing');

    // The hourly orphan sweep must not mistake a recording for a leftover photo.
    const orphan = randomBytes(16).toString('hex');
    await reportsDeps(t.context).store.put(orphan, Buffer.from('left by a crash'));
    t.clock.advance(60 * 60_000);
    await sweepOrphanPhotos(reportsDeps(t.context), t.clock.now());
    assert.equal(await reportsDeps(t.context).store.get(orphan), undefined, 'the orphan is swept');
    assert.ok(await reportsDeps(t.context).store.get(row.storage_key), 'the recording stays');
  });

  test('a recording URL of another account is never requested', async () => {
    const { call, at } = await callToRecording('2', '1');
    const foreign = `https://api.twilio.com/2010-04-01/Accounts/AC${'9'.repeat(32)}/Recordings/RE${'0'.repeat(32)}`;
    await call.post(recordAction(at), { RecordingSid: `RE${'0'.repeat(32)}`, RecordingUrl: foreign });
    const [row] = await recordingsOf(`RE${'0'.repeat(32)}`);
    assert.ok(row, 'the report is kept all the same');
    const requestsBefore = standIn.requests.length;
    assert.equal(await fetchRecording(recordingDeps(t.context), row.id), 'refused');
    assert.equal(standIn.requests.length, requestsBefore);
  });

  describe('playback and follow-up', () => {
    let familyReportId: string;
    let pastReportId: string;
    let taskId: string;

    before(async () => {
      // Signed in here: an earlier test moves the clock past the idle timeout.
      dispatcher = await createStaffSession(t.context, ['dispatcher']);
      legal = await createStaffSession(t.context, ['legal']);
      await makeLegalIntakeTeam(t.context, [legal.userId]);
      const family = await callToRecording('3', '2');
      const familyHeld = standIn.addRecording(AUDIO);
      await family.call.post(recordAction(family.at), {
        RecordingSid: familyHeld.sid,
        RecordingUrl: familyHeld.url,
        RecordingDuration: '64',
      });
      const [familyRow] = await recordingsOf(familyHeld.sid);
      familyReportId = familyRow!.report_id;
      await fetchRecording(recordingDeps(t.context), familyRow!.id);

      const past = await callToRecording('2', '1');
      const pastHeld = standIn.addRecording(AUDIO);
      await past.call.post(recordAction(past.at), {
        RecordingSid: pastHeld.sid,
        RecordingUrl: pastHeld.url,
      });
      const [pastRow] = await recordingsOf(pastHeld.sid);
      pastReportId = pastRow!.report_id;
      await fetchRecording(recordingDeps(t.context), pastRow!.id);
    });

    const get = (url: string, session?: StaffSession) =>
      t.app.inject({
        url,
        headers: { accept: 'text/html', ...(session ? { cookie: session.cookie } : {}) },
      });

    test('3 creates one open follow-up task for the legal team; 2 creates none', async () => {
      const tasks = await t.context.db.selectFrom('followup_tasks').selectAll().execute();
      const family = tasks.filter((task) => task.report_id === familyReportId);
      assert.equal(family.length, 1);
      assert.equal(family[0]!.kind, 'family_detained');
      assert.equal(family[0]!.status, 'open');
      assert.equal(family[0]!.language, 'es');
      taskId = family[0]!.id;
      assert.equal(tasks.filter((task) => task.report_id === pastReportId).length, 0);
      const report = await t.context.db
        .selectFrom('reports')
        .select(['activity', 'channel'])
        .where('id', '=', familyReportId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(report, { activity: 'detaining', channel: 'voice' });
      const audit = await t.context.db
        .selectFrom('audit_log')
        .select('subject_id')
        .where('action', '=', 'followup.created')
        .execute();
      assert.ok(audit.some((row) => row.subject_id === taskId));
    });

    test('a dispatcher plays the decrypted audio, and the listen is audited', async () => {
      const res = await get(`/console/reports/${pastReportId}/recording`, dispatcher);
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'audio/mpeg');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.deepEqual(res.rawPayload, AUDIO);
      const audit = await t.context.db
        .selectFrom('audit_log')
        .select(['actor_id', 'subject_id'])
        .where('action', '=', 'recording.played')
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow();
      assert.deepEqual(audit, { actor_id: dispatcher.userId, subject_id: pastReportId });
    });

    test('the report page offers a player and a plain link; the page allows media from itself', async () => {
      const res = await get(`/console/reports/${pastReportId}`, dispatcher);
      assert.equal(res.statusCode, 200);
      assert.ok(
        res.body.includes(`<audio controls preload="none" src="/console/reports/${pastReportId}/recording">`),
      );
      assert.ok(res.body.includes(`<a href="/console/reports/${pastReportId}/recording">`));
      assert.match(String(res.headers['content-security-policy']), /media-src 'self'/);
    });

    test('a family message about a detained relative: only the legal intake team or the assignee see and play it', async () => {
      const coordinator = await createStaffSession(t.context, ['coordinator']);
      const admin = await createStaffSession(t.context, ['admin']);
      const otherLegal = await createStaffSession(t.context, ['legal']);
      const adminLegal = await createStaffSession(t.context, ['admin', 'legal', 'coordinator']);
      for (const session of [dispatcher, coordinator, admin, otherLegal, adminLegal]) {
        const res = await get(`/console/reports/${familyReportId}/recording`, session);
        assert.equal(res.statusCode, 404, 'not the intake team: no recording');
        assert.ok(!res.rawPayload.includes(AUDIO.subarray(0, 24)));
      }
      // The report page shows report readers that there is a message for the intake team, but neither the
      // number nor a player.
      for (const session of [dispatcher, coordinator, admin]) {
        const page = await get(`/console/reports/${familyReportId}`, session);
        assert.equal(page.statusCode, 200);
        assert.ok(!page.body.includes(CALLER), 'no caller number');
        assert.ok(!page.body.includes('/recording'), 'no player');
        assert.ok(page.body.includes('id="for-legal-intake"'));
      }
      // Follow-ups: coordinators no longer reach the list; legal staff outside the intake team see only
      // their own tasks, and are told why.
      assert.equal((await get('/console/followups', coordinator)).statusCode, 403);
      const outside = await get('/console/followups', otherLegal);
      assert.equal(outside.statusCode, 200);
      assert.ok(!outside.body.includes(CALLER));
      assert.ok(!outside.body.includes(taskId));
      assert.ok(outside.body.includes('id="followups-not-intake"'));
      const notTheirs = await t.app.inject({
        method: 'POST',
        url: `/console/followups/${taskId}/done`,
        headers: { cookie: otherLegal.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: otherLegal.csrfToken }).toString(),
      });
      assert.equal(notTheirs.statusCode, 404, 'nor close a task they may not see');
      // Only the intake team assigns, and only to legal staff; assigned to them, the task is theirs: listed
      // with its number, and its message plays.
      const assign = (session: StaffSession, userId: string) =>
        t.app.inject({
          method: 'POST',
          url: `/console/followups/${taskId}/assign`,
          headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ _csrf: session.csrfToken, user_id: userId }).toString(),
        });
      assert.equal((await assign(otherLegal, otherLegal.userId)).statusCode, 404);
      assert.equal((await assign(legal, dispatcher.userId)).statusCode, 422);
      assert.equal((await assign(legal, otherLegal.userId)).statusCode, 303);
      const assignedAudit = await t.context.db
        .selectFrom('audit_log')
        .select(['actor_id', 'subject_id'])
        .where('action', '=', 'followup.assigned')
        .executeTakeFirstOrThrow();
      assert.deepEqual(assignedAudit, { actor_id: legal.userId, subject_id: taskId });
      const assigned = await get('/console/followups', otherLegal);
      assert.ok(assigned.body.includes(`href="tel:${CALLER}"`));
      const played = await get(`/console/reports/${familyReportId}/recording`, otherLegal);
      assert.equal(played.statusCode, 200);
      assert.deepEqual(played.rawPayload, AUDIO);
      assert.equal((await assign(legal, '')).statusCode, 303, 'back to the team');
      assert.equal((await get(`/console/reports/${familyReportId}/recording`, otherLegal)).statusCode, 404);
    });

    test('a responder may not play recordings; legal only those of its follow-ups; anonymous must sign in', async () => {
      const responder = await createStaffSession(t.context, ['responder']);
      const refused = await get(`/console/reports/${pastReportId}/recording`, responder);
      assert.equal(refused.statusCode, 403);
      assert.ok(!refused.rawPayload.includes(AUDIO.subarray(0, 24)));
      assert.equal((await get(`/console/reports/${pastReportId}/recording`, legal)).statusCode, 404);
      const family = await get(`/console/reports/${familyReportId}/recording`, legal);
      assert.equal(family.statusCode, 200);
      assert.deepEqual(family.rawPayload, AUDIO);
      const anonymous = await t.app.inject({
        url: `/console/reports/${pastReportId}/recording`,
        headers: { accept: 'application/json' },
      });
      assert.equal(anonymous.statusCode, 401);
    });

    test('the legal team lists open follow-ups with the reference, number and message, and closes one', async () => {
      const page = await get('/console/followups', legal);
      assert.equal(page.statusCode, 200);
      const reference = (
        await t.context.db
          .selectFrom('reports')
          .select('reference')
          .where('id', '=', familyReportId)
          .executeTakeFirstOrThrow()
      ).reference;
      assert.ok(page.body.includes(reference));
      assert.ok(page.body.includes(`href="tel:${CALLER}"`));
      assert.ok(page.body.includes(`href="/console/reports/${familyReportId}/recording"`));
      assert.ok(page.body.includes(translate('en', 'voice.language_es')));
      assert.ok(page.body.includes('href="/console/followups"'), 'the nav links to the list');
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
      assert.ok(csrf);

      const dispatcherPage = await get('/console/followups', dispatcher);
      assert.equal(dispatcherPage.statusCode, 403);

      const forged = await t.app.inject({
        method: 'POST',
        url: `/console/followups/${taskId}/done`,
        headers: { cookie: legal.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: '_csrf=wrong',
      });
      assert.equal(forged.statusCode, 403);

      const done = await t.app.inject({
        method: 'POST',
        url: `/console/followups/${taskId}/done`,
        headers: { cookie: legal.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf }).toString(),
      });
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, '/console/followups');
      const task = await t.context.db
        .selectFrom('followup_tasks')
        .select(['status', 'closed_at'])
        .where('id', '=', taskId)
        .executeTakeFirstOrThrow();
      assert.equal(task.status, 'done');
      assert.ok(task.closed_at);
      const audit = await t.context.db
        .selectFrom('audit_log')
        .select(['actor_id', 'subject_id'])
        .where('action', '=', 'followup.done')
        .executeTakeFirstOrThrow();
      assert.deepEqual(audit, { actor_id: legal.userId, subject_id: taskId });
      const listed = await t.context.db
        .selectFrom('audit_log')
        .select('actor_id')
        .where('action', '=', 'followup.listed')
        .execute();
      assert.ok(
        listed.some((row) => row.actor_id === legal.userId),
        'reading the numbers is audited',
      );

      const afterwards = await get('/console/followups?lang=es', legal);
      assert.ok(!afterwards.body.includes(reference), 'done tasks leave the list');
      assert.ok(afterwards.body.includes(translate('es', 'voice.followups_empty')));

      const missing = await t.app.inject({
        method: 'POST',
        url: '/console/followups/00000000-0000-4000-8000-000000000000/done',
        headers: {
          cookie: legal.cookie,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'text/html',
        },
        payload: new URLSearchParams({ _csrf: csrf }).toString(),
      });
      assert.equal(missing.statusCode, 404);
    });
  });

  test("a case opened from a follow-up takes the caller's number and the recording under its own key; the task keeps a pointer", async () => {
    const intake = await createStaffSession(t.context, ['legal']);
    await makeLegalIntakeTeam(t.context, [intake.userId]);
    const family = await callToRecording('3', '2');
    const held = standIn.addRecording(AUDIO);
    await family.call.post(recordAction(family.at), {
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingDuration: '41',
    });
    const [recording] = await recordingsOf(held.sid);
    await fetchRecording(recordingDeps(t.context), recording!.id);
    const reportId = recording!.report_id;
    const oldKey = (
      await t.context.db
        .selectFrom('report_recordings')
        .select('storage_key')
        .where('id', '=', recording!.id)
        .executeTakeFirstOrThrow()
    ).storage_key!;
    const task = await t.context.db
      .selectFrom('followup_tasks')
      .select('id')
      .where('report_id', '=', reportId)
      .executeTakeFirstOrThrow();

    const opened = await postForm(t.app, intake, '/console/cases', {
      name: 'Hotline Family',
      task_id: task.id,
    });
    assert.equal(opened.statusCode, 303, opened.body);
    const caseId = /^\/console\/cases\/([0-9a-f-]{36})/.exec(String(opened.headers.location))![1]!;

    // Nothing of the call is left under the master key: the report has no number, the recording row and
    // its file in the report store are gone, and the task points at the case.
    const report = await t.context.db
      .selectFrom('reports')
      .select(['callback_phone_ciphertext', 'callback_phone_index'])
      .where('id', '=', reportId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(report, { callback_phone_ciphertext: null, callback_phone_index: null });
    assert.equal((await recordingsOf(held.sid)).length, 0);
    assert.equal(await reportsDeps(t.context).store.get(oldKey), undefined, 'the old file is deleted');
    const pointer = await t.context.db
      .selectFrom('followup_tasks')
      .select(['case_id', 'status'])
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(pointer, { case_id: caseId, status: 'done' });

    // The case holds them, sealed with its own key.
    const [message, ...more] = await t.context.db
      .selectFrom('case_hotline_messages')
      .selectAll()
      .where('case_id', '=', caseId)
      .execute();
    assert.ok(message);
    assert.equal(more.length, 0);
    assert.match(message.details_ciphertext, /^c1\./);
    const cipher = await caseKeyStoreFor(t.context).cipherFor(caseId);
    const sealed = cipher.decryptJson<{ callbackPhone: string }>(
      { table: 'case_hotline_messages', column: 'details', rowId: message.id },
      message.details_ciphertext,
    );
    assert.equal(sealed.callbackPhone, CALLER);
    const file = await caseFileStore(t.context).get(message.storage_key!);
    assert.ok(file && !file.includes(AUDIO.subarray(0, 24)), 'the case file is ciphertext');

    // Those who may open the case hear it there; the report's route no longer has it; others get 404.
    const page = await t.app.inject({
      url: `/console/cases/${caseId}`,
      headers: { accept: 'text/html', cookie: intake.cookie },
    });
    assert.ok(page.body.includes(`href="tel:${CALLER}"`));
    const audioUrl = `/console/cases/${caseId}/hotline/${message.id}`;
    assert.ok(page.body.includes(`src="${audioUrl}"`));
    const played = await t.app.inject({ url: audioUrl, headers: { cookie: intake.cookie } });
    assert.equal(played.statusCode, 200);
    assert.deepEqual(played.rawPayload, AUDIO);
    const other = await createStaffSession(t.context, ['legal']);
    assert.equal((await t.app.inject({ url: audioUrl, headers: { cookie: other.cookie } })).statusCode, 404);
    const old = await t.app.inject({
      url: `/console/reports/${reportId}/recording`,
      headers: { accept: 'text/html', cookie: intake.cookie },
    });
    assert.equal(old.statusCode, 404);

    // Destroying the case's key takes the message with it, row and file.
    await t.context.db
      .updateTable('cases')
      .set({ status: 'closed', closed_at: t.context.clock.now(), key_destroy_after: t.context.clock.now() })
      .where('id', '=', caseId)
      .execute();
    assert.equal(await destroyDueCaseKeys(t.context), 1);
    assert.equal(
      (
        await t.context.db
          .selectFrom('case_hotline_messages')
          .select('id')
          .where('case_id', '=', caseId)
          .execute()
      ).length,
      0,
    );
    assert.equal(await caseFileStore(t.context).get(message.storage_key!), undefined);
  });

  test('a recording copied from Twilio after its follow-up became a case goes into the case', async () => {
    const intake = await createStaffSession(t.context, ['legal']);
    await makeLegalIntakeTeam(t.context, [intake.userId]);
    const family = await callToRecording('3', '1');
    const held = standIn.addRecording(AUDIO);
    await family.call.post(recordAction(family.at), { RecordingSid: held.sid, RecordingUrl: held.url });
    const [recording] = await recordingsOf(held.sid);
    const task = await t.context.db
      .selectFrom('followup_tasks')
      .select('id')
      .where('report_id', '=', recording!.report_id)
      .executeTakeFirstOrThrow();
    const opened = await postForm(t.app, intake, '/console/cases', { name: 'Late Audio', task_id: task.id });
    assert.equal(opened.statusCode, 303, opened.body);
    const caseId = /^\/console\/cases\/([0-9a-f-]{36})/.exec(String(opened.headers.location))![1]!;
    const before = await t.context.db
      .selectFrom('case_hotline_messages')
      .select('storage_key')
      .where('case_id', '=', caseId)
      .execute();
    assert.deepEqual(before, [{ storage_key: null }], 'the number came at once, the audio not yet');

    assert.equal(await fetchRecording(recordingDeps(t.context), recording!.id), 'stored');
    assert.equal((await recordingsOf(held.sid)).length, 0, 'nothing left with the report');
    const messages = await t.context.db
      .selectFrom('case_hotline_messages')
      .select(['id', 'storage_key'])
      .where('case_id', '=', caseId)
      .where('storage_key', 'is not', null)
      .execute();
    assert.equal(messages.length, 1);
    const played = await t.app.inject({
      url: `/console/cases/${caseId}/hotline/${messages[0]!.id}`,
      headers: { cookie: intake.cookie },
    });
    assert.equal(played.statusCode, 200);
    assert.deepEqual(played.rawPayload, AUDIO);
  });

  test('a text delivery status is acknowledged with empty TwiML and leaves no receipt', async () => {
    const messageSid = sid('SM');
    const params = { AccountSid: TEST_ACCOUNT_SID, MessageSid: messageSid, MessageStatus: 'delivered' };
    const receiptsBefore = await receiptCount(t);
    const first = await postWebhook(t.app, '/webhooks/twilio/status', params);
    const again = await postWebhook(t.app, '/webhooks/twilio/status', params);
    assert.equal(first.status, 200);
    assert.equal(again.body, first.body);
    assert.deepEqual(parseTwiml(first.body).children, [], 'nothing is said or sent');
    // Statuses move alert ledger rows forward only (alerts.delivery.test.ts), so a repeat needs no receipt.
    assert.equal(await receiptCount(t), receiptsBefore);
    const unsigned = await postWebhook(t.app, '/webhooks/twilio/status', params, { signature: null });
    assert.equal(unsigned.status, 403);
  });
});

describe(`voice recordings with the worker running`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dataDir: string;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-voice-worker-'));
    t = await createTestApp({
      work: true,
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_DATA_DIR: dataDir },
    });
  });
  after(async () => {
    await t.close();
    await standIn.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the job queued with the report fetches the recording and deletes it at Twilio', async () => {
    const call = new TestCall(t.app, CALLER);
    const at = await call.press(await call.toMenu('1'), '2');
    const held = standIn.addRecording(AUDIO);
    await call.post(pathOf(only(at.twiml, 'Record').attrs.action!), {
      RecordingSid: held.sid,
      RecordingUrl: held.url,
      RecordingDuration: '5',
    });
    const deadline = Date.now() + 20_000;
    let row;
    while (Date.now() < deadline) {
      row = await t.context.db
        .selectFrom('report_recordings')
        .select(['storage_key', 'deleted_at_twilio_at'])
        .where('recording_sid', '=', held.sid)
        .executeTakeFirst();
      if (row?.deleted_at_twilio_at) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(row?.storage_key, 'stored by the worker');
    assert.ok(row.deleted_at_twilio_at, 'deleted at Twilio by the worker');
    assert.equal(standIn.held.has(held.path), false);
    assert.ok(!t.logs.text.includes('5550188'), 'no number in the logs, jobs included');
    assert.ok(!t.logs.text.includes(held.url), 'no recording URL in the logs');
  });

  test('calls are forgotten once Twilio can no longer retry them', async () => {
    const call = new TestCall(t.app, CALLER);
    await call.start();
    const count = async () =>
      (
        await t.context.db
          .selectFrom('voice_calls')
          .select('call_sid')
          .where('call_sid', '=', call.callSid)
          .execute()
      ).length;
    assert.equal(await forgetOldCalls(t.context), 0);
    assert.equal(await count(), 1);
    t.clock.advance(49 * 3600_000);
    assert.ok((await forgetOldCalls(t.context)) >= 1);
    assert.equal(await count(), 0);
  });
});
