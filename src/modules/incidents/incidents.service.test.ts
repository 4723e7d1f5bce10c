// Grouping reports into incidents on a real database: what an incident keeps (and keeps encrypted), where a
// report is suggested (radius, time window, ZIP fallback), merge and split, and the status flow's rules.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createStaffSession } from '../../../test/support/staff.ts';
import { createTestApp, type TestApp } from '../../../test/support/test-context.ts';
import { h3CellOf, readPoint, zipCentroid } from '../../geo/geo.ts';
import { reportsDeps } from '../reports/reports.module.ts';
import { expireReport } from '../reports/reports.service.ts';
import { changeIncidentStatus } from './incidents.lifecycle.ts';
import { findGroupableReport } from '../reports/reports.queries.ts';
import {
  addReportToIncident,
  changeStatusAsDispatcher,
  createIncidentFromReport,
  dispatcherNextStatuses,
  loadBoard,
  mergeIncidents,
  splitIncident,
  suggestIncidentsForReports,
  viewIncident,
} from './incidents.service.ts';
import { DEFAULT_BOARD_QUERY } from './incidents.schemas.ts';
import { BASE, BASE_ZIP, coordinates, northOf, storeReport } from './incidents.test-helpers.ts';

describe(`incidents`, () => {
  let t: TestApp;
  let dispatcherId: string;
  before(async () => {
    t = await createTestApp();
    dispatcherId = (await createStaffSession(t.context, ['dispatcher'])).userId;
  });
  after(async () => t.close());

  const newIncident = async (
    reportId: string,
    extra: Partial<Parameters<typeof createIncidentFromReport>[2]> = {},
  ) => {
    const result = await createIncidentFromReport(t.context, dispatcherId, {
      reportId,
      type: 'street',
      agency: 'ice',
      point: null,
      zip: null,
      summary: 'canary-summary vans outside',
      ...extra,
    });
    assert.equal(result.outcome, 'created');
    return result;
  };
  // What the triage queue and a report's grouping panel ask for, one report at a time.
  const suggestIncidentsForReport = async (reportId: string) => {
    const report = await findGroupableReport(t.context.db, reportId);
    assert.ok(report, 'the report is stored');
    return (await suggestIncidentsForReports(t.context, [report])).get(report.id) ?? [];
  };
  const incidentRow = (id: string) =>
    t.context.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const reportRow = (id: string) =>
    t.context.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const timeline = async (incidentId: string) =>
    (
      await t.context.db
        .selectFrom('incident_events')
        .select(['kind', 'report_id', 'related_incident_id', 'actor_id'])
        .where('incident_id', '=', incidentId)
        .orderBy('at')
        .orderBy('kind')
        .execute()
    ).map((row) => row.kind);
  const audit = async (subjectId: string) =>
    (
      await t.context.db
        .selectFrom('audit_log')
        .select(['action', 'actor_id', 'details'])
        .where('subject_id', '=', subjectId)
        .orderBy('seq')
        .execute()
    ).map((row) => ({ action: row.action, actor: row.actor_id, details: row.details }));

  test('an incident from a report keeps its point encrypted, its ZIP and H3 cell in the clear', async () => {
    const report = await storeReport(t.context, { location: coordinates(BASE) });
    const incident = await newIncident(report.id);
    assert.match(incident.reference, /^INC-[2-9A-Z]{6}$/);
    const row = await incidentRow(incident.id);
    assert.equal(row.status, 'reported');
    assert.equal(row.zip, BASE_ZIP);
    assert.equal(row.h3_cell, h3CellOf(BASE));
    assert.equal(row.created_by, dispatcherId);
    assert.ok(row.point_ciphertext && !row.point_ciphertext.includes('41.85'), 'the point is ciphertext');
    assert.ok(
      row.summary_ciphertext && !row.summary_ciphertext.includes('canary'),
      'the summary is ciphertext',
    );
    const point = readPoint(
      t.context.secrets.fields.decrypt(
        { table: 'incidents', column: 'point', rowId: incident.id },
        row.point_ciphertext,
      ),
    );
    assert.deepEqual(point, BASE);

    const linked = await reportRow(report.id);
    assert.equal(linked.incident_id, incident.id);
    assert.equal(linked.h3_cell, h3CellOf(BASE));
    assert.equal(linked.status, 'needs_verification', 'moved out of the expiring statuses');
    assert.equal(linked.status_changed_by, dispatcherId);
    assert.equal(await expireReport(reportsDeps(t.context), report.id), 'kept', 'report expiry keeps it');

    assert.deepEqual(await timeline(incident.id), ['created', 'report_linked']);
    const actions = await audit(incident.id);
    assert.deepEqual(
      actions.map((a) => a.action),
      ['incident.created', 'incident.report_linked'],
    );
    assert.ok(actions.every((a) => a.actor === dispatcherId));
    assert.deepEqual(actions[1]!.details, { reportId: report.id });
    assert.deepEqual(
      (await audit(report.id)).map((a) => a.details),
      [{ from: 'new', to: 'needs_verification' }],
    );
  });

  test('without coordinates the report is placed at its ZIP centre; without either, there is no place', async () => {
    const byZip = await storeReport(t.context, { location: '2600 S Kedzie Ave', zip: '60608' });
    const incident = await newIncident(byZip.id);
    const row = await incidentRow(incident.id);
    assert.equal(row.zip, '60608');
    assert.equal(row.h3_cell, h3CellOf(zipCentroid('60608')!));

    const nowhere = await storeReport(t.context, { location: 'by the church', zip: null });
    const refused = await createIncidentFromReport(t.context, dispatcherId, {
      reportId: nowhere.id,
      type: 'other',
      agency: 'unknown',
      point: null,
      zip: null,
      summary: null,
    });
    assert.deepEqual(refused, { outcome: 'no_place' });
    assert.equal((await reportRow(nowhere.id)).incident_id, null);
    // The dispatcher can give the place the report lacked.
    const given = await newIncident(nowhere.id, { zip: '60623' });
    assert.equal((await incidentRow(given.id)).h3_cell, h3CellOf(zipCentroid('60623')!));
  });

  test('a report already in an incident is not grouped again', async () => {
    const report = await storeReport(t.context);
    const first = await newIncident(report.id);
    const again = await createIncidentFromReport(t.context, dispatcherId, {
      reportId: report.id,
      type: 'home',
      agency: 'ice',
      point: null,
      zip: null,
      summary: null,
    });
    assert.deepEqual(again, { outcome: 'already_grouped', incidentId: first.id });
    const other = await newIncident((await storeReport(t.context)).id);
    assert.equal(await addReportToIncident(t.context, dispatcherId, other.id, report.id), 'already_grouped');
    assert.equal(await addReportToIncident(t.context, dispatcherId, first.id, report.id), 'unchanged');
    assert.equal(await addReportToIncident(t.context, dispatcherId, randomUUID(), report.id), 'not_found');
    assert.equal(
      await addReportToIncident(t.context, dispatcherId, first.id, randomUUID()),
      'report_not_found',
    );
  });

  test('suggestions: open incidents within the radius, nearest first; the same ZIP when a place is not exact', async () => {
    t.clock.advance(24 * 3600_000); // away from earlier tests' incidents
    const far = await newIncident((await storeReport(t.context, { location: coordinates(northOf(500)) })).id);
    const near = await newIncident(
      (await storeReport(t.context, { location: coordinates(northOf(200)) })).id,
    );
    t.clock.advance(60_000);

    const atBase = await storeReport(t.context, { location: coordinates(BASE) });
    const suggested = await suggestIncidentsForReport(atBase.id);
    assert.deepEqual(
      suggested.map((s) => s.id),
      [near.id, far.id],
      'nearest first',
    );
    assert.ok(
      Math.abs(suggested[0]!.distanceMeters! - 200) < 5,
      `about 200 m, got ${suggested[0]!.distanceMeters}`,
    );
    assert.ok(Math.abs(suggested[1]!.distanceMeters! - 500) < 5);

    // 2 km away, in the same ZIP code: the points are both exact, so distance decides.
    const tooFar = await storeReport(t.context, { location: coordinates(northOf(2000)) });
    assert.deepEqual(await suggestIncidentsForReport(tooFar.id), []);

    // No coordinates: the same ZIP code is all there is to go on.
    const vague = await storeReport(t.context, { location: 'near the school', zip: BASE_ZIP });
    const byZip = await suggestIncidentsForReport(vague.id);
    assert.deepEqual(new Set(byZip.map((s) => s.id)), new Set([near.id, far.id]));
    assert.ok(byZip.every((s) => s.distanceMeters === null && s.sameZip));
    const otherZip = await storeReport(t.context, { location: 'near the school', zip: '60601' });
    assert.deepEqual(await suggestIncidentsForReport(otherZip.id), []);

    // A report already in an incident is not told to join it again.
    await addReportToIncident(t.context, dispatcherId, near.id, atBase.id);
    assert.deepEqual(
      (await suggestIncidentsForReport(atBase.id)).map((s) => s.id),
      [far.id],
    );
  });

  test('suggestions: only incidents active within the time window, and only open ones', async () => {
    t.clock.advance(24 * 3600_000);
    const window = t.context.config.hotline.incidentWindowMinutes * 60_000;
    const incident = await newIncident((await storeReport(t.context)).id);
    t.clock.advance(window - 60_000);
    const inside = await storeReport(t.context);
    assert.deepEqual(
      (await suggestIncidentsForReport(inside.id)).map((s) => s.id),
      [incident.id],
    );
    t.clock.advance(2 * 60_000);
    const outside = await storeReport(t.context);
    assert.deepEqual(await suggestIncidentsForReport(outside.id), [], 'past the window');

    const settled = await newIncident((await storeReport(t.context)).id);
    const fresh = await storeReport(t.context);
    assert.deepEqual(
      (await suggestIncidentsForReport(fresh.id)).map((s) => s.id),
      [settled.id],
    );
    await changeStatusAsDispatcher(t.context, dispatcherId, {
      incidentId: settled.id,
      to: 'verifying',
      reason: 'sent',
    });
    await changeStatusAsDispatcher(t.context, dispatcherId, {
      incidentId: settled.id,
      to: 'false_alarm',
      reason: 'caller confirmed it was a delivery truck',
    });
    assert.deepEqual(await suggestIncidentsForReport(fresh.id), [], 'a false alarm is not open');
  });

  test('merge: reports, timeline and dispatches move; the source leaves the board; audited', async () => {
    t.clock.advance(24 * 3600_000);
    const source = await newIncident((await storeReport(t.context)).id);
    const second = await storeReport(t.context);
    await addReportToIncident(t.context, dispatcherId, source.id, second.id);
    const target = await newIncident((await storeReport(t.context)).id);
    const responder = await createStaffSession(t.context, ['responder']);
    const dispatchId = randomUUID();
    await t.context.db
      .insertInto('dispatches')
      .values({
        id: dispatchId,
        incident_id: source.id,
        responder_id: responder.userId,
        status: 'on_way',
        eta_minutes: 5,
        created_by: dispatcherId,
        responded_at: null,
        provider_id: null,
      })
      .execute();

    assert.equal(
      await mergeIncidents(t.context, dispatcherId, {
        sourceId: source.id,
        targetId: source.id,
        reason: null,
      }),
      'same_incident',
    );
    assert.equal(
      await mergeIncidents(t.context, dispatcherId, {
        sourceId: source.id,
        targetId: randomUUID(),
        reason: null,
      }),
      'target_not_found',
    );
    assert.equal(
      await mergeIncidents(t.context, dispatcherId, {
        sourceId: source.id,
        targetId: target.id,
        reason: 'same van, two callers',
      }),
      'merged',
    );
    const reports = await t.context.db
      .selectFrom('reports')
      .select('id')
      .where('incident_id', '=', target.id)
      .execute();
    assert.equal(reports.length, 3);
    assert.equal((await incidentRow(source.id)).merged_into, target.id);
    const dispatch = await t.context.db
      .selectFrom('dispatches')
      .select('incident_id')
      .where('id', '=', dispatchId)
      .executeTakeFirstOrThrow();
    assert.equal(dispatch.incident_id, target.id);
    const moved = await timeline(target.id);
    assert.equal(moved.filter((kind) => kind === 'report_linked').length, 3, 'the source timeline moved too');
    assert.ok(moved.includes('merged_from'));
    assert.deepEqual(await timeline(source.id), ['merged_into']);
    assert.deepEqual((await audit(source.id)).at(-1), {
      action: 'incident.merged',
      actor: dispatcherId,
      details: { into: target.id, reports: 2 },
    });

    const board = await loadBoard(t.context, { ...DEFAULT_BOARD_QUERY, status: 'all' });
    assert.ok(!board.incidents.some((row) => row.id === source.id), 'a merged incident is on no board');
    assert.ok(board.incidents.some((row) => row.id === target.id));
    const view = await viewIncident(t.context, source.id, dispatcherId);
    assert.deepEqual(view, { outcome: 'merged', into: target.id });
    assert.equal(
      await mergeIncidents(t.context, dispatcherId, {
        sourceId: source.id,
        targetId: target.id,
        reason: null,
      }),
      'not_found',
    );
    const detail = await viewIncident(t.context, target.id, dispatcherId);
    assert.equal(detail.outcome, 'found');
    const merged =
      detail.outcome === 'found'
        ? detail.incident.timeline.find((item) => item.kind === 'merged_from')
        : undefined;
    assert.equal(merged?.note, 'same van, two callers', 'the reason is kept (decrypted for the page)');
    assert.equal(merged?.related?.reference, source.reference);
  });

  test('merge never buries a verified incident under an unverified one', async () => {
    const verified = await newIncident((await storeReport(t.context)).id);
    const unverified = await newIncident((await storeReport(t.context)).id);
    await t.context.db.transaction().execute(async (trx) => {
      await changeIncidentStatus(t.context, trx, {
        incidentId: verified.id,
        to: 'verifying',
        actorId: dispatcherId,
        reason: 'sent',
        source: 'dispatcher',
      });
      await changeIncidentStatus(t.context, trx, {
        incidentId: verified.id,
        to: 'confirmed',
        actorId: null,
        reason: 'seen',
        source: 'verification',
      });
    });
    assert.equal(
      await mergeIncidents(t.context, dispatcherId, {
        sourceId: verified.id,
        targetId: unverified.id,
        reason: null,
      }),
      'would_bury_verified',
    );
    assert.equal(
      await mergeIncidents(t.context, dispatcherId, {
        sourceId: unverified.id,
        targetId: verified.id,
        reason: null,
      }),
      'merged',
    );
    assert.equal((await incidentRow(verified.id)).status, 'confirmed');
  });

  test('split: chosen reports move to a new incident that starts at reported; audited both ways', async () => {
    const first = await storeReport(t.context);
    const source = await newIncident(first.id);
    const elsewhere = await storeReport(t.context, { location: coordinates(northOf(3000)) });
    await addReportToIncident(t.context, dispatcherId, source.id, elsewhere.id);
    await changeStatusAsDispatcher(t.context, dispatcherId, {
      incidentId: source.id,
      to: 'verifying',
      reason: 'sent',
    });

    const stranger = await storeReport(t.context);
    assert.deepEqual(
      await splitIncident(t.context, dispatcherId, source.id, {
        reportIds: [stranger.id],
        type: 'home',
        agency: 'ice',
        reason: null,
      }),
      { outcome: 'reports_not_in_incident' },
    );
    const result = await splitIncident(t.context, dispatcherId, source.id, {
      reportIds: [elsewhere.id],
      type: 'workplace',
      agency: 'cbp',
      reason: 'different block',
    });
    assert.equal(result.outcome, 'split');
    const newId = result.outcome === 'split' ? result.id : '';
    const created = await incidentRow(newId);
    assert.equal(created.status, 'reported');
    assert.equal(created.type, 'workplace');
    assert.equal(created.agency, 'cbp');
    assert.equal(created.h3_cell, h3CellOf(northOf(3000)), 'placed where the moved report is');
    assert.equal((await reportRow(elsewhere.id)).incident_id, newId);
    assert.equal((await reportRow(first.id)).incident_id, source.id);
    assert.equal((await incidentRow(source.id)).status, 'verifying', 'the source keeps its status');
    assert.deepEqual(await timeline(newId), ['report_linked', 'split_from']);
    assert.ok((await timeline(source.id)).includes('split_into'));
    assert.deepEqual((await audit(source.id)).at(-1)?.details, { into: newId, reportIds: [elsewhere.id] });
    assert.deepEqual(
      (await audit(newId)).map((a) => a.action),
      ['incident.created'],
    );
  });

  test('status: a dispatcher moves it along with a reason, but only a verification confirms', async () => {
    const incident = await newIncident((await storeReport(t.context)).id);
    assert.deepEqual(dispatcherNextStatuses('verifying'), [
      'not_immigration',
      'false_alarm',
      'unable_to_verify',
    ]);
    assert.ok(!dispatcherNextStatuses('reported').includes('confirmed'));
    assert.equal(
      await changeStatusAsDispatcher(t.context, dispatcherId, {
        incidentId: incident.id,
        to: 'confirmed',
        reason: 'caller is sure',
      }),
      'not_allowed',
    );
    assert.equal(
      await changeStatusAsDispatcher(t.context, dispatcherId, {
        incidentId: incident.id,
        to: 'verifying',
        reason: 'responder sent',
      }),
      'changed',
    );
    assert.equal(
      await changeStatusAsDispatcher(t.context, dispatcherId, {
        incidentId: incident.id,
        to: 'confirmed',
        reason: 'three callers agree',
      }),
      'not_allowed',
    );
    assert.equal((await incidentRow(incident.id)).status, 'verifying');
    const statusAudits = (await audit(incident.id)).filter((a) => a.action === 'incident.status_changed');
    assert.deepEqual(statusAudits, [
      {
        action: 'incident.status_changed',
        actor: dispatcherId,
        details: { from: 'reported', to: 'verifying', source: 'dispatcher' },
      },
    ]);
    const view = await viewIncident(t.context, incident.id, dispatcherId);
    assert.equal(view.outcome, 'found');
    if (view.outcome !== 'found') return;
    const change = view.incident.timeline.find((item) => item.kind === 'status_changed');
    assert.equal(change?.note, 'responder sent');
    assert.equal(change?.fromStatus, 'reported');
    assert.equal(change?.toStatus, 'verifying');
    assert.ok(change?.actor?.includes('@example.org'), 'who did it is shown');
    assert.deepEqual(view.incident.nextStatuses, ['not_immigration', 'false_alarm', 'unable_to_verify']);
    assert.deepEqual((await audit(incident.id)).at(-1)?.action, 'incident.viewed');
  });
});
