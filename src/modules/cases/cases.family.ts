// Family contacts and the texts that keep families informed. A text names only the kind of change (the
// facility, a hearing, the outcome) and how to reach the network: never the A-number, never a full name, as
// SMS is not confidential. Contacts are sealed with the case key like everything else in the case.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { normalizePhone } from '../../phone/phone.ts';
import { caseKeyStoreFor, CaseKeyUnavailableError, type CaseCipher } from '../../crypto/case-keys.ts';
import type { Database } from '../../db/schema.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { isUnsubscribedRefusal } from '../../integrations/twilio/rest-client.ts';
import { InvalidRecipientError } from '../../integrations/messaging/sms-sender.ts';
import { isLanguage, translate, type MessageKey } from '../../i18n/i18n.ts';
import { isOptedOut } from '../opt-outs/opt-outs.queries.ts';
import { textFamilyJob, type FamilyChange } from './cases.jobs.ts';
import {
  claimFamilyText,
  findCase,
  listContactRows,
  releaseFamilyTextClaim,
  settleFamilyText,
  type CaseContactRow,
} from './cases.repository.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';

export type { FamilyChange };

export interface FamilyContact {
  id: string;
  name: string;
  relationship: string;
  /** E.164, or null when the family gave no number. */
  phone: string | null;
  /** The language they want texts and calls in. */
  language: Language;
  /** They agreed to receive texts about the case. */
  consentToUpdates: boolean;
}

/** What is sealed in case_contacts.details_ciphertext. */
export type FamilyContactDetails = Omit<FamilyContact, 'id'>;

export const contactField = (contactId: string): FieldRef<'case_contacts'> => ({
  table: 'case_contacts',
  column: 'details',
  rowId: contactId,
});

export function unsealContact(cipher: CaseCipher, row: CaseContactRow, fallback: Language): FamilyContact {
  const details = cipher.decryptJson<Partial<FamilyContactDetails>>(
    contactField(row.id),
    row.details_ciphertext,
  );
  return {
    id: row.id,
    name: details.name ?? '',
    relationship: details.relationship ?? '',
    phone: details.phone ?? null,
    language: isLanguage(details.language) ? details.language : fallback,
    consentToUpdates: details.consentToUpdates === true,
  };
}

/** The case's family contacts, decrypted, in the order they were added. For any case module. */
export async function familyContacts(
  context: AppContext,
  cipher: CaseCipher,
  caseId: string,
): Promise<FamilyContact[]> {
  const rows = await listContactRows(context.db, caseId);
  return rows.map((row) => unsealContact(cipher, row, context.config.defaultLanguage));
}

/**
 * Queues, inside the caller's transaction, the texts telling the family that something changed: sent only if
 * the change commits. The job reads the contacts when it runs, so the queue holds ids only.
 */
export async function textFamily(
  context: AppContext,
  trx: Transaction<Database>,
  notice: { caseId: string; change: FamilyChange },
): Promise<void> {
  await context.jobs.sendInTransaction(trx, textFamilyJob, {
    caseId: notice.caseId,
    change: notice.change,
    notificationId: randomUUID(),
  });
}

const INTRO_KEYS: Record<FamilyChange, MessageKey> = {
  located: 'cases.family_text_located',
  moved: 'cases.family_text_moved',
  released: 'cases.family_text_released',
  facility: 'cases.family_text_facility',
  hearing: 'cases.family_text_hearing',
  outcome: 'cases.family_text_outcome',
};

/** The whole text: built from the change kind and the network's own details, nothing from the case. */
export function familyTextBody(
  config: { networkName: string; hotlineNumber: string | undefined },
  language: Language,
  change: FamilyChange,
): string {
  const intro = translate(language, INTRO_KEYS[change], { network: config.networkName });
  const call = config.hotlineNumber
    ? translate(language, 'cases.family_text_call', { phone: config.hotlineNumber })
    : translate(language, 'cases.family_text_call_back');
  return `${intro} ${call} ${translate(language, 'cases.family_text_stop')}`;
}

export interface FamilyTextsOutcome {
  sent: number;
  optedOut: number;
  skipped: number;
  failed: number;
}

/**
 * The job: texts each consenting contact with a number, once per notification, unless the number opted out
 * (STOP to the hotline). A provider error other than a bad number releases that contact's claim and fails
 * the job, so the retry tries them again; everyone already texted is not texted twice.
 */
export async function sendFamilyTexts(
  context: AppContext,
  payload: { caseId: string; change: FamilyChange; notificationId: string },
): Promise<FamilyTextsOutcome | 'gone'> {
  const { db, secrets } = context;
  let caseRow = await findCase(db, payload.caseId);
  // Merged meanwhile: the contacts moved to the kept case.
  if (caseRow?.merged_into) caseRow = await findCase(db, caseRow.merged_into);
  if (!caseRow || caseRow.key_destroyed_at !== null) return 'gone';
  let cipher: CaseCipher;
  try {
    cipher = await caseKeyStoreFor(context).cipherFor(caseRow.id);
  } catch (error) {
    if (error instanceof CaseKeyUnavailableError) return 'gone';
    throw error;
  }
  const outcome: FamilyTextsOutcome = { sent: 0, optedOut: 0, skipped: 0, failed: 0 };
  const sender = createSmsSender(context);
  for (const contact of await familyContacts(context, cipher, caseRow.id)) {
    const phone = contact.phone === null ? undefined : normalizePhone(contact.phone);
    if (!contact.consentToUpdates || !phone) {
      outcome.skipped += 1;
      continue;
    }
    const key = { notification_id: payload.notificationId, contact_id: contact.id };
    const claimed = await claimFamilyText(db, {
      ...key,
      case_id: caseRow.id,
      change: payload.change,
      created_at: context.clock.now(),
    });
    if (!claimed) {
      outcome.skipped += 1;
      continue;
    }
    if (await isOptedOut(db, secrets.blindIndex.phone(phone))) {
      await settleFamilyText(db, key, 'opted_out', null);
      outcome.optedOut += 1;
      continue;
    }
    try {
      const { providerId } = await sender.send({
        to: phone,
        caseId: caseRow.id,
        body: familyTextBody(context.config, contact.language, payload.change),
      });
      await settleFamilyText(db, key, 'sent', providerId);
      outcome.sent += 1;
    } catch (error) {
      if (error instanceof InvalidRecipientError) {
        await settleFamilyText(db, key, 'failed', null);
        outcome.failed += 1;
        continue;
      }
      // Unsubscribed at Twilio (21610): the sender has recorded the opt-out; another try would be refused too.
      if (isUnsubscribedRefusal(error)) {
        await settleFamilyText(db, key, 'opted_out', null);
        outcome.optedOut += 1;
        continue;
      }
      await releaseFamilyTextClaim(db, key);
      throw error;
    }
  }
  return outcome;
}
