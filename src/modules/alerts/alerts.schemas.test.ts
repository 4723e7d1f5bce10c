// What the alert forms accept: area labels that look like a street address, a phone number or an A-number
// are refused (neighbourhoods, cross streets and ZIP codes are fine); phrases must come from the kind's lists;
// the targeting form reads ZIP codes and drawn areas typed without a map.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  areaLabelProblem,
  formatAreas,
  parseAreas,
  validateComposeForm,
  validateTargetingForm,
} from './alerts.schemas.ts';

test('neighbourhood-level area labels are accepted', () => {
  for (const label of [
    'ZIP 60623',
    'ZIP 60623, 60608',
    'ZIPs 60623 and 60608',
    '60623 60608',
    'Little Village',
    'Pilsen (60608)',
    'La Villita / Little Village',
    'near 26th St & Pulaski',
    'Cermak Road corridor',
    'within 3 blocks of the Cermak Pink Line station',
    'Route 9 area',
    'Barrio de Pilsen',
  ])
    assert.equal(areaLabelProblem(label), undefined, label);
});

test('street addresses are refused', () => {
  for (const label of [
    '2400 S Pulaski',
    '2400 South Pulaski Rd',
    '2400 W. 26th St',
    '123 26th Street',
    '3525 W Cermak Rd, Chicago',
    'Little Village, 4012 Main',
    'Apt 3, Little Village',
    'Unit 12 on Cermak',
    '#4B Cermak',
    'Calle 26 #123',
  ])
    assert.equal(areaLabelProblem(label), 'alerts.error_area_address', label);
});

test('phone numbers and contact details are refused', () => {
  for (const label of [
    '(773) 555-0142',
    '773-555-0142',
    '773.555.0142',
    '+1 773 555 0142',
    'call 555-0142',
    '7735550142',
    'maria@example.org',
    '60623-1234',
  ])
    assert.equal(areaLabelProblem(label), 'alerts.error_area_phone', label);
});

test('A-numbers are refused', () => {
  for (const label of ['A123456789', 'A 123-456-789', 'a-12345678', 'Little Village A123 456 789'])
    assert.equal(areaLabelProblem(label), 'alerts.error_area_a_number', label);
});

test('the compose form keeps to the kind’s own phrases and checks the area label', () => {
  const ok = validateComposeForm({
    kind: 'confirmed_activity',
    what: 'at_workplace',
    advice: 'avoid_area',
    area_label: '  ZIP   60623 ',
  });
  assert.deepEqual(ok, {
    ok: true,
    value: {
      kind: 'confirmed_activity',
      whatKey: 'at_workplace',
      adviceKey: 'avoid_area',
      areaLabel: 'ZIP 60623',
    },
  });

  const wrongPhrase = validateComposeForm({
    kind: 'area_clear',
    what: 'at_workplace',
    advice: 'avoid_area',
    area_label: 'ZIP 60623',
  });
  assert.equal(wrongPhrase.ok, false);
  if (!wrongPhrase.ok) {
    assert.equal(wrongPhrase.errors.what?.key, 'alerts.error_choose');
    assert.equal(wrongPhrase.errors.advice?.key, 'alerts.error_choose');
  }

  const address = validateComposeForm({
    kind: 'update',
    what: 'still_present',
    advice: 'keep_avoiding',
    area_label: '2400 S Pulaski',
  });
  assert.equal(address.ok, false);
  if (!address.ok) {
    assert.equal(address.errors.area_label?.key, 'alerts.error_area_address');
    assert.equal(address.values.area_label, '2400 S Pulaski', 'what was typed comes back');
  }

  const tooLong = validateComposeForm({
    kind: 'update',
    what: 'still_present',
    advice: 'keep_avoiding',
    area_label: 'Little Village '.repeat(5),
  });
  assert.equal(!tooLong.ok && tooLong.errors.area_label?.key, 'alerts.error_too_long');

  const unknownKind = validateComposeForm({ kind: 'panic', what: '', advice: '' });
  assert.equal(!unknownKind.ok && unknownKind.errors.kind?.key, 'alerts.error_choose');

  const kyr = validateComposeForm({
    kind: 'know_your_rights',
    advice: 'red_card',
    area_label: '2400 S Pulaski',
  });
  assert.deepEqual(kyr, {
    ok: true,
    value: { kind: 'know_your_rights', whatKey: null, adviceKey: 'red_card', areaLabel: '' },
  });
});

test('the targeting form reads radius, ZIP codes and drawn areas, and says what is wrong', () => {
  const ok = validateTargetingForm(
    {
      radius: '3',
      add_zips: '60608, 60632 60608',
      remove_zips: '60624',
      areas: '41.86,-87.73; 41.86,-87.70; 41.84,-87.70\n\n41.80,-87.80;41.80,-87.79;41.79,-87.79',
    },
    'km',
  );
  assert.deepEqual(ok, {
    ok: true,
    value: {
      radiusMeters: 3000,
      addedZips: ['60608', '60632'],
      removedZips: ['60624'],
      drawnAreas: [
        [
          [41.86, -87.73],
          [41.86, -87.7],
          [41.84, -87.7],
        ],
        [
          [41.8, -87.8],
          [41.8, -87.79],
          [41.79, -87.79],
        ],
      ],
    },
  });

  const bad = validateTargetingForm(
    {
      radius: '0.01',
      add_zips: '6062 00000',
      remove_zips: '',
      areas: '41.86,-87.73; 41.86,-87.70',
    },
    'km',
  );
  assert.equal(bad.ok, false);
  if (!bad.ok) {
    assert.equal(bad.errors.radius?.key, 'alerts.error_radius');
    assert.deepEqual(bad.errors.add_zips, {
      key: 'alerts.error_target_zips',
      params: { zips: '6062, 00000' },
    });
    assert.deepEqual(bad.errors.areas, { key: 'alerts.error_area_points', params: { line: 1, max: 50 } });
    assert.equal(bad.values.add_zips, '6062 00000');
  }
});

test('drawn areas survive being written back into the form', () => {
  const typed = '41.86,-87.73; 41.86,-87.7; 41.84,-87.7';
  const { areas, badLine } = parseAreas(typed);
  assert.equal(badLine, undefined);
  assert.deepEqual(parseAreas(formatAreas(areas)).areas, areas);
  assert.equal(parseAreas('91,0; 0,0; 0,1').badLine, 1, 'a latitude beyond the pole');
  assert.equal(parseAreas('x; y; z').badLine, 1);
});

test('the radius is typed in the network unit: miles by default, kilometres by setting; metres are kept', () => {
  const form = (radius: string, unit: 'mi' | 'km') =>
    validateTargetingForm({ radius, add_zips: '', remove_zips: '', areas: '' }, unit);
  const inMiles = form('1.5', 'mi');
  assert.ok(inMiles.ok && inMiles.value.radiusMeters === 2414);
  const inKm = form('1,5', 'km');
  assert.ok(inKm.ok && inKm.value.radiusMeters === 1500);
  for (const [radius, unit] of [
    ['40', 'mi'],
    ['60', 'km'],
    ['1500', 'mi'],
    ['lots', 'km'],
    ['0.05', 'mi'],
  ] as const) {
    const refused = form(radius, unit);
    assert.ok(!refused.ok && refused.errors.radius?.key === 'alerts.error_radius', `${radius} ${unit}`);
  }
});
