// The know-your-rights points: one list read by the page, the voice menu and the RIGHTS / DERECHOS text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_LANGUAGES } from '../../config/config.ts';
import { translate } from '../../i18n/i18n.ts';
import { countSegments, isGsm7 } from '../../integrations/messaging/segments.ts';
import { RIGHTS_POINTS, rightsLines, rightsSpoken, rightsText } from './rights.ts';

const LONG_NETWORK = 'Organized Communities Against Deportations Rapid Response';

test('the points cover silence, the door, signing, a lawyer and the consulate, the truth, and the card', () => {
  const english = rightsLines('en').join(' ');
  for (const phrase of [
    /remain silent/,
    /warrant signed by a judge/,
    /Do not sign anything/,
    /lawyer and your consulate/,
    /Do not lie/,
    /rights card/,
  ]) {
    assert.match(english, phrase);
  }
  const spanish = rightsLines('es').join(' ');
  for (const phrase of [
    /guardar silencio/,
    /orden firmada por un juez/,
    /No firme nada/,
    /consulado/,
    /No mienta/,
    /tarjeta/,
  ]) {
    assert.match(spanish, phrase);
  }
});

test('the RIGHTS / DERECHOS text stays in GSM-7 and in three segments, in every language', () => {
  for (const lang of SUPPORTED_LANGUAGES) {
    for (const hotline of ['(312) 555-0100', undefined]) {
      const text = rightsText(lang, { networkName: LONG_NETWORK, hotline, site: 'hotline.example.org' });
      assert.ok(isGsm7(text), `${lang}: ${text}`);
      assert.ok(countSegments(text).segments <= 3, `${lang}: ${countSegments(text).segments} segments`);
      for (const line of rightsLines(lang)) assert.ok(text.includes(line), `${lang}: ${line}`);
      assert.ok(text.includes(hotline ?? 'hotline.example.org'));
    }
  }
});

test('the text and the voice menu say it is not legal advice and how to reach the legal team', () => {
  const en = rightsText('en', { networkName: 'Amparo', hotline: '(312) 555-0100', site: 'x.org' });
  assert.match(en, /not legal advice/);
  assert.match(en, /Legal help: call or text \(312\) 555-0100/);
  const es = rightsText('es', { networkName: 'Amparo', hotline: '(312) 555-0100', site: 'x.org' });
  assert.match(es, /no es consejo legal/);
  for (const lang of SUPPORTED_LANGUAGES) {
    const spoken = rightsSpoken(lang);
    assert.ok(spoken.startsWith(translate(lang, 'rights.voice_intro')));
    for (const point of RIGHTS_POINTS) assert.ok(spoken.includes(translate(lang, point.line)));
    assert.ok(spoken.endsWith(translate(lang, 'rights.voice_help')));
  }
});
