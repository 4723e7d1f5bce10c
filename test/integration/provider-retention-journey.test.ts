// A full hotline + alert + case journey against the strict Twilio stand-in, with status callbacks coming
// back to a listening app out of order, ends with the stand-in holding nothing of it: no message (texts in,
// replies, a dispatch text and the responder's answer, an alert sign-up, the alert, a family text), no
// media, no recording, no call (nor the leg that rang a dispatcher).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { fanOutAlerts } from '../../src/modules/alerts/alerts.delivery.ts';
import { purgeAlertDeliveries } from '../../src/modules/alerts/alerts.delivery-retention.ts';
import { addSubscribers, approveAlert } from '../../src/modules/alerts/alerts.delivery.test-helpers.ts';
import { sendFamilyTexts, textFamily } from '../../src/modules/cases/cases.family.ts';
import { textFamilyJob } from '../../src/modules/cases/cases.jobs.ts';
import { openTestCase, queuedJobs, testContact } from '../../src/modules/cases/cases.test-helpers.ts';
import {
  createStaff,
  dispatchIdFor,
  dispatchThroughPanel,
  insertIncident,
} from '../../src/modules/dispatch/dispatch.test-helpers.ts';
import { sendDispatchText } from '../../src/modules/dispatch/dispatch.service.ts';
import { deleteDueCopies } from '../../src/modules/provider-retention/provider-retention.service.ts';
import { reportsDeps } from '../../src/modules/reports/reports.module.ts';
import { fetchSmsMedia } from '../../src/modules/sms/sms.media.ts';
import { fetchRecording } from '../../src/modules/voice/recordings.service.ts';
import { recordingDeps } from '../../src/modules/voice/voice.module.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../support/twilio-stand-in.ts';
import {
  incomingCall,
  postWebhook,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TWILIO_TEST_ENV,
} from '../support/twilio-webhooks.ts';

const ALL_IN_ONE = 'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it';

describe('a journey leaves nothing at Twilio', () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dataDir: string;
  let origin = '';
  let handled = 0;

  before(async () => {
    standIn = await startTwilioStandIn({
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      statusCallbacks: { deliverTo: () => origin, fates: [{ status: 'delivered' }] },
      onMessage: () => handled++,
    });
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-journey-'));
    t = await createTestApp({
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_DATA_DIR: dataDir },
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await t.close();
    await standIn.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A text to the hotline as Twilio delivers it, and Twilio sending the TwiML reply. */
  async function textHotline(input: Parameters<TwilioStandIn['receiveText']>[0]) {
    const incoming = standIn.receiveText(input);
    handled++;
    const res = await postWebhook(t.app, '/webhooks/twilio/sms', incoming.params);
    assert.equal(res.status, 200, res.body);
    const replies = standIn.replyTo(incoming.messageSid, res.body);
    return { incoming, replies };
  }

  test('hotline text with a photo, a call with a recording, replies, dispatch, alert, family text', async (context) => {
    // A report by text, with a photo.
    const photo = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } })
      .jpeg()
      .toBuffer();
    const reporter = '+13125550301';
    const report = await textHotline({
      from: reporter,
      body: ALL_IN_ONE,
      media: [{ bytes: photo, contentType: 'image/jpeg' }],
    });
    assert.equal(report.replies.length, 1, 'the reference is sent back');
    const media = await t.context.db.selectFrom('sms_media').select('id').execute();
    for (const { id } of media) await fetchSmsMedia(t.context, reportsDeps(t.context).store, id);

    // A guided conversation: a question back.
    await textHotline({ from: '+13125550302', body: 'hola' });

    // A call: nobody answers the dispatcher's phone, so the caller leaves a message.
    const dispatcher = await createStaff(t.context, ['dispatcher'], { phone: '+13125550303' });
    const caller = '+13125550304';
    const { callSid } = standIn.receiveCall({ from: caller });
    const step = async (path: string, extra: Record<string, string> = {}) => {
      const res = await postWebhook(
        t.app,
        path,
        incomingCall(caller, callSid, { CallStatus: 'in-progress', ...extra }),
      );
      assert.equal(res.status, 200, `${path}: ${res.body}`);
      return res.body;
    };
    await step('/webhooks/twilio/voice');
    await step('/webhooks/twilio/voice/language?attempt=1', { Digits: '1' });
    assert.match(await step('/webhooks/twilio/voice/menu?lang=en&attempt=1', { Digits: '1' }), /connect/);
    assert.match(await step('/webhooks/twilio/voice/connect?lang=en'), /<Dial/);
    const leg = standIn.dialLeg(callSid, dispatcher.phone!);
    standIn.endCall(leg.sid, 'no-answer');
    await step('/webhooks/twilio/voice/dial-result?lang=en', { DialCallStatus: 'no-answer' });
    const recording = standIn.addRecording(Buffer.from('ID3 message'), 'audio/mpeg', callSid);
    await step('/webhooks/twilio/voice/recorded?lang=en', {
      RecordingSid: recording.sid,
      RecordingUrl: recording.url,
      RecordingDuration: '20',
    });
    standIn.endCall(callSid);
    await postWebhook(t.app, '/webhooks/twilio/status', {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: callSid,
      CallStatus: 'completed',
    });
    const recordingRow = await t.context.db
      .selectFrom('report_recordings')
      .select('id')
      .where('recording_sid', '=', recording.sid)
      .executeTakeFirstOrThrow();
    assert.equal(await fetchRecording(recordingDeps(t.context), recordingRow.id), 'stored');

    // A dispatch text to a responder, who answers by text.
    const incident = await insertIncident(t.context);
    const responder = await createStaff(t.context, ['responder'], { phone: '+13125550305' });
    const dispatcherSession = await createStaffSession(t.context, ['dispatcher']);
    const sent = await dispatchThroughPanel(t.app, dispatcherSession, incident.id, responder.userId);
    assert.equal(sent.statusCode, 303, sent.body);
    const dispatchId = await dispatchIdFor(t.context, incident.id, responder.userId);
    assert.equal(await sendDispatchText(t.context, dispatchId), 'sent');
    const answer = await textHotline({ from: responder.phone!, body: '1 15' });
    assert.equal(answer.replies.length, 1);

    // An alert sign-up by text, and an alert to the area.
    await textHotline({ from: '+13125550306', body: 'ALERTS 60623' });
    await addSubscribers(t.context, [{ zips: ['60623'] }, { zips: ['60623'], language: 'es' }]);
    await approveAlert(t.context, { zips: ['60623'] });
    await fanOutAlerts(t.context, { successor: false });

    // A case: the family is told a hearing changed.
    const legal = await createStaffSession(t.context, ['legal']);
    const { id: caseId } = await openTestCase(t.context, legal.userId, {
      contacts: [testContact({ phone: '+13125550307', language: 'es' })],
    });
    await t.context.db
      .transaction()
      .execute((trx) => textFamily(t.context, trx, { caseId, change: 'hearing' }));
    const [payload] = (await queuedJobs(t.context, textFamilyJob.name)).filter((p) => p.caseId === caseId);
    assert.deepEqual(await sendFamilyTexts(t.context, textFamilyJob.parse(payload)), {
      sent: 1,
      optedOut: 0,
      skipped: 0,
      failed: 0,
    });

    const before = standIn.holding();
    // The photo and the recording went as soon as Amparo had its own copies.
    assert.ok(before.messages >= 10 && before.calls === 2, JSON.stringify(before));

    // Twilio reports every text's fate (in any order), then the jobs that delete run.
    await standIn.statusCallbacks.idle();
    assert.equal(standIn.statusCallbacks.refused, 0, 'every status callback was accepted');
    await purgeAlertDeliveries(t.context);
    for (let i = 0; i < 3; i++) await deleteDueCopies(t.context);

    const left = standIn.holding();
    context.diagnostic(
      `messages handled: ${handled} (${before.messages} still held before the callbacks and sweeps); ` +
        `left at the stand-in: ${left.messages} messages, ${left.media} media, ` +
        `${left.recordings} recordings, ${left.calls} calls`,
    );
    assert.deepEqual(left, { messages: 0, redacted: 0, media: 0, recordings: 0, calls: 0 });
    const ledger = await t.context.db.selectFrom('provider_copies').select('sid').execute();
    assert.deepEqual(ledger, [], 'nothing left to delete');
  });
});
