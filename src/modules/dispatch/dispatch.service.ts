// Responders and dispatch: staff profiles, whom to send, sending, the responder's answers and the field
// verification. No HTTP here. The rule the whole flow exists for: only the verification of the responder who
// was sent and went to look can make an incident `confirmed` (incidents.lifecycle.ts enforces the source).
import { randomBytes, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database, DispatchStatus, IncidentStatus, Role, Verification } from '../../db/schema.ts';
import { formatPoint, readPoint, zipCentroid, type Point } from '../../geo/geo.ts';
import { createSmsSender } from '../../integrations/messaging/create-sms-sender.ts';
import { isUnsubscribedRefusal } from '../../integrations/twilio/rest-client.ts';
import type { BlobStore } from '../../integrations/storage/storage.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  changeIncidentStatus,
  markIncidentChanged,
  recordIncidentEvent,
  type StatusChangeResult,
} from '../incidents/incidents.lifecycle.ts';
import type { PreparedPhoto } from '../reports/photo.ts';
import { isOptedOut } from '../opt-outs/opt-outs.queries.ts';
import { sendCalloutTextJob, sendDispatchTextJob, sendStandDownTextJob } from './dispatch.jobs.ts';
import {
  composeDispatchText,
  composeStandDownText,
  dispatchLink,
  textLanguage,
  type DispatchTextKind,
} from './dispatch.message.ts';
import { findIncident, findIncidentLabels, lockIncident } from '../incidents/incidents.queries.ts';
import { listReportLocations } from '../reports/reports.queries.ts';
import { rankResponders, type Suggestion } from './dispatch.ranking.ts';
import {
  dispatchedResponderIds,
  findVerificationForDispatch,
  insertDispatch,
  insertVerification,
  findOpenDispatchRowFor,
  listDispatchesOnTheWay,
  listOpenDispatchRowsFor,
  lockDispatch,
  setDispatchProviderId,
  setDispatchStatus,
  updateDispatchAnswer,
  type IncidentForDispatch,
} from './dispatch.repository.ts';

/** For the observation log: was this staff member sent to this incident (and did not decline)? */
export { wasSentToIncident } from './dispatch.repository.ts';
import { findDispatch, listDispatches, type DispatchRow } from './dispatch.named.ts';
import { findUserRoles } from '../auth/users.queries.ts';
import {
  displayNamesOf,
  findStaffProfile,
  listReachableOnShift,
  listRoster,
  staffPhoneField,
  type RosterRow,
} from '../staff/staff.service.ts';
import type { ProfileFormValues, ResponderAnswer, VerificationInput } from './dispatch.schemas.ts';
import { isUuid } from '../../http/ids.ts';
import type { FieldRef } from '../../crypto/field-encryption.ts';
import { reportField } from '../reports/reports.fields.ts';
import { incidentField } from '../incidents/incidents.fields.ts';

export interface DispatchDeps {
  context: AppContext;
  /** The encrypted upload store shared with report photos. */
  store: BlobStore;
}

// ---------------------------------------------------------------------------------------------------------
// Field references: how each encrypted value is bound to its row. Other modules reading these columns (the
// voice line rings on-shift dispatchers' phones) must use the same references.

export function verificationNotesField(verificationId: string): FieldRef<'verifications'> {
  return { table: 'verifications', column: 'notes', rowId: verificationId };
}

export function verificationPhotoField(verificationId: string): FieldRef<'verifications'> {
  return { table: 'verifications', column: 'photo', rowId: verificationId };
}

// ---------------------------------------------------------------------------------------------------------
// Profiles

export interface OpenDispatchLink {
  id: string;
  status: DispatchStatus;
  createdAt: Date;
  reference: string;
  zip: string | null;
}

export interface ProfileView {
  values: ProfileFormValues;
  roles: Role[];
  onShiftSince: Date | null;
  openDispatches: OpenDispatchLink[];
}

/** Dispatches to one responder that are not finished, newest first, with their incident's reference and ZIP. */
async function listOpenDispatchesFor(
  db: AppContext['db'],
  responderId: string,
): Promise<
  { id: string; status: DispatchStatus; created_at: Date; reference: string; zip: string | null }[]
> {
  const rows = await listOpenDispatchRowsFor(db, responderId);
  const labels = await findIncidentLabels(db, [...new Set(rows.map((row) => row.incident_id))]);
  return rows.flatMap(({ incident_id, ...row }) => {
    const label = labels.get(incident_id);
    return label ? [{ ...row, reference: label.reference, zip: label.zip }] : [];
  });
}

/**
 * The dispatch a responder's text answers: the newest one still waiting for an answer, else the newest one
 * they are on their way to (a second "1 10" updates the ETA); with its incident's reference.
 */
export async function findOpenDispatchFor(
  db: AppContext['db'],
  responderId: string,
): Promise<{ id: string; incident_id: string; status: DispatchStatus; reference: string } | undefined> {
  const row = await findOpenDispatchRowFor(db, responderId);
  const label = row && (await findIncidentLabels(db, [row.incident_id])).get(row.incident_id);
  return row && label ? { ...row, reference: label.reference } : undefined;
}

export async function loadProfile(context: AppContext, userId: string): Promise<ProfileView> {
  const { db, secrets } = context;
  const [profile, user, open] = [
    await findStaffProfile(db, userId),
    await findUserRoles(db, userId),
    await listOpenDispatchesFor(db, userId),
  ];
  const values: ProfileFormValues = profile
    ? {
        display_name: profile.display_name,
        phone: secrets.fields.decryptOptional(staffPhoneField(userId), profile.phone_ciphertext) ?? '',
        languages: profile.languages.join(', '),
        home_zips: profile.home_zips.join(', '),
        on_shift: profile.on_shift ? 'yes' : '',
      }
    : { languages: context.config.defaultLanguage };
  return {
    values,
    roles: user?.roles ?? [],
    onShiftSince: profile?.on_shift ? profile.on_shift_since : null,
    openDispatches: open.map((row) => ({
      id: row.id,
      status: row.status,
      createdAt: row.created_at,
      reference: row.reference,
      zip: row.zip,
    })),
  };
}

export interface OnTheWay {
  id: string;
  incidentId: string;
  incidentReference: string;
  responderName: string;
  etaMinutes: number | null;
  respondedAt: Date | null;
}

/** Responders who said they are on their way (newest answer first, at most `limit`), and how many in all. */
export async function respondersOnTheWay(
  context: Pick<AppContext, 'db'>,
  limit: number,
): Promise<{ count: number; rows: OnTheWay[] }> {
  const { db } = context;
  const { count, rows } = await listDispatchesOnTheWay(db, limit);
  const labels = await findIncidentLabels(db, [...new Set(rows.map((row) => row.incident_id))]);
  const names = await displayNamesOf(db, [...new Set(rows.map((row) => row.responder_id))]);
  return {
    count,
    rows: rows.map((row) => ({
      id: row.id,
      incidentId: row.incident_id,
      incidentReference: labels.get(row.incident_id)?.reference ?? '',
      responderName: names.get(row.responder_id) ?? '',
      etaMinutes: row.eta_minutes,
      respondedAt: row.responded_at,
    })),
  };
}

export async function rolesOf(context: AppContext, userId: string): Promise<Role[]> {
  return (await findUserRoles(context.db, userId))?.roles ?? [];
}

export async function roster(context: AppContext): Promise<RosterRow[]> {
  return listRoster(context.db);
}

// ---------------------------------------------------------------------------------------------------------
// The dispatch panel

/** Incidents someone can still be sent to: being checked, or confirmed and needing observers. */
export const DISPATCHABLE_STATUSES: readonly IncidentStatus[] = [
  'reported',
  'verifying',
  'unable_to_verify',
  'confirmed',
  'active',
];
/** Statuses a dispatch moves the incident out of, into `verifying`. */
const STARTS_VERIFYING: readonly IncidentStatus[] = ['reported', 'unable_to_verify'];
/** Responders the crowd cap counts: on their way or already there. */
export const AT_SCENE_OR_COMING: readonly DispatchStatus[] = ['on_way', 'arrived'];

export type PlaceSource = 'point' | 'zip' | 'none';

function decryptPoint(context: AppContext, incident: IncidentForDispatch): Point | undefined {
  if (!incident.point_ciphertext) return undefined;
  try {
    return readPoint(
      context.secrets.fields.decrypt(incidentField(incident.id, 'point'), incident.point_ciphertext),
    );
  } catch {
    // Never a reason to refuse a dispatch: the ZIP centroid still ranks responders.
    context.logger.warn({ incidentId: incident.id }, 'incident point could not be decrypted');
    return undefined;
  }
}

export function incidentPlace(
  context: AppContext,
  incident: IncidentForDispatch,
): { point: Point | undefined; source: PlaceSource } {
  const point = decryptPoint(context, incident);
  const centroid = zipCentroid(incident.zip);
  // An incident placed only by its ZIP code carries that ZIP's centre as its point: no more precise than it.
  if (point && !(centroid && formatPoint(centroid) === formatPoint(point))) return { point, source: 'point' };
  return centroid ? { point: centroid, source: 'zip' } : { point: undefined, source: 'none' };
}

export interface PanelView {
  incident: IncidentForDispatch;
  dispatches: DispatchRow[];
  suggestions: Suggestion[];
  placeSource: PlaceSource;
  onTheWay: number;
  crowdCap: number;
  atCap: boolean;
  canDispatch: boolean;
}

export async function dispatchPanel(context: AppContext, incidentId: string): Promise<PanelView | undefined> {
  if (!isUuid(incidentId)) return undefined;
  const { db } = context;
  const incident = await findIncident(db, incidentId);
  if (!incident) return undefined;
  const dispatches = await listDispatches(db, incidentId);
  const already = new Set(dispatches.filter((d) => d.status !== 'cancelled').map((d) => d.responder_id));
  const candidates = (await listReachableOnShift(db, 'responder')).filter((r) => !already.has(r.userId));
  const place = incidentPlace(context, incident);
  const onTheWay = dispatches.filter((d) => AT_SCENE_OR_COMING.includes(d.status)).length;
  const crowdCap = context.config.hotline.crowdCap;
  return {
    incident,
    dispatches,
    suggestions: rankResponders(candidates, place.point, incident.reporter_language),
    placeSource: place.source,
    onTheWay,
    crowdCap,
    atCap: onTheWay >= crowdCap,
    canDispatch: incident.merged_into === null && DISPATCHABLE_STATUSES.includes(incident.status),
  };
}

/**
 * One dispatch, inside the caller's transaction and under its lock on the incident row: the row, the
 * timeline, the move to `verifying` when the incident was not being checked yet, the audit, and the text
 * job (which runs only if this commits). The caller signals the consoles once for everything it recorded.
 * A callout records each of its dispatches through here too, so they are dispatches in every way.
 */
export async function recordDispatch(
  context: AppContext,
  trx: Transaction<Database>,
  incident: { id: string; status: IncidentStatus },
  dispatch: { responderId: string; actorId: string; overCap: boolean; kind: DispatchTextKind },
): Promise<{ dispatchId: string; incidentStatus: IncidentStatus }> {
  const { actorId, responderId } = dispatch;
  const incidentId = incident.id;
  const dispatchId = randomUUID();
  await insertDispatch(trx, {
    id: dispatchId,
    incidentId,
    responderId,
    createdBy: actorId,
    now: context.clock.now(),
  });
  await recordIncidentEvent(context, trx, { incidentId, actorId, kind: 'dispatched', dispatchId });
  let incidentStatus = incident.status;
  if (STARTS_VERIFYING.includes(incident.status)) {
    await changeIncidentStatus(context, trx, {
      incidentId,
      to: 'verifying',
      actorId,
      reason: null,
      source: 'dispatcher',
      dispatchId,
    });
    incidentStatus = 'verifying';
  }
  await recordAudit(trx, context, {
    actorId,
    action: 'dispatch.sent',
    subjectType: 'dispatch',
    subjectId: dispatchId,
    details: {
      incidentId,
      responderId,
      overCap: dispatch.overCap,
      ...(dispatch.kind === 'callout' ? { callout: true } : {}),
    },
  });
  const job = dispatch.kind === 'callout' ? sendCalloutTextJob : sendDispatchTextJob;
  await context.jobs.sendInTransaction(trx, job, { dispatchId });
  return { dispatchId, incidentStatus };
}

export type SendDispatchResult =
  | { outcome: 'sent'; dispatchId: string }
  | { outcome: 'not_found' | 'closed' | 'not_available' | 'already_dispatched' }
  | { outcome: 'over_cap'; onTheWay: number };

export async function sendDispatch(
  context: AppContext,
  actorId: string,
  incidentId: string,
  request: { responderId: string; confirmOverCap: boolean },
): Promise<SendDispatchResult> {
  if (!isUuid(incidentId)) return { outcome: 'not_found' };
  return context.db.transaction().execute(async (trx): Promise<SendDispatchResult> => {
    const incident = await lockIncident(trx, incidentId);
    if (!incident) return { outcome: 'not_found' };
    if (incident.merged_into !== null || !DISPATCHABLE_STATUSES.includes(incident.status))
      return { outcome: 'closed' };
    const [responder] = await listReachableOnShift(trx, 'responder', request.responderId);
    if (!responder) return { outcome: 'not_available' };
    if ((await dispatchedResponderIds(trx, incidentId)).has(request.responderId))
      return { outcome: 'already_dispatched' };
    // Counted under the incident's row lock: two dispatchers sending at once cannot both slip under the cap.
    const onTheWay = (await listDispatches(trx, incidentId)).filter((d) =>
      AT_SCENE_OR_COMING.includes(d.status),
    ).length;
    const overCap = onTheWay >= context.config.hotline.crowdCap;
    if (overCap && !request.confirmOverCap) return { outcome: 'over_cap', onTheWay };

    const { dispatchId } = await recordDispatch(context, trx, incident, {
      responderId: request.responderId,
      actorId,
      overCap,
      kind: 'dispatch',
    });
    await markIncidentChanged(context, trx, incidentId);
    return { outcome: 'sent', dispatchId };
  });
}

export type DispatchTextOutcome = 'sent' | 'already_sent' | 'answered' | 'gone' | 'no_phone' | 'opted_out';

/**
 * The dispatch.send-text and dispatch.send-callout-text jobs: texts the responder, once, and keeps the
 * provider's id for the text.
 */
export async function sendDispatchText(
  context: AppContext,
  dispatchId: string,
  kind: DispatchTextKind = 'dispatch',
): Promise<DispatchTextOutcome> {
  const { db, secrets, config } = context;
  const dispatch = await findDispatch(db, dispatchId);
  if (!dispatch) return 'gone';
  if (dispatch.provider_id !== null) return 'already_sent';
  // Answered on the page before the queue got to it, or called off: the text would only confuse.
  if (dispatch.status !== 'sent') return 'answered';
  const [profile, incident] = [
    await findStaffProfile(db, dispatch.responder_id),
    await findIncident(db, dispatch.incident_id),
  ];
  if (!incident) return 'gone';
  if (!profile?.phone_ciphertext) return 'no_phone';
  const phone = secrets.fields.decrypt(staffPhoneField(profile.user_id), profile.phone_ciphertext);
  // STOP is one path for everything the number gets, responders' numbers included. By the number itself:
  // a number also on another profile is kept here without its index.
  if (await isOptedOut(db, secrets.blindIndex.phone(phone))) return 'opted_out';
  const body = composeDispatchText({
    kind,
    language: textLanguage(profile.languages, config.defaultLanguage),
    reference: incident.reference,
    zip: incident.zip,
    placeName: secrets.fields.decryptOptional(
      incidentField(incident.id, 'place_name'),
      incident.place_name_ciphertext,
    ),
    link: dispatchLink(config.publicUrl, dispatchId),
  });
  let providerId: string;
  try {
    ({ providerId } = await createSmsSender(context).send({ to: phone, body }));
  } catch (error) {
    // Unsubscribed at Twilio (21610): the sender has recorded the opt-out, and a retry would be refused too.
    if (isUnsubscribedRefusal(error)) return 'opted_out';
    throw error;
  }
  await setDispatchProviderId(db, dispatchId, providerId);
  return 'sent';
}

/** Dispatches a dispatcher can still call off: the responder may be on their way or there. */
export const OPEN_DISPATCH_STATUSES: readonly DispatchStatus[] = ['sent', 'on_way', 'arrived'];

export type StandDownResult =
  | { outcome: 'stood_down'; incidentId: string }
  | { outcome: 'not_found' }
  | { outcome: 'not_open'; incidentId: string; status: DispatchStatus };

/**
 * A dispatcher calls a dispatch off. The responder stops counting toward the crowd cap, can no longer answer
 * or verify it, and is texted that they are no longer needed once this commits.
 */
export async function standDownDispatch(
  context: AppContext,
  actorId: string,
  dispatchId: string,
): Promise<StandDownResult> {
  if (!isUuid(dispatchId)) return { outcome: 'not_found' };
  return context.db.transaction().execute(async (trx): Promise<StandDownResult> => {
    // Under the row lock: a verification or an answer arriving at the same moment goes first or not at all.
    const dispatch = await lockDispatch(trx, dispatchId);
    if (!dispatch) return { outcome: 'not_found' };
    if (!OPEN_DISPATCH_STATUSES.includes(dispatch.status))
      return { outcome: 'not_open', incidentId: dispatch.incident_id, status: dispatch.status };
    await setDispatchStatus(trx, dispatch.id, 'cancelled');
    await recordIncidentEvent(context, trx, {
      incidentId: dispatch.incident_id,
      actorId,
      kind: 'dispatch_cancelled',
      dispatchId: dispatch.id,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'dispatch.cancelled',
      subjectType: 'dispatch',
      subjectId: dispatch.id,
      details: {
        incidentId: dispatch.incident_id,
        responderId: dispatch.responder_id,
        from: dispatch.status,
      },
    });
    await markIncidentChanged(context, trx, dispatch.incident_id);
    await context.jobs.sendInTransaction(trx, sendStandDownTextJob, { dispatchId: dispatch.id });
    return { outcome: 'stood_down', incidentId: dispatch.incident_id };
  });
}

export type StandDownTextOutcome = 'sent' | 'not_cancelled' | 'gone' | 'no_phone' | 'opted_out';

/**
 * The dispatch.send-stand-down job. Sent even when the dispatch text itself never went out (it is skipped
 * once the dispatch is called off): a text too many is better than a responder driving to a scene for nothing.
 */
export async function sendStandDownText(
  context: AppContext,
  dispatchId: string,
): Promise<StandDownTextOutcome> {
  const { db, secrets, config } = context;
  const dispatch = await findDispatch(db, dispatchId);
  if (!dispatch) return 'gone';
  if (dispatch.status !== 'cancelled') return 'not_cancelled';
  const [profile, incident] = [
    await findStaffProfile(db, dispatch.responder_id),
    await findIncident(db, dispatch.incident_id),
  ];
  if (!incident) return 'gone';
  if (!profile?.phone_ciphertext) return 'no_phone';
  const phone = secrets.fields.decrypt(staffPhoneField(profile.user_id), profile.phone_ciphertext);
  if (await isOptedOut(db, secrets.blindIndex.phone(phone))) return 'opted_out';
  const body = composeStandDownText(
    textLanguage(profile.languages, config.defaultLanguage),
    incident.reference,
  );
  try {
    await createSmsSender(context).send({ to: phone, body });
  } catch (error) {
    if (isUnsubscribedRefusal(error)) return 'opted_out';
    throw error;
  }
  return 'sent';
}

// ---------------------------------------------------------------------------------------------------------
// Answers

/** Which answers a dispatch in each status can take. */
const ANSWERS_FROM: Record<ResponderAnswer, readonly DispatchStatus[]> = {
  on_way: ['sent', 'on_way'],
  declined: ['sent', 'on_way'],
  arrived: ['sent', 'on_way'],
};

export type AnswerOutcome = 'changed' | 'not_allowed' | 'not_found';

/** Records a responder's answer inside the caller's transaction (the SMS webhook's, or the page's own). */
export async function answerDispatch(
  context: AppContext,
  trx: Transaction<Database>,
  answer: {
    dispatchId: string;
    responderId: string;
    answer: ResponderAnswer;
    etaMinutes: number | null;
    via: 'sms' | 'page';
  },
): Promise<AnswerOutcome> {
  const dispatch = await lockDispatch(trx, answer.dispatchId);
  if (!dispatch || dispatch.responder_id !== answer.responderId) return 'not_found';
  if (!ANSWERS_FROM[answer.answer].includes(dispatch.status)) return 'not_allowed';
  await updateDispatchAnswer(trx, dispatch.id, {
    status: answer.answer,
    // "1" alone after "1 15" keeps the ETA already given.
    ...(answer.answer === 'on_way' && answer.etaMinutes !== null ? { etaMinutes: answer.etaMinutes } : {}),
    respondedAt: context.clock.now(),
  });
  await recordIncidentEvent(context, trx, {
    incidentId: dispatch.incident_id,
    actorId: answer.responderId,
    kind: `dispatch_${answer.answer}`,
    dispatchId: dispatch.id,
  });
  await recordAudit(trx, context, {
    actorId: answer.responderId,
    action: 'dispatch.answered',
    subjectType: 'dispatch',
    subjectId: dispatch.id,
    details: {
      incidentId: dispatch.incident_id,
      answer: answer.answer,
      etaMinutes: answer.etaMinutes,
      via: answer.via,
    },
  });
  await markIncidentChanged(context, trx, dispatch.incident_id);
  return 'changed';
}

export async function answerOnPage(
  context: AppContext,
  answer: { dispatchId: string; responderId: string; answer: ResponderAnswer; etaMinutes: number | null },
): Promise<AnswerOutcome> {
  if (!isUuid(answer.dispatchId)) return 'not_found';
  return context.db.transaction().execute((trx) => answerDispatch(context, trx, { ...answer, via: 'page' }));
}

// ---------------------------------------------------------------------------------------------------------
// The dispatch page and the verification

export type DispatchViewer = 'responder' | 'overseer';

export interface VerificationView {
  id: string;
  createdAt: Date;
  anyonePresent: boolean;
  agency: Verification['agency'];
  identifiedBy: Verification['identified_by'];
  activity: Verification['activity'];
  agentsCount: number | null;
  vehiclesCount: number | null;
  outcome: Verification['outcome'];
  notes: string | null;
  photo: { sha256: string | null } | undefined;
}

export interface DispatchPage {
  viewer: DispatchViewer;
  dispatch: DispatchRow;
  incident: IncidentForDispatch;
  point: Point | undefined;
  /** Where the reports said it was, in their words. */
  locations: string[];
  summary: string | null;
  verification: VerificationView | undefined;
}

/**
 * The dispatch as its responder (who may answer and verify) or a dispatcher (who may look) sees it. Anyone
 * else is told there is nothing here. Opening it shows the exact place, so it is audited.
 */
export async function viewDispatch(
  context: AppContext,
  dispatchId: string,
  viewer: { userId: string; mayOversee: boolean },
): Promise<DispatchPage | undefined> {
  if (!isUuid(dispatchId)) return undefined;
  const { db, secrets } = context;
  const dispatch = await findDispatch(db, dispatchId);
  if (!dispatch) return undefined;
  const as: DispatchViewer | undefined =
    dispatch.responder_id === viewer.userId ? 'responder' : viewer.mayOversee ? 'overseer' : undefined;
  if (!as) return undefined;
  const incident = await findIncident(db, dispatch.incident_id);
  if (!incident) return undefined;
  const locations: string[] = [];
  for (const report of await listReportLocations(db, incident.id)) {
    const text = secrets.fields.decrypt(reportField(report.id, 'location'), report.location_ciphertext);
    if (!locations.includes(text)) locations.push(text);
  }
  let summary: string | null = null;
  try {
    summary = secrets.fields.decryptOptional(
      incidentField(incident.id, 'summary'),
      incident.summary_ciphertext,
    );
  } catch {
    context.logger.warn({ incidentId: incident.id }, 'incident summary could not be decrypted');
  }
  const place = incidentPlace(context, incident);
  const verification = await findVerificationForDispatch(db, dispatch.id);
  await recordAudit(db, context, {
    actorId: viewer.userId,
    action: 'dispatch.viewed',
    subjectType: 'dispatch',
    subjectId: dispatch.id,
    details: { incidentId: incident.id, as },
  });
  return {
    viewer: as,
    dispatch,
    incident,
    // A ZIP centre is no place to go to; the page then shows the ZIP and the reports' own words.
    point: place.source === 'point' ? place.point : undefined,
    locations,
    summary,
    verification: verification && {
      id: verification.id,
      createdAt: verification.created_at,
      anyonePresent: verification.anyone_present,
      agency: verification.agency,
      identifiedBy: verification.identified_by,
      activity: verification.activity,
      agentsCount: verification.agents_count,
      vehiclesCount: verification.vehicles_count,
      outcome: verification.outcome,
      notes: secrets.fields.decryptOptional(
        verificationNotesField(verification.id),
        verification.notes_ciphertext,
      ),
      photo: verification.photo_storage_key ? { sha256: verification.photo_sha256 } : undefined,
    },
  };
}

/** Dispatches that can still be verified: not declined, not called off, and not reported yet. */
export const VERIFIABLE_DISPATCH_STATUSES: readonly DispatchStatus[] = OPEN_DISPATCH_STATUSES;

export type RecordVerificationResult =
  | { outcome: 'recorded'; incidentId: string; statusChange: StatusChangeResult }
  | { outcome: 'not_found' }
  | { outcome: 'closed'; status: DispatchStatus };

const MAX_MERGE_HOPS = 10;

/** An incident merged into another lives on in it: a verification belongs to the one that survived. */
async function survivingIncident(trx: Transaction<Database>, incidentId: string): Promise<string> {
  let id = incidentId;
  for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
    const next = (await findIncident(trx, id))?.merged_into;
    if (!next) return id;
    id = next;
  }
  return id;
}

export async function recordVerification(
  deps: DispatchDeps,
  dispatchId: string,
  responderId: string,
  input: VerificationInput,
  photo: PreparedPhoto | undefined,
): Promise<RecordVerificationResult> {
  if (!isUuid(dispatchId)) return { outcome: 'not_found' };
  const { context, store } = deps;
  const { fields } = context.secrets;
  const verificationId = randomUUID();
  const storageKey = photo ? randomBytes(16).toString('hex') : null;
  // The file goes first, so the transaction that records the verification never points at a missing file.
  if (photo && storageKey) {
    await store.put(
      storageKey,
      Buffer.from(fields.encrypt(verificationPhotoField(verificationId), photo.stripped)),
    );
  }
  let result: RecordVerificationResult;
  try {
    result = await context.db.transaction().execute(async (trx): Promise<RecordVerificationResult> => {
      const dispatch = await lockDispatch(trx, dispatchId);
      if (!dispatch || dispatch.responder_id !== responderId) return { outcome: 'not_found' };
      if (!VERIFIABLE_DISPATCH_STATUSES.includes(dispatch.status))
        return { outcome: 'closed', status: dispatch.status };
      const incidentId = await survivingIncident(trx, dispatch.incident_id);
      await insertVerification(trx, {
        id: verificationId,
        incident_id: incidentId,
        dispatch_id: dispatchId,
        responder_id: responderId,
        created_at: context.clock.now(),
        anyone_present: input.anyonePresent,
        agency: input.agency,
        identified_by: input.identifiedBy,
        activity: input.activity,
        agents_count: input.agentsCount,
        vehicles_count: input.vehiclesCount,
        outcome: input.outcome,
        notes_ciphertext: fields.encryptOptional(verificationNotesField(verificationId), input.notes),
        photo_storage_key: storageKey,
        photo_sha256: photo?.originalSha256 ?? null,
        photo_content_type: photo?.contentType ?? null,
      });
      await setDispatchStatus(trx, dispatchId, 'done');
      await recordIncidentEvent(context, trx, {
        incidentId,
        actorId: responderId,
        kind: 'verified',
        dispatchId,
      });
      const change = {
        incidentId,
        actorId: responderId,
        reason: null,
        source: 'verification' as const,
        dispatchId,
      };
      const current = (await findIncident(trx, incidentId))?.status;
      // The flow goes through `verifying`: a report nobody had moved yet, or a second look after "unable to
      // verify", gets there first, then to what the responder found.
      if (
        current === 'reported' ||
        (current === 'unable_to_verify' && input.outcome !== 'unable_to_verify')
      ) {
        await changeIncidentStatus(context, trx, { ...change, to: 'verifying' });
      }
      // A verification that disagrees with a settled incident is still kept (nothing the responder saw is
      // lost); the status stays for a dispatcher to weigh the two.
      const statusChange = await changeIncidentStatus(context, trx, { ...change, to: input.outcome });
      await recordAudit(trx, context, {
        actorId: responderId,
        action: 'verification.recorded',
        subjectType: 'verification',
        subjectId: verificationId,
        details: {
          incidentId,
          dispatchId,
          outcome: input.outcome,
          statusChange,
          photo: storageKey !== null,
        },
      });
      await markIncidentChanged(context, trx, incidentId);
      return { outcome: 'recorded', incidentId, statusChange };
    });
  } catch (error) {
    if (storageKey) await store.delete(storageKey).catch(() => {});
    throw error;
  }
  if (result.outcome !== 'recorded' && storageKey) await store.delete(storageKey).catch(() => {});
  return result;
}

/** The verification's photo, decrypted, for its responder or a dispatcher; recorded in the audit log. */
export async function viewVerificationPhoto(
  deps: DispatchDeps,
  dispatchId: string,
  viewer: { userId: string; mayOversee: boolean },
): Promise<{ contentType: string; bytes: Buffer } | undefined> {
  if (!isUuid(dispatchId)) return undefined;
  const { context, store } = deps;
  const dispatch = await findDispatch(context.db, dispatchId);
  if (!dispatch || (dispatch.responder_id !== viewer.userId && !viewer.mayOversee)) return undefined;
  const verification = await findVerificationForDispatch(context.db, dispatchId);
  if (!verification?.photo_storage_key || !verification.photo_content_type) return undefined;
  const stored = await store.get(verification.photo_storage_key);
  if (!stored) return undefined;
  const bytes = context.secrets.fields.decryptBytes(
    verificationPhotoField(verification.id),
    stored.toString('utf8'),
  );
  await recordAudit(context.db, context, {
    actorId: viewer.userId,
    action: 'verification.photo_viewed',
    subjectType: 'verification',
    subjectId: verification.id,
    details: { dispatchId },
  });
  return { contentType: verification.photo_content_type, bytes };
}
