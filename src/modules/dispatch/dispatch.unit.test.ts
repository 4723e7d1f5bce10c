// The dispatch module's rules without a database: reading a responder's text, ranking responders, the forms'
// validation, and the wording and size of the texts a responder gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { zipCentroid } from '../../geo/geo.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import { translate } from '../../i18n/i18n.ts';
import {
  composeDispatchText,
  dispatchLink,
  MAX_DISPATCH_SEGMENTS,
  textLanguage,
} from './dispatch.message.ts';
import { LANGUAGE_BONUS_KM, rankResponders, speaksLanguage, type Candidate } from './dispatch.ranking.ts';
import {
  parseResponderText,
  validateAnswerForm,
  validateProfileForm,
  validateVerificationForm,
  type VerificationFormValues,
} from './dispatch.schemas.ts';

describe("a responder's text", () => {
  test('1 is on my way, with or without minutes', () => {
    assert.deepEqual(parseResponderText('1'), { kind: 'on_way', etaMinutes: null });
    assert.deepEqual(parseResponderText(' 1 '), { kind: 'on_way', etaMinutes: null });
    assert.deepEqual(parseResponderText('1 15'), { kind: 'on_way', etaMinutes: 15 });
    assert.deepEqual(parseResponderText('1 15 min'), { kind: 'on_way', etaMinutes: 15 });
    assert.deepEqual(parseResponderText('1 15min'), { kind: 'on_way', etaMinutes: 15 });
    assert.deepEqual(parseResponderText('1, 20 minutos'), { kind: 'on_way', etaMinutes: 20 });
    assert.deepEqual(parseResponderText('1 5 Minutes.'), { kind: 'on_way', etaMinutes: 5 });
    // Full-width digits, as some phone keyboards type them.
    assert.deepEqual(parseResponderText('１ １０'), { kind: 'on_way', etaMinutes: 10 });
  });

  test("2 is can't go", () => {
    assert.deepEqual(parseResponderText('2'), { kind: 'declined' });
    assert.deepEqual(parseResponderText(' 2. '), { kind: 'declined' });
  });

  test('anything else is not an answer', () => {
    for (const text of [
      '',
      '3',
      '12',
      '115',
      '1 2 3',
      '2 15',
      'yes',
      'on my way',
      '1 999',
      'hay agentes en la esquina',
    ]) {
      assert.equal(parseResponderText(text), undefined, text);
    }
  });
});

describe('ranking responders', () => {
  const home = zipCentroid('60623')!;
  const next = zipCentroid('60804')!;
  // A third of the way from 60623's centre towards 60804's: about 1 km from one and 2.5 km from the other.
  const incident = { lat: home.lat + (next.lat - home.lat) / 3, lon: home.lon + (next.lon - home.lon) / 3 };
  const near: Candidate = { userId: 'a', displayName: 'Near', languages: ['en'], homeZips: ['60623'] };
  const middle: Candidate = { userId: 'b', displayName: 'Middle', languages: ['en'], homeZips: ['60804'] };
  const far: Candidate = { userId: 'c', displayName: 'Far', languages: ['en'], homeZips: ['60640'] };

  test('nearest home ZIP first, with the distance measured from the nearest of several', () => {
    const ranked = rankResponders([far, middle, near], incident, 'en');
    assert.deepEqual(
      ranked.map((s) => s.displayName),
      ['Near', 'Middle', 'Far'],
    );
    assert.equal(ranked[0]!.distanceKm, 1.2);
    assert.equal(ranked[0]!.nearestZip, '60623');
    const both = rankResponders([{ ...far, homeZips: ['60640', '60804'] }], incident, 'en')[0]!;
    assert.equal(both.nearestZip, '60804');
    assert.ok(both.distanceKm! > 0 && both.distanceKm! < 10, String(both.distanceKm));
  });

  test("sharing the reporter's language counts as being a few km closer, not more", () => {
    const [nearKm, middleKm] = [near, middle].map((c) => rankResponders([c], incident, 'es')[0]!.distanceKm!);
    assert.ok(middleKm! - nearKm! < LANGUAGE_BONUS_KM, `within the bonus (${nearKm} / ${middleKm} km)`);
    const spanishMiddle = { ...middle, languages: ['en', 'es-MX'] };
    const ranked = rankResponders([near, spanishMiddle], incident, 'es');
    assert.deepEqual(
      ranked.map((s) => s.displayName),
      ['Middle', 'Near'],
    );
    assert.equal(ranked[0]!.sharesLanguage, true);
    assert.equal(ranked[1]!.sharesLanguage, false);
    // Far beyond the bonus, distance wins over language.
    const ranked2 = rankResponders([{ ...far, languages: ['es'] }, near], incident, 'es');
    assert.deepEqual(
      ranked2.map((s) => s.displayName),
      ['Near', 'Far'],
    );
  });

  test('unknown distances come last, language first among them', () => {
    const nowhere: Candidate = { userId: 'd', displayName: 'Nowhere', languages: ['en'], homeZips: [] };
    const nowhereEs: Candidate = { userId: 'e', displayName: 'Zed', languages: ['es'], homeZips: [] };
    const ranked = rankResponders([nowhere, far, nowhereEs], incident, 'es');
    assert.deepEqual(
      ranked.map((s) => s.displayName),
      ['Far', 'Zed', 'Nowhere'],
    );
    assert.equal(ranked[2]!.distanceKm, null);
    // Without any place for the incident, language decides.
    assert.deepEqual(
      rankResponders([near, nowhereEs], undefined, 'es').map((s) => s.displayName),
      ['Zed', 'Near'],
    );
  });

  test('languages match on their primary code', () => {
    assert.equal(speaksLanguage(['pt-BR'], 'pt'), true);
    assert.equal(speaksLanguage(['mam'], 'es'), false);
    assert.equal(speaksLanguage(['MAM'], 'mam'), true);
  });
});

describe('the profile form', () => {
  const valid = {
    display_name: ' Ana  M. ',
    phone: '(773) 555-0142',
    languages: 'ES, en mam',
    home_zips: '60623, 60608',
  };

  test('normalizes what it keeps', () => {
    const result = validateProfileForm({ ...valid, on_shift: 'yes' }, true);
    assert.ok(result.ok);
    assert.deepEqual(result.input, {
      displayName: 'Ana M.',
      phone: '+17735550142',
      languages: ['es', 'en', 'mam'],
      homeZips: ['60623', '60608'],
      onShift: true,
    });
  });

  test('refuses a bad phone, an unknown ZIP and a language that is not a code', () => {
    const result = validateProfileForm(
      { display_name: '', phone: '555', languages: 'Spanish!', home_zips: '60623 00000' },
      false,
    );
    assert.ok(!result.ok);
    assert.equal(result.errors.display_name?.key, 'profile.error_required');
    assert.equal(result.errors.phone?.key, 'profile.error_phone');
    assert.equal(result.errors.languages?.key, 'profile.error_language_code');
    assert.deepEqual(result.errors.home_zips, { key: 'profile.error_zip', params: { zip: '00000' } });
  });

  test('a responder or dispatcher needs a phone to go on shift; others do not', () => {
    const noPhone = { ...valid, phone: '', on_shift: 'yes' };
    const refused = validateProfileForm(noPhone, true);
    assert.ok(!refused.ok);
    assert.equal(refused.errors.phone?.key, 'profile.error_phone_for_shift');
    assert.ok(validateProfileForm(noPhone, false).ok);
    assert.ok(validateProfileForm({ ...noPhone, on_shift: '' }, true).ok);
  });
});

describe('the verification form', () => {
  const confirmed: VerificationFormValues = {
    anyone_present: 'yes',
    agency: 'ice',
    identified_by: ['vests', 'vehicles'],
    activity: 'detaining',
    agents_count: '6',
    vehicles_count: '2',
    notes: 'Vests read ICE ERO.',
    outcome: 'confirmed',
  };

  test('a confirmation with evidence is accepted', () => {
    const result = validateVerificationForm(confirmed);
    assert.ok(result.ok);
    assert.equal(result.input.outcome, 'confirmed');
    assert.deepEqual(result.input.identifiedBy, ['vests', 'vehicles']);
    assert.equal(result.input.agentsCount, 6);
  });

  test('a confirmation needs someone present, a way they were identified, and not local police', () => {
    const nobody = validateVerificationForm({ ...confirmed, anyone_present: 'no' });
    assert.ok(!nobody.ok);
    assert.equal(nobody.errors.outcome?.key, 'verify.error_confirm_nobody');
    const how = validateVerificationForm({ ...confirmed, identified_by: [] });
    assert.ok(!how.ok);
    assert.equal(how.errors.identified_by?.key, 'verify.error_confirm_how');
    const police = validateVerificationForm({ ...confirmed, agency: 'local_police' });
    assert.ok(!police.ok);
    assert.equal(police.errors.agency?.key, 'verify.error_confirm_local_police');
    // The same facts with another conclusion are fine.
    assert.ok(
      validateVerificationForm({ ...confirmed, agency: 'local_police', outcome: 'not_immigration' }).ok,
    );
    assert.ok(validateVerificationForm({ anyone_present: 'no', outcome: 'false_alarm' }).ok);
  });

  test('required answers, choices and counts are checked', () => {
    const result = validateVerificationForm({
      identified_by: ['vests', 'telepathy'],
      agents_count: '-1',
      vehicles_count: '1001',
      activity: 'dancing',
    });
    assert.ok(!result.ok);
    assert.equal(result.errors.anyone_present?.key, 'verify.error_required');
    assert.equal(result.errors.outcome?.key, 'verify.error_required');
    assert.equal(result.errors.identified_by?.key, 'verify.error_choose');
    assert.equal(result.errors.activity?.key, 'verify.error_choose');
    assert.equal(result.errors.agents_count?.key, 'verify.error_count');
    assert.equal(result.errors.vehicles_count?.key, 'verify.error_count');
  });

  test('an ETA on the page is a whole number of minutes', () => {
    assert.deepEqual(validateAnswerForm({ answer: 'on_way', eta: '12' }), {
      ok: true,
      answer: 'on_way',
      etaMinutes: 12,
    });
    assert.deepEqual(validateAnswerForm({ answer: 'on_way', eta: '' }), {
      ok: true,
      answer: 'on_way',
      etaMinutes: null,
    });
    assert.equal(validateAnswerForm({ answer: 'on_way', eta: 'soon' }).ok, false);
    assert.equal(validateAnswerForm({ answer: 'on_way', eta: '601' }).ok, false);
    assert.equal(validateAnswerForm({ answer: 'teleport' }).ok, false);
  });
});

describe('the texts a responder gets', () => {
  const dispatchId = '3f1c2a9e-8b7d-4c6e-9a5f-0e1d2c3b4a59';
  const placeName = '26th St & Lawndale Ave';
  /** Coordinates ("41.848,-87.726") or an H3 cell id ("882664c889fffff"): never in a text. */
  const noCoordinatesOrCells = (text: string): void => {
    assert.doesNotMatch(text, /-?\d{1,3}\.\d{2,}\s*,\s*-?\d{1,3}\.\d{2,}/, text);
    assert.doesNotMatch(text, /\b8[0-9a-f]{14}\b/, text);
    assert.doesNotMatch(text, /\b(area|zona)\b/, text);
  };

  for (const language of ['en', 'es'] as const) {
    test(`the dispatch text (${language}) is GSM-7, at most two segments, names the place in words, and says what to do`, () => {
      const link = dispatchLink(new URL('https://hotline.example.org'), dispatchId);
      const text = composeDispatchText({ language, reference: 'K7M2Q9XH', zip: '60623', placeName, link });
      assert.ok(isGsm7(text), text);
      assert.ok(countSegments(text).segments <= MAX_DISPATCH_SEGMENTS, text);
      assert.ok(text.includes('K7M2Q9XH'));
      assert.ok(text.includes('60623'));
      assert.ok(text.includes(placeName), 'the place is named in words');
      noCoordinatesOrCells(text);
      assert.ok(text.endsWith(`https://hotline.example.org/console/dispatches/${dispatchId}`), text);
      assert.match(text, language === 'en' ? /do not confront/ : /no confronte/);
      assert.match(text, language === 'en' ? /1 on my way.*2 can't/ : /1 voy en camino.*2 no puedo/);
    });

    test(`without a place in words the text says the ZIP code, never coordinates (${language})`, () => {
      const link = dispatchLink(new URL('https://hotline.example.org'), dispatchId);
      const text = composeDispatchText({
        language,
        reference: 'K7M2Q9XH',
        zip: '60623',
        placeName: null,
        link,
      });
      assert.match(text, language === 'en' ? /near ZIP 60623\./ : /cerca de CP 60623\./);
      noCoordinatesOrCells(text);
      // Coordinates typed into the name are not texted either; accents are dropped to stay in GSM-7.
      const typed = composeDispatchText({
        language,
        reference: 'K7M2Q9XH',
        zip: '60623',
        placeName: '41.848,-87.726',
        link,
      });
      noCoordinatesOrCells(typed);
      const accented = composeDispatchText({
        language,
        reference: 'K7M2Q9XH',
        zip: null,
        placeName: 'Calle Jesús María',
        link,
      });
      assert.ok(isGsm7(accented) && accented.includes('Calle Jesus Maria'), accented);
    });

    test(`a long public URL costs the ZIP code, then the place, not a third segment (${language})`, () => {
      const link = dispatchLink(new URL(`https://${'a'.repeat(64)}.example.org`), dispatchId);
      const long = 'W 26th St & S Lawndale Ave, by the Little Village arch, east side'.slice(0, 80);
      const text = composeDispatchText({
        language,
        reference: 'K7M2Q9XH',
        zip: '60623',
        placeName: long,
        link,
      });
      assert.ok(
        countSegments(text).segments <= MAX_DISPATCH_SEGMENTS,
        `${countSegments(text).segments}: ${text}`,
      );
      assert.ok(text.endsWith(link), text);
      noCoordinatesOrCells(text);
    });

    test(`the answers to a responder (${language}) fit one GSM-7 segment`, () => {
      for (const key of [
        'dispatch_sms.reply_on_way',
        'dispatch_sms.reply_on_way_eta',
        'dispatch_sms.reply_declined',
        'dispatch_sms.reply_help',
      ] as const) {
        const text = translate(language, key, { ref: 'K7M2Q9XH', eta: 600 });
        assert.ok(isGsm7(text), `${key}: ${text}`);
        assert.equal(countSegments(text).segments, 1, `${key}: ${text}`);
      }
    });
  }

  test("texts go in the first of a person's languages that Amparo speaks", () => {
    assert.equal(textLanguage(['mam', 'es', 'en'], 'en'), 'es');
    assert.equal(textLanguage(['ht'], 'es'), 'es');
    assert.equal(textLanguage(['en-US', 'es'], 'es'), 'en');
  });
});
