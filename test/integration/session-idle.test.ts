// A console left open keeps reconnecting its live feed by itself; that must not keep the session alive:
// after 30 minutes without a person doing anything, the session ends.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hashToken } from '../../src/crypto/secrets.ts';
import { createStaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';

describe(`idle timeout and the live feed`, () => {
  let t: TestApp;
  let baseUrl: string;
  before(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => t.close());

  async function openFeed(cookie: string): Promise<number> {
    const controller = new AbortController();
    const res = await fetch(`${baseUrl}/console/reports/events`, {
      headers: { cookie, accept: 'text/event-stream' },
      redirect: 'manual',
      signal: controller.signal,
    });
    controller.abort();
    return res.status;
  }

  const lastSeen = async (token: string) =>
    (
      await t.context.db
        .selectFrom('sessions')
        .select('last_seen_at')
        .where('id', '=', hashToken(token))
        .executeTakeFirstOrThrow()
    ).last_seen_at.getTime();

  test('feed reconnects do not count as activity; page views do', async () => {
    const dispatcher = await createStaffSession(t.context, ['dispatcher']);
    const start = await lastSeen(dispatcher.sessionToken);
    t.clock.advance(10 * 60_000);
    assert.equal(await openFeed(dispatcher.cookie), 200);
    assert.equal(await lastSeen(dispatcher.sessionToken), start, 'the feed left last_seen_at alone');
    t.clock.advance(10 * 60_000);
    assert.equal((await fetch(`${baseUrl}/console`, { headers: { cookie: dispatcher.cookie } })).status, 200);
    assert.ok((await lastSeen(dispatcher.sessionToken)) > start, 'a page view is activity');

    const unattended = await createStaffSession(t.context, ['dispatcher']);
    for (let minute = 0; minute < 30; minute += 5) {
      t.clock.advance(5 * 60_000);
      await openFeed(unattended.cookie);
    }
    t.clock.advance(60_000);
    assert.equal(await openFeed(unattended.cookie), 401, 'after 31 idle minutes the feed is refused');
  });
});
