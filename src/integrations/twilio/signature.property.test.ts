// Amparo's signature check against Twilio's own: the official `twilio` package (a devDependency, used only
// here) gives the reference verdict and signature for thousands of random webhooks: URLs with and without
// a default or other port, odd hosts, queries with repeated names, percent-escapes and unicode; parameters
// with repeated names (and repeated values), unicode, lone surrogates. Signatures are made over the URL in
// every form a sender might have signed (with and without its port, WHATWG-normalised), over other URLs,
// over changed parameters, under another token, or are not signatures at all. The generator is seeded, so
// a failure names the seed and case that reproduce it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import { isValidTwilioSignature, twilioSignature, type TwilioParams } from './signature.ts';
import {
  seededRandom as generator,
  type SeededRandom as Random,
} from '../../../test/support/seeded-random.ts';

const TOKENS = ['12345abcdef67890fedcba0987654321', 'another-token-0000000000000000000', 'ñandú-tøken'];

const PIECES = [
  'a',
  'Z',
  '0',
  '-',
  '_',
  '.',
  '~',
  ' ',
  '+',
  "'",
  '"',
  '!',
  '*',
  '(',
  ')',
  ',',
  ';',
  ':',
  '@',
  '$',
  '%20',
  '%27',
  '%2F',
  '%zz',
  '%',
  'é',
  'ñ',
  'ü',
  '中',
  '文',
  '😀',
  '\u0301',
  '\u00a0',
  '\ud800',
  '|',
  '^',
  '`',
  '{',
  '}',
  '[',
  ']',
  '<',
  '>',
  '\\',
];

function text(r: Random, max: number, pieces: readonly string[] = PIECES): string {
  let out = '';
  for (let i = r.int(max + 1); i > 0; i--) out += r.pick(pieces);
  return out;
}

/** Characters that keep a URL's path or query from ending early (no '?' or '#' inside a segment). */
const URL_PIECES = PIECES.filter((piece) => !['[', ']', '\\'].includes(piece));

interface GeneratedUrl {
  url: string;
  /** The same URL with the scheme's default port written in, and with no port at all. */
  withDefaultPort: string;
  withoutPort: string;
}

function randomUrl(r: Random): GeneratedUrl {
  const scheme = r.pick(['https', 'https', 'https', 'http', 'HTTPS', 'Http']);
  const host = r.pick([
    'hotline.example.org',
    'HOTLINE.Example.org',
    'red.example',
    '127.0.0.1',
    '[::1]',
    '[2001:db8::1]',
    'bücher.example',
    'xn--bcher-kva.example',
  ]);
  const userInfo = r.chance(0.05) ? r.pick(['user@', 'user:pass@']) : '';
  const defaultPort = scheme.toLowerCase() === 'https' ? ':443' : ':80';
  const port = r.pick(['', '', defaultPort, defaultPort, ':8443', ':80', ':443', ':3000']);
  const segments = Array.from({ length: r.int(4) }, () => text(r, 6, URL_PIECES).replace(/[/?#]/g, ''));
  const path = r.chance(0.1) ? '' : '/' + ['webhooks', 'twilio', ...segments].join('/');
  let query = '';
  if (r.chance(0.6)) {
    const names = ['lang', 'attempt', 'a', 'ñ', 'x y', 'MediaUrl', ''];
    const pairs = Array.from({ length: 1 + r.int(4) }, () => {
      const name = r.pick(names);
      const value = text(r, 5, URL_PIECES).replace(/[&#?=]/g, '');
      return r.chance(0.1) ? name : `${name}=${value}`;
    });
    query = '?' + pairs.join('&') + (r.chance(0.05) ? '&' : '');
  } else if (r.chance(0.05)) {
    query = '?';
  }
  const fragment = r.chance(0.03) ? '#frag' : '';
  const base = `${scheme}://${userInfo}${host}`;
  const rest = path + query + fragment;
  return {
    url: base + port + rest,
    withDefaultPort: base + (port === '' || port === defaultPort ? defaultPort : port) + rest,
    withoutPort: base + rest,
  };
}

function randomParams(r: Random): Record<string, string | string[]> {
  const names = [
    'AccountSid',
    'MessageSid',
    'From',
    'To',
    'Body',
    'body',
    'MediaUrl',
    'MediaUrl0',
    'ErrorCode',
    'Ñame',
    'naïve',
    '中文',
    '😀',
    '',
    'a b',
    '_',
    'Z',
  ];
  const params: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (let i = r.int(8); i > 0; i--) {
    const name = r.pick(names);
    if (r.chance(0.25)) {
      // A repeated name, sometimes with a value repeated too.
      const values = Array.from({ length: 2 + r.int(3) }, () => text(r, 6));
      if (r.chance(0.3)) values.push(values[0]!);
      params[name] = values;
    } else {
      params[name] = text(r, 12);
    }
  }
  return params;
}

function changedParams(
  r: Random,
  params: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const copy: Record<string, string | string[]> = Object.assign(Object.create(null), params) as Record<
    string,
    string | string[]
  >;
  const names = Object.keys(copy);
  const arrayName = names.find((name) => Array.isArray(copy[name]));
  if (arrayName && r.chance(0.5)) {
    const values = copy[arrayName] as string[];
    // Reordered values sign the same; a dropped or added one does not.
    copy[arrayName] = r.chance(0.5) ? [...values].reverse() : [...values, 'extra'];
  } else if (names.length > 0 && r.chance(0.5)) {
    const name = r.pick(names);
    copy[name] = `${String(copy[name])}x`;
  } else {
    copy.Extra = 'added';
  }
  return copy;
}

function header(
  r: Random,
  token: string,
  generated: GeneratedUrl,
  params: Record<string, string | string[]>,
): string {
  const sign = (url: string, signed: TwilioParams = params) =>
    getExpectedTwilioSignature(token, url, signed as Record<string, string>);
  switch (r.int(12)) {
    case 0:
    case 1:
      return sign(generated.url);
    case 2:
    case 3:
      return sign(generated.withDefaultPort);
    case 4:
    case 5:
      return sign(generated.withoutPort);
    case 6:
      return sign(new URL(generated.url).toString());
    case 7:
      return sign(generated.url.replace('webhooks', 'hooks'));
    case 8:
      return sign(generated.url, changedParams(r, params));
    case 9:
      return getExpectedTwilioSignature(
        r.pick(TOKENS.filter((t) => t !== token)),
        generated.url,
        params as Record<string, string>,
      );
    case 10:
      return r.pick(['', 'garbage', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', sign(generated.url).slice(1)]);
    default:
      return sign(generated.url.toLowerCase());
  }
}

const SEED = 20261208;
const CASES = 10_000;

test(`verdicts and signatures equal Twilio's validateRequest over ${CASES} random webhooks`, () => {
  const r = generator(SEED);
  let accepted = 0;
  for (let i = 0; i < CASES; i++) {
    const token = r.pick(TOKENS);
    const generated = randomUrl(r);
    const params = randomParams(r);
    const given = header(r, token, generated, params);
    const where = `seed ${SEED}, case ${i}: ${JSON.stringify({ url: generated.url, params, given })}`;

    assert.equal(
      twilioSignature(token, generated.url, params),
      getExpectedTwilioSignature(token, generated.url, params as Record<string, string>),
      `signature differs, ${where}`,
    );
    const reference = validateRequest(token, given, generated.url, params as Record<string, string>);
    assert.equal(
      isValidTwilioSignature(token, generated.url, params, given),
      reference,
      `verdict differs, ${where}`,
    );
    if (reference) accepted++;
  }
  // Not a test of refusals only: a good share of the cases carry a signature Twilio accepts.
  assert.ok(accepted > CASES * 0.4, `only ${accepted} of ${CASES} accepted`);
  assert.ok(accepted < CASES * 0.9, `${accepted} of ${CASES} accepted: too few refusals to compare`);
});

test('a URL with an explicit default port and one without verify each other, as Twilio signs either', () => {
  const token = TOKENS[0]!;
  const params = { AccountSid: 'AC1', MessageSid: 'SM1', MessageStatus: 'delivered' };
  for (const [published, signed] of [
    [
      'https://hotline.example.org/webhooks/twilio/status',
      'https://hotline.example.org:443/webhooks/twilio/status',
    ],
    [
      'https://hotline.example.org:443/webhooks/twilio/status',
      'https://hotline.example.org/webhooks/twilio/status',
    ],
    [
      'http://hotline.example.org/webhooks/twilio/sms?x=1',
      'http://hotline.example.org:80/webhooks/twilio/sms?x=1',
    ],
  ] as const) {
    const signature = getExpectedTwilioSignature(token, signed, params);
    assert.equal(validateRequest(token, signature, published, params), true);
    assert.equal(
      isValidTwilioSignature(token, published, params, signature),
      true,
      `${published} ← ${signed}`,
    );
  }
});

test('repeated names: values sorted and each distinct value once, as Twilio signs them', () => {
  const token = TOKENS[0]!;
  const url = 'https://hotline.example.org/webhooks/twilio/sms';
  const params = {
    To: '+15550100199',
    MediaUrl: ['https://b.example/2', 'https://a.example/1', 'https://b.example/2'],
  };
  const signature = getExpectedTwilioSignature(token, url, params);
  assert.equal(twilioSignature(token, url, params), signature);
  assert.equal(
    isValidTwilioSignature(
      token,
      url,
      { ...params, MediaUrl: ['https://a.example/1', 'https://b.example/2'] },
      signature,
    ),
    true,
  );
  assert.equal(
    isValidTwilioSignature(token, url, { ...params, MediaUrl: ['https://a.example/1'] }, signature),
    false,
  );
});
