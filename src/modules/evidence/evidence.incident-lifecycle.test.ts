// What happens to an incident's log and media when the incident ends (issue 17). Merged into another incident,
// its media follow it (the evidence module's merge step). Past retention: the observations and evidence modules
// register how to delete what they keep, and the incidents module's daily run deletes the log entries, the media items, their
// chain of custody and the sealed files on disk of settled incidents nobody keeps, once the clock has moved past
// the retention; a linked case keeps an incident's log and media.
import assert from 'node:assert/strict';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { createStaff, insertIncident, type TestStaff } from '../dispatch/dispatch.test-helpers.ts';
import { expireIncidentEvidence } from '../incidents/incidents.retention.ts';
import { mergeIncidents } from '../incidents/incidents.service.ts';
import { listEvidenceItems } from './evidence.service.ts';
import { legalWithCaseOn, postEntry, sendTo } from '../observations/observations.test-helpers.ts';

const DAY = 86_400_000;

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

describe("an incident's log and media when it is merged or its retention ends", () => {
  let t: TestApp;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'amparo-evidence-retention-'));
    t = await createTestApp({ env: { AMPARO_DATA_DIR: dataDir } });
  });
  after(async () => {
    await t.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** A concluded incident with a responder sent to it, one log entry and one file sent by the form. */
  async function observedWithMedia(
    label: string,
    status: 'concluded' | 'confirmed' = 'concluded',
  ): Promise<{ incidentId: string; itemId: string }> {
    const incident = await insertIncident(t.context, { status });
    const observer: TestStaff = await createStaff(t.context, ['responder']);
    await sendTo(t.context, incident.id, observer.userId);
    const entry = await postEntry(
      t.app,
      observer,
      incident.id,
      { client_id: crypto.randomUUID(), kind: 'arrival', text: `${label} arrived` },
      { json: true },
    );
    assert.equal(entry.statusCode, 201);
    const form = new FormData();
    form.append('_csrf', observer.csrfToken);
    form.append('file', new Blob([`${label} bytes`]), `${label}.txt`);
    const body = new Response(form);
    const sent = await t.app.inject({
      method: 'POST',
      url: `/console/incidents/${incident.id}/evidence`,
      headers: { cookie: observer.cookie, 'content-type': body.headers.get('content-type')! },
      payload: Buffer.from(await body.arrayBuffer()),
    });
    assert.equal(sent.statusCode, 303, 'the file was taken');
    const item = await t.context.db
      .selectFrom('evidence_items')
      .select('id')
      .where('incident_id', '=', incident.id)
      .executeTakeFirstOrThrow();
    return { incidentId: incident.id, itemId: item.id };
  }

  const counts = async (incidentId: string, itemId: string) => ({
    entries: (
      await t.context.db
        .selectFrom('observation_entries')
        .select('id')
        .where('incident_id', '=', incidentId)
        .execute()
    ).length,
    items: (
      await t.context.db
        .selectFrom('evidence_items')
        .select('id')
        .where('incident_id', '=', incidentId)
        .execute()
    ).length,
    custody: (
      await t.context.db
        .selectFrom('evidence_custody_events')
        .select('id')
        .where('item_id', '=', itemId)
        .execute()
    ).length,
    original: await exists(path.join(dataDir, 'evidence', 'originals', `${itemId}.sealed`)),
  });

  test('the clock moves past retention: the unkept incident loses its log, media and files; the kept one keeps them', async () => {
    const gone = await observedWithMedia('gone');
    const kept = await observedWithMedia('kept');
    await legalWithCaseOn(t.context, kept.incidentId);
    const before = { entries: 1, items: 1, custody: 1, original: true };
    assert.deepEqual(await counts(gone.incidentId, gone.itemId), before);

    const early = await expireIncidentEvidence(t.context, t.context.clock.now());
    assert.deepEqual(early.expired, [], 'nothing goes before the retention ends');
    assert.deepEqual(await counts(gone.incidentId, gone.itemId), before);

    t.clock.advance((t.context.config.incidentEvidenceRetentionDays + 1) * DAY);
    const run = await expireIncidentEvidence(t.context, t.context.clock.now());
    assert.ok(run.expired.includes(gone.incidentId));
    assert.ok(run.kept.includes(kept.incidentId));
    assert.deepEqual(await counts(gone.incidentId, gone.itemId), {
      entries: 0,
      items: 0,
      custody: 0,
      original: false,
    });
    assert.deepEqual(await counts(kept.incidentId, kept.itemId), before, 'a linked case keeps them');
    // Running again is harmless.
    await expireIncidentEvidence(t.context, t.context.clock.now());
    assert.deepEqual(await counts(kept.incidentId, kept.itemId), before);
  });

  test('an incident merged into another takes its media with it', async () => {
    const source = await observedWithMedia('merged-source', 'confirmed');
    const target = await insertIncident(t.context, { status: 'confirmed' });
    const dispatcher = await createStaff(t.context, ['dispatcher']);
    assert.equal(
      await mergeIncidents(t.context, dispatcher.userId, {
        sourceId: source.incidentId,
        targetId: target.id,
        reason: null,
      }),
      'merged',
    );
    assert.deepEqual(
      (await listEvidenceItems(t.context, target.id)).map((item) => item.id),
      [source.itemId],
    );
    assert.deepEqual(await listEvidenceItems(t.context, source.incidentId), []);
  });
});
