// The live incident board over real sockets: two consoles hold the event stream open while a dispatcher
// works on a third; each change must reach both, carrying only what the board shows. How long it took is
// reported, not asserted: a loaded machine must not fail a test that is about what arrives.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createStaffSession, type StaffSession } from '../support/staff.ts';
import { createTestApp, type TestApp } from '../support/test-context.ts';
import {
  coordinates,
  formBody,
  northOf,
  storeReport,
} from '../../src/modules/incidents/incidents.test-helpers.ts';

interface BoardEvent {
  type: string;
  id: string;
  data: Record<string, unknown>;
  raw: string;
  receivedAt: number;
}

/** A console's event stream: collects parsed events as they arrive and waits for one that matches. */
class StreamReader {
  readonly events: BoardEvent[] = [];
  #buffer = '';
  #waiters: { match: (event: BoardEvent) => boolean; resolve: (event: BoardEvent) => void }[] = [];
  readonly #abort = new AbortController();
  #connected!: Promise<void>;

  static async open(
    url: string,
    cookie: string,
    headers: Record<string, string> = {},
  ): Promise<StreamReader> {
    const reader = new StreamReader();
    const res = await fetch(url, {
      headers: { cookie, accept: 'text/event-stream', ...headers },
      signal: reader.#abort.signal,
    });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/event-stream/);
    assert.match(String(res.headers.get('content-security-policy')), /default-src 'none'/);
    let connected!: () => void;
    reader.#connected = new Promise((resolve) => (connected = resolve));
    void reader.#pump(res.body!.getReader(), connected);
    await reader.#connected;
    return reader;
  }

  async #pump(body: ReadableStreamDefaultReader<Uint8Array>, connected: () => void): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await body.read();
        if (done) return;
        this.#buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = this.#buffer.indexOf('\n\n')) !== -1) {
          const chunk = this.#buffer.slice(0, end);
          this.#buffer = this.#buffer.slice(end + 2);
          if (chunk.includes(': connected')) connected();
          const type = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (!type || !data) continue;
          const event: BoardEvent = {
            type,
            id: /^id: (.*)$/m.exec(chunk)?.[1] ?? '',
            data: JSON.parse(data) as Record<string, unknown>,
            raw: chunk,
            receivedAt: performance.now(),
          };
          this.events.push(event);
          for (const waiter of [...this.#waiters]) {
            if (waiter.match(event)) {
              this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
              waiter.resolve(event);
            }
          }
        }
      }
    } catch {
      // Aborted at the end of the test.
    }
  }

  /** Waits for a matching event; the timeout only keeps a missing event from hanging the run. */
  next(match: (event: BoardEvent) => boolean, timeoutMs = 20_000): Promise<BoardEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching event; got ${this.events.map((e) => e.raw).join(' | ')}`)),
        timeoutMs,
      );
      this.#waiters.push({
        match,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }

  close(): void {
    this.#abort.abort();
  }
}

describe(`live incident board`, () => {
  let t: TestApp;
  let baseUrl: string;
  let dispatcher: StaffSession;
  let watchers: StaffSession[];
  before(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    dispatcher = await createStaffSession(t.context, ['dispatcher']);
    watchers = [
      await createStaffSession(t.context, ['dispatcher']),
      await createStaffSession(t.context, ['coordinator']),
    ];
  });
  after(async () => t.close());

  const post = async (path: string, fields: Record<string, string>) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: {
        cookie: dispatcher.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
      body: formBody({ _csrf: dispatcher.csrfToken, ...fields }),
      redirect: 'manual',
    });
    await res.arrayBuffer();
    return res;
  };
  /** The frame the board page drew, so markers in events are placed on the same map. */
  const boardFrame = async () => {
    const page = await fetch(`${baseUrl}/console/incidents`, { headers: { cookie: watchers[0]!.cookie } });
    const body = await page.text();
    const events = /data-events="([^"]+)"/.exec(body)?.[1]?.replaceAll('&amp;', '&');
    assert.ok(events, 'the board names its stream');
    return events;
  };

  test('every change a dispatcher makes reaches two other consoles, carrying only what the board shows', async (context) => {
    const latencies: number[] = [];
    const report = await storeReport(t.context, {
      location: coordinates(northOf(100)),
      details: 'canary-live-details',
      callbackPhone: '+17735550123',
    });
    const streamPath = await boardFrame();
    const consoles = await Promise.all(
      watchers.map((w) => StreamReader.open(`${baseUrl}${streamPath}`, w.cookie)),
    );
    try {
      // 1. A new incident from the report: both boards add it and drop the report from triage.
      let started = performance.now();
      const created = await post('/console/incidents', {
        report_id: report.id,
        type: 'street',
        agency: 'ice',
        summary: 'canary-summary',
      });
      assert.equal(created.status, 303);
      const incidentId = /([0-9a-f-]{36})$/.exec(String(created.headers.get('location')))![1]!;
      for (const board of consoles) {
        const event = await board.next((e) => e.type === 'incident' && e.data.id === incidentId);
        const latency = event.receivedAt - started;
        latencies.push(latency);
        assert.equal(event.data.statusLabel, 'Reported');
        assert.equal(event.data.hidden, false);
        assert.deepEqual(event.data.groupedReports, [report.id], 'the board drops it from the triage queue');
        assert.equal(typeof event.data.x, 'number', 'a marker on this board’s map');
        assert.ok(Number(event.id) > 0, 'carries an id to resume from');
        // Only what the board shows: no report text, phone number, summary or exact point.
        assert.doesNotMatch(event.raw, /canary|7735550123|41\.85|-87\.71/);
        assert.deepEqual(Object.keys(event.data).sort(), [
          'agency',
          'colour',
          'groupedReports',
          'hidden',
          'id',
          'onWay',
          'reference',
          'reports',
          'simulated',
          'status',
          'statusLabel',
          'type',
          'updated',
          'url',
          'x',
          'y',
          'zip',
        ]);
      }

      // 2. A status change.
      started = performance.now();
      assert.equal(
        (
          await post(`/console/incidents/${incidentId}/status`, {
            to: 'verifying',
            reason: 'canary-reason',
          })
        ).status,
        303,
      );
      for (const board of consoles) {
        const event = await board.next(
          (e) => e.type === 'incident' && e.data.id === incidentId && e.data.status === 'verifying',
        );
        const latency = event.receivedAt - started;
        latencies.push(latency);
        assert.doesNotMatch(event.raw, /canary/);
      }

      // 3. A report arriving for triage, with its suggestion.
      started = performance.now();
      const incoming = await storeReport(t.context, {
        location: coordinates(northOf(150)),
        details: 'canary-new',
      });
      for (const board of consoles) {
        const event = await board.next((e) => e.type === 'report' && e.data.id === incoming.id);
        latencies.push(event.receivedAt - started);
        assert.equal(
          (event.data.suggestions as { url: string }[])[0]?.url,
          `/console/incidents/${incidentId}`,
        );
        assert.doesNotMatch(event.raw, /canary|41\.85/);
      }

      // 4. A merge: the source disappears from both boards.
      const other = await storeReport(t.context, { location: coordinates(northOf(200)) });
      const second = await post('/console/incidents', {
        report_id: other.id,
        type: 'street',
        agency: 'ice',
      });
      const secondId = /([0-9a-f-]{36})$/.exec(String(second.headers.get('location')))![1]!;
      started = performance.now();
      assert.equal((await post(`/console/incidents/${secondId}/merge`, { target: incidentId })).status, 303);
      for (const board of consoles) {
        const gone = await board.next(
          (e) => e.type === 'incident' && e.data.id === secondId && e.data.hidden === true,
        );
        const grown = await board.next(
          (e) => e.type === 'incident' && e.data.id === incidentId && e.data.reports === 2,
        );
        latencies.push(Math.max(gone.receivedAt, grown.receivedAt) - started);
      }
      context.diagnostic(`slowest propagation to a console: ${Math.max(...latencies).toFixed(0)} ms`);
    } finally {
      for (const board of consoles) board.close();
    }
  });

  test('a board filtered by status is told to drop an incident that leaves its filter', async () => {
    const report = await storeReport(t.context);
    const created = await post('/console/incidents', { report_id: report.id, type: 'home', agency: 'ice' });
    const id = /([0-9a-f-]{36})$/.exec(String(created.headers.get('location')))![1]!;
    const board = await StreamReader.open(
      `${baseUrl}/console/incidents/events?status=reported`,
      watchers[0]!.cookie,
    );
    try {
      await post(`/console/incidents/${id}/status`, { to: 'verifying', reason: 'sent' });
      // The incident's creation may still be on its way to this board (it matched the filter then): the
      // event that counts is the one that drops it, and without it this waits and fails.
      const event = await board.next(
        (e) => e.type === 'incident' && e.data.id === id && e.data.hidden === true,
      );
      assert.equal(event.data.x, undefined, 'no frame asked for, no marker place');
    } finally {
      board.close();
    }
  });

  test('a reconnecting board is sent what changed while it was away (Last-Event-ID)', async () => {
    const report = await storeReport(t.context);
    const created = await post('/console/incidents', { report_id: report.id, type: 'home', agency: 'ice' });
    const id = /([0-9a-f-]{36})$/.exec(String(created.headers.get('location')))![1]!;
    const cursor = t.clock.now().getTime();
    t.clock.advance(10_000);
    await post(`/console/incidents/${id}/status`, { to: 'verifying', reason: 'while away' });
    const missed = await storeReport(t.context);
    const board = await StreamReader.open(`${baseUrl}/console/incidents/events`, watchers[1]!.cookie, {
      'last-event-id': String(cursor),
    });
    try {
      const event = await board.next((e) => e.type === 'incident' && e.data.id === id);
      assert.equal(event.data.status, 'verifying');
      await board.next((e) => e.type === 'report' && e.data.id === missed.id);
    } finally {
      board.close();
    }
    const responder = await createStaffSession(t.context, ['responder']);
    const refused = await fetch(`${baseUrl}/console/incidents/events`, {
      headers: { cookie: responder.cookie },
    });
    assert.equal(refused.status, 403);
    await refused.arrayBuffer();
  });
});
