// The reminder texts: the wording in each language, GSM-7 only, at most two segments even with a long court
// name or network name, and nothing in them but the time, the court and how to reach the network.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import {
  composeAttorneyHearingReminder,
  composeFamilyHearingReminder,
  composeLocatorReminder,
  foldToGsm7,
  formatHearingTimeForSms,
} from './case-tracking.messages.ts';

const ZONE = 'America/Chicago';
const TUESDAY_9AM = new Date('2026-12-01T15:00:00Z');
const LONG_COURT =
  'Centro de Procesamiento del Servicio de Inmigración y Control de Aduanas de los Estados Unidos, Sala de Audiencias Número Tres, Edificio Federal Everett McKinley Dirksen';

function fitsTwoGsmSegments(text: string): void {
  assert.ok(isGsm7(text), `GSM-7 only: ${text}`);
  assert.ok(countSegments(text).segments <= 2, `at most two segments (${text.length} characters): ${text}`);
}

describe('reminder texts', () => {
  test('the family reminder, in English and Spanish, as the issue words it', () => {
    const base = {
      network: 'Amparo',
      startsAt: TUESDAY_9AM,
      timeZone: ZONE,
      court: 'Chicago Immigration Court',
      hotline: '+1 555 010 0199',
    };
    assert.equal(
      composeFamilyHearingReminder({ ...base, language: 'en' }),
      'Amparo: hearing reminder for your family member, Tue 1 Dec 9:00 AM CST, Chicago Immigration Court. ' +
        'Questions: call +1 555 010 0199. Reply STOP to stop these texts.',
    );
    assert.equal(
      composeFamilyHearingReminder({ ...base, language: 'es', court: 'Corte de Inmigración de Chicago' }),
      'Amparo: recordatorio de la audiencia de su familiar, mar 1 dic 9:00 CST, Corte de Inmigracion de Chicago. ' +
        'Preguntas: llame al +1 555 010 0199. Responda ALTO para dejar de recibir mensajes.',
    );
    assert.doesNotMatch(
      composeFamilyHearingReminder({ ...base, language: 'en', hotline: undefined }),
      /call/,
    );
  });

  test('a long court name and network name are shortened to fit two GSM-7 segments in both languages', () => {
    for (const language of ['en', 'es'] as const) {
      const family = composeFamilyHearingReminder({
        language,
        network: 'Red de Respuesta Rápida del Área Metropolitana de Chicago',
        startsAt: TUESDAY_9AM,
        timeZone: ZONE,
        court: LONG_COURT,
        hotline: '+1 555 010 0199',
      });
      fitsTwoGsmSegments(family);
      assert.match(family, /Centro de Procesamiento/, 'the start of the court name stays');
      assert.match(family, /\.\.\./);
      const attorney = composeAttorneyHearingReminder({
        language,
        network: 'Amparo',
        startsAt: TUESDAY_9AM,
        timeZone: ZONE,
        court: LONG_COURT,
        kind: 'individual',
        reference: 'C-7K2M9QXA',
        link: 'https://hotline.example.org/console/cases/0b6f3c1e-7a3e-4f1e-9c53-2f3f8a1b9d10#case-hearings',
      });
      fitsTwoGsmSegments(attorney);
      assert.match(attorney, /C-7K2M9QXA/);
      assert.match(attorney, /#case-hearings$/, 'the link is never cut');
    }
  });

  test('the attorney and locator texts name the case by reference and link to it', () => {
    assert.equal(
      composeAttorneyHearingReminder({
        language: 'en',
        network: 'Amparo',
        startsAt: TUESDAY_9AM,
        timeZone: ZONE,
        court: 'Chicago Immigration Court',
        kind: 'bond',
        reference: 'C-7K2M9QXA',
        link: 'https://x.example/c#case-hearings',
      }),
      'Amparo: hearing reminder, case C-7K2M9QXA: Tue 1 Dec 9:00 AM CST, Chicago Immigration Court, bond hearing. https://x.example/c#case-hearings',
    );
    const locator = composeLocatorReminder({
      language: 'es',
      network: 'Amparo',
      reference: 'C-7K2M9QXA',
      link: 'https://x.example/c#case-locator',
    });
    assert.equal(
      locator,
      'Amparo: toca buscar en el localizador de detenidos para el caso C-7K2M9QXA. https://x.example/c#case-locator',
    );
    fitsTwoGsmSegments(locator);
  });

  test('times in texts: short, with the zone, without formatter spaces GSM-7 lacks, accents folded', () => {
    assert.equal(
      formatHearingTimeForSms(new Date('2026-12-02T20:05:00Z'), 'en', ZONE),
      'Wed 2 Dec 2:05 PM CST',
    );
    assert.equal(
      formatHearingTimeForSms(new Date('2026-12-02T20:05:00Z'), 'es', ZONE),
      'mié 2 dic 14:05 CST',
    );
    // Saturday is "sáb": á is not GSM-7.
    assert.equal(formatHearingTimeForSms(new Date('2026-12-05T15:00:00Z'), 'es', ZONE), 'sab 5 dic 9:00 CST');
    assert.equal(foldToGsm7('Juárez – “Sala 3”\u202Fé ñ 中'), 'Juarez - "Sala 3" é ñ ?');
  });
});
