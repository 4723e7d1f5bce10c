// Every form where a person types a number Amparo will text refuses premium-rate, shared-cost and unassigned
// numbers, each with its own message in English and Spanish: alert sign-up (also held to
// AMPARO_SMS_COUNTRIES), family contacts, attorneys, staff profiles. Ordinary numbers, here or abroad for
// the staff's forms, are kept in E.164.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { translate, type MessageKey } from '../i18n/i18n.ts';
import { validateAttorneyForm } from '../modules/case-support/case-support.schemas.ts';
import { validateContact } from '../modules/cases/cases.schemas.ts';
import { validateProfileForm } from '../modules/dispatch/dispatch.schemas.ts';
import { validateSignupForm } from '../modules/subscriptions/subscriptions.schemas.ts';
import { parseSmsCountries } from './phone.ts';

const PREMIUM = '+1 900 765 4321';
const SHARED_COST = '+33 8 10 12 34 56';
const UNASSIGNED = '+1 555 010 0199';
const MEXICO = '+52 55 1234 5678';

const nanp = parseSmsCountries('+1');
assert.ok(nanp.ok);

/** Each form's verdict on a number: its E.164, or the message key of its error. */
const forms: Record<string, (phone: string) => string | undefined> = {
  'alert sign-up': (phone) => {
    const result = validateSignupForm({ phone, zips: '60623', language: 'en' }, 'en', {
      allowed: nanp.countries,
      places: '+1',
    });
    return result.ok ? result.phone : result.errors.phone?.key;
  },
  'family contact': (phone) => {
    const result = validateContact(
      { contact_name: 'Rosa', contact_phone: phone },
      {
        required: true,
        fallbackLanguage: 'es',
      },
    );
    if (!result.ok) return result.errors.contact_phone?.key;
    return result.contact?.phone ?? undefined;
  },
  attorney: (phone) => {
    const result = validateAttorneyForm({ name: 'Ana Ruiz', languages: 'Spanish', capacity: '3', phone });
    return result.ok ? (result.input.phone ?? undefined) : result.errors.phone?.key;
  },
  'staff profile': (phone) => {
    const result = validateProfileForm(
      { display_name: 'Ana', phone, languages: 'es', home_zips: '60623' },
      false,
    );
    return result.ok ? (result.input.phone ?? undefined) : result.errors.phone?.key;
  },
};

describe('numbers Amparo never texts are refused where people type them', () => {
  for (const [form, verdict] of Object.entries(forms)) {
    test(`${form}: premium rate and shared cost get their own message; unassigned is not a number`, () => {
      const premium = verdict(PREMIUM);
      const shared = verdict(SHARED_COST);
      const unassigned = verdict(UNASSIGNED);
      assert.match(premium ?? '', /\.error_phone_cost$/, `${form}: premium`);
      assert.equal(shared, premium, `${form}: shared cost`);
      assert.match(unassigned ?? '', /\.error_phone$/, `${form}: unassigned`);
      assert.match(translate('en', premium as MessageKey), /premium-rate or shared-cost/);
      assert.match(translate('es', premium as MessageKey), /tarificación especial ni de costo compartido/);
      assert.equal(verdict('(312) 555-0142'), '+13125550142');
    });
  }

  test('only the sign-up, which strangers use, is held to AMPARO_SMS_COUNTRIES', () => {
    assert.equal(forms['alert sign-up']!(MEXICO), 'alerts.error_phone_country');
    for (const form of ['family contact', 'attorney', 'staff profile']) {
      assert.equal(forms[form]!(MEXICO), '+525512345678', form);
    }
  });
});
