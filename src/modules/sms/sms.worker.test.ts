// The SMS module's jobs as a worker runs them: registered, scheduled, and doing their work from the queue
// (a photo fetched and deleted at Twilio, an owed question sent once the reply window passes).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import sharp from 'sharp';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { translate } from '../../i18n/i18n.ts';
import { freshNumber, reportsFrom, text } from './sms.test-helpers.ts';

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe(`SMS jobs in a worker`, () => {
  let t: TestApp;
  let standIn: TwilioStandIn;
  let dataDir: string;
  before(async () => {
    standIn = await startTwilioStandIn({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-sms-worker-'));
    t = await createTestApp({
      work: true,
      env: {
        ...TWILIO_TEST_ENV,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
        AMPARO_DATA_DIR: dataDir,
        AMPARO_SMS_REPLY_WINDOW_SECONDS: '1',
      },
    });
  });
  after(async () => {
    await t.close();
    await standIn.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('the sweep and the receipt purge are scheduled', async () => {
    const schedules = await sql<{ name: string }>`select name from pgboss.schedule`.execute(t.context.db);
    const names = schedules.rows.map((row) => row.name);
    assert.ok(names.includes('sms.sweep-conversations'));
    assert.ok(names.includes('twilio.purge-receipts'));
  });

  test('an MMS photo is fetched, kept and deleted at Twilio by the worker', async () => {
    const from = freshNumber();
    const photo = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'teal' } })
      .png()
      .toBuffer();
    const held = standIn.addMedia(photo, 'image/png');
    await text(t, from, 'ICE detaining someone at 26th and Kedzie now, 3 agents, vests say ICE, I saw it', {
      MessageSid: held.messageSid!,
      NumMedia: '1',
      MediaUrl0: held.url,
      MediaContentType0: 'image/png',
    });
    const [report] = await reportsFrom(t, from);
    assert.ok(report);
    await eventually(() => !standIn.held.has(held.path), 'the copy at Twilio to be deleted');
    await eventually(
      async () =>
        (
          await t.context.db
            .selectFrom('report_photos')
            .select('id')
            .where('report_id', '=', report.id)
            .execute()
        ).length === 1,
      'the photo to be linked',
    );
  });

  test('a question withheld by the reply window is texted once the window passes', async () => {
    const from = freshNumber();
    assert.ok((await text(t, from, 'hello')).reply);
    t.clock.advance(200);
    assert.equal((await text(t, from, '2')).reply, undefined, 'inside the window');
    t.clock.advance(1_500);
    await eventually(
      () => [...standIn.messages.values()].some((m) => m.to === from),
      'the owed question to be sent',
    );
    const sent = [...standIn.messages.values()].filter((m) => m.to === from);
    assert.deepEqual(
      sent.map((m) => m.body),
      [translate('en', 'sms.question_location')],
    );
  });
});
