// Community alert subscriptions: sign-up by SMS keyword or on the web (double opt-in with a texted code),
// opt-out through the hotline's one STOP path, anti-pumping caps, and the purge of opted-out numbers.
//
// Decisions worth knowing:
// - Only the web can make Amparo text a number that did not write first, so only web sign-ups are capped:
//   per number prefix and in total over the last hour, per number over the last day, per client over the
//   last hour. The prefix is "+" and the first 7 digits of the E.164 number (for +1, area code and exchange:
//   the block SMS pumping rotates through); prefix and number are stored only as keyed hashes, the client as
//   a coarse bucket. A web sign-up over a cap gets no text and the page says to sign up by text instead.
//   ALERTS texted in is never capped: its one reply goes to a number that wrote first, so a flood on the web
//   cannot lock real people out.
// - The web answer must not tell whether a number once sent STOP (by what it says or how long it takes), so
//   it does the same work for every number: count, record, store the request (number encrypted), queue
//   subscriptions.send-code with the request's id. The job looks at the number's history and texts the code.
// - Texting ALERTS is an explicit opt-in: it (re)activates the subscription at once and lifts an earlier
//   STOP. A web sign-up is not proof the phone asked, so it only texts a code (never to a number that sent
//   STOP), and what it asked for takes effect when the code comes back.
// - Texts an anonymous person causes go only to AMPARO_SMS_COUNTRIES, and never to premium-rate, shared-cost
//   or unassigned numbers: the form refuses those, ALERTS from one subscribes nobody.
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import type { Database } from '../../db/schema.ts';
import { isLanguage, translate } from '../../i18n/i18n.ts';
import { clientIdentity } from '../../http/rate-limit.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { InvalidRecipientError, RecipientRefusedError } from '../../integrations/messaging/sms-sender.ts';
import { TwilioApiError } from '../../integrations/twilio/rest-client.ts';
import { mayTextAnonymously } from '../../phone/phone.ts';
import { isOptedOut } from '../opt-outs/opt-outs.queries.ts';
import { clearUnreachable, removeOptOut } from '../opt-outs/opt-outs.service.ts';
import { sendCodeJob } from './subscriptions.jobs.ts';
import {
  countAcceptedWebSignups,
  insertCodeRequest,
  insertSubscriber,
  lockSignupCounts,
  lockSubscriber,
  purgeSubscribers,
  recordSignup,
  takeCodeRequest,
  updateSubscriber,
} from './subscriptions.repository.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';

type Trx = Transaction<Database>;

export const CODE_TTL_MS = 60 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Bits of the keyed hash of a client's address kept: about a million buckets, thousands of addresses each. */
const CLIENT_BUCKET_BITS = 20;

/** A subscriber's number's encryption binding (the alerts module decrypts it to send). */
export function subscriberPhoneField(id: string): FieldRef<'subscribers'> {
  return { table: 'subscribers', column: 'phone', rowId: id };
}

function requestField(id: string): FieldRef<'subscription_code_requests'> {
  return { table: 'subscription_code_requests', column: 'phone', rowId: id };
}

/** The number block a sign-up is counted against (see the file comment). */
export function numberPrefix(e164: string): string {
  return e164.slice(0, 8);
}

/**
 * The client a web sign-up is counted against: a 20-bit bucket of a keyed hash of its address, as coarse as
 * the rate limiter's (nothing stored leads back to an address) but under a key that does not change at
 * midnight, so the per-client cap counts a real hour.
 */
export function signupClientBucket(context: AppContext, address: string): number {
  const digest = Buffer.from(
    context.secrets.blindIndex.index('subscribe-client', clientIdentity(address)),
    'base64url',
  );
  return digest.readUIntBE(0, 3) >>> (24 - CLIENT_BUCKET_BITS);
}

/**
 * Counts a web sign-up against the caps; false (and recorded as refused) when it is over any. Serialised
 * (lockSignupCounts) so two at once cannot both slip under a cap.
 */
async function admitWebSignup(
  context: AppContext,
  trx: Trx,
  input: { e164: string; clientBucket: number },
): Promise<boolean> {
  const now = context.clock.now();
  const keys = {
    prefixIndex: context.secrets.blindIndex.index('subscribe-prefix', numberPrefix(input.e164)),
    numberIndex: context.secrets.blindIndex.index('subscribe-number', input.e164),
    clientBucket: input.clientBucket,
  };
  const caps = context.config.subscriptions;
  await lockSignupCounts(trx);
  const counted = await countAcceptedWebSignups(trx, keys, {
    hour: new Date(now.getTime() - HOUR_MS),
    day: new Date(now.getTime() - DAY_MS),
  });
  const admitted =
    counted.total < caps.capPerHour &&
    counted.prefix < caps.capPerPrefixPerHour &&
    counted.number < caps.capPerNumberPerDay &&
    counted.client < caps.capPerClientPerHour;
  await recordSignup(trx, {
    id: randomUUID(),
    prefix_index: keys.prefixIndex,
    number_index: keys.numberIndex,
    client_bucket: keys.clientBucket,
    channel: 'web',
    outcome: admitted ? 'accepted' : 'refused',
    at: now,
  });
  if (!admitted) context.logger.warn({ channel: 'web' }, 'alert sign-up refused: over a cap');
  return admitted;
}

function subscribedText(
  context: AppContext,
  language: Language,
  zips: readonly string[],
  changed: boolean,
): string {
  return translate(language, changed ? 'alerts.zips_changed' : 'alerts.subscribed', {
    network: context.config.networkName,
    zips: zips.join(' '),
  });
}

/**
 * ALERTS <ZIP>... by text, inside the webhook's transaction: subscribes (or re-subscribes, or replaces the
 * ZIP codes) and returns the confirmation to send. Never capped (the number wrote first); a number outside
 * AMPARO_SMS_COUNTRIES, premium or unassigned is subscribed to nothing and gets no text (undefined).
 */
export async function subscribeBySms(
  context: AppContext,
  trx: Trx,
  input: { from: string; zips: readonly string[]; language: Language },
): Promise<string | undefined> {
  if (!mayTextAnonymously(input.from, context.config.smsCountries)) return undefined;
  const now = context.clock.now();
  const phoneIndex = context.secrets.blindIndex.phone(input.from);
  // An explicit opt-in lifts an earlier STOP.
  await removeOptOut(trx, phoneIndex);
  const zips = [...input.zips];
  const existing = await lockSubscriber(trx, phoneIndex);
  if (!existing) {
    const id = randomUUID();
    await insertSubscriber(trx, {
      id,
      phone_ciphertext: context.secrets.fields.encrypt(subscriberPhoneField(id), input.from),
      phone_index: phoneIndex,
      language: input.language,
      zips,
      status: 'active',
      created_at: now,
      confirmed_at: now,
    });
    return subscribedText(context, input.language, zips, false);
  }
  const changed =
    existing.status === 'active' &&
    (existing.zips.length !== zips.length || existing.zips.some((zip) => !zips.includes(zip)));
  await updateSubscriber(trx, existing.id, {
    language: input.language,
    zips,
    status: 'active',
    confirmed_at: existing.status === 'active' ? existing.confirmed_at : now,
    opted_out_at: null,
    confirmation_code_hash: null,
    confirmation_expires_at: null,
    confirmation_attempts: 0,
    pending_zips: null,
    pending_language: null,
  });
  return subscribedText(context, input.language, zips, changed);
}

/**
 * START after STOP: the carrier-standard way back in. A subscription that had been confirmed (by ALERTS or
 * the web code) before the STOP is resumed with its ZIP codes, and the answer is the subscription's own
 * confirmation (program, frequency, rates, STOP/HELP). Returns undefined when there is nothing to resume.
 */
export async function resumeSubscriptionAfterStart(
  context: AppContext,
  trx: Trx,
  phoneIndex: string,
): Promise<string | undefined> {
  const existing = await lockSubscriber(trx, phoneIndex);
  if (existing?.status !== 'opted_out' || existing.confirmed_at === null || existing.zips.length === 0) {
    return undefined;
  }
  await updateSubscriber(trx, existing.id, { status: 'active', opted_out_at: null });
  const language = isLanguage(existing.language) ? existing.language : context.config.defaultLanguage;
  return subscribedText(context, language, existing.zips, false);
}

function codeHash(context: AppContext, subscriberId: string, code: string): string {
  return context.secrets.blindIndex.index(`alerts-code:${subscriberId}`, code);
}

/** queued: the code will be texted (unless the number sent STOP: the page cannot tell). */
export type WebSignupOutcome = 'queued' | 'over_cap';

/**
 * A web sign-up: counts it against the caps and, under them, stores the request and queues its code, in one
 * transaction. The same statements run whatever the number's history (see the file comment). `phone` is
 * E.164 already checked against AMPARO_SMS_COUNTRIES (validateSignupForm).
 */
export async function signUpOnWeb(
  context: AppContext,
  input: { phone: string; zips: readonly string[]; language: Language; clientAddress: string },
): Promise<WebSignupOutcome> {
  const id = randomUUID();
  const clientBucket = signupClientBucket(context, input.clientAddress);
  return context.db.transaction().execute(async (trx) => {
    if (!(await admitWebSignup(context, trx, { e164: input.phone, clientBucket }))) return 'over_cap';
    await insertCodeRequest(trx, {
      id,
      phone_ciphertext: context.secrets.fields.encrypt(requestField(id), input.phone),
      zips: [...input.zips],
      language: input.language,
      created_at: context.clock.now(),
    });
    await context.jobs.sendInTransaction(trx, sendCodeJob, { requestId: id });
    return 'queued' as const;
  });
}

export type SendCodeOutcome = 'sent' | 'not_sent' | 'nothing_to_send';

/**
 * The subscriptions.send-code job: takes the request (so nobody texts its code twice), and unless the number
 * sent STOP records what was asked for with a new code's hash and texts the code (with the program's terms).
 * A crash after the request is taken loses that code rather than risk texting it twice; whoever asked can
 * ask again.
 */
export async function sendSignupCode(context: AppContext, requestId: string): Promise<SendCodeOutcome> {
  const now = context.clock.now();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const due = await context.db.transaction().execute(async (trx) => {
    const request = await takeCodeRequest(trx, requestId);
    if (!request) return undefined;
    const phone = context.secrets.fields.decrypt(requestField(request.id), request.phone_ciphertext);
    const phoneIndex = context.secrets.blindIndex.phone(phone);
    if (await isOptedOut(trx, phoneIndex)) return undefined;
    // Asking to subscribe makes a number once said to be dead worth the code text again.
    await clearUnreachable(trx, phoneIndex);
    const language = isLanguage(request.language) ? request.language : context.config.defaultLanguage;
    const existing = await lockSubscriber(trx, phoneIndex);
    const id = existing?.id ?? randomUUID();
    const pending = {
      confirmation_code_hash: codeHash(context, id, code),
      confirmation_expires_at: new Date(now.getTime() + CODE_TTL_MS),
      confirmation_attempts: 0,
      pending_zips: request.zips,
      pending_language: language,
    };
    if (!existing) {
      await insertSubscriber(trx, {
        id,
        phone_ciphertext: context.secrets.fields.encrypt(subscriberPhoneField(id), phone),
        phone_index: phoneIndex,
        language,
        zips: [],
        status: 'pending',
        created_at: now,
        ...pending,
      });
    } else {
      await updateSubscriber(trx, id, pending);
    }
    return { phone, language };
  });
  if (!due) return 'nothing_to_send';
  try {
    await createSmsSender(context).send({
      to: due.phone,
      body: translate(due.language, 'alerts.code_text', { network: context.config.networkName, code }),
    });
  } catch (error) {
    // A number Twilio will not text (a landline, unsubscribed at the carrier) or Twilio down: whoever typed
    // it can ask again. Only the provider's code is logged, never the number.
    if (!(error instanceof TwilioApiError || error instanceof InvalidRecipientError)) throw error;
    context.logger.warn({ code: providerCode(error) }, 'alert sign-up code not texted');
    return 'not_sent';
  }
  return 'sent';
}

/** Twilio's code for a refusal, wrapped or not; never the message, which can quote the number. */
function providerCode(error: Error): number | undefined {
  if (error instanceof RecipientRefusedError) return error.code;
  return error instanceof TwilioApiError ? (error.code ?? error.status) : undefined;
}

export type ConfirmOutcome = 'confirmed' | 'wrong' | 'expired';

/** The code typed on /alerts/confirm: right, the subscription is active with what the form asked for. */
export async function confirmOnWeb(
  context: AppContext,
  input: { phone: string; code: string },
): Promise<ConfirmOutcome> {
  const now = context.clock.now();
  const phoneIndex = context.secrets.blindIndex.phone(input.phone);
  return context.db.transaction().execute(async (trx) => {
    const row = await lockSubscriber(trx, phoneIndex);
    if (!row || row.confirmation_code_hash === null || row.confirmation_expires_at === null) return 'wrong';
    if (row.confirmation_expires_at <= now || row.confirmation_attempts >= MAX_CODE_ATTEMPTS) {
      return 'expired';
    }
    const given = Buffer.from(codeHash(context, row.id, input.code));
    const expected = Buffer.from(row.confirmation_code_hash);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      await updateSubscriber(trx, row.id, { confirmation_attempts: row.confirmation_attempts + 1 });
      return 'wrong';
    }
    const language = isLanguage(row.pending_language) ? row.pending_language : row.language;
    await updateSubscriber(trx, row.id, {
      status: 'active',
      zips: row.pending_zips ?? row.zips,
      language,
      confirmed_at: now,
      opted_out_at: null,
      confirmation_code_hash: null,
      confirmation_expires_at: null,
      confirmation_attempts: 0,
      pending_zips: null,
      pending_language: null,
    });
    return 'confirmed';
  });
}

/**
 * The daily purge: opted-out numbers past AMPARO_SUBSCRIBER_PURGE_DAYS, web sign-ups whose latest code was
 * sent more than a day ago and never typed (judged by the latest code, not the first sign-up: someone who
 * asks again must be able to use the new code), such unconfirmed changes to existing subscriptions,
 * sign-up counts older than the caps' day needs, and code requests a failed job left behind.
 */
export async function purgeOldSubscribers(
  context: AppContext,
): Promise<{ optedOut: number; unconfirmed: number; unconfirmedChanges: number }> {
  const now = context.clock.now().getTime();
  return purgeSubscribers(context.db, {
    optedOutBefore: new Date(now - context.config.subscriptions.purgeDays * DAY_MS),
    unconfirmedBefore: new Date(now - DAY_MS),
    // A code expires CODE_TTL_MS after it is sent.
    codeExpiredBefore: new Date(now - DAY_MS + CODE_TTL_MS),
    // The per-number cap looks back a day.
    signupsBefore: new Date(now - DAY_MS - HOUR_MS),
    codeRequestsBefore: new Date(now - DAY_MS),
  });
}
