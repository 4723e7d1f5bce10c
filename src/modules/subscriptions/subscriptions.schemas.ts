// Reading ZIP code lists and the /alerts forms. Pure: no database, no HTTP.
import type { Language } from '../../config/config.ts';
import { isKnownZip } from '../../geo/geo.ts';
import { isLanguage } from '../../i18n/i18n.ts';
import { textablePhone, type SmsCountries } from '../../phone/phone.ts';

/** A subscriber follows at most this many ZIP codes (keeps the confirmation text to one segment). */
export const MAX_ZIPS = 5;
const MAX_FIELD = 200;

export type ZipListProblem = 'none' | 'unknown' | 'too_many';

export type ZipList =
  { ok: true; zips: string[] } | { ok: false; problem: ZipListProblem; unknown: string[] };

/** "60623, 60608-1234 60623" → ["60623", "60608"], every one a ZIP code the map knows. */
export function readZipList(text: string): ZipList {
  const tokens = text
    .split(/[\s,;/]+/)
    .map((token) => token.trim())
    .filter((token) => token !== '');
  const zips: string[] = [];
  const unknown: string[] = [];
  for (const token of tokens) {
    const zip = /^(\d{5})(-\d{4})?$/.exec(token)?.[1];
    if (zip === undefined || !isKnownZip(zip)) unknown.push([...token].slice(0, 12).join(''));
    else if (!zips.includes(zip)) zips.push(zip);
  }
  if (unknown.length > 0) return { ok: false, problem: 'unknown', unknown: unknown.slice(0, MAX_ZIPS) };
  if (zips.length === 0) return { ok: false, problem: 'none', unknown: [] };
  if (zips.length > MAX_ZIPS) return { ok: false, problem: 'too_many', unknown: [] };
  return { ok: true, zips };
}

/** The proof of work's answer: base64 of the signed challenge and the solution (about 700 characters). */
const MAX_PROOF = 4000;

export const formBody = {
  type: 'object',
  properties: {
    ...Object.fromEntries(
      ['_csrf', 'phone', 'zips', 'language', 'code'].map((name) => [
        name,
        { type: 'string', maxLength: MAX_FIELD },
      ]),
    ),
    altcha: { type: 'string', maxLength: MAX_PROOF },
  },
};

function field(raw: unknown, name: string): string {
  const value = (raw as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export interface SignupForm {
  phone: string;
  zips: string;
  language: string;
}

export type SignupErrors = Partial<
  Record<
    'phone' | 'zips',
    {
      key:
        | 'alerts.error_phone'
        | 'alerts.error_phone_cost'
        | 'alerts.error_phone_country'
        | 'alerts.error_zips'
        | 'alerts.error_unknown_zips'
        | 'alerts.error_too_many_zips';
      params?: Record<string, string | number>;
    }
  >
>;

export function readSignupForm(raw: unknown): SignupForm & { csrf: string; proof: string } {
  return {
    csrf: field(raw, '_csrf'),
    proof: field(raw, 'altcha'),
    phone: field(raw, 'phone').trim(),
    zips: field(raw, 'zips').trim(),
    language: field(raw, 'language'),
  };
}

/**
 * The sign-up form, read: the number must be one Amparo may text at a stranger's request (in
 * AMPARO_SMS_COUNTRIES, not premium rate or shared cost, assigned). `places` names those countries for
 * the message.
 */
export function validateSignupForm(
  form: SignupForm,
  fallback: Language,
  countries: { allowed: SmsCountries; places: string },
): { ok: true; phone: string; zips: string[]; language: Language } | { ok: false; errors: SignupErrors } {
  const errors: SignupErrors = {};
  const textable = textablePhone(form.phone, countries.allowed);
  const phone = textable.ok ? textable.e164 : undefined;
  if (!textable.ok) {
    switch (textable.problem) {
      case 'invalid':
        errors.phone = { key: 'alerts.error_phone' };
        break;
      case 'premium_rate':
      case 'shared_cost':
        errors.phone = { key: 'alerts.error_phone_cost' };
        break;
      case 'country':
        errors.phone = { key: 'alerts.error_phone_country', params: { places: countries.places } };
        break;
    }
  }
  const zips = readZipList(form.zips);
  if (!zips.ok) {
    errors.zips =
      zips.problem === 'unknown'
        ? { key: 'alerts.error_unknown_zips', params: { zips: zips.unknown.join(', ') } }
        : zips.problem === 'too_many'
          ? { key: 'alerts.error_too_many_zips', params: { max: MAX_ZIPS } }
          : { key: 'alerts.error_zips' };
  }
  if (phone === undefined || !zips.ok) return { ok: false, errors };
  return { ok: true, phone, zips: zips.zips, language: isLanguage(form.language) ? form.language : fallback };
}

export interface ConfirmForm {
  phone: string;
  code: string;
}

export function readConfirmForm(raw: unknown): ConfirmForm & { csrf: string } {
  return {
    csrf: field(raw, '_csrf'),
    phone: field(raw, 'phone').trim(),
    code: field(raw, 'code').replace(/\s+/g, ''),
  };
}
