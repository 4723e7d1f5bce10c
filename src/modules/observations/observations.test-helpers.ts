// What the observation log's tests share: an incident with a responder sent to it (a dispatch row placed
// directly: the dispatch module's own tests cover sending one), and a legal staff member with a case linked to
// the incident.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { DispatchStatus } from '../../db/schema.ts';
import { createStaff, insertIncident, type TestStaff } from '../dispatch/dispatch.test-helpers.ts';
import { testCaseDetails, testContact } from '../cases/cases.test-helpers.ts';
import { createCase } from '../cases/cases.service.ts';

export async function sendTo(
  context: AppContext,
  incidentId: string,
  responderId: string,
  status: DispatchStatus = 'on_way',
): Promise<void> {
  const now = context.clock.now();
  await context.db
    .insertInto('dispatches')
    .values({
      id: randomUUID(),
      incident_id: incidentId,
      responder_id: responderId,
      status,
      eta_minutes: null,
      created_by: null,
      created_at: now,
      responded_at: now,
      provider_id: null,
    })
    .execute();
}

export interface ObservedIncident {
  incident: { id: string; reference: string };
  observer: TestStaff;
}

/** A confirmed incident and a responder (with a display name) sent to it. */
export async function observedIncident(
  context: AppContext,
  name = 'Rosa Observer',
): Promise<ObservedIncident> {
  const incident = await insertIncident(context, { status: 'confirmed' });
  const observer = await createStaff(context, ['responder'], { displayName: name });
  await sendTo(context, incident.id, observer.userId);
  return { incident, observer };
}

/** A legal staff member with a case of their own linked to this incident. */
export async function legalWithCaseOn(context: AppContext, incidentId: string): Promise<TestStaff> {
  const legal = await createStaff(context, ['legal']);
  await createCase(
    context,
    { userId: legal.userId },
    {
      source: 'console',
      followupTaskId: null,
      incidentId,
      teamId: null,
      details: testCaseDetails(),
      contacts: [testContact()],
    },
  );
  return legal;
}

/** Posts an entry as the plain form does (or, with json, as the page's script does). */
export async function postEntry(
  app: FastifyInstance,
  who: TestStaff,
  incidentId: string,
  fields: Record<string, string>,
  options: { json?: boolean; lang?: string } = {},
) {
  return app.inject({
    method: 'POST',
    url: `/console/incidents/${incidentId}/log`,
    payload: new URLSearchParams({ _csrf: who.csrfToken, ...fields }).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: who.cookie,
      accept: options.json ? 'application/json' : 'text/html',
      'accept-language': options.lang ?? 'en',
    },
  });
}
