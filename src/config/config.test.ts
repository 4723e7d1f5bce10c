import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('defaults give a local embedded setup on port 8080', () => {
  const config = loadConfig({}, '/srv/amparo');
  assert.equal(config.port, 8080);
  assert.equal(config.publicUrl.href, 'http://localhost:8080/');
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.dataDir, '/srv/amparo/data');
  assert.equal(config.masterKeyFile, '/srv/amparo/.amparo-master-key');
});

test('AMPARO_PORT moves the default public URL too', () => {
  assert.equal(loadConfig({ AMPARO_PORT: '9090' }).publicUrl.href, 'http://localhost:9090/');
});

test('bad settings get a sentence naming the setting', () => {
  assert.throws(
    () => loadConfig({ AMPARO_PORT: 'eighty' }),
    (e: Error) => e instanceof ConfigError && /AMPARO_PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ AMPARO_PUBLIC_URL: 'not a url' }), /AMPARO_PUBLIC_URL/);
  assert.throws(() => loadConfig({ AMPARO_DATABASE_URL: 'mysql://x' }), /AMPARO_DATABASE_URL/);
  assert.throws(() => loadConfig({ AMPARO_DEFAULT_LANGUAGE: 'fr' }), /AMPARO_DEFAULT_LANGUAGE/);
  assert.throws(() => loadConfig({ AMPARO_TRUST_PROXY: 'maybe' }), /AMPARO_TRUST_PROXY/);
  assert.throws(() => loadConfig({ AMPARO_TIMEZONE: 'Mars/Olympus' }), /AMPARO_TIMEZONE/);
});

test('the key file may not sit inside the data directory', () => {
  assert.throws(
    () => loadConfig({ AMPARO_DATA_DIR: '/srv/data', AMPARO_MASTER_KEY_FILE: '/srv/data/key' }),
    /outside AMPARO_DATA_DIR/,
  );
});

test('AMPARO_TIMEZONE is kept as given', () => {
  assert.equal(loadConfig({ AMPARO_TIMEZONE: 'America/Chicago' }).timeZone, 'America/Chicago');
});

const ACCOUNT = 'AC' + '0123456789abcdef'.repeat(2);
const SERVICE = 'MG' + 'fedcba9876543210'.repeat(2);

test('without Twilio credentials texts go to the console outbox', () => {
  const config = loadConfig({});
  assert.equal(config.smsProvider, 'console');
  assert.equal(config.twilio.apiBase, 'https://api.twilio.com');
  // One of the two is not enough to choose Twilio by default.
  assert.equal(loadConfig({ AMPARO_TWILIO_ACCOUNT_SID: ACCOUNT }).smsProvider, 'console');
});

test('with both Twilio credentials and a sender, Twilio is the default provider', () => {
  const config = loadConfig({
    AMPARO_TWILIO_ACCOUNT_SID: ACCOUNT,
    AMPARO_TWILIO_AUTH_TOKEN: 'token',
    AMPARO_TWILIO_FROM: '+15550100199',
    AMPARO_TWILIO_API_BASE: 'http://127.0.0.1:4010/',
  });
  assert.equal(config.smsProvider, 'twilio');
  assert.deepEqual(config.twilio, {
    accountSid: ACCOUNT,
    authToken: 'token',
    apiBase: 'http://127.0.0.1:4010',
    from: '+15550100199',
    messagingServiceSid: undefined,
  });
  const console = loadConfig({
    AMPARO_SMS_PROVIDER: 'console',
    AMPARO_TWILIO_ACCOUNT_SID: ACCOUNT,
    AMPARO_TWILIO_AUTH_TOKEN: 'token',
  });
  assert.equal(console.smsProvider, 'console', 'an explicit choice wins');
});

test('Twilio settings that cannot work are refused with a sentence naming them', () => {
  assert.throws(
    () => loadConfig({ AMPARO_SMS_PROVIDER: 'twilio' }),
    (e: Error) =>
      e instanceof ConfigError && /AMPARO_TWILIO_ACCOUNT_SID and AMPARO_TWILIO_AUTH_TOKEN/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ AMPARO_TWILIO_ACCOUNT_SID: ACCOUNT, AMPARO_TWILIO_AUTH_TOKEN: 'token' }),
    /AMPARO_TWILIO_FROM or AMPARO_TWILIO_MESSAGING_SERVICE_SID/,
  );
  assert.equal(
    loadConfig({
      AMPARO_TWILIO_ACCOUNT_SID: ACCOUNT,
      AMPARO_TWILIO_AUTH_TOKEN: 'token',
      AMPARO_TWILIO_MESSAGING_SERVICE_SID: SERVICE,
    }).twilio.messagingServiceSid,
    SERVICE,
  );
  assert.throws(() => loadConfig({ AMPARO_SMS_PROVIDER: 'carrier-pigeon' }), /AMPARO_SMS_PROVIDER/);
  assert.throws(() => loadConfig({ AMPARO_TWILIO_ACCOUNT_SID: 'AC123' }), /AMPARO_TWILIO_ACCOUNT_SID/);
  assert.throws(() => loadConfig({ AMPARO_TWILIO_MESSAGING_SERVICE_SID: ACCOUNT }), /MESSAGING_SERVICE_SID/);
  assert.throws(() => loadConfig({ AMPARO_TWILIO_FROM: '555-0100' }), /AMPARO_TWILIO_FROM/);
  assert.throws(() => loadConfig({ AMPARO_TWILIO_API_BASE: 'api.twilio.com' }), /AMPARO_TWILIO_API_BASE/);
  assert.throws(() => loadConfig({ AMPARO_TWILIO_API_BASE: 'ftp://x.example' }), /AMPARO_TWILIO_API_BASE/);
});

test('each language has a text-to-speech voice Twilio offers for it, by default and as configured', () => {
  const defaults = loadConfig({}).hotline.voices;
  assert.deepEqual(defaults, {
    en: { name: 'Polly.Joanna', locale: 'en-US' },
    es: { name: 'Polly.Mia', locale: 'es-MX' },
  });
  const chosen = loadConfig({
    AMPARO_VOICE_EN: 'Google.en-US-Neural2-F',
    AMPARO_VOICE_ES: 'Polly.Lupe-Neural',
  }).hotline.voices;
  assert.deepEqual(chosen.en, { name: 'Google.en-US-Neural2-F', locale: 'en-US' });
  assert.deepEqual(chosen.es, { name: 'Polly.Lupe-Neural', locale: 'es-US' }, 'the voice brings its locale');
  for (const [name, value] of [
    ['AMPARO_VOICE_ES', 'Polly.Joanna'], // an English voice for Spanish
    ['AMPARO_VOICE_EN', 'Polly.Mia'],
    ['AMPARO_VOICE_ES', 'Polly.Penelope-Neural'], // Polly has no neural Penélope
    ['AMPARO_VOICE_EN', 'Polly.Kevin'], // Kevin is neural only
    ['AMPARO_VOICE_ES', 'Google.es-MX-Standard-A'], // Google has no Mexican Spanish voice
    ['AMPARO_VOICE_ES', 'Google.es-US-Standard-D'],
    ['AMPARO_VOICE_EN', 'man'], // Twilio's basic voice
    ['AMPARO_VOICE_EN', 'Polly.joanna'],
  ] as const) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (e: Error) => e instanceof ConfigError && e.message.includes(name) && e.message.includes(value),
      `${name}=${value}`,
    );
  }
});

test('AMPARO_SMS_COUNTRIES: the North American plan by default, calling codes or regions, checked once', () => {
  assert.deepEqual(loadConfig({}).smsCountries, { callingCodes: ['1'], regions: [], entries: ['+1'] });
  assert.deepEqual(loadConfig({ AMPARO_SMS_COUNTRIES: 'US,PR' }).smsCountries.regions, ['US', 'PR']);
  for (const bad of ['USA', '+1,+999', '1', 'US;PR']) {
    assert.throws(
      () => loadConfig({ AMPARO_SMS_COUNTRIES: bad }),
      (e: Error) => e instanceof ConfigError && /AMPARO_SMS_COUNTRIES/.test(e.message),
      bad,
    );
  }
  const limits = loadConfig({}).subscriptions;
  assert.equal(limits.capPerNumberPerDay, 3);
  assert.equal(limits.capPerClientPerHour, 10);
  assert.throws(() => loadConfig({ AMPARO_SUBSCRIBE_CAP_PER_NUMBER_PER_DAY: '0' }), /PER_NUMBER_PER_DAY/);
});

test('AMPARO_TRUST_PROXY takes hops or proxy addresses, and refuses "trust everything"', () => {
  assert.equal(loadConfig({}).trustProxy, false);
  assert.equal(loadConfig({ AMPARO_TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ AMPARO_TRUST_PROXY: '1' }).trustProxy, 1);
  assert.equal(loadConfig({ AMPARO_TRUST_PROXY: '2' }).trustProxy, 2);
  assert.deepEqual(loadConfig({ AMPARO_TRUST_PROXY: '10.0.0.5, 172.16.0.0/12,fd00::/8' }).trustProxy, [
    '10.0.0.5',
    '172.16.0.0/12',
    'fd00::/8',
  ]);
  for (const everything of ['true', 'TRUE', 'yes', 'on', '0.0.0.0/0', '::/0', 'loopback', '10.0.0.0/33']) {
    assert.throws(
      () => loadConfig({ AMPARO_TRUST_PROXY: everything }),
      (e: Error) =>
        e instanceof ConfigError &&
        /AMPARO_TRUST_PROXY must be the number of reverse proxies/.test(e.message) &&
        /addresses or CIDR ranges/.test(e.message),
      everything,
    );
  }
});

test('photo decoding: two at once by default, a bounded queue and a time limit; nonsense is refused', () => {
  assert.deepEqual(loadConfig({}).imageDecoding, { concurrency: 2, queueLimit: 8, timeoutSeconds: 15 });
  assert.deepEqual(
    loadConfig({
      AMPARO_IMAGE_DECODE_CONCURRENCY: '1',
      AMPARO_IMAGE_DECODE_QUEUE: '0',
      AMPARO_IMAGE_DECODE_TIMEOUT_SECONDS: '5',
    }).imageDecoding,
    { concurrency: 1, queueLimit: 0, timeoutSeconds: 5 },
  );
  for (const [name, value] of [
    ['AMPARO_IMAGE_DECODE_CONCURRENCY', '0'],
    ['AMPARO_IMAGE_DECODE_QUEUE', 'lots'],
    ['AMPARO_IMAGE_DECODE_TIMEOUT_SECONDS', '0'],
  ] as const) {
    assert.throws(
      () => loadConfig({ [name]: value }),
      (e: Error) => e instanceof ConfigError && e.message.includes(name),
    );
  }
});

test('AMPARO_DISTANCE_UNIT: miles unless set to km; anything else is refused', () => {
  assert.equal(loadConfig({}).distanceUnit, 'mi');
  assert.equal(loadConfig({ AMPARO_DISTANCE_UNIT: 'km' }).distanceUnit, 'km');
  assert.equal(loadConfig({ AMPARO_DISTANCE_UNIT: 'mi' }).distanceUnit, 'mi');
  assert.throws(
    () => loadConfig({ AMPARO_DISTANCE_UNIT: 'miles' }),
    /AMPARO_DISTANCE_UNIT must be one of mi, km/,
  );
});

test('an unknown AMPARO_* variable stops start-up, naming the setting it was probably meant to be', () => {
  assert.throws(
    () => loadConfig({ AMPARO_TIME_ZONE: 'America/Chicago' }),
    (error: Error) =>
      error instanceof ConfigError &&
      error.message.startsWith(
        'AMPARO_TIME_ZONE is not a setting Amparo reads; did you mean AMPARO_TIMEZONE?',
      ),
  );
  assert.throws(
    () => loadConfig({ AMPARO_PUBLIC_RATE_LIMITS: '5', AMPARO_TWILO_FROM: '+15550100199' }),
    /AMPARO_PUBLIC_RATE_LIMITS is not a setting Amparo reads; did you mean AMPARO_PUBLIC_RATE_LIMIT\? AMPARO_TWILO_FROM is not a setting Amparo reads; did you mean AMPARO_TWILIO_FROM\?/,
  );
  // Nothing close: no guess.
  assert.throws(
    () => loadConfig({ AMPARO_FLUX_CAPACITOR: '1' }),
    (error: Error) =>
      /AMPARO_FLUX_CAPACITOR is not a setting/.test(error.message) && !/did you mean/.test(error.message),
  );
  // Other variables are none of Amparo's business.
  assert.equal(loadConfig({ PATH: '/usr/bin', AMPAROX: '1' }).port, 8080);
});

test('every AMPARO_* variable the README, CI and the test tools name is a known setting', async () => {
  const { readFile } = await import('node:fs/promises');
  const { SETTINGS } = await import('./config.ts');
  const root = new URL('../../', import.meta.url);
  const files = [
    'README.md',
    '.ci/run',
    'test/support/test-database.ts',
    'test/support/global-setup.ts',
    'test/e2e/browser.ts',
    'bench/support.ts',
  ];
  for (const file of files) {
    const text = await readFile(new URL(file, root), 'utf8');
    for (const [name] of text.matchAll(/AMPARO_[A-Z0-9_]*[A-Z0-9]/g)) {
      assert.ok(
        (SETTINGS as readonly string[]).includes(name),
        `${file} names ${name}, which start-up would refuse`,
      );
    }
  }
});
