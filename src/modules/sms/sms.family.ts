// The short family intake by text (FAMILIA / FAMILY): a relative was detained, and the family answers a few
// questions, one text each: the detained person's name, how they are related, whether children or others
// who depended on them are now without care (and how many), whether the legal team may text them, and,
// while an operation is open, at which of its sites it happened. A pure machine like sms.conversation.ts:
// no database, no clock. The answers become a follow-up for the legal team, never a report's words, so the
// texts themselves are not kept: only what was read from them.
import { NUMBER_WORDS } from './sms.number-words.ts';

/** The questions in the order they are asked; the count and the site are skipped when they do not apply. */
export const FAMILY_QUESTIONS = [
  'family_name',
  'family_relationship',
  'family_dependents',
  'family_dependents_count',
  'family_consent',
  'family_site',
] as const;
export type FamilyQuestion = (typeof FAMILY_QUESTIONS)[number];

export function isFamilyQuestion(value: unknown): value is FamilyQuestion {
  return (FAMILY_QUESTIONS as readonly unknown[]).includes(value);
}

export const MAX_NAME_CHARS = 100;
export const MAX_RELATIONSHIP_CHARS = 60;
export const MAX_DEPENDENTS = 99;

/** An open operation's site as offered by text (the choices are fixed when the intake starts). */
export interface FamilySite {
  operationId: string;
  siteId: string;
  siteName: string;
}

export interface FamilyIntake {
  /** The sites offered, numbered from 1 in this order; "other or not sure" is the number after the last. */
  sites: FamilySite[];
  name?: string;
  relationship?: string;
  /** Children or other dependents now without care; 0 for none. */
  dependents?: number;
  /** They said yes without a number: how many is asked next. */
  dependentsYes?: boolean;
  consent?: boolean;
  /** The site picked, or null for other or not sure. */
  site?: FamilySite | null;
  answered: FamilyQuestion[];
  /** Questions whose answer did not fit, asked again once; a second misfit settles them as unknown. */
  retried: FamilyQuestion[];
  /** The last text did not fit the open question, which is to be asked again. */
  retrying: boolean;
}

export function newFamilyIntake(sites: readonly FamilySite[]): FamilyIntake {
  return { sites: [...sites], answered: [], retried: [], retrying: false };
}

function applies(family: FamilyIntake, question: FamilyQuestion): boolean {
  if (question === 'family_dependents_count') return family.dependentsYes === true;
  if (question === 'family_site') return family.sites.length > 0;
  return true;
}

/** The next question to ask, or undefined when the intake is complete. */
export function pendingFamilyQuestion(family: FamilyIntake): FamilyQuestion | undefined {
  return FAMILY_QUESTIONS.find((q) => applies(family, q) && !family.answered.includes(q));
}

/** True once the family has answered anything at all. */
export function hasFamilyAnswers(family: FamilyIntake): boolean {
  return family.answered.length > 0;
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

const YES = /^(yes|y|yeah|yep|si|s|claro|ok|okay|de acuerdo|esta bien|sure)[\s.!]*$/u;
const NO = /^(no|n|nope|nop|no gracias|no thanks)[\s.!]*$/u;
const NONE = /^(no|n|nope|none|nobody|no one|ninguno|ninguna|nadie|0|cero|zero)\b/u;
const UNSURE =
  /^(\?+|idk|i don'?t know|don'?t know|not sure|unsure|no se|nose|ni idea|otro|otra|other|else)\b/u;
const BARE_NUMBER = /^#?\s*\d+\s*[.)]?$/u;

/** The first count in the words ("2", "si, 3", "two kids"), if any, within 1 to MAX_DEPENDENTS. */
function readCount(folded: string): number | undefined {
  for (const word of folded.split(/[^\p{L}\d]+/u)) {
    const value = /^\d{1,3}$/.test(word) ? Number(word) : NUMBER_WORDS[word];
    if (value !== undefined) return value >= 0 && value <= MAX_DEPENDENTS ? value : undefined;
  }
  return undefined;
}

function cut(text: string, max: number): string {
  return [...text.replace(/\s+/g, ' ').trim()].slice(0, max).join('');
}

type Read = { fits: true; apply: (family: FamilyIntake) => FamilyIntake } | { fits: false };

function readName(text: string, folded: string, max: number, key: 'name' | 'relationship'): Read {
  // A bare number or a yes/no is an answer to another question; a name has letters.
  if (BARE_NUMBER.test(folded) || YES.test(folded) || NO.test(folded) || !/\p{L}/u.test(folded)) {
    return { fits: false };
  }
  const value = cut(text, max);
  return { fits: true, apply: (family) => ({ ...family, [key]: value }) };
}

function readFamilyAnswer(family: FamilyIntake, question: FamilyQuestion, text: string): Read {
  const folded = fold(text);
  switch (question) {
    case 'family_name':
      return readName(text, folded, MAX_NAME_CHARS, 'name');
    case 'family_relationship':
      return readName(text, folded, MAX_RELATIONSHIP_CHARS, 'relationship');
    case 'family_dependents': {
      if (NONE.test(folded)) return { fits: true, apply: (f) => ({ ...f, dependents: 0 }) };
      const count = readCount(folded);
      if (count !== undefined) return { fits: true, apply: (f) => ({ ...f, dependents: count }) };
      if (/^(yes|y|yeah|yep|si|s)\b/u.test(folded)) {
        return { fits: true, apply: (f) => ({ ...f, dependentsYes: true }) };
      }
      return { fits: false };
    }
    case 'family_dependents_count': {
      if (NONE.test(folded)) return { fits: true, apply: (f) => ({ ...f, dependents: 0 }) };
      const count = readCount(folded);
      return count === undefined
        ? { fits: false }
        : { fits: true, apply: (f) => ({ ...f, dependents: count }) };
    }
    case 'family_consent':
      if (YES.test(folded)) return { fits: true, apply: (f) => ({ ...f, consent: true }) };
      if (NO.test(folded)) return { fits: true, apply: (f) => ({ ...f, consent: false }) };
      return { fits: false };
    case 'family_site': {
      const match = /^#?\s*(\d{1,2})\s*[.)]?$/u.exec(folded);
      const picked = match ? Number(match[1]) : undefined;
      if (picked !== undefined && picked >= 1 && picked <= family.sites.length) {
        const site = family.sites[picked - 1]!;
        return { fits: true, apply: (f) => ({ ...f, site }) };
      }
      if (picked === family.sites.length + 1 || UNSURE.test(folded) || NO.test(folded)) {
        return { fits: true, apply: (f) => ({ ...f, site: null }) };
      }
      return { fits: false };
    }
  }
}

/**
 * One text as the answer to the open question. An answer that does not fit is asked again once, with a
 * kind word; a second misfit settles the question as unknown (no consent, when it was consent).
 */
export function receiveFamilyText(family: FamilyIntake, body: string): FamilyIntake {
  const question = pendingFamilyQuestion(family);
  if (question === undefined || body.trim() === '') return { ...family, retrying: false };
  const read = readFamilyAnswer(family, question, body);
  if (read.fits) {
    const next = read.apply(family);
    return { ...next, answered: [...next.answered, question], retrying: false };
  }
  if (!family.retried.includes(question)) {
    return { ...family, retried: [...family.retried, question], retrying: true };
  }
  return { ...family, answered: [...family.answered, question], retrying: false };
}

/** Reads back the stored intake, keeping only what has the right shape. */
export function parseFamilyIntake(value: unknown): FamilyIntake | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Partial<FamilyIntake>;
  const questions = (list: unknown) =>
    Array.isArray(list) ? list.filter((q): q is FamilyQuestion => isFamilyQuestion(q)) : [];
  const family: FamilyIntake = {
    sites: Array.isArray(v.sites) ? v.sites : [],
    answered: questions(v.answered),
    retried: questions(v.retried),
    retrying: v.retrying === true,
  };
  if (typeof v.name === 'string') family.name = v.name;
  if (typeof v.relationship === 'string') family.relationship = v.relationship;
  if (typeof v.dependents === 'number') family.dependents = v.dependents;
  if (v.dependentsYes === true) family.dependentsYes = true;
  if (typeof v.consent === 'boolean') family.consent = v.consent;
  if (v.site === null || (v.site && typeof v.site === 'object')) family.site = v.site;
  return family;
}

/** What is left once the intake has become a follow-up: the consent alone, for the closing reply. */
export function closedFamilyIntake(family: FamilyIntake): FamilyIntake {
  return {
    sites: [],
    answered: [],
    retried: [],
    retrying: false,
    ...(family.consent === undefined ? {} : { consent: family.consent }),
  };
}
