// The two reference-drawing loops: how many draws, what is checked, and what happens when all are taken.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freeReference, insertWithFreeReference, REFERENCE_ATTEMPTS } from './unique-reference.ts';

function drawer(): { draw: () => string; drawn: string[] } {
  const drawn: string[] = [];
  return {
    drawn,
    draw: () => {
      const reference = `R${drawn.length + 1}`;
      drawn.push(reference);
      return reference;
    },
  };
}

test('freeReference: the first free draw is used', async () => {
  const { draw, drawn } = drawer();
  const checked: string[] = [];
  const taken = new Set(['R1', 'R2']);
  const reference = await freeReference(draw, async (r) => (checked.push(r), taken.has(r)));
  assert.equal(reference, 'R3');
  assert.deepEqual(drawn, ['R1', 'R2', 'R3']);
  assert.deepEqual(checked, ['R1', 'R2', 'R3']);
});

test('freeReference: the last of five draws is returned unchecked (the unique constraint has the last word)', async () => {
  const { draw, drawn } = drawer();
  const checked: string[] = [];
  const reference = await freeReference(draw, async (r) => (checked.push(r), true));
  assert.equal(REFERENCE_ATTEMPTS, 5);
  assert.equal(reference, 'R5');
  assert.equal(drawn.length, 5);
  assert.deepEqual(checked, ['R1', 'R2', 'R3', 'R4']);
});

test('insertWithFreeReference: retries a skipped insert with a new draw', async () => {
  const { draw } = drawer();
  const tried: string[] = [];
  const reference = await insertWithFreeReference(
    draw,
    async (r) => (tried.push(r), r === 'R2'),
    'no free reference',
  );
  assert.equal(reference, 'R2');
  assert.deepEqual(tried, ['R1', 'R2']);
});

test('insertWithFreeReference: five skipped inserts end in the given error', async () => {
  const { draw, drawn } = drawer();
  await assert.rejects(
    insertWithFreeReference(draw, async () => false, 'Could not draw a free report reference.'),
    { message: 'Could not draw a free report reference.' },
  );
  assert.equal(drawn.length, 5);
});
