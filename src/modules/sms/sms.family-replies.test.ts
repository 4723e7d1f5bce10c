// Every text of the family intake stays in GSM-7 and within two segments, in English and Spanish, with a
// network name of realistic length: the first question with its introduction, each question asked again,
// the site question with as many long site names as an operation may have, and both closing replies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUPPORTED_LANGUAGES } from '../../config/config.ts';
import { countSegments } from '../../integrations/messaging/segments.ts';
import { MAX_OFFERED_SITES } from '../voice/operation-sites.ts';
import { FAMILY_QUESTIONS } from './sms.family.ts';
import {
  FAMILY_MAX_SEGMENTS,
  familyReceivedReply,
  gsmSiteName,
  questionReply,
  sitesThatFit,
} from './sms.replies.ts';

const networkName = 'Mississippi Immigrant Rights Alliance';
const LONG_SITES = Array.from({ length: MAX_OFFERED_SITES }, (_, i) => ({
  operationId: 'op',
  siteId: `site-${i}`,
  siteName: `Procesadora Avícola Número ${i + 1} de Morton, Mississippi`,
}));

function everyFamilyReply(language: (typeof SUPPORTED_LANGUAGES)[number]): string[] {
  const sites = sitesThatFit(LONG_SITES, networkName);
  return [
    ...FAMILY_QUESTIONS.flatMap((question) => [
      questionReply(language, question, { intro: false, networkName, sites }),
      questionReply(language, question, { intro: true, networkName, sites }),
      questionReply(language, question, { intro: false, again: true, networkName, sites }),
    ]),
    familyReceivedReply(language, 'K7MQ4X9Z', true),
    familyReceivedReply(language, 'K7MQ4X9Z', false),
  ];
}

for (const language of SUPPORTED_LANGUAGES) {
  test(`every ${language} family intake reply is GSM-7 and at most ${FAMILY_MAX_SEGMENTS} segments`, () => {
    for (const reply of everyFamilyReply(language)) {
      const count = countSegments(reply);
      assert.equal(count.encoding, 'gsm7', reply);
      assert.ok(count.segments <= FAMILY_MAX_SEGMENTS, `${count.segments} segments: ${reply}`);
    }
  });
}

test('the questions without sites fit one segment, the consent question asks SI without an accent', () => {
  for (const language of SUPPORTED_LANGUAGES) {
    for (const question of FAMILY_QUESTIONS.filter((q) => q !== 'family_site')) {
      const reply = questionReply(language, question, { intro: false, networkName });
      assert.equal(countSegments(reply).segments, 1, reply);
    }
  }
  assert.match(questionReply('es', 'family_consent', { intro: false, networkName }), /Responda SI o NO$/);
});

test('site names travel in GSM-7 and short; sites that would not fit two segments are left to "other"', () => {
  assert.equal(gsmSiteName('Pollería Señor Müller'), 'Polleria Señor Müller');
  assert.equal(gsmSiteName('Koch Foods 🐔 Morton'), 'Koch Foods Morton');
  assert.ok([...gsmSiteName('x'.repeat(80))].length <= 28);
  const offered = sitesThatFit(LONG_SITES, networkName);
  assert.ok(offered.length >= 3, `at least three long sites fit (${offered.length})`);
  assert.ok(offered.length < LONG_SITES.length, 'not all eight long ones');
  assert.deepEqual(offered, LONG_SITES.slice(0, offered.length), 'the first ones, in order');
  const short = LONG_SITES.map((site, i) => ({ ...site, siteName: `Plant ${i + 1}` }));
  assert.equal(sitesThatFit(short, networkName).length, MAX_OFFERED_SITES);
});
