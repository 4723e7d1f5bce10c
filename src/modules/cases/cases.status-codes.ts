// Family status codes: each consenting family contact may hold one private code to text (ESTADO K7M4PX) and
// learn what the family may know. Only the code's keyed blind index is stored: the code is shown once to staff
// (and texted to the contact), and nobody can read it back, so a lost code is replaced, never recovered.
//
// Why 6 characters from ACDEFHJKMNPRTWXY34789: the alphabet leaves out the look-alikes (0/O/Q, 1/I/L, 2/Z,
// 5/S, 6/G, B/8 (keeping 8), U/V) so a code read aloud or copied by hand survives; with at least one digit and
// one letter there are about 69 million codes (26 bits): with the wrong-code limit of 5 an hour per number
// (sms.status-lookup.ts) and 1,500 live codes, a guesser needs some 9,000 number-hours per hit. Six digits
// (10^6) would give a hit every 700 guesses. Letters and digits both sit on a phone's keypad.
import { randomInt, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import type { BlindIndexer } from '../../crypto/blind-index.ts';
import { caseKeyStoreFor, type CaseCipher } from '../../crypto/case-keys.ts';
import type { Database } from '../../db/schema.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { translate } from '../../i18n/i18n.ts';
import { normalizePhone } from '../../phone/phone.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { isOptedOut } from '../opt-outs/opt-outs.queries.ts';
import { unsealContact } from './cases.family.ts';
import {
  insertStatusCode,
  listContactsWithLiveCode,
  lockContactOfCase,
  revokeLiveCode,
} from './cases.status-codes.repository.ts';

type Trx = Transaction<Database>;

export const STATUS_CODE_ALPHABET = 'ACDEFHJKMNPRTWXY34789';
export const STATUS_CODE_LENGTH = 6;

/**
 * A fresh code drawn from the alphabet, with at least one digit and one letter: so no word (ESTADO NORMAL)
 * ever looks like a code, and the hotline can leave such texts to intake (sms.status-lookup.ts).
 */
export function generateStatusCode(draw: (max: number) => number = randomInt): string {
  for (;;) {
    let code = '';
    for (let i = 0; i < STATUS_CODE_LENGTH; i++)
      code += STATUS_CODE_ALPHABET[draw(STATUS_CODE_ALPHABET.length)];
    if (/\d/.test(code) && /[A-Z]/.test(code)) return code;
  }
}

/** A code as typed: upper case, without spaces or dashes. */
export function normalizeStatusCode(typed: string): string {
  return typed.replace(/[\s-]/g, '').toUpperCase();
}

export function statusCodeIndex(blindIndex: BlindIndexer, code: string): string {
  return blindIndex.index('case_status_codes.code', normalizeStatusCode(code));
}

/** "Su clave de estado es K7M4PX. Para saber de su familiar, escriba ESTADO K7M4PX." GSM-7, one segment. */
export function statusCodeText(language: Language, code: string): string {
  return translate(language, 'cases.status_code_text', { code });
}

/**
 * Gives a consenting family contact of the case a new status code, inside the caller's transaction, and
 * returns it: the only time the code exists in plain. A code the contact held before is revoked. Undefined
 * when the contact is not the case's or did not agree to be texted. For intake and the quick case as well.
 */
export async function issueStatusCode(
  context: AppContext,
  trx: Trx,
  input: { caseId: string; contactId: string; actorId?: string | null; cipher?: CaseCipher },
): Promise<string | undefined> {
  const row = await lockContactOfCase(trx, input.caseId, input.contactId);
  if (!row) return undefined;
  const cipher = input.cipher ?? (await caseKeyStoreFor(context).cipherFor(input.caseId));
  const contact = unsealContact(cipher, row, context.config.defaultLanguage);
  if (!contact.consentToUpdates) return undefined;
  const now = context.clock.now();
  await revokeLiveCode(trx, input.contactId, now);
  for (let attempt = 0; attempt < 20; attempt++) {
    const code = generateStatusCode();
    const inserted = await insertStatusCode(trx, {
      id: randomUUID(),
      case_id: input.caseId,
      contact_id: input.contactId,
      code_index: statusCodeIndex(context.secrets.blindIndex, code),
      created_at: now,
    });
    if (!inserted) continue;
    await recordAudit(trx, context, {
      actorId: input.actorId ?? null,
      action: 'case.status_code_issued',
      subjectType: 'case',
      subjectId: input.caseId,
      details: { contactId: input.contactId },
    });
    return code;
  }
  throw new Error('Could not draw a free status code.');
}

/** Revokes the contact's live code (audited); false when it held none. */
export async function revokeStatusCode(
  context: AppContext,
  trx: Trx,
  input: { caseId: string; contactId: string; actorId: string | null },
): Promise<boolean> {
  if (!(await lockContactOfCase(trx, input.caseId, input.contactId))) return false;
  if (!(await revokeLiveCode(trx, input.contactId, context.clock.now()))) return false;
  await recordAudit(trx, context, {
    actorId: input.actorId,
    action: 'case.status_code_revoked',
    subjectType: 'case',
    subjectId: input.caseId,
    details: { contactId: input.contactId },
  });
  return true;
}

/** The case's contacts that hold a live code, for the family section's buttons. */
export async function contactsWithLiveCode(context: AppContext, caseId: string): Promise<Set<string>> {
  return new Set(await listContactsWithLiveCode(context.db, caseId));
}

export type GivenStatusCode = { code: string; texted: boolean } | 'not_found';

/**
 * The family section's "Give a status code": issues the code (committed first), then texts it to the contact
 * unless their number opted out. A text that fails leaves the code given: staff pass it on by voice.
 */
export async function giveStatusCode(
  context: AppContext,
  actorId: string,
  opened: { caseId: string; cipher: CaseCipher },
  contactId: string,
): Promise<GivenStatusCode> {
  const code = await context.db
    .transaction()
    .execute((trx) =>
      issueStatusCode(context, trx, { caseId: opened.caseId, contactId, actorId, cipher: opened.cipher }),
    );
  if (code === undefined) return 'not_found';
  return { code, texted: await textStatusCode(context, opened, contactId, code) };
}

/** Texts a code just issued to its contact, unless their number opted out; false when not sent. */
export async function textStatusCode(
  context: AppContext,
  opened: { caseId: string; cipher: CaseCipher },
  contactId: string,
  code: string,
): Promise<boolean> {
  const row = await context.db
    .transaction()
    .execute((trx) => lockContactOfCase(trx, opened.caseId, contactId));
  if (!row) return false;
  const contact = unsealContact(opened.cipher, row, context.config.defaultLanguage);
  const phone = contact.phone === null ? undefined : normalizePhone(contact.phone);
  if (!phone || (await isOptedOut(context.db, context.secrets.blindIndex.phone(phone)))) return false;
  try {
    await createSmsSender(context).send({
      to: phone,
      caseId: opened.caseId,
      body: statusCodeText(contact.language, code),
    });
    return true;
  } catch (error) {
    context.logger.warn({ err: error instanceof Error ? error.name : 'error' }, 'status code text not sent');
    return false;
  }
}
