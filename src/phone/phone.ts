// Phone numbers, parsed in one place: normalised to E.164 for storage and blind indexes, and classified
// before anything texts one. Parsing and classification come from libphonenumber-js with its "max" metadata,
// the only kind that knows number types (premium rate, shared cost) and which ranges are assigned.
//
// Decisions worth knowing:
// - normalizePhone must keep the blind indexes already stored: a number libphonenumber finds valid becomes
//   its E.164, which is the old rule's output (digits with a leading +, +1 for 10 digits) whenever the digits
//   typed were the number's own (E.164 from Twilio, (312) 555-0142, 1-312-555-0142, +44 7400 123456); the
//   old rule differed only on extras it wrongly kept (a trunk 0 after the country code, an extension), which
//   no provider could text. Anything libphonenumber does not know keeps the old rule, so a text from such a
//   number still reaches intake and its STOP is still honoured.
// - Texting is stricter than storing: a number must be valid (an assigned range) and neither premium rate
//   nor shared cost, whoever typed it. Texts an anonymous person can cause (the web sign-up code, replies to
//   a number that wrote in) must also go to a country in AMPARO_SMS_COUNTRIES.
import {
  getCountries,
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type PhoneNumber,
} from 'libphonenumber-js/max';

/** Numbers typed without a country code are read as North American (every network so far is in the US). */
const DEFAULT_REGION: CountryCode = 'US';

/** The old rule, kept for what libphonenumber does not know, so indexes of such numbers do not change. */
function digitsForm(phone: string): string | undefined {
  const digits = phone.replace(/[^\d+]/g, '');
  const bare = digits.replace(/\+/g, '');
  if (digits.startsWith('+')) return bare.length >= 8 && bare.length <= 15 ? `+${bare}` : undefined;
  if (bare.length === 10) return `+1${bare}`;
  if (bare.length === 11 && bare.startsWith('1')) return `+${bare}`;
  return undefined;
}

function parse(phone: string): PhoneNumber | undefined {
  // libphonenumber reads at most 250 characters anyway; nobody types a number that long.
  if (phone.length > 100) return undefined;
  return parsePhoneNumberFromString(phone, DEFAULT_REGION);
}

/**
 * The number in E.164 (+ and up to 15 digits), as stored, blind-indexed and handed to the SMS provider, or
 * undefined when it is not a phone number at all. Not a promise that the number can be texted: see
 * textablePhone.
 */
export function normalizePhone(phone: string): string | undefined {
  const parsed = parse(phone);
  if (parsed?.isValid()) return parsed.number;
  return digitsForm(phone);
}

/**
 * Where texts an anonymous person can cause may go: calling codes (every region that shares one: +1 is the
 * whole North American Numbering Plan) and ISO 3166 regions (as libphonenumber places a number: a +44 7911
 * mobile is GG, Guernsey, not GB).
 */
export interface SmsCountries {
  callingCodes: readonly string[];
  regions: readonly string[];
  /** What was configured, in order, for messages: "+1", "US". */
  entries: readonly string[];
}

const CALLING_CODES = new Set(getCountries().map((region) => getCountryCallingCode(region)));

/**
 * Reads AMPARO_SMS_COUNTRIES: entries separated by commas, each a calling code with its + ("+1") or a
 * two-letter region code ("US", "PR"). Returns the first entry that is neither, for the error message.
 */
export function parseSmsCountries(
  raw: string,
): { ok: true; countries: SmsCountries } | { ok: false; entry: string } {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return { ok: false, entry: raw };
  const callingCodes: string[] = [];
  const regions: string[] = [];
  const shown: string[] = [];
  for (const entry of entries) {
    const code = /^\+(\d{1,3})$/.exec(entry)?.[1];
    const region = entry.toUpperCase();
    if (code !== undefined && CALLING_CODES.has(code)) {
      if (!callingCodes.includes(code)) callingCodes.push(code);
      shown.push(`+${code}`);
    } else if (/^[A-Z]{2}$/.test(region) && isSupportedCountry(region)) {
      if (!regions.includes(region)) regions.push(region);
      shown.push(region);
    } else {
      return { ok: false, entry };
    }
  }
  return { ok: true, countries: { callingCodes, regions, entries: [...new Set(shown)] } };
}

/** Why a number cannot be texted. */
export type PhoneProblem = 'invalid' | 'premium_rate' | 'shared_cost' | 'country';

export type TextablePhone = { ok: true; e164: string } | { ok: false; problem: PhoneProblem };

/**
 * The number in E.164 if Amparo may text it: valid (in a range that is assigned), not premium rate, not
 * shared cost, and, when `countries` is given (texts an anonymous person can cause), in one of them.
 */
export function textablePhone(phone: string, countries?: SmsCountries): TextablePhone {
  const parsed = parse(phone);
  if (!parsed?.isValid()) return { ok: false, problem: 'invalid' };
  const type = parsed.getType();
  if (type === 'PREMIUM_RATE') return { ok: false, problem: 'premium_rate' };
  if (type === 'SHARED_COST') return { ok: false, problem: 'shared_cost' };
  if (countries !== undefined && !inCountries(parsed, countries)) return { ok: false, problem: 'country' };
  return { ok: true, e164: parsed.number };
}

function inCountries(parsed: PhoneNumber, countries: SmsCountries): boolean {
  if (countries.callingCodes.includes(parsed.countryCallingCode)) return true;
  return parsed.country !== undefined && countries.regions.includes(parsed.country);
}

/** True when a text an anonymous person caused may go to this number (see textablePhone). */
export function mayTextAnonymously(phone: string, countries: SmsCountries): boolean {
  return textablePhone(phone, countries).ok;
}

/** The allowed places for a person to read: "+1", or region names in their language ("Estados Unidos"). */
export function describeSmsCountries(countries: SmsCountries, language: string): string {
  const names = new Intl.DisplayNames([language], { type: 'region' });
  const parts = countries.entries.map((entry) =>
    entry.startsWith('+') ? entry : (names.of(entry) ?? entry),
  );
  return new Intl.ListFormat(language, { type: 'conjunction' }).format(parts);
}

/**
 * A number as people write it, for pages and texts: (312) 555-0100 within North America, +52 55 1234 5678
 * elsewhere. What libphonenumber cannot read is shown as configured.
 */
export function displayPhone(phone: string): string {
  const parsed = parse(phone);
  if (!parsed) return phone;
  return parsed.countryCallingCode === '1' ? parsed.formatNational() : parsed.formatInternational();
}
