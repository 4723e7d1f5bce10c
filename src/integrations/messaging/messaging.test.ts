import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { normalizePhone } from '../../phone/phone.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { createTestContext, type TestContext } from '../../../test/support/test-context.ts';
import { ConsoleOutbox } from '../../modules/outbox/outbox.sender.ts';
import { createSmsSender } from './create-sms-sender.ts';
import { InvalidRecipientError } from './sms-sender.ts';

const PHONE = '(773) 555-0188';
const BODY = 'Alerta verificada: agentes en la lavandería de Cermak. Quédese adentro.';

describe(`console outbox`, () => {
  let t: TestContext;
  before(async () => {
    t = await createTestContext();
  });
  after(async () => t.close());

  test('keeps the text encrypted: the row holds neither the number nor the words', async () => {
    const sender = createSmsSender(t.context);
    assert.ok(sender instanceof ConsoleOutbox, 'no Twilio credentials: the console outbox');
    const { providerId } = await sender.send({ to: PHONE, body: BODY });
    const row = await t.context.db
      .selectFrom('sms_outbox')
      .selectAll()
      .where('provider_id', '=', providerId)
      .executeTakeFirstOrThrow();
    const { rows } = await sql<{ row: string }>`
      select t::text as row from sms_outbox t where t.id = ${row.id}`.execute(t.context.db);
    const stored = rows[0]!.row;
    for (const fragment of ['5550188', '773', 'lavandería', 'Cermak', 'agentes']) {
      assert.ok(!stored.includes(fragment), `the row contains "${fragment}"`);
    }
    const { fields, blindIndex } = t.context.secrets;
    assert.equal(
      fields.decrypt({ table: 'sms_outbox', column: 'to', rowId: row.id }, row.to_ciphertext),
      '+17735550188',
    );
    assert.equal(
      fields.decrypt({ table: 'sms_outbox', column: 'body', rowId: row.id }, row.body_ciphertext),
      BODY,
    );
    assert.equal(row.to_index, blindIndex.index('phone', normalizePhone('+1 773 555 0188')!));
    // The í of "lavandería" is outside GSM-7, so the whole text is UCS-2: 71 characters need two segments.
    assert.equal(row.segments, 2);
    assert.ok(!t.logs.text.includes('5550188') && !t.logs.text.includes('Cermak'), 'nothing in the logs');
  });

  test('a recipient that is not a phone number is refused without being quoted', async () => {
    const sender = new ConsoleOutbox(t.context);
    await assert.rejects(
      sender.send({ to: 'call 12-34 please', body: 'hola' }),
      (e: Error) => e instanceof InvalidRecipientError && !e.message.includes('12-34'),
    );
  });
});

describe('choosing the SMS provider', () => {
  let standIn: TwilioStandIn;
  before(async () => {
    standIn = await startTwilioStandIn();
  });
  after(async () => standIn.close());

  test('Twilio credentials and a sender make texts go to Twilio’s API at the configured base', async () => {
    const t = await createTestContext({
      env: {
        AMPARO_TWILIO_ACCOUNT_SID: standIn.accountSid,
        AMPARO_TWILIO_AUTH_TOKEN: standIn.authToken,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
        AMPARO_TWILIO_FROM: '+15550100199',
      },
    });
    try {
      const sender = createSmsSender(t.context);
      assert.equal(sender.provider, 'twilio');
      const { providerId } = await sender.send({ to: PHONE, body: BODY });
      assert.match(providerId, /^SM[0-9a-f]{32}$/);
      assert.deepEqual(standIn.messages.get(providerId)?.to, '+17735550188', 'sent in E.164');
      assert.equal(standIn.messages.get(providerId)?.from, '+15550100199');
      const outbox = await t.context.db.selectFrom('sms_outbox').select('id').execute();
      assert.equal(outbox.length, 0, 'nothing kept in the outbox');
    } finally {
      await t.close();
    }
  });

  test('premium-rate, shared-cost and unassigned numbers are never texted, by either provider', async () => {
    const t = await createTestContext({
      env: {
        AMPARO_TWILIO_ACCOUNT_SID: standIn.accountSid,
        AMPARO_TWILIO_AUTH_TOKEN: standIn.authToken,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
        AMPARO_TWILIO_FROM: '+15550100199',
      },
    });
    try {
      const before = standIn.requests.length;
      const refused = ['+1 900 765 4321', '+44 870 000 0000', '+33 8 10 12 34 56', '+1 555 010 0199'];
      for (const sender of [createSmsSender(t.context), new ConsoleOutbox(t.context)]) {
        for (const to of refused) {
          await assert.rejects(
            sender.send({ to, body: 'hola' }),
            (e: Error) => e instanceof InvalidRecipientError && !e.message.includes(to.slice(-4)),
            `${sender.provider}: ${to}`,
          );
        }
      }
      assert.equal(standIn.requests.length, before, 'Twilio was never asked');
      assert.equal((await t.context.db.selectFrom('sms_outbox').select('id').execute()).length, 0);
    } finally {
      await t.close();
    }
  });

  test('AMPARO_SMS_PROVIDER=console keeps texts in the outbox even with Twilio credentials', async () => {
    const t = await createTestContext({
      env: {
        AMPARO_SMS_PROVIDER: 'console',
        AMPARO_TWILIO_ACCOUNT_SID: standIn.accountSid,
        AMPARO_TWILIO_AUTH_TOKEN: standIn.authToken,
        AMPARO_TWILIO_API_BASE: standIn.baseUrl,
      },
    });
    try {
      const before = standIn.requests.length;
      const sender = createSmsSender(t.context);
      assert.equal(sender.provider, 'console');
      await sender.send({ to: PHONE, body: 'hola' });
      assert.equal(standIn.requests.length, before, 'Twilio was not called');
      assert.equal((await t.context.db.selectFrom('sms_outbox').select('id').execute()).length, 1);
    } finally {
      await t.close();
    }
  });
});
