// Quick case: the short form a legal volunteer fills in under a minute when many people were detained at once
// (name, other spellings, date of birth or age, country, site, one family contact, children affected). It is
// checked here and opened through createCase, the one way into the case tables, with the same team rule as the
// full form. The roster import opens its new rows through createQuickCase too.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import type { FieldError } from '../../http/form.ts';
import { findCaseForStaff, openCaseForStaff } from './cases.access.ts';
import type { FamilyContactDetails } from './cases.family.ts';
import { unsealDetails } from './cases.model.ts';
import { localDateTime } from './cases.prefill.ts';
import { teamsOfUser } from './cases.repository.ts';
import {
  optionalId,
  INVALID_ID,
  validateContact,
  validateDetails,
  type CaseFormErrors,
  type CaseFormValues,
} from './cases.schemas.ts';
import { createCase, duplicateIndexes, findDuplicates, type DuplicateWarning } from './cases.service.ts';

export const QUICK_FIELDS = [
  'name',
  'other_names',
  'date_of_birth',
  'age',
  'country_of_birth',
  'a_number',
  'site',
  'contact_name',
  'contact_phone',
  'contact_relationship',
  'contact_language',
  'contact_consent',
  'children',
  'children_count',
  'team_id',
  'confirm_not_duplicate',
] as const;
export type QuickField = (typeof QUICK_FIELDS)[number];
/** The form as typed (strings), kept verbatim so a rejected form comes back exactly as it was. */
export type QuickCaseValues = Partial<Record<QuickField, string>>;
export type QuickCaseErrors = Partial<Record<QuickField, FieldError>>;

export const MAX_AGE = 120;
const MAX_CHILDREN = 50;

// ---- the operation's sites: offered by the operations module, which is higher up ----

export interface OperationSiteChoice {
  id: string;
  name: string;
}
type OperationSites = (db: Kysely<Database>, operationId: string) => Promise<OperationSiteChoice[]>;
let operationSites: OperationSites = async () => [];

/**
 * The operations module registers how to list an operation's sites; with a list, the quick case and the
 * roster offer a choice of site instead of free text. Nobody registered: no sites (free text).
 */
export function registerOperationSitesForCases(fn: OperationSites): void {
  operationSites = fn;
}

export async function sitesOfOperation(
  context: Pick<AppContext, 'db'>,
  operationId: string | null,
): Promise<OperationSiteChoice[]> {
  return operationId === null ? [] : operationSites(context.db, operationId);
}

// ---- checking ----

/** Maps the full form's field names (validateDetails, validateContact) to the quick form's. */
const FROM_CASE_FIELD: Partial<Record<string, QuickField>> = {
  name: 'name',
  other_names: 'other_names',
  date_of_birth: 'date_of_birth',
  country_of_birth: 'country_of_birth',
  a_number: 'a_number',
  last_seen_place: 'site',
  dependents_count: 'children_count',
  contact_name: 'contact_name',
  contact_phone: 'contact_phone',
  contact_relationship: 'contact_relationship',
  contact_language: 'contact_language',
  contact_consent: 'contact_consent',
};

function ageOf(raw: string): number | null | 'invalid' {
  const text = raw.trim();
  if (text === '') return null;
  if (!/^\d{1,3}$/.test(text) || Number(text) > MAX_AGE) return 'invalid';
  return Number(text);
}

/** Today in the network's time zone, as the date fields take it. */
export function localToday(context: Pick<AppContext, 'clock' | 'config'>): string {
  return localDateTime(context.clock.now(), context.config.timeZone).slice(0, 10);
}

export interface QuickCaseInput {
  /** The form's values, as typed (a roster row is turned into the same values). */
  values: QuickCaseValues;
  /** The surge operation the case is opened under, when the page was opened from one. */
  operationId: string | null;
  /** A note that came with the person (a roster's notes column). */
  note?: string;
  /** Open it even when the user may see a case that may be the same person (the user confirmed). */
  skipDuplicateCheck?: boolean;
  /**
   * The family follow-up this person's case is opened from (a roster row that matched one): createCase closes it
   * and moves the family's number into the case. The caller has checked the user may handle it.
   */
  followupTaskId?: string | null;
  /**
   * That follow-up's family, as a contact (their number, language and yes to texts), when the form's contact is
   * not the same number: at intake a consenting family gets a status code (giveStatusCodes).
   */
  followupContact?: FamilyContactDetails | null;
}

export type QuickCaseOutcome =
  | { outcome: 'created'; id: string; reference: string; name: string }
  | { outcome: 'invalid'; errors: QuickCaseErrors }
  | { outcome: 'possible_duplicate'; warning: DuplicateWarning };

/**
 * Checks a quick case and opens it: the details and one optional family contact go through the full form's
 * checks; the team must be one of the user's own (as on the full form); the site must be one of the
 * operation's when the operation has a list. A visible possible duplicate stops it unless confirmed.
 */
export async function createQuickCase(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId' | 'roles'>,
  input: QuickCaseInput,
): Promise<QuickCaseOutcome> {
  const { values } = input;
  const errors: QuickCaseErrors = {};
  const collect = (found: CaseFormErrors): void => {
    for (const [field, error] of Object.entries(found)) {
      const quick = FROM_CASE_FIELD[field];
      if (quick && error) errors[quick] ??= error;
    }
  };
  const age = ageOf(values.age ?? '');
  if (age === 'invalid') errors.age = { key: 'cases.quick_error_age', params: { max: MAX_AGE } };

  const children = (values.children ?? '').trim();
  let childrenCount = '';
  if (children === 'no') childrenCount = '0';
  else if (children === 'yes') {
    childrenCount = (values.children_count ?? '').trim();
    if (childrenCount === '' || childrenCount === '0')
      errors.children_count = { key: 'cases.quick_error_children_count', params: { max: MAX_CHILDREN } };
  } else if (children !== '') errors.children = { key: 'cases.error_choose' };

  const sites = await sitesOfOperation(context, input.operationId);
  const site = (values.site ?? '').trim();
  if (sites.length > 0 && site !== '' && !sites.some((choice) => choice.name === site))
    errors.site = { key: 'cases.error_choose' };

  const caseValues: CaseFormValues = {
    name: values.name ?? '',
    other_names: values.other_names ?? '',
    date_of_birth: values.date_of_birth ?? '',
    country_of_birth: values.country_of_birth ?? '',
    a_number: values.a_number ?? '',
    last_seen_place: site,
    dependents_count: childrenCount,
    caregiver_plan: 'unknown',
    contact_name: values.contact_name ?? '',
    contact_phone: values.contact_phone ?? '',
    contact_relationship: values.contact_relationship ?? '',
    contact_language: values.contact_language ?? '',
    contact_consent: values.contact_consent ?? '',
  };
  const details = validateDetails(caseValues, localToday(context));
  if (!details.ok) collect(details.errors);
  const contact = validateContact(caseValues, {
    required: false,
    fallbackLanguage: context.config.defaultLanguage,
  });
  if (!contact.ok) collect(contact.errors);

  const teams = await teamsOfUser(context.db, principal.userId);
  let teamId = optionalId(values.team_id);
  if (teamId === null && teams.length === 1) teamId = teams[0]!.id;
  if (teamId === INVALID_ID || (teamId !== null && !teams.some((team) => team.id === teamId)))
    errors.team_id = { key: 'cases.error_choose' };

  if (
    Object.keys(errors).length > 0 ||
    !details.ok ||
    !contact.ok ||
    age === 'invalid' ||
    teamId === INVALID_ID
  )
    return { outcome: 'invalid', errors };

  const caseDetails = {
    ...details.details,
    person: { ...details.details.person, age: details.details.person.dateOfBirth ? null : age },
  };
  const confirmed = input.skipDuplicateCheck === true || (values.confirm_not_duplicate ?? '') !== '';
  if (!confirmed) {
    const warning = await findDuplicates(
      context,
      principal.userId,
      duplicateIndexes(context, caseDetails),
      null,
    );
    if (warning.visible.length > 0) return { outcome: 'possible_duplicate', warning };
  }
  const created = await createCase(context, principal, {
    source: input.followupTaskId ? 'hotline' : 'console',
    followupTaskId: input.followupTaskId ?? null,
    incidentId: null,
    teamId,
    details: caseDetails,
    contacts: [
      ...(contact.contact ? [contact.contact] : []),
      ...(input.followupContact && input.followupContact.phone !== contact.contact?.phone
        ? [input.followupContact]
        : []),
    ],
    operationId: input.operationId,
    giveStatusCodes: true,
    ...(input.note ? { openingNote: input.note } : {}),
  });
  return { outcome: 'created', ...created, name: caseDetails.person.name };
}

/**
 * The case just opened, for the quick form's notice ("Case C-… opened for <name>"): only when this staff member
 * may open it, so a case id in the address tells nobody anything.
 */
export async function readOpenedCase(
  context: AppContext,
  principal: Pick<StaffPrincipal, 'userId' | 'roles'>,
  caseId: string,
): Promise<{ id: string; reference: string; name: string } | undefined> {
  const caseRow = await findCaseForStaff(context, principal, caseId);
  if (!caseRow || caseRow.merged_into !== null || caseRow.key_destroyed_at !== null) return undefined;
  const { cipher } = await openCaseForStaff(context, principal, caseRow.id);
  return { id: caseRow.id, reference: caseRow.reference, name: unsealDetails(cipher, caseRow).person.name };
}
