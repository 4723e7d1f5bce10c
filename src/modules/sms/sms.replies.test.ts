// Every automatic reply fits one SMS segment in the GSM-7 alphabet, in English and in Spanish, with a
// network name of realistic length: a reply that slips into UCS-2 (one á is enough) or a second segment
// costs the network double on every text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_LANGUAGES } from '../../config/config.ts';
import { translate } from '../../i18n/i18n.ts';
import { countSegments } from '../../integrations/messaging/segments.ts';
import { QUESTIONS } from './sms.conversation.ts';
import {
  addedReply,
  helpReply,
  questionReply,
  receivedReply,
  siteOf,
  startedReply,
  stoppedReply,
} from './sms.replies.ts';

/** Kept until: 30 days after 2026-11-23, as the network reads it in Chicago. */
const kept = { until: new Date('2026-12-23T15:00:00Z'), timeZone: 'America/Chicago' };

const identity = {
  networkName: 'Chicago Rapid Response',
  hotlineNumber: '+1 555 010 0199',
  site: 'hotline.example.org',
};

function everyReply(language: (typeof SUPPORTED_LANGUAGES)[number]): string[] {
  return [
    ...QUESTIONS.flatMap((question) => [
      questionReply(language, question, { intro: false, networkName: identity.networkName }),
      questionReply(language, question, { intro: true, networkName: identity.networkName }),
      questionReply(language, question, { intro: false, again: true, networkName: identity.networkName }),
    ]),
    receivedReply(language, 'K7MQ4X9Z'),
    addedReply(language, 'K7MQ4X9Z'),
    startedReply(language, identity),
    helpReply(language, identity),
    helpReply(language, { ...identity, hotlineNumber: undefined }),
  ];
}

for (const language of SUPPORTED_LANGUAGES) {
  test(`every ${language} reply is one GSM-7 segment`, () => {
    for (const reply of everyReply(language)) {
      assert.deepEqual(countSegments(reply), { encoding: 'gsm7', segments: 1 }, reply);
    }
  });
}

test('the wording is what keeps Spanish in GSM-7: accented replies would cost UCS-2', () => {
  const reply = questionReply('es', 'activity', { intro: true, networkName: identity.networkName });
  assert.ok(reply.includes('¿Qué'), 'é, ñ and ¿ are in the GSM-7 alphabet');
  const accented = reply.replace('Qué pasa', 'Qué está pasando');
  assert.equal(countSegments(accented).encoding, 'ucs2', 'á is not');
  assert.ok(countSegments(accented).segments > 1);
});

test('HELP names the network, the number to call and how to stop; STOP says how to come back', () => {
  assert.match(helpReply('en', identity), /Chicago Rapid Response.*\+1 555 010 0199.*STOP/);
  assert.match(helpReply('es', identity), /Chicago Rapid Response.*\+1 555 010 0199.*ALTO/);
  assert.match(stoppedReply('en', identity, kept), /START/);
  assert.match(stoppedReply('es', identity, kept), /INICIO/);
});

test('HELP carries what CTIA asks: a contact (the hotline, else the site), how often, rates, how to stop', () => {
  for (const language of SUPPORTED_LANGUAGES) {
    const withPhone = helpReply(language, identity);
    const withoutPhone = helpReply(language, { ...identity, hotlineNumber: undefined });
    assert.match(withPhone, /\+1 555 010 0199/);
    assert.match(withoutPhone, /hotline\.example\.org/, 'a contact even without a hotline number');
    for (const reply of [withPhone, withoutPhone]) {
      assert.match(reply, language === 'en' ? /a few a month/ : /pocas alertas al mes/, 'message frequency');
      assert.match(reply, language === 'en' ? /Msg&data rates may apply/ : /Pueden aplicar tarifas/);
      assert.match(reply, language === 'en' ? /STOP/ : /ALTO/);
    }
  }
});

test('STOP says what is kept, until when and why, without alarming or claiming a report nobody sent', () => {
  const september = { ...kept, until: new Date('2026-09-23T15:00:00Z') };
  for (const language of SUPPORTED_LANGUAGES) {
    // The last text a number gets, once: it may take two segments to say truthfully what is kept.
    const longest = stoppedReply(language, identity, september);
    assert.equal(countSegments(longest).encoding, 'gsm7', longest);
    assert.ok(countSegments(longest).segments <= 2, longest);
  }
  const en = stoppedReply('en', identity, kept);
  const es = stoppedReply('es', identity, kept);
  assert.match(
    en,
    /If you sent a report, we keep it until December 23 to check it, or as evidence if confirmed/,
  );
  assert.match(
    es,
    /Si hizo un reporte, lo guardamos hasta el 23 de diciembre para revisarlo, o como prueba si se confirma/,
  );
  assert.doesNotMatch(es, /Guardamos todo/);
  // The date is the network's: late evening in Chicago is still the day before in UTC's morning.
  const late = stoppedReply('en', identity, { ...kept, until: new Date('2026-12-24T03:00:00Z') });
  assert.match(late, /until December 23 /);
});

test('Spanish texts keep their meaning in GSM-7: no word left without its accent ("codigo", "mas")', () => {
  const network = identity.networkName;
  const texts = [
    ...everyReply('es'),
    translate('es', 'alerts.need_zip', { network }),
    translate('es', 'alerts.unknown_zip', { network, zips: '99999' }),
    translate('es', 'alerts.code_text', { network, code: '123456' }),
  ];
  const dropped =
    /(?<!\p{L})(mas|codigos?|numero|telefono|informacion|tambien|despues|aqui|dias?|detencion|fijo)(?!\p{L})/iu;
  for (const text of texts) {
    assert.doesNotMatch(text, dropped, text);
    assert.deepEqual(countSegments(text), { encoding: 'gsm7', segments: 1 }, text);
  }
  const stopped = stoppedReply('es', identity, kept);
  assert.doesNotMatch(stopped, dropped, stopped);
  assert.equal(countSegments(stopped).encoding, 'gsm7', stopped);
});

test('the public address is given as a person types it', () => {
  assert.equal(siteOf(new URL('https://hotline.example.org/')), 'hotline.example.org');
  assert.equal(siteOf(new URL('https://example.org/rr/')), 'example.org/rr');
});
