// Issue 14: the family's texts in Spanish say ALTO like every other Spanish text of the network, and keep
// their meaning in GSM-7: no word whose dropped accent changes or blurs it ("se fijo o cambio", "mas").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countSegments } from '../../integrations/messaging/segments.ts';
import { composeFamilyHearingReminder } from '../case-tracking/case-tracking.messages.ts';
import { familyTextBody } from './cases.family.ts';

const config = { networkName: 'Chicago Rapid Response', hotlineNumber: '+1 312 555 0100' };
/** Spanish words that read wrong without their accent (a past tense read as a present, "but" for "more"). */
const DROPPED_ACCENT =
  /(?<!\p{L})(mas|fijo|cambio|detencion|dias?|numero|telefono|informacion|tambien|despues)(?!\p{L})/iu;

function familyTexts(language: 'en' | 'es'): string[] {
  return [
    familyTextBody(config, language, 'hearing'),
    familyTextBody(config, language, 'outcome'),
    familyTextBody({ ...config, hotlineNumber: undefined }, language, 'hearing'),
    composeFamilyHearingReminder({
      language,
      network: config.networkName,
      startsAt: new Date('2026-12-01T15:00:00Z'),
      timeZone: 'America/Chicago',
      court: 'Chicago Immigration Court',
      hotline: config.hotlineNumber,
    }),
  ];
}

test('Spanish family texts say ALTO, never STOP; English ones say STOP', () => {
  for (const text of familyTexts('es')) {
    assert.match(text, /Responda ALTO/, text);
    assert.doesNotMatch(text, /STOP/, text);
  }
  for (const text of familyTexts('en')) assert.match(text, /STOP/, text);
});

test('Spanish family texts keep their meaning without accents, in GSM-7 and at most two segments', () => {
  for (const text of familyTexts('es')) {
    assert.doesNotMatch(text, DROPPED_ACCENT, text);
    const count = countSegments(text);
    assert.equal(count.encoding, 'gsm7', text);
    assert.ok(count.segments <= 2, text);
  }
  assert.match(familyTextBody(config, 'es', 'hearing'), /la corte puso una fecha nueva para una audiencia/);
});
