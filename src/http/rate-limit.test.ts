import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClock } from '../../test/support/test-context.ts';
import { ClientKeyer } from './rate-limit.ts';

test('client keys are HMACs that hide the address and change when the daily key rotates', () => {
  const clock = new TestClock();
  const keyer = new ClientKeyer(clock);
  const today = keyer.keyFor('203.0.113.9');
  assert.equal(keyer.keyFor('203.0.113.9'), today, 'stable within the day');
  assert.notEqual(keyer.keyFor('203.0.113.10'), today, 'distinct per client');
  assert.ok(!today.includes('203') && !today.includes('113'), 'no trace of the address');
  clock.advance(23 * 3600 * 1000);
  assert.equal(keyer.keyFor('203.0.113.9'), today, 'same key until the day is over');
  clock.advance(2 * 3600 * 1000);
  assert.notEqual(keyer.keyFor('203.0.113.9'), today, 'a new key after a day');
});
