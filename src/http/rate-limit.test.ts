import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { TestClock } from '../../test/support/test-context.ts';
import { CLIENT_BUCKET_BITS, ClientKeyer, clientIdentity } from './rate-limit.ts';

test('client buckets hide the address, are the same in every process, and change every day', () => {
  const baseKey = randomBytes(32);
  const clock = new TestClock(Date.parse('2026-12-06T00:30:00Z'));
  const keyer = new ClientKeyer(baseKey, clock);
  const otherProcess = new ClientKeyer(baseKey, clock);
  const today = keyer.keyFor('203.0.113.9');
  assert.equal(keyer.keyFor('203.0.113.9'), today, 'stable within the day');
  assert.equal(otherProcess.keyFor('203.0.113.9'), today, 'the same in another process with the same key');
  assert.ok(!today.includes('203') && !today.includes('113'), 'no trace of the address');
  const bucket = Number(today);
  assert.ok(Number.isInteger(bucket) && bucket >= 0 && bucket < 2 ** CLIENT_BUCKET_BITS, 'a 20-bit bucket');

  // A bucket is shared by many addresses: among 2^16 addresses, several fall into each of a few buckets.
  const buckets = new Map<string, number>();
  for (let i = 0; i < 2 ** 16; i++) {
    const key = keyer.keyFor(`10.0.${i >> 8}.${i & 255}`);
    buckets.set(key, (buckets.get(key) ?? 0) + 1);
  }
  assert.ok(buckets.size < 2 ** 16, 'distinct addresses share buckets');
  assert.ok(buckets.size > 2 ** 15, 'yet most addresses are told apart');

  clock.advance(24 * 3600 * 1000);
  assert.notEqual(keyer.keyFor('203.0.113.9'), today, 'a new key on the next day');
  assert.notEqual(new ClientKeyer(randomBytes(32), clock).keyFor('203.0.113.9'), keyer.keyFor('203.0.113.9'));
});

test('a client is an IPv4 address or an IPv6 /64; IPv4-mapped addresses are IPv4', () => {
  assert.equal(clientIdentity('203.0.113.9'), '203.0.113.9');
  assert.equal(clientIdentity('::ffff:203.0.113.9'), '203.0.113.9');
  assert.equal(clientIdentity('::FFFF:cb00:7109'), '203.0.113.9');
  assert.equal(clientIdentity('2001:db8:5:7::1'), '2001:db8:5:7::/64');
  assert.equal(clientIdentity('2001:0DB8:0005:0007:ffff:1:2:3'), '2001:db8:5:7::/64');
  assert.equal(clientIdentity('2001:db8::7:1'), '2001:db8:0:0::/64');
  assert.equal(clientIdentity('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientIdentity('::1'), '0:0:0:0::/64');
  const keyer = new ClientKeyer(randomBytes(32), new TestClock(Date.parse('2026-12-06T00:30:00Z')));
  assert.equal(keyer.keyFor('2001:db8:5:7::1'), keyer.keyFor('2001:db8:5:7:a:b:c:d'));
  assert.equal(keyer.keyFor('::ffff:203.0.113.9'), keyer.keyFor('203.0.113.9'));
});
