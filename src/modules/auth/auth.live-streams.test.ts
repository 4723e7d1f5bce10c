// Signed out, signed out everywhere, revoked or disabled: the person's open live console streams end at once,
// not at the stream's lifetime (it was 10 minutes). Checked by order, not by time: once the change is made, a
// new report reaches a colleague's stream but never the ended one, which has already finished.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import {
  openReportForm,
  postReport,
  VALID_FIELDS,
  referenceFromLocation,
} from '../reports/reports.test-helpers.ts';

interface Stream {
  /** Reads until the text appears (true) or the stream ends (false). */
  readUntil(needle: string): Promise<boolean>;
  received(): string;
  abort(): void;
}

async function openStream(address: string, session: StaffSession): Promise<Stream> {
  const abort = new AbortController();
  const res = await fetch(`${address}/console/reports/events`, {
    headers: { cookie: session.cookie, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let received = '';
  const stream: Stream = {
    async readUntil(needle) {
      while (!received.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) return false;
        received += decoder.decode(value, { stream: true });
      }
      return true;
    },
    received: () => received,
    abort: () => abort.abort(),
  };
  assert.ok(await stream.readUntil(': connected'));
  return stream;
}

describe(`live streams of ended sessions`, () => {
  let t: TestApp;
  let dataDir: string;
  let address: string;
  let admin: StaffSession;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-stream-end-'));
    t = await createTestApp({ env: { AMPARO_DATA_DIR: dataDir, AMPARO_PUBLIC_RATE_LIMIT: '1000' } });
    admin = await createStaffSession(t.context, ['admin']);
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function submitReport(): Promise<string> {
    const form = await openReportForm(t.app);
    const res = await postReport(t.app, form, VALID_FIELDS);
    assert.equal(res.statusCode, 303, res.body);
    return referenceFromLocation(res.headers.location);
  }

  const post = (session: StaffSession, url: string) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: session.cookie,
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: session.csrfToken }).toString(),
    });

  const endings: [string, (who: StaffSession) => Promise<void>][] = [
    [
      'disabled by an admin',
      async (who) => {
        assert.equal((await post(admin, `/console/users/${who.userId}/disable`)).statusCode, 303);
      },
    ],
    [
      'sessions revoked by an admin',
      async (who) => {
        assert.equal((await post(admin, `/console/users/${who.userId}/revoke-sessions`)).statusCode, 303);
      },
    ],
    [
      'signed out',
      async (who) => {
        assert.equal((await post(who, '/logout')).statusCode, 303);
      },
    ],
    [
      'signed out everywhere',
      async (who) => {
        assert.equal((await post(who, '/console/account/sign-out-everywhere')).statusCode, 303);
      },
    ],
  ];

  for (const [how, end] of endings) {
    test(`${how}: the open stream ends before anything new is sent on it`, async () => {
      const leaving = await createStaffSession(t.context, ['dispatcher']);
      const staying = await createStaffSession(t.context, ['dispatcher']);
      const ended = await openStream(address, leaving);
      const control = await openStream(address, staying);
      try {
        await end(leaving);
        const reference = await submitReport();
        assert.ok(await control.readUntil(reference), 'the report was sent to open streams');
        const reached = await ended.readUntil(reference);
        assert.equal(reached, false, 'the ended stream finished without the new report');
        assert.ok(!ended.received().includes(reference));
      } finally {
        ended.abort();
        control.abort();
      }
    });
  }
});
