// The staff module's reads over a real database: profiles are this module's, accounts and roles auth's, and
// each answer joins the two in set-based reads (ids in, rows out) with the same results the single joined
// queries gave before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../../db/schema.ts';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  displayNamesOf,
  findResponderByPhone,
  listReachableOnShift,
  listRoster,
  saveProfile,
  staffHolding,
  staffLabel,
  staffNamesOf,
} from './staff.service.ts';

describe('staff profiles read with accounts', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(async () => t.close());

  async function member(
    roles: Role[],
    profile?: { name: string; phone?: string; onShift?: boolean },
    email?: string,
  ): Promise<string> {
    const { userId } = await createStaffSession(t.context, roles, email ? { email } : {});
    if (profile) {
      await saveProfile(t.context, userId, {
        displayName: profile.name,
        phone: profile.phone ?? null,
        languages: ['en'],
        homeZips: [],
        onShift: profile.onShift ?? false,
      });
    }
    return userId;
  }
  const disable = async (userId: string) =>
    t.context.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', userId).execute();

  test('names: the profile name, else the account email; unknown ids left out', async () => {
    const named = await member(['legal'], { name: 'Lucía Named' });
    const unnamed = await member(['legal'], undefined, 'no-profile@example.org');
    const names = await staffNamesOf(t.context.db, [
      named,
      unnamed,
      named,
      '00000000-0000-4000-8000-000000000000',
    ]);
    assert.equal(names.length, 2);
    const labels = new Map(names.map((staff) => [staff.userId, staffLabel(t.context, staff)]));
    assert.equal(labels.get(named), 'Lucía Named');
    assert.equal(labels.get(unnamed), 'no-profile@example.org');
    assert.deepEqual([...(await displayNamesOf(t.context.db, [named, unnamed]))], [[named, 'Lucía Named']]);
    assert.deepEqual(await staffNamesOf(t.context.db, []), []);
  });

  test('staff holding a role: oldest account first, enabled only when asked, among given ids', async () => {
    const first = await member(['legal']);
    t.clock.advance(1000);
    const second = await member(['legal']);
    t.clock.advance(1000);
    const gone = await member(['legal']);
    await disable(gone);
    const other = await member(['dispatcher']);
    const among = [gone, second, first, other];
    const all = await staffHolding(t.context.db, 'legal', { enabledOnly: false, among });
    assert.deepEqual(
      all.map((staff) => staff.userId),
      [first, second, gone],
    );
    assert.equal(all[2]!.disabled, true);
    const enabled = await staffHolding(t.context.db, 'legal', { enabledOnly: true, among });
    assert.deepEqual(
      enabled.map((staff) => staff.userId),
      [first, second],
    );
    assert.deepEqual(await staffHolding(t.context.db, 'legal', { enabledOnly: true, among: [] }), []);
  });

  test('on shift and reachable: enabled, holding the role, with a phone; the roster leaves out the disabled', async () => {
    const reachable = await member(['responder'], {
      name: 'Ana Reachable',
      phone: '+17735550181',
      onShift: true,
    });
    const noPhone = await member(['responder'], { name: 'Beto No Phone', onShift: true });
    const offShift = await member(['responder'], { name: 'Caro Off', phone: '+17735550182' });
    const dispatcher = await member(['dispatcher'], {
      name: 'Dani Dispatcher',
      phone: '+17735550183',
      onShift: true,
    });
    const disabled = await member(['responder'], {
      name: 'Eva Disabled',
      phone: '+17735550184',
      onShift: true,
    });
    await disable(disabled);

    const ids = (await listReachableOnShift(t.context.db, 'responder')).map((staff) => staff.userId);
    assert.ok(ids.includes(reachable));
    for (const left of [noPhone, offShift, dispatcher, disabled]) assert.ok(!ids.includes(left));
    assert.deepEqual(
      (await listReachableOnShift(t.context.db, 'responder', reachable)).map((staff) => staff.userId),
      [reachable],
    );
    assert.deepEqual(await listReachableOnShift(t.context.db, 'responder', dispatcher), []);

    const phone = t.context.secrets.blindIndex.phone('+17735550181');
    assert.equal((await findResponderByPhone(t.context.db, phone))?.userId, reachable);
    assert.equal(
      await findResponderByPhone(t.context.db, t.context.secrets.blindIndex.phone('+17735550183')),
      undefined,
      'a dispatcher is not a responder',
    );
    assert.equal(
      await findResponderByPhone(t.context.db, t.context.secrets.blindIndex.phone('+17735550184')),
      undefined,
      'a disabled responder is nobody',
    );

    const roster = await listRoster(t.context.db);
    const rosterIds = roster.map((row) => row.user_id);
    assert.ok(!rosterIds.includes(disabled));
    assert.ok(rosterIds.indexOf(reachable) < rosterIds.indexOf(offShift), 'on shift first');
    assert.deepEqual(roster.find((row) => row.user_id === dispatcher)?.roles, ['dispatcher']);
    assert.equal(roster.find((row) => row.user_id === noPhone)?.has_phone, false);
  });
});
