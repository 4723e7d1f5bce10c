// Nothing stays at Twilio longer than it must, against the strict stand-in: every text and call is noted by
// SID (nothing else) and deleted there once final and no longer needed; 20009 is tried again later with
// growing delays (the body redacted meanwhile); other refusals are counted on the admins' page.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import {
  incomingCall,
  postWebhook,
  TEST_ACCOUNT_SID,
  TEST_AUTH_TOKEN,
  TWILIO_TEST_ENV,
} from '../../../test/support/twilio-webhooks.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { fetchSmsMedia } from '../sms/sms.media.ts';
import { freshNumber } from '../sms/sms.test-helpers.ts';
import { fetchRecording } from '../voice/recordings.service.ts';
import { recordingDeps } from '../voice/voice.module.ts';
import { deleteDueCopies, handOverTexts } from './provider-retention.service.ts';

const ALL_IN_ONE = 'ICE detaining 2 people at 26th and Kedzie now, 3 agents, vests say POLICE ICE, I saw it';
const MESSAGE_STATUS = '/webhooks/twilio/message-status';

describe('provider retention', () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dataDir: string;
  let refuse: { status: number; code: number } | undefined;

  before(async () => {
    standIn = await startTwilioStandIn({
      accountSid: TEST_ACCOUNT_SID,
      authToken: TEST_AUTH_TOKEN,
      holdMessages: true,
      refuseDeletion: () => refuse,
    });
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-retention-'));
    t = await createTestApp({
      env: { ...TWILIO_TEST_ENV, AMPARO_TWILIO_API_BASE: standIn.baseUrl, AMPARO_DATA_DIR: dataDir },
    });
  });
  after(async () => {
    await t.close();
    await standIn.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    refuse = undefined;
  });

  const sweep = () => deleteDueCopies(t.context);

  async function ledgerRow(sid: string) {
    return t.context.db.selectFrom('provider_copies').selectAll().where('sid', '=', sid).executeTakeFirst();
  }

  function textStatus(messageSid: string, status: string, extra: Record<string, string> = {}) {
    return postWebhook(t.app, MESSAGE_STATUS, {
      AccountSid: TEST_ACCOUNT_SID,
      MessageSid: messageSid,
      SmsSid: messageSid,
      SmsMessageSid: messageSid,
      MessageStatus: status,
      SmsStatus: status,
      ...extra,
    });
  }

  test('an incoming text is deleted at Twilio right after it is stored; the ledger holds its SID only', async () => {
    const from = freshNumber();
    const incoming = standIn.receiveText({ from, body: ALL_IN_ONE });
    const res = await postWebhook(t.app, '/webhooks/twilio/sms', incoming.params);
    assert.equal(res.status, 200);
    const row = await ledgerRow(incoming.messageSid);
    assert.ok(row, 'noted with the text, in the webhook’s transaction');
    assert.equal(row.state, 'ready');
    const { rows } = await sql<{ row: string }>`select t::text as row from provider_copies t`.execute(
      t.context.db,
    );
    for (const { row: stored } of rows) {
      assert.ok(!stored.includes(from.slice(2)) && !stored.includes('Kedzie'), 'no number, no text');
    }

    assert.ok(standIn.messages.has(incoming.messageSid));
    const result = await sweep();
    assert.ok(result.deleted >= 1);
    assert.ok(!standIn.messages.has(incoming.messageSid), 'deleted at Twilio');
    assert.equal(await ledgerRow(incoming.messageSid), undefined);
  });

  test('a photo under an SM message SID is fetched, then deleted, and only then its message', async () => {
    const photo = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
      .jpeg()
      .toBuffer();
    const incoming = standIn.receiveText({
      from: freshNumber(),
      body: ALL_IN_ONE,
      media: [{ bytes: photo, contentType: 'image/jpeg' }],
      sidPrefix: 'SM',
    });
    assert.match(incoming.media[0]!.url, /\/Messages\/SM[0-9a-f]{32}\/Media\/ME/);
    await postWebhook(t.app, '/webhooks/twilio/sms', incoming.params);

    await sweep();
    assert.ok(standIn.messages.has(incoming.messageSid), 'the message waits for its photo');
    assert.ok(standIn.held.has(incoming.media[0]!.path));

    const media = await t.context.db
      .selectFrom('sms_media')
      .select('id')
      .orderBy('received_at', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(await fetchSmsMedia(t.context, reportsDeps(t.context).store, media.id), 'stored');
    assert.ok(!standIn.held.has(incoming.media[0]!.path), 'the photo is fetched and deleted');
    const requests = standIn.requests.filter((r) => r.method === 'GET').map((r) => r.path);
    assert.ok(requests.includes(incoming.media[0]!.path), 'asked for at the API');
    assert.ok(
      requests.some((p) => p.startsWith('/media-content/')),
      'and fetched where the 307 redirect led',
    );

    await sweep();
    assert.ok(!standIn.messages.has(incoming.messageSid), 'then the message is deleted');
  });

  test('a sent text is deleted once its status is final, whatever order the callbacks come in', async () => {
    const sender = createSmsSender(t.context);
    const { providerId: first } = await sender.send({ to: freshNumber(), body: 'Your code is 123456' });
    const { providerId: second } = await sender.send({ to: freshNumber(), body: 'Your code is 654321' });
    const request = standIn.requests.find(
      (r) => r.method === 'POST' && r.form.get('Body')?.includes('123456'),
    );
    assert.equal(
      request?.form.get('StatusCallback'),
      `${TWILIO_TEST_ENV.AMPARO_PUBLIC_URL}${MESSAGE_STATUS}`,
      'every text asks for its status',
    );
    assert.equal((await ledgerRow(first))?.state, 'waiting');

    // Not final: nothing is tried (Twilio would answer 20009).
    assert.equal((await textStatus(first, 'sent')).status, 200);
    await sweep();
    assert.ok(standIn.messages.has(first));

    // The final status first, 'sent' after it: still due.
    standIn.settle(second, 'undelivered', 30003);
    await textStatus(second, 'undelivered', { ErrorCode: '30003' });
    await textStatus(second, 'sent');
    standIn.settle(first, 'delivered');
    await textStatus(first, 'delivered');
    await sweep();
    assert.ok(!standIn.messages.has(first), 'delivered: deleted');
    assert.ok(!standIn.messages.has(second), 'undelivered: deleted');
  });

  test('a TwiML reply is known from its action callback and deleted once final', async () => {
    const incoming = standIn.receiveText({ from: freshNumber(), body: 'hola' });
    const res = await postWebhook(t.app, '/webhooks/twilio/sms', incoming.params);
    assert.match(
      res.body,
      new RegExp(`<Message action="${TWILIO_TEST_ENV.AMPARO_PUBLIC_URL}${MESSAGE_STATUS}" method="POST">`),
    );
    const [reply] = standIn.replyTo(incoming.messageSid, res.body);
    assert.ok(reply);
    standIn.settle(reply.sid, 'delivered');
    await textStatus(reply.sid, 'delivered');
    await sweep();
    assert.ok(!standIn.messages.has(reply.sid));
    assert.ok(!standIn.messages.has(incoming.messageSid));
  });

  test('20009: tried again later with growing delays, the body redacted meanwhile, then deleted', async () => {
    const { providerId: sid } = await createSmsSender(t.context).send({
      to: freshNumber(),
      body: 'A family member of yours has a hearing soon',
    });
    // Final for Amparo (a status came), not yet for Twilio's systems.
    await textStatus(sid, 'delivered');
    const first = await sweep();
    assert.equal(first.retried, 1);
    assert.equal(standIn.messages.get(sid)?.body, '', 'redacted while it cannot be deleted');
    let row = await ledgerRow(sid);
    assert.equal(row?.last_error, 'HTTP 409/20009');
    assert.ok(row?.redacted_at);
    const firstDelay = row.due_at.getTime() - t.clock.now().getTime();

    await sweep();
    assert.equal(
      standIn.requests.filter((r) => r.method === 'DELETE' && r.path.includes(sid)).length,
      1,
      'not tried again before its time',
    );
    t.clock.advance(firstDelay);
    assert.equal((await sweep()).retried, 1);
    row = await ledgerRow(sid);
    const secondDelay = row!.due_at.getTime() - t.clock.now().getTime();
    assert.ok(secondDelay > firstDelay, 'the delay grows');

    standIn.settle(sid, 'delivered');
    t.clock.advance(secondDelay);
    await sweep();
    assert.ok(!standIn.messages.has(sid));
    assert.equal(await ledgerRow(sid), undefined);
  });

  test('other refusals are counted on the admins’ page, and tried again when an admin asks', async () => {
    const { providerId: sid } = await createSmsSender(t.context).send({
      to: freshNumber(),
      body: 'reminder',
    });
    standIn.settle(sid, 'delivered');
    await textStatus(sid, 'delivered');
    refuse = { status: 403, code: 20403 };
    const result = await sweep();
    assert.equal(result.failed, 1);
    assert.equal((await ledgerRow(sid))?.state, 'failed');
    assert.equal(standIn.messages.get(sid)?.body, '', 'its words are gone at least');
    await sweep();
    assert.equal(
      standIn.requests.filter((r) => r.method === 'DELETE' && r.path.includes(sid)).length,
      1,
      'a refused copy is not hammered',
    );

    const admin = await createStaffSession(t.context, ['admin']);
    const page = await t.app.inject({
      method: 'GET',
      url: '/console/provider-copies',
      headers: { cookie: admin.cookie },
    });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /data-count="failed">1</);
    assert.match(page.body, /HTTP 403\/20403/);
    assert.ok(!page.body.includes(sid), 'no SID shown');
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const refused = await t.app.inject({
      method: 'GET',
      url: '/console/provider-copies',
      headers: { cookie: dispatcher.cookie },
    });
    assert.notEqual(refused.statusCode, 200, 'admins only');

    refuse = undefined;
    const retry = await t.app.inject({
      method: 'POST',
      url: '/console/provider-copies/retry',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(admin.csrfToken)}`,
    });
    assert.equal(retry.statusCode, 303);
    assert.equal(retry.headers.location, '/console/provider-copies?retried=1');
    await sweep();
    assert.ok(!standIn.messages.has(sid));
  });

  test('a call is deleted once it has ended and its recording is fetched, with the legs it dialled', async () => {
    const from = freshNumber();
    const { callSid } = standIn.receiveCall({ from });
    const call = (path: string, extra: Record<string, string> = {}) =>
      postWebhook(t.app, path, incomingCall(from, callSid, { CallStatus: 'in-progress', ...extra }));
    await call('/webhooks/twilio/voice');
    await call('/webhooks/twilio/voice/language?attempt=1', { Digits: '1' });
    await call('/webhooks/twilio/voice/menu?lang=en&attempt=1', { Digits: '2' });
    const leg = standIn.dialLeg(callSid, '+13125550142');
    const recording = standIn.addRecording(Buffer.from('ID3 fake audio'), 'audio/mpeg', callSid);
    const recorded = await call('/webhooks/twilio/voice/recorded?lang=en', {
      RecordingSid: recording.sid,
      RecordingUrl: recording.url,
      RecordingDuration: '12',
    });
    assert.equal(recorded.status, 200);

    await sweep();
    assert.ok(standIn.calls.has(callSid), 'in progress, with its recording not yet fetched: kept');

    standIn.endCall(callSid);
    await postWebhook(t.app, '/webhooks/twilio/status', {
      AccountSid: TEST_ACCOUNT_SID,
      CallSid: callSid,
      CallStatus: 'completed',
    });
    await sweep();
    assert.ok(standIn.calls.has(callSid), 'its recording is still to be fetched');

    const row = await t.context.db
      .selectFrom('report_recordings')
      .select('id')
      .where('recording_sid', '=', recording.sid)
      .executeTakeFirstOrThrow();
    assert.equal(await fetchRecording(recordingDeps(t.context), row.id), 'stored');
    assert.ok(!standIn.held.has(recording.path));
    await sweep();
    assert.ok(!standIn.calls.has(callSid), 'the call record is deleted');
    assert.ok(!standIn.calls.has(leg.sid), 'and the leg that rang a dispatcher');
  });

  test('a call not reported as ended is tried after a while; Twilio’s 20009 while it lasts', async () => {
    const from = freshNumber();
    const { callSid } = standIn.receiveCall({ from });
    await postWebhook(t.app, '/webhooks/twilio/voice', incomingCall(from, callSid));
    t.clock.advance(5 * 3600_000);
    assert.equal((await sweep()).retried, 1, 'still in progress at Twilio: 20009');
    standIn.endCall(callSid);
    t.clock.advance(3600_000);
    await sweep();
    assert.ok(!standIn.calls.has(callSid));
  });

  test('alert texts Twilio would not delete are handed over and retried here', async () => {
    const { providerId: sid } = await createSmsSender(t.context).send({ to: freshNumber(), body: 'alert' });
    await t.context.db.deleteFrom('provider_copies').where('sid', '=', sid).execute();
    await handOverTexts(t.context.db, t.clock.now(), [sid]);
    assert.equal((await sweep()).retried, 1, 'not final yet');
    standIn.settle(sid, 'delivered');
    t.clock.advance(3600_000);
    await sweep();
    assert.ok(!standIn.messages.has(sid));
  });
});
