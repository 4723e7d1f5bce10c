// The shared phone helper: normalisation that keeps every stored blind index, classification of numbers
// nobody may text (premium rate, shared cost, unassigned), and AMPARO_SMS_COUNTRIES.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import examples from 'libphonenumber-js/mobile/examples';
import { getCountries, getExampleNumber } from 'libphonenumber-js/max';
import {
  describeSmsCountries,
  mayTextAnonymously,
  normalizePhone,
  parseSmsCountries,
  textablePhone,
  type SmsCountries,
} from './phone.ts';

/** normalizePhone as it was before libphonenumber, frozen: what every stored blind index was made from. */
function previousNormalizePhone(phone: string): string | undefined {
  const digits = phone.replace(/[^\d+]/g, '');
  const bare = digits.replace(/\+/g, '');
  if (digits.startsWith('+')) return bare.length >= 8 && bare.length <= 15 ? `+${bare}` : undefined;
  if (bare.length === 10) return `+1${bare}`;
  if (bare.length === 11 && bare.startsWith('1')) return `+${bare}`;
  return undefined;
}

function countries(raw: string): SmsCountries {
  const parsed = parseSmsCountries(raw);
  assert.ok(parsed.ok, raw);
  return parsed.countries;
}

describe('normalizePhone keeps existing blind indexes', () => {
  test('North American numbers in every way people type them give the same E.164 as before', () => {
    let checked = 0;
    for (let i = 0; i < 400; i += 1) {
      const area = String(201 + ((i * 37) % 790));
      const exchange = String(200 + ((i * 53) % 799));
      const line = String((i * 7919) % 10000).padStart(4, '0');
      for (const typed of [
        `+1${area}${exchange}${line}`,
        `(${area}) ${exchange}-${line}`,
        `${area}.${exchange}.${line}`,
        `1-${area}-${exchange}-${line}`,
        `+1 ${area} ${exchange} ${line}`,
        `${area}${exchange}${line}`,
      ]) {
        assert.equal(normalizePhone(typed), previousNormalizePhone(typed), typed);
        checked += 1;
      }
    }
    assert.equal(checked, 2400);
  });

  test("every region's example mobile number, as E.164 and as written internationally, is unchanged", () => {
    let compared = 0;
    for (const region of getCountries()) {
      const example = getExampleNumber(region, examples);
      if (!example) continue;
      for (const typed of [example.number, example.formatInternational()]) {
        const previous = previousNormalizePhone(typed);
        // The old rule refused numbers under 8 digits (Tristan da Cunha's +290 8999): nothing stored to keep.
        if (previous === undefined) continue;
        assert.equal(normalizePhone(typed), previous, `${region}: ${typed}`);
        compared += 1;
      }
    }
    assert.ok(compared > 400, `${compared} compared`);
  });

  test('numbers libphonenumber does not know still normalise as before (intake and STOP keep working)', () => {
    for (const typed of ['+15550100199', '+1 555 010 0199', '+999123456789', '5550100199']) {
      assert.equal(normalizePhone(typed), previousNormalizePhone(typed), typed);
    }
    assert.equal(normalizePhone('12345'), undefined);
    assert.equal(normalizePhone('call me'), undefined);
    assert.equal(normalizePhone('9'.repeat(200)), undefined);
  });
});

describe('textablePhone', () => {
  test('refuses premium-rate, shared-cost and unassigned numbers, wherever they are', () => {
    const cases: [string, string][] = [
      ['+1 900 765 4321', 'premium_rate'],
      ['+44 870 000 0000', 'premium_rate'],
      ['+33 8 92 12 34 56', 'premium_rate'],
      ['+44 845 123 4567', 'premium_rate'],
      ['+33 8 10 12 34 56', 'shared_cost'],
      ['+1 555 010 0199', 'invalid'],
      ['+1 900 000 0000', 'invalid'],
      ['+52 1 55 1234 5678', 'invalid'],
      ['12', 'invalid'],
      ['', 'invalid'],
    ];
    for (const [typed, problem] of cases) {
      const result = textablePhone(typed);
      assert.equal(result.ok ? 'ok' : result.problem, problem, typed);
    }
  });

  test('accepts ordinary numbers anywhere when no countries are asked for, and gives their E.164', () => {
    assert.deepEqual(textablePhone('(312) 555-0142'), { ok: true, e164: '+13125550142' });
    assert.deepEqual(textablePhone('+52 55 1234 5678'), { ok: true, e164: '+525512345678' });
    assert.deepEqual(textablePhone('+234 803 123 4567'), { ok: true, e164: '+2348031234567' });
  });

  test('with countries, only those: +1 is all of the North American plan; regions narrow it', () => {
    const nanp = countries('+1');
    for (const typed of ['+1 312 555 0142', '+1 613 555 0123', '+1 809 555 1234']) {
      assert.equal(mayTextAnonymously(typed, nanp), true, typed);
    }
    for (const typed of ['+881 234 567 890', '+234 803 123 4567', '+998 90 123 4567', '+52 55 1234 5678']) {
      const result = textablePhone(typed, nanp);
      assert.deepEqual(result, { ok: false, problem: 'country' }, typed);
    }
    const usAndPuertoRico = countries('US, pr');
    assert.equal(mayTextAnonymously('+1 312 555 0142', usAndPuertoRico), true);
    assert.equal(mayTextAnonymously('+1 787 555 0142', usAndPuertoRico), true);
    assert.equal(mayTextAnonymously('+1 809 555 1234', usAndPuertoRico), false, 'the Dominican Republic');
    assert.equal(mayTextAnonymously('+1 900 765 4321', usAndPuertoRico), false, 'premium, in the US');
  });
});

describe('AMPARO_SMS_COUNTRIES', () => {
  test('calling codes and region codes, deduplicated, in the order given', () => {
    assert.deepEqual(countries('+1'), { callingCodes: ['1'], regions: [], entries: ['+1'] });
    assert.deepEqual(countries(' US,PR ,us,+52'), {
      callingCodes: ['52'],
      regions: ['US', 'PR'],
      entries: ['US', 'PR', '+52'],
    });
  });

  test('refuses what is neither, naming it', () => {
    for (const [raw, entry] of [
      ['', ''],
      ['+1,USA', 'USA'],
      ['+999', '+999'],
      ['1', '1'],
      ['ZZ', 'ZZ'],
      ['+881', '+881'],
    ] as const) {
      assert.deepEqual(parseSmsCountries(raw), { ok: false, entry }, raw);
    }
  });

  test('described for people in their language', () => {
    assert.equal(describeSmsCountries(countries('+1'), 'en'), '+1');
    assert.equal(describeSmsCountries(countries('US,PR'), 'en'), 'United States and Puerto Rico');
    assert.equal(describeSmsCountries(countries('US,PR'), 'es'), 'Estados Unidos y Puerto Rico');
  });
});
