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
