// What a family learns by texting ESTADO <code>: where the person is held (and the facility's visiting
// hours and phone), that they were released and when, their next hearing, or that the network is still
// looking. Never a name or an A-number: SMS is not confidential, and a code may be passed around. The facts
// come from case tracking (stays, hearings) and support (the outcome), which sit above this module and
// register a reader; the text is composed here from them and the network's own words.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Language } from '../../config/config.ts';
import { CaseKeyUnavailableError, caseKeyStoreFor, type CaseCipher } from '../../crypto/case-keys.ts';
import type { Case, Database } from '../../db/schema.ts';
import { isGsm7 } from '../../integrations/messaging/segments.ts';
import { translate } from '../../i18n/i18n.ts';
import { zoneAbbreviation } from '../../i18n/time.ts';
import { recordAudit } from '../audit/audit.service.ts';
import type { StatusLookupRequest, StatusLookupResult } from '../sms/sms.status-lookup.ts';
import { findCase } from './cases.repository.ts';
import { findStatusCodeByIndex } from './cases.status-codes.repository.ts';
import { statusCodeIndex } from './cases.status-codes.ts';

/** What the family may know, read by the case modules above this one. */
export interface FamilyStatusFacts {
  /** YYYY-MM-DD, when the case's outcome is a release. */
  releasedOn: string | null;
  /** Another outcome (removal, departure...): a person tells the family, not a text. */
  otherOutcome: boolean;
  /** Where the person is held now (the newest stay), with the directory's visiting notes and phone. */
  facility: { name: string; visiting: string; phone: string } | null;
  nextHearingAt: Date | null;
}

export type FamilyStatusReader = (
  context: AppContext,
  caseRow: Case,
  cipher: CaseCipher,
) => Promise<FamilyStatusFacts>;

let reader: FamilyStatusReader | undefined;

/** Case tracking registers how the facts are read (it reads support's outcome too). */
export function registerFamilyStatusFacts(read: FamilyStatusReader): void {
  reader = read;
}

export type StatusAnswerKind = 'released' | 'located' | 'hearing' | 'looking' | 'news';

/** Free text from the directory, kept to GSM-7 and short: accents dropped, anything else a space. */
function plainText(value: string, max: number): string {
  const chars = [...value.replace(/\s+/g, ' ').trim()].map((char) => {
    if (isGsm7(char)) return char;
    const bare = char.normalize('NFD').replace(/\p{M}/gu, '');
    return bare !== '' && isGsm7(bare) ? bare : ' ';
  });
  const text = chars.join('').replace(/ {2,}/g, ' ');
  return text.length > max ? `${text.slice(0, max - 3).trimEnd()}...` : text;
}

/** Ends a piece taken from free text with a full stop, so the next one reads as a new sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function localeOf(language: Language): string {
  return language === 'es' ? 'es-US' : 'en-US';
}

/** "12 de enero" / "January 12": a calendar date (YYYY-MM-DD) as people say it. */
function spokenDate(day: string, language: Language): string {
  const date = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  const text = new Intl.DateTimeFormat(localeOf(language), {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'long',
  }).format(date);
  return plainText(text, 40);
}

/** "January 12, 9:30 AM CST" / "12 de enero, 9:30 CST": a hearing in the network's zone. */
function spokenHearing(at: Date, language: Language, timeZone: string): string {
  const day = new Intl.DateTimeFormat(localeOf(language), { timeZone, day: 'numeric', month: 'long' }).format(
    at,
  );
  const time = new Intl.DateTimeFormat(localeOf(language), {
    timeZone,
    hour: 'numeric',
    minute: '2-digit',
    hour12: language === 'en',
  }).format(at);
  return plainText(`${day}, ${time} ${zoneAbbreviation(at, language, timeZone)}`, 60);
}

/** The kind of answer the facts give, in order: a release, a facility, a hearing alone, news, still looking. */
export function statusAnswerKind(facts: FamilyStatusFacts): StatusAnswerKind {
  if (facts.releasedOn) return 'released';
  if (facts.otherOutcome) return 'news';
  if (facts.facility) return 'located';
  if (facts.nextHearingAt) return 'hearing';
  return 'looking';
}

/** The whole answer, GSM-7; built only from the facts above and the network's own details. */
export function composeStatusAnswer(
  config: { networkName: string; hotlineNumber: string | undefined; timeZone: string },
  language: Language,
  facts: FamilyStatusFacts,
): string {
  const network = plainText(config.networkName, 40);
  const parts: string[] = [];
  const kind = statusAnswerKind(facts);
  if (kind === 'released') {
    parts.push(
      translate(language, 'cases.status_released', {
        network,
        date: spokenDate(facts.releasedOn!, language),
      }),
    );
  } else if (kind === 'news') {
    parts.push(translate(language, 'cases.status_news', { network }));
  } else if (kind === 'located') {
    const facility = facts.facility!;
    parts.push(
      translate(language, 'cases.status_located', { network, facility: plainText(facility.name, 60) }),
    );
    if (facility.visiting.trim() !== '') {
      parts.push(
        sentence(
          translate(language, 'cases.status_visiting', { visiting: plainText(facility.visiting, 120) }),
        ),
      );
    }
    if (facility.phone.trim() !== '') {
      parts.push(
        translate(language, 'cases.status_facility_phone', { phone: plainText(facility.phone, 30) }),
      );
    }
  } else if (kind === 'looking') {
    parts.push(translate(language, 'cases.status_looking', { network }));
  } else {
    parts.push(translate(language, 'cases.status_known', { network }));
  }
  if (kind !== 'released' && facts.nextHearingAt) {
    parts.push(
      translate(language, 'cases.status_hearing', {
        date: spokenHearing(facts.nextHearingAt, language, config.timeZone),
      }),
    );
  }
  parts.push(
    config.hotlineNumber
      ? translate(language, 'cases.family_text_call', { phone: config.hotlineNumber })
      : translate(language, 'cases.family_text_call_back'),
  );
  return parts.join(' ');
}

async function openLookedUpCase(
  context: AppContext,
  caseId: string,
): Promise<{ caseRow: Case; cipher: CaseCipher } | undefined> {
  let caseRow = await findCase(context.db, caseId);
  // Merged since the code was given: the family asks about the kept case.
  if (caseRow?.merged_into) caseRow = await findCase(context.db, caseRow.merged_into);
  if (!caseRow || caseRow.key_destroyed_at !== null) return undefined;
  try {
    return { caseRow, cipher: await caseKeyStoreFor(context).cipherFor(caseRow.id) };
  } catch (error) {
    if (error instanceof CaseKeyUnavailableError) return undefined;
    throw error;
  }
}

/**
 * The sms module's status lookup (registered in cases.module.ts): the answer for a live code, or wrong for
 * a code that never was, was revoked, or whose case is gone. Every lookup is audited: the case (when a code
 * matched) and the result, never the code or the number.
 */
export async function answerStatusLookup(
  context: AppContext,
  trx: Transaction<Database>,
  request: StatusLookupRequest,
): Promise<StatusLookupResult> {
  if (!reader) throw new Error('Nobody registered the family status facts (case tracking should).');
  const audit = (result: string, caseId?: string) =>
    recordAudit(trx, context, {
      actorId: null,
      action: 'case.status_lookup',
      subjectType: 'case',
      ...(caseId ? { subjectId: caseId } : {}),
      details: { result },
    });
  const row = await findStatusCodeByIndex(trx, statusCodeIndex(context.secrets.blindIndex, request.code));
  if (!row) {
    await audit('wrong');
    return { kind: 'wrong' };
  }
  if (row.revoked_at !== null) {
    await audit('revoked', row.case_id);
    return { kind: 'wrong' };
  }
  const opened = await openLookedUpCase(context, row.case_id);
  if (!opened) {
    await audit('gone', row.case_id);
    return { kind: 'wrong' };
  }
  const facts = await reader(context, opened.caseRow, opened.cipher);
  await audit(statusAnswerKind(facts), opened.caseRow.id);
  return { kind: 'answer', reply: composeStatusAnswer(context.config, request.language, facts) };
}
