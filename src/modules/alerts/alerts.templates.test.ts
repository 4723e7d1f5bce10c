// The alert templates: every kind, every phrase and every piece of advice renders in English and Spanish with
// no placeholder left, in GSM-7 and within two segments even with a long network name and area; the time is
// short and GSM-7 in both languages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_LANGUAGES } from '../../config/config.ts';
import { ALERT_KINDS, INCIDENT_AGENCIES, INCIDENT_TYPES } from '../../db/schema.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import {
  ADVICE_OPTIONS,
  defaultAdvice,
  defaultWhat,
  formatAlertTime,
  isAdviceFor,
  isWhatFor,
  MAX_ALERT_SEGMENTS,
  previewBodies,
  renderAlertBodies,
  renderAlertText,
  WHAT_OPTIONS,
  type AlertWording,
} from './alerts.templates.ts';

const AT = new Date('2026-11-25T09:10:00Z');

function wording(overrides: Partial<AlertWording> = {}): AlertWording {
  return {
    kind: 'confirmed_activity',
    whatKey: 'at_workplace',
    adviceKey: 'avoid_area',
    areaLabel: 'ZIP 60623',
    agency: 'ice',
    time: {
      en: formatAlertTime(AT, 'en', 'America/Chicago'),
      es: formatAlertTime(AT, 'es', 'America/Chicago'),
    },
    networkName: 'Amparo',
    hotline: '+1 555 010 0199',
    ...overrides,
  };
}

test('every kind, phrase, advice and agency renders in every language, fully filled in, GSM-7, in two segments', () => {
  let checked = 0;
  for (const kind of ALERT_KINDS) {
    const whats: (string | null)[] = WHAT_OPTIONS[kind].length > 0 ? [...WHAT_OPTIONS[kind]] : [null];
    for (const whatKey of whats) {
      for (const adviceKey of ADVICE_OPTIONS[kind]) {
        for (const agency of INCIDENT_AGENCIES) {
          // A long network name and the longest usual area label: the worst case a network will see.
          const bodies = renderAlertBodies(
            wording({
              kind,
              whatKey,
              adviceKey,
              agency,
              networkName: 'Chicago Rapid Response',
              areaLabel: 'Little Village, ZIP 60623, 60608',
            }),
          );
          assert.deepEqual(Object.keys(bodies).sort(), [...SUPPORTED_LANGUAGES].sort());
          for (const [language, text] of Object.entries(bodies)) {
            const where = `${kind}/${whatKey}/${adviceKey}/${agency}/${language}`;
            assert.ok(!/[{}]/.test(text), `${where}: a placeholder is left in "${text}"`);
            assert.ok(isGsm7(text), `${where}: not GSM-7: "${text}"`);
            const { segments } = countSegments(text);
            assert.ok(segments <= MAX_ALERT_SEGMENTS, `${where}: ${segments} segments`);
            assert.ok(text.includes('Chicago Rapid Response'), `${where}: network name`);
            assert.ok(text.includes('+1 555 010 0199'), `${where}: hotline`);
            assert.match(text, language === 'es' ? /ALTO/ : /Reply STOP to end/, `${where}: how to stop`);
            if (kind !== 'know_your_rights') assert.ok(text.includes('Little Village, ZIP 60623, 60608'));
            checked++;
          }
        }
      }
    }
  }
  assert.ok(checked > 300, `checked ${checked} texts`);
});

test('each subscriber gets their own language: the English and Spanish texts differ and carry the same facts', () => {
  const bodies = renderAlertBodies(wording({ adviceKey: 'stay_inside' }));
  assert.equal(
    bodies.en,
    'Amparo VERIFIED ALERT 3:10 AM CST: ICE agents at a workplace near ZIP 60623. Stay inside. Do not open the ' +
      'door unless they show a warrant signed by a judge. Report what you see: +1 555 010 0199. Reply STOP to end',
  );
  assert.equal(
    bodies.es,
    'Amparo ALERTA VERIFICADA 03:10 CST: agentes de ICE en un lugar de trabajo cerca de ZIP 60623. Permanezca ' +
      'adentro. No abra la puerta sin una orden firmada por un juez. Reporte lo que vea: +1 555 010 0199. ' +
      'Responda ALTO para parar',
  );
});

test('the agency comes from the incident; unknown agencies are "immigration agents"', () => {
  assert.match(renderAlertText('en', wording({ agency: 'cbp' })), /Border Patrol agents at a workplace/);
  assert.match(renderAlertText('en', wording({ agency: 'unknown' })), /immigration agents at a workplace/);
  assert.match(renderAlertText('es', wording({ agency: null })), /agentes de inmigracion en un lugar/);
});

test('know-your-rights alerts name no place and no time', () => {
  const text = renderAlertText(
    'en',
    wording({ kind: 'know_your_rights', whatKey: null, adviceKey: 'door_warrant', areaLabel: '' }),
  );
  assert.equal(
    text,
    'Amparo KNOW YOUR RIGHTS: Do not open the door to agents unless they show a warrant signed by a judge. ' +
      'Report what you see: +1 555 010 0199. Reply STOP to end',
  );
});

test('the time is short and GSM-7 with its zone: 12-hour in English, 24-hour in Spanish, in the network time zone', () => {
  assert.equal(formatAlertTime(AT, 'en', 'America/Chicago'), '3:10 AM CST');
  assert.equal(formatAlertTime(AT, 'es', 'America/Chicago'), '03:10 CST');
  const afternoon = new Date('2026-11-25T21:05:00Z');
  assert.equal(formatAlertTime(afternoon, 'en', 'America/Chicago'), '3:05 PM CST');
  assert.equal(formatAlertTime(afternoon, 'es', 'America/Chicago'), '15:05 CST');
  assert.equal(formatAlertTime(afternoon, 'en', 'America/Los_Angeles'), '1:05 PM PST');
  // A zone Intl names by its offset: still GSM-7 (a plain hyphen, not a minus sign).
  assert.equal(formatAlertTime(afternoon, 'es', 'America/Bogota'), '16:05 GMT-5');
  assert.ok(isGsm7(formatAlertTime(afternoon, 'es', 'America/Bogota')));
  assert.ok(isGsm7(formatAlertTime(afternoon, 'en', 'America/Los_Angeles')));
});

test('the preview counts segments and encoding and flags texts over two segments', () => {
  const [short] = previewBodies({ en: 'Short alert' });
  assert.deepEqual(short, {
    language: 'en',
    text: 'Short alert',
    characters: 11,
    segments: 1,
    encoding: 'gsm7',
    tooLong: false,
  });
  const [accented] = previewBodies({ es: 'Alerta: información'.padEnd(150, '.') });
  assert.equal(accented!.encoding, 'ucs2');
  assert.equal(accented!.segments, 3);
  assert.equal(accented!.tooLong, true);
});

test('defaults come from the incident, and only from the kind’s own lists', () => {
  for (const type of INCIDENT_TYPES) {
    const what = defaultWhat('confirmed_activity', { type, status: 'confirmed' });
    assert.ok(what && isWhatFor('confirmed_activity', what), type);
  }
  assert.equal(defaultWhat('confirmed_activity', { type: 'home', status: 'confirmed' }), 'at_home');
  assert.equal(defaultAdvice('confirmed_activity', { type: 'home' }), 'stay_inside');
  assert.equal(
    defaultWhat('rumour_control', { type: 'street', status: 'not_immigration' }),
    'not_immigration',
  );
  assert.equal(defaultWhat('rumour_control', { type: 'street', status: 'false_alarm' }), 'nothing_found');
  assert.equal(defaultWhat('know_your_rights', undefined), null);
  for (const kind of ALERT_KINDS) assert.ok(isAdviceFor(kind, defaultAdvice(kind, undefined)), kind);
  assert.equal(isWhatFor('area_clear', 'at_home'), false, 'a phrase from another kind is refused');
  assert.equal(isAdviceFor('rumour_control', 'avoid_area'), false);
});
