import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { runEvidenceVerify } from '../../cli/evidence-commands.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';
import { expireIncidentEvidence, registerIncidentRetainedData } from '../incidents/incidents.retention.ts';
import { destroyDueCaseKeys } from '../cases/cases.retention.ts';
import { networkPublicKey, networkSigningKey } from './packets.signing-key.ts';
import { insertIncident, item, linkCase, sourcesDouble } from './packets.test-helpers.ts';

const DAY = 86_400_000;

describe('evidence packets', () => {
  let t: TestApp;
  let legal: StaffSession;
  let dir: string;

  before(async () => {
    t = await createTestApp();
    legal = await createStaffSession(t.context, ['legal']);
    dir = await mkdtemp(path.join(tmpdir(), 'amparo-packets-'));
  });
  after(async () => {
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('the signing key is made once, its private half sealed, and it signs what its public half verifies', async () => {
    const first = await networkPublicKey(t.context);
    const second = await networkSigningKey(t.context);
    assert.equal(first.publicKeyHex, second.publicKeyHex, 'one key per network');
    const row = await t.context.db.selectFrom('packet_signing_keys').selectAll().executeTakeFirstOrThrow();
    assert.match(row.private_key_ciphertext, /^v\d+\./, 'sealed by the field cipher');
    assert.equal(first.fingerprint.replaceAll(' ', '').length, 64);
    const page = await t.app.inject({ url: '/console/signing-key', headers: { cookie: legal.cookie } });
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(first.fingerprint), 'the fingerprint is shown for an attorney to compare');
  });

  test('legal staff on a linked case choose items one by one; the packet verifies, audited, custody per item', async () => {
    const incident = await insertIncident(t.context, 'confirmed');
    const linked = await linkCase(t.context, legal.userId, incident.id);
    const video = Buffer.alloc(2 * 1024 * 1024 + 3, 9);
    const photo = Buffer.from('photo bytes');
    const videoId = randomUUID();
    const photoId = randomUUID();
    const { custody, restore } = sourcesDouble(
      new Map([[incident.id, [item(videoId, '../../clip.mp4', video), item(photoId, 'photo.jpg', photo)]]]),
    );
    try {
      const casePage = await t.app.inject({
        url: `/console/cases/${linked.id}`,
        headers: { cookie: legal.cookie },
      });
      assert.ok(
        casePage.body.includes(`href="/console/cases/${linked.id}/packet"`),
        'the case page leads there',
      );
      const fromCase = await t.app.inject({
        url: `/console/cases/${linked.id}/packet`,
        headers: { cookie: legal.cookie },
      });
      assert.equal(fromCase.statusCode, 200);
      const page = await t.app.inject({
        url: `/console/incidents/${incident.id}/packet`,
        headers: { cookie: legal.cookie },
      });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(`value="${videoId}"`) && page.body.includes(`value="${photoId}"`));
      assert.doesNotMatch(page.body, /checked/, 'nothing is chosen for them');

      const res = await postForm(t.app, legal, `/console/incidents/${incident.id}/packet`, { item: videoId });
      assert.equal(res.statusCode, 200, res.body.slice(0, 300));
      assert.equal(res.headers['content-type'], 'application/zip');
      const file = path.join(dir, 'packet.zip');
      await writeFile(file, res.rawPayload);
      const out: string[] = [];
      const exit = await runEvidenceVerify([file], { out: (s) => out.push(s), err: (s) => out.push(s) });
      assert.equal(exit, 0, out.join(''));

      const entries = unzipSync(new Uint8Array(await readFile(file)));
      assert.deepEqual(Object.keys(entries).sort(), [
        'files/001-clip.mp4',
        'manifest.json',
        'manifest.sig',
        'summary.pdf',
      ]);
      const manifest = JSON.parse(Buffer.from(entries['manifest.json']!).toString('utf8')) as {
        publicKey: { hex: string };
        incident: Record<string, string>;
      };
      assert.equal(manifest.publicKey.hex, (await networkPublicKey(t.context)).publicKeyHex);
      assert.deepEqual(manifest.incident, { reference: incident.reference }, 'the incident only, no names');
      assert.deepEqual(
        custody.map((c) => [c.itemId, c.actorId]),
        [[videoId, legal.userId]],
        'one custody event, for the chosen item only',
      );
      assert.match(custody[0]!.reason, new RegExp(incident.reference));
      const audit = await t.context.db
        .selectFrom('audit_log')
        .select(['action', 'subject_id', 'details'])
        .where('action', '=', 'evidence.packet_exported')
        .execute();
      assert.equal(audit.length, 1);
      assert.equal(audit[0]!.subject_id, incident.id);

      const foreign = await postForm(t.app, legal, `/console/incidents/${incident.id}/packet`, {
        item: randomUUID(),
      });
      assert.equal(foreign.statusCode, 400, 'an item of another incident is refused');
    } finally {
      restore();
    }
  });

  test('legal staff without a case on the incident, and other roles, are turned away', async () => {
    const incident = await insertIncident(t.context, 'confirmed');
    const other = await createStaffSession(t.context, ['legal']);
    await linkCase(t.context, other.userId, incident.id);
    const outsider = await t.app.inject({
      url: `/console/incidents/${incident.id}/packet`,
      headers: { cookie: legal.cookie },
    });
    assert.equal(outsider.statusCode, 404);
    const dispatcher = await createStaffSession(t.context, ['dispatcher', 'admin']);
    const res = await t.app.inject({
      url: `/console/incidents/${incident.id}/packet`,
      headers: { cookie: dispatcher.cookie },
    });
    assert.equal(res.statusCode, 403);
  });

  test('a legal hold needs a reason, is sealed and audited, and is lifted by legal staff', async () => {
    const incident = await insertIncident(t.context, 'confirmed');
    await linkCase(t.context, legal.userId, incident.id);
    const base = `/console/incidents/${incident.id}/packet`;
    const empty = await postForm(t.app, legal, `${base}/holds`, { reason: '   ' });
    assert.equal(empty.statusCode, 303);
    assert.match(String(empty.headers.location), /reason_missing/);
    assert.equal((await t.context.db.selectFrom('legal_holds').selectAll().execute()).length, 0);

    const reason = 'Motion to suppress pending CANARY-HOLD-7731';
    const set = await postForm(t.app, legal, `${base}/holds`, { reason });
    assert.equal(set.statusCode, 303);
    const [hold] = await t.context.db.selectFrom('legal_holds').selectAll().execute();
    assert.ok(hold);
    assert.ok(!hold.reason_ciphertext.includes('CANARY'), 'the reason is sealed');
    const page = await t.app.inject({ url: base, headers: { cookie: legal.cookie } });
    assert.ok(page.body.includes(reason), 'legal staff read the reason');

    const lift = await postForm(t.app, legal, `/console/holds/${hold.id}/lift`, {});
    assert.equal(lift.statusCode, 303);
    const lifted = await t.context.db
      .selectFrom('legal_holds')
      .select(['lifted_by'])
      .where('id', '=', hold.id)
      .executeTakeFirstOrThrow();
    assert.equal(lifted.lifted_by, legal.userId);
    const actions = await t.context.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'in', ['legal_hold.set', 'legal_hold.lifted'])
      .orderBy('seq')
      .execute();
    assert.deepEqual(
      actions.map((a) => a.action),
      ['legal_hold.set', 'legal_hold.lifted'],
    );
  });

  test('a case under a legal hold keeps its key past retention; lifted, retention applies', async () => {
    const incident = await insertIncident(t.context, 'confirmed');
    const linked = await linkCase(t.context, legal.userId, incident.id);
    const set = await postForm(t.app, legal, `/console/cases/${linked.id}/packet/holds`, {
      reason: 'Habeas petition filed',
    });
    assert.equal(set.statusCode, 303);
    await t.context.db
      .updateTable('cases')
      .set({
        status: 'closed',
        closed_at: t.clock.now(),
        key_destroy_after: new Date(t.clock.now().getTime() - 1),
      })
      .where('id', '=', linked.id)
      .execute();
    assert.equal(await destroyDueCaseKeys(t.context), 0, 'held: the key stays');
    const hold = await t.context.db
      .selectFrom('legal_holds')
      .select('id')
      .where('case_id', '=', linked.id)
      .executeTakeFirstOrThrow();
    assert.equal((await postForm(t.app, legal, `/console/holds/${hold.id}/lift`, {})).statusCode, 303);
    assert.equal(await destroyDueCaseKeys(t.context), 1, 'lifted: retention applies');
    const husk = await t.context.db
      .selectFrom('cases')
      .select('key_destroyed_at')
      .where('id', '=', linked.id)
      .executeTakeFirstOrThrow();
    assert.ok(husk.key_destroyed_at);
  });

  test('retention: a held incident and one with a kept case keep their evidence; an unheld one loses it', async () => {
    const held = await insertIncident(t.context);
    const withCase = await insertIncident(t.context);
    const plain = await insertIncident(t.context);
    await linkCase(t.context, legal.userId, withCase.id);
    await linkCase(t.context, legal.userId, held.id);
    const heldCase = await t.context.db
      .selectFrom('cases')
      .select('id')
      .where('incident_id', '=', held.id)
      .executeTakeFirstOrThrow();
    // The held incident's case is gone (its key destroyed): only the hold keeps it now.
    await t.context.db
      .updateTable('cases')
      .set({ key_destroyed_at: t.context.clock.now() })
      .where('id', '=', heldCase.id)
      .execute();
    const set = await postForm(t.app, legal, `/console/incidents/${held.id}/packet/holds`, {
      reason: 'Pending',
    });
    assert.equal(set.statusCode, 404, 'without a live case, legal staff cannot reach the incident');
    await t.context.db
      .updateTable('cases')
      .set({ key_destroyed_at: null })
      .where('id', '=', heldCase.id)
      .execute();
    assert.equal(
      (await postForm(t.app, legal, `/console/incidents/${held.id}/packet/holds`, { reason: 'Pending' }))
        .statusCode,
      303,
    );
    await t.context.db
      .updateTable('cases')
      .set({ key_destroyed_at: t.context.clock.now() })
      .where('id', '=', heldCase.id)
      .execute();

    // Stands in for the observation log and the media, which register the same way.
    const evidence = new Set<string>([held.id, withCase.id, plain.id]);
    registerIncidentRetainedData({
      name: 'test-evidence',
      expire: async (_context, ids) => {
        for (const id of ids) evidence.delete(id);
      },
    });

    const early = await expireIncidentEvidence(t.context, t.context.clock.now());
    assert.deepEqual(early.expired, [], 'nothing goes before retention ends');
    t.clock.advance((t.context.config.incidentEvidenceRetentionDays + 1) * DAY);
    await expireIncidentEvidence(t.context, t.context.clock.now());
    assert.ok(evidence.has(held.id), 'the held incident keeps its evidence');
    assert.ok(evidence.has(withCase.id), 'a kept case keeps its incident');
    assert.ok(!evidence.has(plain.id), 'an unheld incident loses it');

    const hold = await t.context.db
      .selectFrom('legal_holds')
      .select('id')
      .where('incident_id', '=', held.id)
      .executeTakeFirstOrThrow();
    await t.context.db
      .updateTable('legal_holds')
      .set({ lifted_at: t.context.clock.now(), lifted_by: legal.userId })
      .where('id', '=', hold.id)
      .execute();
    await expireIncidentEvidence(t.context, t.context.clock.now());
    assert.ok(!evidence.has(held.id), 'once the hold is lifted, retention applies');
  });
});
