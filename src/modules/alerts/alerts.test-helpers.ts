// Helpers the alert tests share: incidents in a chosen status (placed directly: the incident and dispatch
// modules build them for real), subscribers stored as the subscriptions module stores them, STOP, and the
// console's alert forms posted as a browser would.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { IncidentAgency, IncidentStatus, IncidentType, SubscriberStatus } from '../../db/schema.ts';
import type { Point } from '../../geo/geo.ts';
import type { StaffSession } from '../../../test/support/staff.ts';
import { insertIncident } from '../dispatch/dispatch.test-helpers.ts';
import { postForm } from '../incidents/incidents.test-helpers.ts';
import { recordOptOut } from '../opt-outs/opt-outs.service.ts';
import { insertSubscriber, markSubscriberOptedOut } from '../subscriptions/subscriptions.test-helpers.ts';
import { findAlert } from './alerts.repository.ts';
import { alertFingerprint } from './alerts.service.ts';

export { postForm };

/** Little Village, Chicago: the incident's place in most tests, and its ZIP code. */
export const LITTLE_VILLAGE = { lat: 41.85, lon: -87.717 };

export async function incidentWith(
  context: AppContext,
  options: {
    status: IncidentStatus;
    zip?: string | null;
    point?: Point | null;
    type?: IncidentType;
    agency?: IncidentAgency;
  },
): Promise<{ id: string; reference: string }> {
  const incident = await insertIncident(context, {
    status: options.status,
    zip: options.zip === undefined ? '60623' : options.zip,
    point: options.point === undefined ? LITTLE_VILLAGE : options.point,
  });
  await context.db
    .updateTable('incidents')
    .set({
      type: options.type ?? 'workplace',
      agency: options.agency ?? 'ice',
      status_changed_at: context.clock.now(),
    })
    .where('id', '=', incident.id)
    .execute();
  return incident;
}

let phoneCounter = 0;

/** A fresh number in the 555-01xx fiction range's neighbourhood, unique within a test run. */
export function subscriberPhone(): string {
  phoneCounter += 1;
  return `+1312555${String(2000 + (phoneCounter % 8000)).padStart(4, '0')}`;
}

export async function addSubscriber(
  context: AppContext,
  options: { language: string; zips: string[]; status?: SubscriberStatus; phone?: string },
): Promise<{ id: string; phone: string }> {
  const id = randomUUID();
  const phone = options.phone ?? subscriberPhone();
  const now = context.clock.now();
  await insertSubscriber(context.db, {
    id,
    phone_ciphertext: context.secrets.fields.encrypt(
      { table: 'subscribers', column: 'phone', rowId: id },
      phone,
    ),
    phone_index: context.secrets.blindIndex.phone(phone),
    language: options.language,
    zips: options.zips,
    status: options.status ?? 'active',
    created_at: now,
    confirmed_at: options.status === 'pending' ? null : now,
  });
  return { id, phone };
}

/** What STOP does to a subscriber: the number's opt-out, and the subscription marked opted out. */
export async function stopNumber(context: AppContext, phone: string): Promise<void> {
  const index = context.secrets.blindIndex.phone(phone);
  await recordOptOut(context.db, index, context.clock.now());
  await markSubscriberOptedOut(context.db, index, context.clock.now());
}

/** Composes through the console form; `incidentId` null composes a know-your-rights alert. */
export async function composeByForm(
  app: FastifyInstance,
  session: StaffSession,
  incidentId: string | null,
  fields: Record<string, string>,
  options: { lang?: string } = {},
) {
  return postForm(
    app,
    session,
    incidentId ? `/console/incidents/${incidentId}/alerts` : '/console/alerts',
    fields,
    options,
  );
}

export function alertIdOf(response: {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}): string {
  assert.equal(response.statusCode, 303, response.body);
  const id = /^\/console\/alerts\/([0-9a-f-]{36})\?saved=composed$/.exec(
    String(response.headers.location),
  )?.[1];
  assert.ok(id, `redirected to ${String(response.headers.location)}`);
  return id;
}

/** A confirmed-activity draft for an incident, as a dispatcher composes it. */
export async function composeConfirmedActivity(
  app: FastifyInstance,
  session: StaffSession,
  incidentId: string,
  fields: Record<string, string> = {},
): Promise<string> {
  return alertIdOf(
    await composeByForm(app, session, incidentId, {
      kind: 'confirmed_activity',
      what: 'at_workplace',
      advice: 'avoid_area',
      area_label: 'ZIP 60623',
      ...fields,
    }),
  );
}

/** The fingerprint the approve form of the alert's page carries right now. */
export async function fingerprintOf(context: AppContext, alertId: string): Promise<string> {
  const alert = await findAlert(context.db, alertId);
  assert.ok(alert, 'the alert exists');
  return alertFingerprint(alert);
}

export async function approveByForm(
  app: FastifyInstance,
  context: AppContext,
  session: StaffSession,
  alertId: string,
  options: { seen?: string; lang?: string } = {},
) {
  const seen = options.seen ?? (await fingerprintOf(context, alertId));
  return postForm(
    app,
    session,
    `/console/alerts/${alertId}/approve`,
    { seen },
    { lang: options.lang ?? 'en' },
  );
}

export async function alertRow(context: AppContext, alertId: string) {
  return context.db.selectFrom('alerts').selectAll().where('id', '=', alertId).executeTakeFirstOrThrow();
}

export async function ledgerSize(context: AppContext, alertId: string): Promise<number> {
  const row = await context.db
    .selectFrom('alert_deliveries')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('alert_id', '=', alertId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function alertCount(context: AppContext): Promise<number> {
  const row = await context.db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
