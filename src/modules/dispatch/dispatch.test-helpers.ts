// Helpers the dispatch tests share: incidents and reports placed directly in the database (the incidents
// module builds them for real; these tests are about what happens once one exists), responders with
// profiles, and a way to send a dispatch and read back what the responder was texted.
import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../app/context.ts';
import type { IncidentStatus, Role } from '../../db/schema.ts';
import { formatPoint, h3CellOf, zipCentroid, type Point } from '../../geo/geo.ts';
import { createStaffSession, type StaffSession } from '../../../test/support/staff.ts';
import { staffPhoneField } from '../staff/staff.service.ts';
import { incidentField } from '../incidents/incidents.fields.ts';
import { reportField } from '../reports/reports.fields.ts';

const REFERENCE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

function randomReference(): string {
  return [...randomBytes(8)].map((byte) => REFERENCE_ALPHABET[byte % REFERENCE_ALPHABET.length]).join('');
}

export interface TestIncident {
  id: string;
  reference: string;
}

export async function insertIncident(
  context: AppContext,
  options: {
    status?: IncidentStatus;
    zip?: string | null;
    point?: Point | null;
    reporterLanguage?: string;
    /** The words a report gave for the place: stored encrypted on a linked report. */
    location?: string;
  } = {},
): Promise<TestIncident> {
  const id = randomUUID();
  const reference = randomReference();
  const zip = options.zip === undefined ? '60623' : options.zip;
  const point = options.point === undefined ? zipCentroid(zip) : (options.point ?? undefined);
  const now = context.clock.now();
  const { fields } = context.secrets;
  await context.db
    .insertInto('incidents')
    .values({
      id,
      reference,
      type: 'street',
      agency: 'unknown',
      status: options.status ?? 'reported',
      point_ciphertext: point ? fields.encrypt(incidentField(id, 'point'), formatPoint(point)) : null,
      zip,
      h3_cell: point ? h3CellOf(point) : null,
      summary_ciphertext: null,
      reporter_language: options.reporterLanguage ?? 'en',
      merged_into: null,
      created_by: null,
      created_at: now,
      updated_at: now,
      status_changed_by: null,
      status_changed_at: null,
    })
    .execute();
  if (options.location) {
    const reportId = randomUUID();
    await context.db
      .insertInto('reports')
      .values({
        id: reportId,
        reference: randomReference(),
        channel: 'web',
        status: 'needs_verification',
        created_at: now,
        activity: 'detaining',
        location_ciphertext: fields.encrypt(reportField(reportId, 'location'), options.location),
        zip,
        seen_when: 'now',
        agents_count: null,
        vehicles_count: null,
        uniform_ciphertext: null,
        agency: 'unknown',
        source: 'saw',
        callback_phone_ciphertext: null,
        callback_phone_index: null,
        details_ciphertext: null,
        status_changed_by: null,
        status_changed_at: null,
        h3_cell: null,
        incident_id: id,
      })
      .execute();
  }
  return { id, reference };
}

export interface ProfileFixture {
  displayName?: string;
  /** E.164, or null for none. */
  phone?: string | null;
  languages?: string[];
  homeZips?: string[];
  onShift?: boolean;
}

let phoneCounter = 0;

/** A fresh, valid US number for each responder, so the unique phone index never clashes between tests. */
export function newPhone(): string {
  phoneCounter += 1;
  return `+1773555${String(1000 + (phoneCounter % 9000)).padStart(4, '0')}`;
}

export async function setProfile(
  context: AppContext,
  userId: string,
  profile: ProfileFixture,
): Promise<void> {
  const phone = profile.phone === undefined ? newPhone() : profile.phone;
  const { fields, blindIndex } = context.secrets;
  const now = context.clock.now();
  const onShift = profile.onShift ?? true;
  await context.db
    .insertInto('staff_profiles')
    .values({
      user_id: userId,
      display_name: profile.displayName ?? `Staff ${userId.slice(0, 4)}`,
      phone_ciphertext: phone ? fields.encrypt(staffPhoneField(userId), phone) : null,
      phone_index: phone ? blindIndex.phone(phone) : null,
      languages: profile.languages ?? ['en'],
      home_zips: profile.homeZips ?? ['60623'],
      on_shift: onShift,
      on_shift_since: onShift ? now : null,
      updated_at: now,
    })
    .execute();
}

export interface TestStaff extends StaffSession {
  phone: string | null;
}

export async function createStaff(
  context: AppContext,
  roles: Role[],
  profile: ProfileFixture = {},
): Promise<TestStaff> {
  const session = await createStaffSession(context, roles);
  const phone = profile.phone === undefined ? newPhone() : profile.phone;
  await setProfile(context, session.userId, { ...profile, phone });
  return { ...session, phone };
}

/** Sends a dispatch through the panel as a dispatcher would, and returns the new dispatch's id. */
export async function dispatchThroughPanel(
  app: FastifyInstance,
  dispatcher: StaffSession,
  incidentId: string,
  responderId: string,
  extra: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url: `/console/incidents/${incidentId}/dispatch`,
    headers: {
      accept: 'text/html',
      cookie: dispatcher.cookie,
      'content-type': 'application/x-www-form-urlencoded',
    },
    payload: new URLSearchParams({
      _csrf: dispatcher.csrfToken,
      responder_id: responderId,
      ...extra,
    }).toString(),
  });
}

export async function dispatchIdFor(
  context: AppContext,
  incidentId: string,
  responderId: string,
): Promise<string> {
  const row = await context.db
    .selectFrom('dispatches')
    .select('id')
    .where('incident_id', '=', incidentId)
    .where('responder_id', '=', responderId)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Every text the console outbox holds for a number, decrypted, oldest first. */
export async function outboxTextsTo(context: AppContext, phone: string): Promise<string[]> {
  const { fields, blindIndex } = context.secrets;
  const rows = await context.db
    .selectFrom('sms_outbox')
    .select(['id', 'body_ciphertext'])
    .where('to_index', '=', blindIndex.phone(phone))
    .orderBy('created_at')
    .execute();
  return rows.map((row) =>
    fields.decrypt({ table: 'sms_outbox', column: 'body', rowId: row.id }, row.body_ciphertext),
  );
}

export async function timelineKinds(context: AppContext, incidentId: string): Promise<string[]> {
  const rows = await context.db
    .selectFrom('incident_events')
    .select(['kind', 'from_status', 'to_status'])
    .where('incident_id', '=', incidentId)
    .orderBy('at')
    .execute();
  return rows.map((row) =>
    row.kind === 'status_changed' ? `${row.from_status}->${row.to_status}` : row.kind,
  );
}

export async function auditActionsFor(context: AppContext, subjectId: string): Promise<string[]> {
  const rows = await context.db
    .selectFrom('audit_log')
    .select('action')
    .where('subject_id', '=', subjectId)
    .orderBy('seq')
    .execute();
  return rows.map((row) => row.action);
}
