// Request schemas and the checks of the operations forms: a new operation (its sites typed one per line), a
// dependent recorded by hand, and the caregiver confirmed for one.
import {
  DEPENDENT_NEEDS,
  INCIDENT_AGENCIES,
  type DependentNeed,
  type IncidentAgency,
} from '../../db/schema.ts';
import { characters, isReadableText, oneOf, type FieldError, type Validation } from '../../http/form.ts';
import { instantOf } from './operations.days.ts';

export const operationIdParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

export const dependentParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 }, dependentId: { type: 'string', maxLength: 64 } },
  required: ['id', 'dependentId'],
} as const;

export const operationFormBody = {
  type: 'object',
  additionalProperties: {
    anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 200 }],
  },
} as const;

export const MAX_SITES = 50;
export const MAX_NAME_CHARS = 120;
export const MAX_DESCRIPTION_CHARS = 1000;
export const MAX_CAREGIVER_CHARS = 120;

export interface SiteInput {
  name: string;
  zip: string;
}

/** One problem with one line of the sites box (line numbers as the person counts them, from 1). */
export type SiteLineError = FieldError & { params: { line: number } };

/**
 * The sites box: one site per line, "name, ZIP". The ZIP is what follows the last comma, so a name may hold
 * commas ("Koch Foods, Plant 2, 39074"). Blank lines are skipped; every faulty line is named.
 */
export function parseSites(text: string): { sites: SiteInput[]; errors: SiteLineError[] } {
  const sites: SiteInput[] = [];
  const errors: SiteLineError[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') return;
    const comma = trimmed.lastIndexOf(',');
    if (comma < 0) {
      errors.push({ key: 'operations.error_site_no_zip', params: { line } });
      return;
    }
    const name = trimmed.slice(0, comma).trim().replace(/\s+/g, ' ');
    const zip = trimmed.slice(comma + 1).trim();
    if (name === '') errors.push({ key: 'operations.error_site_no_name', params: { line } });
    else if (characters(name) > MAX_NAME_CHARS || !isReadableText(name))
      errors.push({ key: 'operations.error_site_name_too_long', params: { line, max: MAX_NAME_CHARS } });
    else if (!/^\d{5}$/.test(zip)) errors.push({ key: 'operations.error_site_bad_zip', params: { line } });
    else sites.push({ name, zip });
  });
  if (errors.length === 0 && sites.length > MAX_SITES) {
    errors.push({ key: 'operations.error_sites_too_many', params: { line: MAX_SITES + 1, max: MAX_SITES } });
  }
  return { sites, errors };
}

export interface OperationInput {
  name: string;
  raidAt: Date;
  agencies: IncidentAgency[];
  sites: SiteInput[];
  incidentIds: string[];
  teamIds: string[];
}

export type OperationField = 'name' | 'raid_date' | 'raid_time' | 'sites';
export const OPERATION_FIELDS: readonly OperationField[] = ['name', 'raid_date', 'raid_time', 'sites'];

export type OperationValidation = Validation<OperationInput, OperationField> & {
  siteErrors: SiteLineError[];
};

/** Every value of a repeated field (tick boxes), as strings. */
export function listValue(body: Record<string, unknown>, name: string): string[] {
  const value = body[name];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v): v is string => typeof v === 'string' && v !== '');
}

function text(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

/**
 * Checks the new-operation form. Incidents and teams are kept only if they are among `allowed` (what the form
 * offered): anything else was not a choice.
 */
export function checkOperationForm(
  body: Record<string, unknown>,
  timeZone: string,
  allowed: { incidentIds: ReadonlySet<string>; teamIds: ReadonlySet<string> },
): OperationValidation {
  const values = {
    name: text(body, 'name'),
    raid_date: text(body, 'raid_date'),
    raid_time: text(body, 'raid_time'),
    sites: typeof body.sites === 'string' ? body.sites : '',
  };
  const errors: Partial<Record<OperationField, FieldError>> = {};
  if (values.name === '') errors.name = { key: 'operations.error_name_required' };
  else if (characters(values.name) > MAX_NAME_CHARS || !isReadableText(values.name))
    errors.name = { key: 'operations.error_name_too_long', params: { max: MAX_NAME_CHARS } };
  const raidAt = instantOf(values.raid_date, values.raid_time || '00:00', timeZone);
  if (!raidAt) errors.raid_date = { key: 'operations.error_date' };
  if (values.raid_time !== '' && !/^\d{2}:\d{2}$/.test(values.raid_time))
    errors.raid_time = { key: 'operations.error_time' };
  const { sites, errors: siteErrors } = parseSites(values.sites);
  if (siteErrors.length > 0) errors.sites = siteErrors[0];
  else if (sites.length === 0) errors.sites = { key: 'operations.error_sites_required' };
  const agencies = listValue(body, 'agencies').filter((a): a is IncidentAgency =>
    oneOf(INCIDENT_AGENCIES, a),
  );
  const incidentIds = [...new Set(listValue(body, 'incidents'))].filter((id) => allowed.incidentIds.has(id));
  const teamIds = [...new Set(listValue(body, 'teams'))].filter((id) => allowed.teamIds.has(id));
  if (Object.keys(errors).length > 0 || !raidAt) {
    return {
      ok: false,
      errors,
      values: {
        ...values,
        agencies: agencies.join(','),
        incidents: incidentIds.join(','),
        teams: teamIds.join(','),
      },
      siteErrors,
    };
  }
  return {
    ok: true,
    value: { name: values.name, raidAt, agencies: [...new Set(agencies)], sites, incidentIds, teamIds },
    siteErrors,
  };
}

export interface DependentInput {
  need: DependentNeed;
  description: string;
  siteId: string | null;
}

export type DependentField = 'need' | 'description';

export function checkDependentForm(
  body: Record<string, unknown>,
  siteIds: ReadonlySet<string>,
): Validation<DependentInput, DependentField> {
  const need = text(body, 'need');
  const description = text(body, 'description');
  const site = text(body, 'site');
  const errors: Partial<Record<DependentField, FieldError>> = {};
  if (!oneOf(DEPENDENT_NEEDS, need)) errors.need = { key: 'operations.error_need' };
  if (description === '') errors.description = { key: 'operations.error_description_required' };
  else if (characters(description) > MAX_DESCRIPTION_CHARS || !isReadableText(description))
    errors.description = {
      key: 'operations.error_description_too_long',
      params: { max: MAX_DESCRIPTION_CHARS },
    };
  if (Object.keys(errors).length > 0 || !oneOf(DEPENDENT_NEEDS, need)) {
    return { ok: false, errors, values: { need, description, site } };
  }
  return { ok: true, value: { need, description, siteId: siteIds.has(site) ? site : null } };
}

export interface CaregiverInput {
  name: string;
  relationship: string;
}

export type CaregiverField = 'caregiver_name' | 'caregiver_relationship';

export function checkCaregiverForm(
  body: Record<string, unknown>,
): Validation<CaregiverInput, CaregiverField> {
  const name = text(body, 'caregiver_name');
  const relationship = text(body, 'caregiver_relationship');
  const errors: Partial<Record<CaregiverField, FieldError>> = {};
  const check = (field: CaregiverField, value: string, required: FieldError['key']) => {
    if (value === '') errors[field] = { key: required };
    else if (characters(value) > MAX_CAREGIVER_CHARS || !isReadableText(value))
      errors[field] = { key: 'operations.error_caregiver_too_long', params: { max: MAX_CAREGIVER_CHARS } };
  };
  check('caregiver_name', name, 'operations.error_caregiver_name_required');
  check('caregiver_relationship', relationship, 'operations.error_caregiver_relationship_required');
  if (Object.keys(errors).length > 0) {
    return { ok: false, errors, values: { caregiver_name: name, caregiver_relationship: relationship } };
  }
  return { ok: true, value: { name, relationship } };
}
