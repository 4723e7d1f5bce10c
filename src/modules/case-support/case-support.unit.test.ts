// The pure rules of case support, without a database: money and dates as people type them, the bond's rules
// (minimum, eligibility, who set it), the ledger, task and outcome forms, language matching, and the order in
// which attorneys are suggested.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  firstSupportedLanguage,
  languageKey,
  languageLabel,
  parseLanguages,
  speaksAny,
  uniqueLanguages,
} from './case-support.languages.ts';
import { rankAttorneys, type AttorneyCandidate, type ConflictReason } from './case-support.ranking.ts';
import {
  centsToInput,
  parseAssignRequest,
  parseDate,
  parseDollars,
  todayIn,
  validateAttorneyForm,
  validateBondForm,
  validateLedgerForm,
  validateOutcomeForm,
  validateTaskForm,
} from './case-support.schemas.ts';

const UUID = '4b0f4a5e-8a55-4d47-9f0b-8a4f9f3c0d11';

describe('money and dates', () => {
  test('dollar amounts as people type them, in whole cents', () => {
    assert.equal(parseDollars('5000'), 500_000);
    assert.equal(parseDollars('5,000'), 500_000);
    assert.equal(parseDollars('$5,000.00'), 500_000);
    assert.equal(parseDollars('$ 1500.5'), 150_050);
    assert.equal(parseDollars(' 12,345,678.09 '), 1_234_567_809);
    for (const bad of ['', '-5', '5.001', '5,00', '1,5000', 'five', '5e3', '$', '1.']) {
      assert.equal(parseDollars(bad), undefined, bad);
    }
    assert.equal(centsToInput(500_000), '5000');
    assert.equal(centsToInput(150_050), '1500.50');
  });

  test('calendar dates: real days only, in a sane range', () => {
    assert.equal(parseDate('2026-12-03'), '2026-12-03');
    assert.equal(parseDate('2028-02-29'), '2028-02-29');
    for (const bad of [
      '2027-02-29',
      '2026-13-01',
      '2026-00-10',
      '26-12-03',
      '12/03/2026',
      '1899-01-01',
      '',
    ]) {
      assert.equal(parseDate(bad), undefined, bad);
    }
    // 03:00 UTC on the 4th is still the 3rd in Chicago.
    assert.equal(todayIn('America/Chicago', new Date('2026-12-04T03:00:00Z')), '2026-12-03');
  });
});

describe('bond form', () => {
  test('an eligible bond with its amount, setter and hearing', () => {
    const result = validateBondForm({
      eligibility: 'eligible',
      amount: '$7,500',
      set_by: 'judge',
      hearing_date: '2026-12-10',
    });
    assert.deepEqual(result, {
      ok: true,
      input: { eligibility: 'eligible', amountCents: 750_000, setBy: 'judge', hearingDate: '2026-12-10' },
    });
  });

  test('the minimum bond is $1,500; zero and less are refused with that reason', () => {
    for (const amount of ['1499.99', '0', '100']) {
      const result = validateBondForm({ eligibility: 'eligible', amount, set_by: 'ice' });
      assert.equal(result.ok, false);
      if (!result.ok) assert.equal(result.errors.amount?.key, 'case_support.error_bond_minimum', amount);
    }
    assert.equal(validateBondForm({ eligibility: 'eligible', amount: '1500', set_by: 'ice' }).ok, true);
    const negative = validateBondForm({ eligibility: 'eligible', amount: '-2000', set_by: 'ice' });
    assert.equal(!negative.ok && negative.errors.amount?.key, 'case_support.error_amount');
  });

  test('not eligible (mandatory detention) carries no amount or setter', () => {
    assert.deepEqual(validateBondForm({ eligibility: 'not_eligible' }), {
      ok: true,
      input: { eligibility: 'not_eligible', amountCents: null, setBy: null, hearingDate: null },
    });
    const result = validateBondForm({ eligibility: 'not_eligible', amount: '5000', set_by: 'ice' });
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.errors.amount?.key, 'case_support.error_bond_not_eligible');
      assert.equal(result.errors.set_by?.key, 'case_support.error_bond_not_eligible');
    }
  });

  test('an amount needs "eligible" and who set it; a setter needs an amount', () => {
    const unknown = validateBondForm({ eligibility: 'unknown', amount: '5000', set_by: 'ice' });
    assert.equal(
      !unknown.ok && unknown.errors.eligibility?.key,
      'case_support.error_bond_amount_means_eligible',
    );
    const noSetter = validateBondForm({ eligibility: 'eligible', amount: '5000' });
    assert.equal(!noSetter.ok && noSetter.errors.set_by?.key, 'case_support.error_bond_set_by');
    const noAmount = validateBondForm({ eligibility: 'eligible', set_by: 'judge' });
    assert.equal(!noAmount.ok && noAmount.errors.amount?.key, 'case_support.error_bond_amount_for_setter');
    const badChoice = validateBondForm({
      eligibility: 'maybe',
      set_by: 'sheriff',
      hearing_date: '2026-02-30',
    });
    assert.equal(badChoice.ok, false);
    if (!badChoice.ok) {
      assert.equal(badChoice.errors.eligibility?.key, 'case_support.error_choose');
      assert.equal(badChoice.errors.set_by?.key, 'case_support.error_choose');
      assert.equal(badChoice.errors.hearing_date?.key, 'case_support.error_date');
    }
  });
});

describe('ledger, attorney, task and outcome forms', () => {
  test('a payment needs a fund, a positive amount, a date and (for payments) the receipt', () => {
    const ok = validateLedgerForm(
      { fund_id: UUID, amount: '5,000', occurred_on: '2026-12-01', receipt: ' R-100 ' },
      { receiptRequired: true },
    );
    assert.deepEqual(ok, {
      ok: true,
      input: { fundId: UUID, amountCents: 500_000, occurredOn: '2026-12-01', receipt: 'R-100' },
    });
    const bad = validateLedgerForm(
      { fund_id: '', amount: '0', occurred_on: 'soon' },
      { receiptRequired: true },
    );
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.errors.fund_id?.key, 'case_support.error_fund_required');
      assert.equal(bad.errors.amount?.key, 'case_support.error_amount_positive');
      assert.equal(bad.errors.occurred_on?.key, 'case_support.error_date');
      assert.equal(bad.errors.receipt?.key, 'case_support.error_receipt_required');
    }
    const deposit = validateLedgerForm(
      { fund_id: UUID, amount: '100', occurred_on: '2026-12-01' },
      { receiptRequired: false },
    );
    assert.equal(deposit.ok && deposit.input.receipt, null);
  });

  test('an attorney: name, languages, capacity and an optional phone normalized to E.164', () => {
    const ok = validateAttorneyForm({
      name: '  Ana   Ruiz ',
      organization: 'Centro Legal',
      languages: 'Spanish, English, español, Mam',
      capacity: '12',
      phone: '(312) 555-0142',
    });
    assert.deepEqual(ok, {
      ok: true,
      input: {
        name: 'Ana Ruiz',
        organization: 'Centro Legal',
        languages: ['Spanish', 'English', 'Mam'],
        capacity: 12,
        phone: '+13125550142',
      },
    });
    const bad = validateAttorneyForm({ name: '', languages: '', capacity: '-1', phone: '555' });
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.errors.name?.key, 'case_support.error_required');
      assert.equal(bad.errors.languages?.key, 'case_support.error_languages_required');
      assert.equal(bad.errors.capacity?.key, 'case_support.error_capacity');
      assert.equal(bad.errors.phone?.key, 'case_support.error_phone');
    }
    const damaged = validateAttorneyForm({ name: 'Ana\u0000', languages: 'es', capacity: '1' });
    assert.equal(!damaged.ok && damaged.errors.name?.key, 'case_support.error_encoding');
  });

  test('a task goes only to someone who can open the case', () => {
    const staff = new Set([UUID]);
    assert.equal(
      validateTaskForm({ kind: 'childcare', assignee_id: UUID, due_on: '2026-12-05', notes: '' }, staff).ok,
      true,
    );
    const other = validateTaskForm(
      { kind: 'accompany_court', assignee_id: '11111111-1111-4111-8111-111111111111', due_on: '2026-12-05' },
      staff,
    );
    assert.equal(!other.ok && other.errors.assignee_id?.key, 'case_support.error_assignee');
    const bad = validateTaskForm({ kind: 'laundry', assignee_id: '', due_on: '' }, staff);
    assert.equal(bad.ok, false);
    if (!bad.ok) {
      assert.equal(bad.errors.kind?.key, 'case_support.error_choose');
      assert.equal(bad.errors.assignee_id?.key, 'case_support.error_assignee_required');
      assert.equal(bad.errors.due_on?.key, 'case_support.error_required');
    }
  });

  test('an outcome: "released" says how; nothing else does', () => {
    assert.deepEqual(
      validateOutcomeForm({ outcome: 'released', release_kind: 'bond', outcome_on: '2026-12-09' }),
      {
        ok: true,
        input: { outcome: 'released', releaseKind: 'bond', date: '2026-12-09', note: null },
      },
    );
    const how = validateOutcomeForm({ outcome: 'released', outcome_on: '2026-12-09' });
    assert.equal(!how.ok && how.errors.release_kind?.key, 'case_support.error_release_kind');
    const notReleased = validateOutcomeForm({
      outcome: 'removed',
      release_kind: 'parole',
      outcome_on: '2026-12-09',
    });
    assert.equal(
      !notReleased.ok && notReleased.errors.release_kind?.key,
      'case_support.error_release_kind_only',
    );
    const none = validateOutcomeForm({ outcome: '', outcome_on: '' });
    assert.equal(!none.ok && none.errors.outcome?.key, 'case_support.error_outcome_required');
  });

  test('an assignment names one attorney by id; the confirmations are ticks', () => {
    assert.deepEqual(parseAssignRequest({ attorney_id: UUID, confirm_conflict: 'yes' }), {
      attorneyId: UUID,
      confirmConflict: true,
      confirmOverCapacity: false,
    });
    assert.equal(parseAssignRequest({ attorney_id: 'someone' }), undefined);
    assert.equal(parseAssignRequest(undefined), undefined);
  });
});

describe('languages', () => {
  test('names, native names and codes of one language match', () => {
    assert.equal(languageKey('Spanish'), 'es');
    assert.equal(languageKey('español'), 'es');
    assert.equal(languageKey('es-MX'), 'es');
    assert.equal(languageKey("K'iche'"), 'quc');
    assert.equal(languageKey('Kʼicheʼ'), 'quc');
    assert.equal(languageKey('Mam'), 'mam');
    assert.equal(languageKey('Haitian Creole'), 'ht');
    assert.equal(languageKey('kreyòl'), 'ht');
    assert.equal(languageKey("Q'anjob'al"), 'kjb');
    assert.ok(speaksAny(['Inglés', 'Español'], 'Spanish'));
    assert.ok(!speaksAny(['English'], 'Mam'));
    // An unknown language still matches itself, whatever the case and accents.
    assert.ok(speaksAny(['Chatino'], 'CHATINO'));
    assert.deepEqual(parseLanguages('Spanish; español, Mam\nmam'), ['Spanish', 'Mam']);
    assert.equal(firstSupportedLanguage(['Mam', 'Spanish', 'English']), 'es');
    assert.equal(firstSupportedLanguage(['Mam']), undefined);
    assert.deepEqual(uniqueLanguages(['Spanish', 'Mam', 'es', 'español', 'mam']), ['Spanish', 'Mam']);
    assert.equal(languageLabel('es', 'es'), 'español');
    assert.equal(languageLabel('ht', 'en'), 'Haitian Creole');
    assert.equal(languageLabel('Mam', 'es'), 'Mam', 'a typed name stays as typed');
  });
});

describe('attorney ranking', () => {
  const attorney = (
    id: string,
    languages: string[],
    capacity: number,
    openCases: number,
  ): AttorneyCandidate => ({
    id,
    name: id,
    organization: null,
    languages,
    capacity,
    openCases,
  });

  test('the person’s language first, then the family’s, then spare capacity; conflicts after, full last', () => {
    const candidates = [
      attorney('english-roomy', ['English'], 20, 0),
      attorney('spanish-busy', ['Spanish', 'English'], 10, 8),
      attorney('spanish-roomy', ['es'], 10, 1),
      attorney('mam-full', ['Mam', 'Spanish'], 5, 5),
      attorney('mam-roomy', ['Mam'], 5, 4),
      attorney('mam-conflict', ['Mam', 'Spanish'], 30, 0),
      attorney('nothing-shared', ['Vietnamese'], 40, 0),
    ];
    const conflicts = new Map<string, ConflictReason[]>([['mam-conflict', ['same_incident']]]);
    const ranked = rankAttorneys(candidates, { person: ['Mam'], family: ['Spanish', 'es'] }, conflicts);
    assert.deepEqual(
      ranked.map((s) => s.id),
      [
        'mam-roomy',
        'spanish-roomy',
        'spanish-busy',
        'nothing-shared',
        'english-roomy',
        'mam-conflict',
        'mam-full',
      ],
    );
    const byId = new Map(ranked.map((s) => [s.id, s]));
    assert.deepEqual(byId.get('mam-roomy')!.speaksPerson, ['Mam']);
    assert.deepEqual(byId.get('spanish-roomy')!.speaksFamily, ['Spanish']);
    assert.equal(byId.get('mam-full')!.full, true);
    assert.equal(byId.get('mam-full')!.spare, 0);
    assert.equal(byId.get('spanish-busy')!.spare, 2);
    assert.deepEqual(byId.get('mam-conflict')!.conflicts, ['same_incident']);
    // Neither shares a language with the case: more room comes first.
    assert.deepEqual([byId.get('nothing-shared')!.spare, byId.get('english-roomy')!.spare], [40, 20]);
  });
});
