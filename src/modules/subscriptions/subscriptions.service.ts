// Community alert subscriptions: sign-up by SMS keyword or on the web (double opt-in with a texted code),
// opt-out through the hotline's one STOP path, anti-pumping caps, and the purge of opted-out numbers.
//
// Decisions worth knowing:
// - The cap counts sign-ups that were answered, per number prefix and in total, over the last hour. The
//   prefix is "+" and the first 7 digits of the E.164 number: for +1 numbers the country code, area code
//   and exchange (NPA-NXX), the block that SMS pumping rotates through. It is stored only as a keyed hash.
//   A sign-up over a cap is recorded as refused and gets no text at all; the web page looks the same.
// - Texting ALERTS is an explicit opt-in: it (re)activates the subscription at once and lifts an earlier
//   STOP. A web sign-up is not proof the phone asked, so it only texts a code (never to a number that sent
//   STOP), and what it asked for takes effect when the code comes back.
import { randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import type { Database } from '../../db/schema.ts';
import { isLanguage, translate } from '../../i18n/i18n.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { InvalidRecipientError } from '../../integrations/messaging/sms-sender.ts';
import { TwilioApiError } from '../../integrations/twilio/rest-client.ts';
import { isOptedOut, removeOptOut } from '../sms/sms.repository.ts';
import { clearUnreachable } from '../sms/unreachable-numbers.repository.ts';
import {
  countAcceptedSignups,
  insertSubscriber,
  lockSignupCounts,
  lockSubscriber,
  purgeSubscribers,
  recordSignup,
  updateSubscriber,
} from './subscriptions.repository.ts';

type Trx = Transaction<Database>;

export const CODE_TTL_MS = 60 * 60 * 1000;
export const MAX_CODE_ATTEMPTS = 5;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

function phoneField(id: string) {
  return { table: 'subscribers', column: 'phone', rowId: id };
}

/** The number block a sign-up is counted against (see the file comment). */
export function numberPrefix(e164: string): string {
  return e164.slice(0, 8);
}

/** Counts a sign-up against the caps; false (and recorded as refused) when it is over either. */
export async function admitSignup(
  context: AppContext,
  trx: Trx,
  e164: string,
  channel: 'sms' | 'web',
): Promise<boolean> {
  const now = context.clock.now();
  const since = new Date(now.getTime() - HOUR_MS);
  const prefixIndex = context.secrets.blindIndex.index('subscribe-prefix', numberPrefix(e164));
  const caps = context.config.subscriptions;
  await lockSignupCounts(trx);
  const admitted =
    (await countAcceptedSignups(trx, since)) < caps.capPerHour &&
    (await countAcceptedSignups(trx, since, prefixIndex)) < caps.capPerPrefixPerHour;
  await recordSignup(trx, {
    id: randomUUID(),
    prefix_index: prefixIndex,
    channel,
    outcome: admitted ? 'accepted' : 'refused',
    at: now,
  });
  if (!admitted) context.logger.warn({ channel }, 'alert sign-up refused: over the hourly cap');
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
 * ZIP codes) and returns the confirmation to send, or undefined when over the cap (no text at all).
 */
export async function subscribeBySms(
  context: AppContext,
  trx: Trx,
  input: { from: string; zips: readonly string[]; language: Language },
): Promise<string | undefined> {
  if (!(await admitSignup(context, trx, input.from, 'sms'))) return undefined;
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
      phone_ciphertext: context.secrets.fields.encrypt(phoneField(id), input.from),
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

export type WebSignupOutcome = 'code_sent' | 'not_sent';

/**
 * A web sign-up: records what was asked for and texts a 6-digit code (with the program's terms). Numbers
 * over the cap or that sent STOP get nothing; the caller shows the same page either way, so the form
 * does not tell anyone whether a number opted out.
 */
export async function signUpOnWeb(
  context: AppContext,
  input: { phone: string; zips: readonly string[]; language: Language },
): Promise<WebSignupOutcome> {
  const now = context.clock.now();
  const phoneIndex = context.secrets.blindIndex.phone(input.phone);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const send = await context.db.transaction().execute(async (trx) => {
    if (await isOptedOut(trx, phoneIndex)) return false;
    if (!(await admitSignup(context, trx, input.phone, 'web'))) return false;
    // Asking to subscribe makes a number once said to be dead worth the code text again.
    await clearUnreachable(trx, phoneIndex);
    const existing = await lockSubscriber(trx, phoneIndex);
    const id = existing?.id ?? randomUUID();
    const pending = {
      confirmation_code_hash: codeHash(context, id, code),
      confirmation_expires_at: new Date(now.getTime() + CODE_TTL_MS),
      confirmation_attempts: 0,
      pending_zips: [...input.zips],
      pending_language: input.language,
    };
    if (!existing) {
      await insertSubscriber(trx, {
        id,
        phone_ciphertext: context.secrets.fields.encrypt(phoneField(id), input.phone),
        phone_index: phoneIndex,
        language: input.language,
        zips: [],
        status: 'pending',
        created_at: now,
        ...pending,
      });
    } else {
      await updateSubscriber(trx, id, pending);
    }
    return true;
  });
  if (!send) return 'not_sent';
  try {
    await createSmsSender(context).send({
      to: input.phone,
      body: translate(input.language, 'alerts.code_text', { network: context.config.networkName, code }),
    });
  } catch (error) {
    // A number Twilio will not text (not valid, a landline, unsubscribed at the carrier) or Twilio down: the
    // page stays the same as for any sign-up (it must not tell what happened to a number), and whoever
    // typed it can ask again. Only the provider's code is logged, never the number.
    if (!(error instanceof TwilioApiError || error instanceof InvalidRecipientError)) throw error;
    context.logger.warn(
      { code: error instanceof TwilioApiError ? (error.code ?? error.status) : undefined },
      'alert sign-up code not texted',
    );
    return 'not_sent';
  }
  return 'code_sent';
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
 * asks again must be able to use the new code), such unconfirmed changes to existing subscriptions, and
 * sign-up counts older than the caps' hour needs.
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
    signupsBefore: new Date(now - 2 * HOUR_MS),
  });
}
