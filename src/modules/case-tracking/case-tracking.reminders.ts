// The reminder worker, run every minute: it sends what has fallen due by context.clock (so tests move time
// with a TestClock instead of waiting), each reminder once, each recipient once.
//
// - Hearing reminders were scheduled when the hearing was saved (AMPARO_HEARING_REMINDER_HOURS before it).
//   They go to each family contact who consented to updates, in the language they chose, and to the attorney
//   assigned to the case (case-support's assignedAttorneyContact), with the court and the time but never a
//   name or an A-number.
// - Locator re-check reminders come from cases.next_locator_check_at, set while the person is not located.
//   They go to the case's assigned staff who still hold the legal role, are not disabled and have a phone in
//   their staff profile, in the first of their languages Amparo speaks. Only assignees are texted, not the
//   whole team: a team can be large, and the checks-due list at /console/cases/checks-due shows every due
//   check to everyone who may see the case, texted or not.
//
// Exactly once: a worker claims due reminders with UPDATE … FOR UPDATE SKIP LOCKED, so two workers never take
// the same one, and claims each recipient in the delivery ledger before texting them, so a reminder taken
// over from a worker that died is not sent again to those already texted. A provider failure gives the claim
// back and the next run tries again, until the hearing has started. Nothing is sent for a closed or merged
// case, a destroyed key, a hearing no longer pending or rescheduled, a person located meanwhile, or a number
// that sent STOP.
import type { AppContext } from '../../app/context.ts';
import { normalizePhone } from '../../phone/phone.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError, type CaseCipher } from '../../crypto/case-keys.ts';
import type { CaseReminder } from '../../db/schema.ts';
import type { Language } from '../../config/config.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { isUnsubscribedRefusal } from '../../integrations/twilio/rest-client.ts';
import { InvalidRecipientError, type SmsSender } from '../../integrations/messaging/sms-sender.ts';
import { isLanguage } from '../../i18n/i18n.ts';
import { assignedAttorneyContact } from '../case-support/case-support.attorneys.ts';
import { familyContacts } from '../cases/cases.family.ts';
import { casePartPath, type CasePart } from '../cases/cases.sections.ts';
import { findCase, listAssigneeIds, listDueLocatorChecks } from '../cases/cases.queries.ts';
import { textLanguage } from '../dispatch/dispatch.message.ts';
import { staffPhoneField, staffPhonesOf } from '../staff/staff.service.ts';
import { listAccountsHolding } from '../auth/users.queries.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { isOptedOut } from '../opt-outs/opt-outs.queries.ts';
import {
  composeAttorneyHearingReminder,
  composeFamilyCheckInReminder,
  composeFamilyHearingReminder,
  composeLocatorReminder,
} from './case-tracking.messages.ts';
import { SECTION_IDS } from './case-tracking.pages.ts';
import {
  claimDelivery,
  claimDueReminders,
  createLocatorReminders,
  findHearing,
  finishReminder,
  releaseDelivery,
  releaseReminder,
  settleDelivery,
} from './case-tracking.repository.ts';
import { unsealHearing } from './case-tracking.service.ts';
import { findRelease } from './releases.repository.ts';
import { unsealRelease } from './releases.service.ts';

const HOUR_MS = 3600_000;
/** A reminder claimed this long ago and not finished belongs to a worker that died. */
export const STALE_CLAIM_MS = 10 * 60_000;
const CLAIM_BATCH = 50;

export type SkipReason =
  | 'case_gone'
  | 'case_closed'
  | 'case_merged'
  | 'key_destroyed'
  | 'located'
  | 'hearing_gone'
  | 'hearing_not_pending'
  | 'rescheduled'
  | 'release_gone'
  | 'too_late';

export interface ReminderRunSummary {
  done: number;
  skipped: number;
  /** Reminders given back after a provider failure, to be tried again on the next run. */
  retry: number;
  sent: number;
  optedOut: number;
}

interface Recipient {
  /** The ledger's reference: 'family:<contact id>', 'attorney' or 'staff:<user id>'. */
  ref: string;
  phone: string;
  body: string;
}

class ProviderFailure extends Error {
  override name = 'ProviderFailure';
}

/** The part of the case the reminder is about, at its section (jobs run without the page's registry). */
function link(context: AppContext, caseId: string, part: CasePart, section: string): string {
  return new URL(`${casePartPath(caseId, part).slice(1)}#${section}`, context.config.publicUrl).href;
}

function languageOr(value: string, fallback: Language): Language {
  return isLanguage(value) ? value : fallback;
}

async function hearingRecipients(
  context: AppContext,
  cipher: CaseCipher,
  reminder: CaseReminder,
  reference: string,
): Promise<Recipient[] | SkipReason> {
  if (!reminder.hearing_id) return 'hearing_gone';
  const row = await findHearing(context.db, reminder.hearing_id);
  if (!row) return 'hearing_gone';
  const hearing = unsealHearing(cipher, row);
  const startsAt = new Date(hearing.startsAt);
  const now = context.clock.now();
  if (hearing.result !== 'pending') return 'hearing_not_pending';
  if (startsAt.getTime() <= now.getTime()) return 'too_late';
  // Rescheduling replaces pending reminders; one already claimed when that happened must not go with a stale
  // time promise (its replacement carries the new one).
  if (
    reminder.hours_before === null ||
    startsAt.getTime() - reminder.hours_before * HOUR_MS !== reminder.due_at.getTime()
  )
    return 'rescheduled';

  const { config } = context;
  const recipients = await familyRecipients(context, cipher, reminder.case_id, (language) =>
    composeFamilyHearingReminder({
      language,
      network: config.networkName,
      startsAt,
      timeZone: config.timeZone,
      court: hearing.court,
      hotline: config.hotlineNumber,
    }),
  );
  const attorney = await assignedAttorneyContact(context, reminder.case_id);
  const attorneyPhone = attorney?.phone ? normalizePhone(attorney.phone) : undefined;
  if (attorney && attorneyPhone) {
    recipients.push({
      ref: 'attorney',
      phone: attorneyPhone,
      body: composeAttorneyHearingReminder({
        language: languageOr(attorney.language, config.defaultLanguage),
        network: config.networkName,
        startsAt,
        timeZone: config.timeZone,
        court: hearing.court,
        kind: hearing.kind,
        reference,
        link: link(context, reminder.case_id, 'hearings', SECTION_IDS.hearings),
      }),
    });
  }
  return recipients;
}

/** A check-in with ICE after a release: to the consenting family, in their language, like a hearing's. */
async function checkInRecipients(
  context: AppContext,
  cipher: CaseCipher,
  reminder: CaseReminder,
): Promise<Recipient[] | SkipReason> {
  const row = reminder.release_id ? await findRelease(context.db, reminder.release_id) : undefined;
  if (!row) return 'release_gone';
  const release = unsealRelease(cipher, row);
  if (!release.checkInAt) return 'release_gone';
  const checkInAt = new Date(release.checkInAt);
  if (checkInAt.getTime() <= context.clock.now().getTime()) return 'too_late';
  const { config } = context;
  return familyRecipients(context, cipher, reminder.case_id, (language) =>
    composeFamilyCheckInReminder({
      language,
      network: config.networkName,
      checkInAt,
      timeZone: config.timeZone,
      hotline: config.hotlineNumber,
    }),
  );
}

/** The family contacts who consented to updates and have a number, each with the text in their language. */
async function familyRecipients(
  context: AppContext,
  cipher: CaseCipher,
  caseId: string,
  body: (language: Language) => string,
): Promise<Recipient[]> {
  const recipients: Recipient[] = [];
  for (const contact of await familyContacts(context, cipher, caseId)) {
    const phone = contact.phone === null ? undefined : normalizePhone(contact.phone);
    if (!contact.consentToUpdates || !phone) continue;
    recipients.push({ ref: `family:${contact.id}`, phone, body: body(contact.language) });
  }
  return recipients;
}

async function locatorRecipients(
  context: AppContext,
  reminder: CaseReminder,
  caseRow: { next_locator_check_at: Date | null; reference: string },
): Promise<Recipient[] | SkipReason> {
  // Checked again (a new due time) or found (none) since this reminder was made.
  if (caseRow.next_locator_check_at?.getTime() !== reminder.due_at.getTime()) return 'located';
  const { config, secrets } = context;
  return (await reachableAssignees(context.db, reminder.case_id)).flatMap((staff) => {
    const phone = normalizePhone(
      secrets.fields.decrypt(staffPhoneField(staff.userId), staff.phoneCiphertext),
    );
    if (!phone) return [];
    return [
      {
        ref: `staff:${staff.userId}`,
        phone,
        body: composeLocatorReminder({
          language: textLanguage(staff.languages, config.defaultLanguage),
          network: config.networkName,
          reference: caseRow.reference,
          link: link(context, reminder.case_id, 'locating', SECTION_IDS.locator),
        }),
      },
    ];
  });
}

async function recipientsFor(context: AppContext, reminder: CaseReminder): Promise<Recipient[] | SkipReason> {
  const caseRow = await findCase(context.db, reminder.case_id);
  if (!caseRow) return 'case_gone';
  if (caseRow.key_destroyed_at !== null) return 'key_destroyed';
  if (caseRow.merged_into !== null) return 'case_merged';
  if (caseRow.status !== 'open') return 'case_closed';
  let cipher: CaseCipher;
  try {
    cipher = await caseKeyStoreFor(context).cipherFor(caseRow.id);
  } catch (error) {
    if (error instanceof CaseKeyUnavailableError) return 'key_destroyed';
    throw error;
  }
  switch (reminder.kind) {
    case 'hearing':
      return hearingRecipients(context, cipher, reminder, caseRow.reference);
    case 'checkin':
      return checkInRecipients(context, cipher, reminder);
    case 'locator':
      return locatorRecipients(context, reminder, caseRow);
  }
}

async function deliver(
  context: AppContext,
  sender: SmsSender,
  reminder: CaseReminder,
  recipient: Recipient,
  summary: ReminderRunSummary,
): Promise<void> {
  const { db, secrets } = context;
  const key = { reminderId: reminder.id, recipient: recipient.ref, at: context.clock.now() };
  if (!(await claimDelivery(db, key))) return;
  if (await isOptedOut(db, secrets.blindIndex.phone(recipient.phone))) {
    await settleDelivery(db, key, 'opted_out', null);
    summary.optedOut += 1;
    return;
  }
  try {
    const { providerId } = await sender.send({
      to: recipient.phone,
      body: recipient.body,
      caseId: reminder.case_id,
    });
    await settleDelivery(db, key, 'sent', providerId);
    summary.sent += 1;
  } catch (error) {
    if (error instanceof InvalidRecipientError) {
      await settleDelivery(db, key, 'failed', null);
      return;
    }
    // Unsubscribed at Twilio (21610): the sender has recorded the opt-out; another try would be refused too.
    if (isUnsubscribedRefusal(error)) {
      await settleDelivery(db, key, 'opted_out', null);
      summary.optedOut += 1;
      return;
    }
    await releaseDelivery(db, key);
    throw new ProviderFailure('The SMS provider refused a reminder.', { cause: error });
  }
}

async function processReminder(
  context: AppContext,
  sender: SmsSender,
  reminder: CaseReminder,
  summary: ReminderRunSummary,
): Promise<void> {
  const recipients = await recipientsFor(context, reminder);
  if (typeof recipients === 'string') {
    await finishReminder(
      context.db,
      reminder.id,
      { status: 'skipped', reason: recipients },
      context.clock.now(),
    );
    summary.skipped += 1;
    return;
  }
  try {
    for (const recipient of recipients) await deliver(context, sender, reminder, recipient, summary);
  } catch (error) {
    if (!(error instanceof ProviderFailure)) throw error;
    await releaseReminder(context.db, reminder.id);
    summary.retry += 1;
    context.logger.warn(
      {
        reminderId: reminder.id,
        kind: reminder.kind,
        err: { name: (error.cause as Error | undefined)?.name },
      },
      'case reminder: provider failed, will retry',
    );
    return;
  }
  await finishReminder(context.db, reminder.id, { status: 'done' }, context.clock.now());
  summary.done += 1;
}

/**
 * Sends every reminder due now. Safe to run from several workers at once and again after a crash.
 * @param sender the configured provider; tests pass one that fails.
 */
export async function sendDueReminders(
  context: AppContext,
  sender: SmsSender = createSmsSender(context),
): Promise<ReminderRunSummary> {
  const summary: ReminderRunSummary = { done: 0, skipped: 0, retry: 0, sent: 0, optedOut: 0 };
  const now = context.clock.now();
  await createLocatorReminders(context.db, await listDueLocatorChecks(context.db, now), now);
  const retried = new Set<string>();
  for (;;) {
    const claimed = await claimDueReminders(context.db, {
      now: context.clock.now(),
      staleBefore: new Date(context.clock.now().getTime() - STALE_CLAIM_MS),
      limit: CLAIM_BATCH,
    });
    // A reminder given back in this run is not taken again until the next one.
    const fresh = claimed.filter((reminder) => !retried.has(reminder.id));
    for (const reminder of claimed) {
      if (retried.has(reminder.id)) await releaseReminder(context.db, reminder.id);
    }
    for (const reminder of fresh) {
      const before = summary.retry;
      try {
        await processReminder(context, sender, reminder, summary);
      } catch (error) {
        // Left claimed: after STALE_CLAIM_MS a run takes it over, and the ledger keeps anyone already
        // texted from getting it twice. The others still go now.
        retried.add(reminder.id);
        context.logger.error(
          { reminderId: reminder.id, kind: reminder.kind, err: { name: (error as Error).name } },
          'case reminder failed',
        );
        continue;
      }
      if (summary.retry > before) retried.add(reminder.id);
    }
    if (fresh.length === 0 || claimed.length < CLAIM_BATCH) return summary;
  }
}

/**
 * The legal staff assigned to a case who can be texted (still legal, not disabled, a phone in their profile),
 * first assigned first: the case's assignees, then the auth module's and the staff module's reads of them.
 */
async function reachableAssignees(
  db: Kysely<Database>,
  caseId: string,
): Promise<{ userId: string; phoneCiphertext: string; languages: string[] }[]> {
  const assignees = await listAssigneeIds(db, caseId);
  if (assignees.length === 0) return [];
  const legal = await listAccountsHolding(db, 'legal', { enabledOnly: true, among: assignees });
  const phones = await staffPhonesOf(
    db,
    legal.map((account) => account.id),
  );
  return assignees.flatMap((userId) => {
    const phone = phones.get(userId);
    return phone ? [{ userId, ...phone }] : [];
  });
}
