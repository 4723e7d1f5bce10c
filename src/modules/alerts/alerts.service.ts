// Community alerts from compose to approval, and what the console shows while they are delivered. No HTTP
// here. The rules that matter most live in this file, not in the pages:
// - nothing unverified reaches the community: each kind needs its incident in a status a responder's field
//   verification produced (checked when composing and again, under a lock, when approving);
// - two people: whoever wrote an alert's current words cannot approve it (unless the network turned the rule
//   off), and the approver approves exactly the text and targeting they were shown;
// - approval recomputes the target ZIP codes and hands the alert to the delivery engine in one transaction.
import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import { SUPPORTED_LANGUAGES } from '../../config/config.ts';
import type {
  Alert,
  AlertKind,
  AlertStatus,
  Database,
  DrawnArea,
  Incident,
  IncidentStatus,
} from '../../db/schema.ts';
import { readPoint, type Point } from '../../geo/geo.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { markIncidentChanged, recordIncidentEvent } from '../incidents/incidents.lifecycle.ts';
import { findIncident, findIncidentLabels, lockIncident } from '../incidents/incidents.queries.ts';
import { REFERENCE_ALPHABET } from '../reports/reference-code.ts';
import { incidentHoldsOnlySimulatedReports } from '../reports/reports.queries.ts';
import {
  countAlertRecipientsBlockedByProvider,
  countAlertRecipientsByLanguage,
  listSubscribedZips,
} from '../subscriptions/subscriptions.queries.ts';
import { isUuid } from '../../http/ids.ts';
import { NotificationFanOut } from '../../db/notification-fan-out.ts';
import { freeReference } from '../../db/unique-reference.ts';
import {
  ALERT_PROGRESS_CHANNEL,
  alertDeliveryProgress,
  queueAlertDelivery,
  type AlertDeliveryProgress,
} from './alerts.delivery.ts';
import {
  alertReferenceExists,
  findAlert,
  countDraftAlerts,
  insertAlert,
  listAlertRecords,
  listAlertRecordsForIncident,
  lockAlert,
  updateAlert,
  type AlertListRecord,
} from './alerts.repository.ts';
import type { ComposeInput, TargetingInput } from './alerts.schemas.ts';
import { nearestZip, resolveTargets, targetingCentre, type ResolvedTargets } from './alerts.targeting.ts';
import {
  defaultAdvice,
  defaultWhat,
  formatAlertTime,
  previewBodies,
  renderAlertBodies,
  type BodyPreview,
} from './alerts.templates.ts';
import { staffLabel, staffNamesOf } from '../staff/staff.service.ts';
import { incidentField } from '../incidents/incidents.fields.ts';

type Context = Pick<AppContext, 'db' | 'secrets' | 'clock' | 'config' | 'logger'>;
type Trx = Transaction<Database>;

const LIST_LIMIT = 200;
const ALERT_REFERENCE_LENGTH = 6;
/** How far from an incident placed without a ZIP code its nearest ZIP code may be, to name its area. */
const AREA_NAME_MAX_METERS = 20_000;

// ---- which incidents may have which alerts -----------------------------------------------------------------

/**
 * The incident statuses each kind needs. Anything that tells the community agents are (or were) there needs a
 * status only a responder's field verification produces: `confirmed` directly, `active` and `concluded` only
 * from `confirmed`.
 * - Confirmed activity and updates: the incident is confirmed (or `active`: confirmed and still going on).
 * - Area clear: the incident was confirmed: `confirmed`, `active` or `concluded` (the usual moment for it).
 *   An incident that was never confirmed has no area to clear; saying so is rumour control's job.
 * - Rumour control: the incident's outcome is `false_alarm` or `not_immigration`, recorded after someone
 *   checked (a responder's verification, or a dispatcher settling a verifying incident with a reason).
 */
export const INCIDENT_STATUSES_FOR_KIND: Record<
  Exclude<AlertKind, 'know_your_rights'>,
  readonly IncidentStatus[]
> = {
  confirmed_activity: ['confirmed', 'active'],
  update: ['confirmed', 'active'],
  area_clear: ['confirmed', 'active', 'concluded'],
  rumour_control: ['false_alarm', 'not_immigration'],
};

export const INCIDENT_ALERT_KINDS = Object.keys(INCIDENT_STATUSES_FOR_KIND) as Exclude<
  AlertKind,
  'know_your_rights'
>[];

export function incidentAllowsKind(kind: AlertKind, status: IncidentStatus): boolean {
  if (kind === 'know_your_rights') return false;
  return INCIDENT_STATUSES_FOR_KIND[kind].includes(status);
}

export function kindsForIncident(status: IncidentStatus): AlertKind[] {
  return INCIDENT_ALERT_KINDS.filter((kind) => incidentAllowsKind(kind, status));
}

// ---- shared pieces -----------------------------------------------------------------------------------------

/** "ALR-" and six characters that survive being read aloud. */
export function newAlertReference(): string {
  let code = 'ALR-';
  for (let i = 0; i < ALERT_REFERENCE_LENGTH; i++)
    code += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return code;
}

async function uniqueAlertReference(trx: Trx): Promise<string> {
  return freeReference(newAlertReference, (reference) => alertReferenceExists(trx, reference));
}

function incidentPoint(context: Pick<AppContext, 'secrets'>, incident: Incident): Point | undefined {
  return readPoint(
    context.secrets.fields.decryptOptional(incidentField(incident.id, 'point'), incident.point_ciphertext),
  );
}

/** The hotline in an alert: the number, or where to report on the web when the network has none. */
export function hotlineText(config: Pick<AppContext['config'], 'hotlineNumber' | 'publicUrl'>): string {
  if (config.hotlineNumber) return config.hotlineNumber;
  const url = new URL('report', config.publicUrl);
  return `${url.host}${url.pathname}`;
}

/** The default area label: the incident's ZIP code, a neighbourhood-sized place every subscriber knows. */
export function defaultAreaLabel(incident: { zip: string | null }, centre: Point | undefined): string {
  const zip = incident.zip ?? (centre ? nearestZip(centre, AREA_NAME_MAX_METERS) : undefined);
  return zip ? `ZIP ${zip}` : '';
}

/** The time in an alert: when it was seen (the verification) for activity and rumour control, else now. */
function alertTime(kind: AlertKind, incident: Incident | undefined, now: Date): Date {
  if ((kind === 'confirmed_activity' || kind === 'rumour_control') && incident?.status_changed_at)
    return incident.status_changed_at;
  return now;
}

function renderBodies(
  context: Context,
  input: ComposeInput,
  incident: Incident | undefined,
  now: Date,
): Record<string, string> {
  const at = alertTime(input.kind, incident, now);
  const time: Record<string, string> = {};
  for (const language of SUPPORTED_LANGUAGES)
    time[language] = formatAlertTime(at, language, context.config.timeZone);
  return renderAlertBodies({
    kind: input.kind,
    whatKey: input.whatKey,
    adviceKey: input.adviceKey,
    areaLabel: input.areaLabel,
    agency: incident?.agency ?? null,
    time,
    networkName: context.config.networkName,
    hotline: hotlineText(context.config),
  });
}

async function resolveAlertTargets(
  context: Context,
  alert: Pick<Alert, 'kind' | 'radius_meters' | 'added_zips' | 'removed_zips' | 'drawn_areas'>,
  incident: Incident | undefined,
  db: Context['db'] | Trx = context.db,
): Promise<ResolvedTargets> {
  const centre = incident ? targetingCentre(incidentPoint(context, incident), incident.zip) : undefined;
  return resolveTargets({
    centre,
    incidentZip: incident?.zip ?? null,
    radiusMeters: alert.radius_meters ?? context.config.alerts.radiusMeters,
    addedZips: alert.added_zips,
    removedZips: alert.removed_zips,
    drawnAreas: alert.drawn_areas,
    ...(incident ? {} : { networkZips: await listSubscribedZips(db) }),
  });
}

/**
 * What an approver is shown, as a short fingerprint: the texts, the targeting and who wrote it. Approving
 * with an older fingerprint is refused, so nobody approves words or an area they have not seen.
 */
export function alertFingerprint(
  alert: Pick<
    Alert,
    'bodies' | 'radius_meters' | 'added_zips' | 'removed_zips' | 'drawn_areas' | 'composed_by' | 'kind'
  >,
): string {
  const content = JSON.stringify([
    alert.kind,
    Object.entries(alert.bodies).sort(([a], [b]) => a.localeCompare(b)),
    alert.radius_meters,
    [...alert.added_zips].sort(),
    [...alert.removed_zips].sort(),
    alert.drawn_areas,
    alert.composed_by,
  ]);
  return createHash('sha256').update(content).digest('base64url').slice(0, 22);
}

// ---- composing ---------------------------------------------------------------------------------------------

export interface IncidentSummary {
  id: string;
  reference: string;
  type: Incident['type'];
  agency: Incident['agency'];
  status: IncidentStatus;
  zip: string | null;
}

function summarize(incident: Incident): IncidentSummary {
  return {
    id: incident.id,
    reference: incident.reference,
    type: incident.type,
    agency: incident.agency,
    status: incident.status,
    zip: incident.zip,
  };
}

export interface ComposeView {
  incident: IncidentSummary | undefined;
  /** The kinds this incident may have now (know-your-rights alone without an incident). */
  kinds: AlertKind[];
  kind: AlertKind | undefined;
  /** Every report in the incident came from the console's simulator: no community alert at all. */
  simulatedOnly: boolean;
  defaults: { what: string; advice: string; areaLabel: string };
  /** Earlier alerts about this incident, so nobody sends the same alert twice at 3 a.m. */
  earlier: AlertListEntry[];
}

export type ComposeViewOutcome =
  { outcome: 'found'; view: ComposeView } | { outcome: 'merged'; into: string } | { outcome: 'not_found' };

/** The compose page: which kinds the incident allows, and the wording to start from. */
export async function composeView(
  context: Context,
  incidentId: string | null,
  requestedKind: string | undefined,
): Promise<ComposeViewOutcome> {
  if (incidentId === null) {
    return {
      outcome: 'found',
      view: {
        incident: undefined,
        kinds: ['know_your_rights'],
        kind: 'know_your_rights',
        simulatedOnly: false,
        defaults: { what: '', advice: defaultAdvice('know_your_rights', undefined), areaLabel: '' },
        earlier: [],
      },
    };
  }
  if (!isUuid(incidentId)) return { outcome: 'not_found' };
  const incident = await findIncident(context.db, incidentId);
  if (!incident) return { outcome: 'not_found' };
  if (incident.merged_into !== null) return { outcome: 'merged', into: incident.merged_into };
  const simulatedOnly = await incidentHoldsOnlySimulatedReports(context.db, incident.id);
  const kinds = simulatedOnly ? [] : kindsForIncident(incident.status);
  const kind = kinds.find((allowed) => allowed === requestedKind) ?? kinds[0];
  const centre = targetingCentre(incidentPoint(context, incident), incident.zip);
  return {
    outcome: 'found',
    view: {
      incident: summarize(incident),
      kinds,
      kind,
      simulatedOnly,
      defaults: {
        what: kind ? (defaultWhat(kind, incident) ?? '') : '',
        advice: kind ? defaultAdvice(kind, incident) : '',
        areaLabel: defaultAreaLabel(incident, centre),
      },
      earlier: await listEntries(context, await listAlertRecordsForIncident(context.db, incident.id)),
    },
  };
}

export type ComposeOutcome =
  | { outcome: 'created'; id: string; reference: string }
  | { outcome: 'not_found' }
  | { outcome: 'merged'; into: string }
  | { outcome: 'kind_not_allowed'; status: IncidentStatus | null }
  | { outcome: 'simulated_only' };

/**
 * Writes a draft. The incident's status is checked here (and again at approval): a kind the incident does
 * not allow is refused whatever the form said.
 */
export async function composeAlert(
  context: Context,
  actorId: string,
  incidentId: string | null,
  input: ComposeInput,
): Promise<ComposeOutcome> {
  if (incidentId !== null && !isUuid(incidentId)) return { outcome: 'not_found' };
  return context.db.transaction().execute(async (trx): Promise<ComposeOutcome> => {
    let incident: Incident | undefined;
    if (incidentId === null) {
      if (input.kind !== 'know_your_rights') return { outcome: 'kind_not_allowed', status: null };
    } else {
      incident = await findIncident(trx, incidentId);
      if (!incident) return { outcome: 'not_found' };
      if (incident.merged_into !== null) return { outcome: 'merged', into: incident.merged_into };
      if (!incidentAllowsKind(input.kind, incident.status))
        return { outcome: 'kind_not_allowed', status: incident.status };
      if (await incidentHoldsOnlySimulatedReports(trx, incident.id)) return { outcome: 'simulated_only' };
    }
    const id = randomUUID();
    const reference = await uniqueAlertReference(trx);
    const now = context.clock.now();
    const targeting = {
      kind: input.kind,
      radius_meters: incident ? context.config.alerts.radiusMeters : null,
      added_zips: [],
      removed_zips: [],
      drawn_areas: [] as DrawnArea[],
    };
    const targets = await resolveAlertTargets(context, targeting, incident, trx);
    await insertAlert(trx, {
      id,
      reference,
      kind: input.kind,
      incident_id: incident?.id ?? null,
      status: 'draft',
      area_label: input.areaLabel,
      what_key: input.whatKey,
      advice_key: input.adviceKey,
      bodies: JSON.stringify(renderBodies(context, input, incident, now)),
      radius_meters: targeting.radius_meters,
      added_zips: [],
      removed_zips: [],
      drawn_areas: '[]',
      target_zips: targets.zips,
      composed_by: actorId,
      composed_at: now,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'alert.composed',
      subjectType: 'alert',
      subjectId: id,
      details: { kind: input.kind, incidentId: incident?.id ?? null, zips: targets.zips.length },
    });
    return { outcome: 'created', id, reference };
  });
}

export type EditOutcome =
  'edited' | 'not_found' | 'not_draft' | 'kind_changed' | 'kind_not_allowed' | 'incident_merged';

/**
 * Rewrites a draft's wording. Whoever changes the words becomes its composer: the person who last wrote
 * what the community will read is the one who may not approve it.
 */
export async function editAlertWording(
  context: Context,
  actorId: string,
  alertId: string,
  input: ComposeInput,
): Promise<EditOutcome> {
  if (!isUuid(alertId)) return 'not_found';
  return context.db.transaction().execute(async (trx): Promise<EditOutcome> => {
    const alert = await lockAlert(trx, alertId);
    if (!alert) return 'not_found';
    if (alert.status !== 'draft') return 'not_draft';
    if (alert.kind !== input.kind) return 'kind_changed';
    const incident = alert.incident_id ? await findIncident(trx, alert.incident_id) : undefined;
    if (incident && incident.merged_into !== null) return 'incident_merged';
    if (incident && !incidentAllowsKind(alert.kind, incident.status)) return 'kind_not_allowed';
    const now = context.clock.now();
    await updateAlert(trx, alertId, {
      area_label: input.areaLabel,
      what_key: input.whatKey,
      advice_key: input.adviceKey,
      bodies: JSON.stringify(renderBodies(context, input, incident, now)),
      composed_by: actorId,
      composed_at: now,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'alert.edited',
      subjectType: 'alert',
      subjectId: alertId,
      details: { previousComposer: alert.composed_by },
    });
    return 'edited';
  });
}

export type RetargetOutcome = 'saved' | 'not_found' | 'not_draft';

/**
 * A coordinator aims a draft: radius, ZIP codes added and removed, drawn areas. Who hears an alert is as
 * much a part of it as its words, so whoever aims it becomes its composer, as with editing: otherwise a
 * coordinator could send someone else's words to an area only they had seen, and approve that alone.
 */
export async function retargetAlert(
  context: Context,
  actorId: string,
  alertId: string,
  input: TargetingInput,
): Promise<RetargetOutcome> {
  if (!isUuid(alertId)) return 'not_found';
  return context.db.transaction().execute(async (trx): Promise<RetargetOutcome> => {
    const alert = await lockAlert(trx, alertId);
    if (!alert) return 'not_found';
    if (alert.status !== 'draft') return 'not_draft';
    const incident = alert.incident_id ? await findIncident(trx, alert.incident_id) : undefined;
    const targeting = {
      kind: alert.kind,
      radius_meters: incident ? input.radiusMeters : null,
      added_zips: input.addedZips,
      removed_zips: input.removedZips,
      drawn_areas: input.drawnAreas,
    };
    const targets = await resolveAlertTargets(context, targeting, incident, trx);
    await updateAlert(trx, alertId, {
      radius_meters: targeting.radius_meters,
      added_zips: input.addedZips,
      removed_zips: input.removedZips,
      drawn_areas: JSON.stringify(input.drawnAreas),
      target_zips: targets.zips,
      composed_by: actorId,
      composed_at: context.clock.now(),
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'alert.targeted',
      subjectType: 'alert',
      subjectId: alertId,
      details: {
        radiusMeters: targeting.radius_meters,
        added: input.addedZips,
        removed: input.removedZips,
        drawnAreas: input.drawnAreas.length,
        zips: targets.zips.length,
        previousComposer: alert.composed_by,
      },
    });
    return 'saved';
  });
}

// ---- approving and cancelling ------------------------------------------------------------------------------

export type ApproveOutcome =
  | { outcome: 'approved'; recipients: number }
  | { outcome: 'not_found' }
  | { outcome: 'not_draft'; status: AlertStatus }
  | { outcome: 'own_alert' }
  | { outcome: 'changed' }
  | { outcome: 'kind_not_allowed'; status: IncidentStatus }
  | { outcome: 'incident_merged' }
  | { outcome: 'simulated_only' }
  | { outcome: 'no_recipients' };

/**
 * A second person approves a draft. In one transaction, with the incident and the alert locked: the composer
 * rule, the fingerprint of what the approver saw, the incident rule again (it may have changed since the
 * draft), the target ZIP codes recomputed, then the delivery engine fills the ledger and queues the fan-out.
 * The incident's timeline and the audit log record it; the consoles are told.
 */
export async function approveAlert(
  context: AppContext,
  actorId: string,
  alertId: string,
  seen: string,
): Promise<ApproveOutcome> {
  if (!isUuid(alertId)) return { outcome: 'not_found' };
  const refusal = async (reason: string): Promise<void> => {
    // Attempts the rules refuse are recorded too: a pattern of them is worth a coordinator's look.
    await recordAudit(context.db, context, {
      actorId,
      action: 'alert.approval_refused',
      subjectType: 'alert',
      subjectId: alertId,
      details: { reason },
    });
  };
  const outcome = await context.db.transaction().execute(async (trx): Promise<ApproveOutcome> => {
    const unlocked = await findAlert(trx, alertId);
    if (!unlocked) return { outcome: 'not_found' };
    // Incident before alert, as everywhere an incident is locked first.
    const incident = unlocked.incident_id ? await lockIncident(trx, unlocked.incident_id) : undefined;
    const alert = await lockAlert(trx, alertId);
    if (!alert || alert.incident_id !== unlocked.incident_id) return { outcome: 'not_found' };
    if (alert.status !== 'draft') return { outcome: 'not_draft', status: alert.status };
    if (alert.composed_by === actorId && context.config.alerts.twoPersonApproval)
      return { outcome: 'own_alert' };
    if (seen !== alertFingerprint(alert)) return { outcome: 'changed' };
    if (alert.incident_id !== null) {
      if (!incident || incident.merged_into !== null) return { outcome: 'incident_merged' };
      if (!incidentAllowsKind(alert.kind, incident.status))
        return { outcome: 'kind_not_allowed', status: incident.status };
      if (await incidentHoldsOnlySimulatedReports(trx, incident.id)) return { outcome: 'simulated_only' };
    }
    const targets = await resolveAlertTargets(context, alert, incident, trx);
    const counts = await countAlertRecipientsByLanguage(trx, targets.zips);
    if (Object.values(counts).reduce((sum, count) => sum + count, 0) === 0)
      return { outcome: 'no_recipients' };
    const now = context.clock.now();
    await updateAlert(trx, alertId, {
      status: 'approved',
      approved_by: actorId,
      approved_at: now,
      target_zips: targets.zips,
    });
    // The delivery engine fills the ledger, marks the alert sending and queues the fan-out, in this transaction.
    const recipients = await queueAlertDelivery(context, trx, { id: alertId, target_zips: targets.zips });
    if (incident) {
      await recordIncidentEvent(context, trx, { incidentId: incident.id, actorId, kind: 'alert_approved' });
      await markIncidentChanged(context, trx, incident.id);
    }
    await recordAudit(trx, context, {
      actorId,
      action: 'alert.approved',
      subjectType: 'alert',
      subjectId: alertId,
      details: {
        kind: alert.kind,
        incidentId: alert.incident_id,
        composedBy: alert.composed_by,
        zips: targets.zips.length,
        recipients,
      },
    });
    return { outcome: 'approved', recipients };
  });
  switch (outcome.outcome) {
    case 'approved':
      context.logger.info({ alertId, recipients: outcome.recipients }, 'alert approved');
      break;
    case 'own_alert':
    case 'changed':
    case 'kind_not_allowed':
    case 'incident_merged':
    case 'simulated_only':
    case 'no_recipients':
      await refusal(outcome.outcome);
      break;
    case 'not_found':
    case 'not_draft':
      break;
  }
  return outcome;
}

export type CancelOutcome = 'cancelled' | 'not_found' | 'not_draft';

/** A draft that should not go: anyone who may compose may cancel it. Sent alerts cannot be unsent. */
export async function cancelAlert(
  context: Context,
  actorId: string,
  alertId: string,
): Promise<CancelOutcome> {
  if (!isUuid(alertId)) return 'not_found';
  return context.db.transaction().execute(async (trx): Promise<CancelOutcome> => {
    const alert = await lockAlert(trx, alertId);
    if (!alert) return 'not_found';
    if (alert.status !== 'draft') return 'not_draft';
    await updateAlert(trx, alertId, {
      status: 'cancelled',
      cancelled_by: actorId,
      cancelled_at: context.clock.now(),
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'alert.cancelled',
      subjectType: 'alert',
      subjectId: alertId,
      details: { kind: alert.kind },
    });
    return 'cancelled';
  });
}

// ---- what the console shows --------------------------------------------------------------------------------

async function staffNames(context: Context, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  const names = new Map<string, string>();
  for (const staff of await staffNamesOf(context.db, wanted))
    names.set(staff.userId, staffLabel(context, staff));
  return names;
}

export interface ProgressSnapshot extends AlertDeliveryProgress {
  status: AlertStatus;
}

const NO_PROGRESS: AlertDeliveryProgress = {
  queued: 0,
  sending: 0,
  sent: 0,
  delivered: 0,
  failed: 0,
  undeliverable: 0,
  total: 0,
};

/** Where an alert's delivery stands; drafts and cancelled alerts have none. */
export async function alertProgress(
  context: Pick<AppContext, 'db'>,
  alert: Pick<Alert, 'id' | 'status'>,
): Promise<ProgressSnapshot> {
  if (alert.status === 'draft' || alert.status === 'cancelled')
    return { status: alert.status, ...NO_PROGRESS };
  return { status: alert.status, ...(await alertDeliveryProgress(context.db, alert.id)) };
}

export async function progressOf(
  context: Pick<AppContext, 'db'>,
  alertId: string,
): Promise<ProgressSnapshot | undefined> {
  if (!isUuid(alertId)) return undefined;
  const alert = await findAlert(context.db, alertId);
  return alert ? alertProgress(context, alert) : undefined;
}

export interface AlertDetail {
  id: string;
  reference: string;
  kind: AlertKind;
  status: AlertStatus;
  incident: IncidentSummary | undefined;
  /** The incident no longer allows this kind (it moved on since the draft): approving would be refused. */
  incidentProblem: IncidentStatus | 'merged' | undefined;
  areaLabel: string;
  whatKey: string | null;
  adviceKey: string | null;
  previews: BodyPreview[];
  radiusMeters: number | null;
  addedZips: string[];
  removedZips: string[];
  drawnAreas: DrawnArea[];
  targets: ResolvedTargets;
  /** The centre the radius is drawn around, for the draft's map of its area (staff see the incident's place). */
  centre: Point | undefined;
  /** Who would receive it now (drafts), or who it was queued for. */
  recipientsByLanguage: Record<string, number>;
  /** Of a draft's recipients, those Twilio still blocks (they came back by a word Twilio does not know). */
  recipientsBlockedByProvider: number;
  recipients: number | null;
  composedBy: { id: string; name: string };
  composedAt: Date;
  approvedBy: { name: string; at: Date } | undefined;
  cancelledBy: { name: string; at: Date } | undefined;
  progress: ProgressSnapshot;
  fingerprint: string;
  /** The viewer wrote the current words and the two-person rule is on. */
  viewerIsComposer: boolean;
}

export async function viewAlert(
  context: Context,
  alertId: string,
  viewerId: string,
): Promise<AlertDetail | undefined> {
  if (!isUuid(alertId)) return undefined;
  const alert = await findAlert(context.db, alertId);
  if (!alert) return undefined;
  const incident = alert.incident_id ? await findIncident(context.db, alert.incident_id) : undefined;
  const isDraft = alert.status === 'draft';
  // A draft shows what approval would do now; an approved alert shows what was sent.
  const targets = isDraft
    ? await resolveAlertTargets(context, alert, incident)
    : { zips: alert.target_zips, fromRadius: [], fromAreas: [], networkWide: false };
  const recipientsByLanguage = isDraft ? await countAlertRecipientsByLanguage(context.db, targets.zips) : {};
  const recipientsBlockedByProvider = isDraft
    ? await countAlertRecipientsBlockedByProvider(context.db, targets.zips)
    : 0;
  const names = await staffNames(context, [alert.composed_by, alert.approved_by, alert.cancelled_by]);
  let incidentProblem: AlertDetail['incidentProblem'];
  if (isDraft && alert.incident_id) {
    if (!incident || incident.merged_into !== null) incidentProblem = 'merged';
    else if (!incidentAllowsKind(alert.kind, incident.status)) incidentProblem = incident.status;
  }
  return {
    id: alert.id,
    reference: alert.reference,
    kind: alert.kind,
    status: alert.status,
    incident: incident && summarize(incident),
    incidentProblem,
    areaLabel: alert.area_label,
    whatKey: alert.what_key,
    adviceKey: alert.advice_key,
    previews: previewBodies(alert.bodies),
    radiusMeters: alert.radius_meters,
    addedZips: alert.added_zips,
    removedZips: alert.removed_zips,
    drawnAreas: alert.drawn_areas,
    targets,
    centre: isDraft && incident ? targetingCentre(incidentPoint(context, incident), incident.zip) : undefined,
    recipientsByLanguage,
    recipientsBlockedByProvider,
    recipients: alert.recipients,
    composedBy: { id: alert.composed_by, name: names.get(alert.composed_by) ?? '' },
    composedAt: alert.composed_at,
    approvedBy:
      alert.approved_by && alert.approved_at
        ? { name: names.get(alert.approved_by) ?? '', at: alert.approved_at }
        : undefined,
    cancelledBy:
      alert.cancelled_by && alert.cancelled_at
        ? { name: names.get(alert.cancelled_by) ?? '', at: alert.cancelled_at }
        : undefined,
    progress: await alertProgress(context, alert),
    fingerprint: alertFingerprint(alert),
    viewerIsComposer: alert.composed_by === viewerId && context.config.alerts.twoPersonApproval,
  };
}

export interface AlertListRow extends AlertListRecord {
  incident_reference: string | null;
}

export interface AlertListEntry extends AlertListRow {
  composedByName: string;
}

/** The list rows with their incident's reference and their composer's name, each read once for all rows. */
async function listEntries(context: Context, rows: AlertListRecord[]): Promise<AlertListEntry[]> {
  const names = await staffNames(
    context,
    rows.map((row) => row.composed_by),
  );
  const incidents = await findIncidentLabels(context.db, [
    ...new Set(rows.flatMap((row) => (row.incident_id ? [row.incident_id] : []))),
  ]);
  return rows.map((row) => ({
    ...row,
    incident_reference: (row.incident_id && incidents.get(row.incident_id)?.reference) || null,
    composedByName: names.get(row.composed_by) ?? '',
  }));
}

/** Drafts this person may approve (not their own, while two people must agree): the navigation's count. */
export async function countAlertsAwaitingApproval(
  context: Pick<AppContext, 'db' | 'config'>,
  userId: string,
): Promise<number> {
  return countDraftAlerts(context.db, context.config.alerts.twoPersonApproval ? userId : null);
}

export async function listAlertsForConsole(context: Context): Promise<AlertListEntry[]> {
  return listEntries(context, await listAlertRecords(context.db, LIST_LIMIT));
}

/** The languages recipients are counted in, in a stable order: the network's own first, then any others. */
export function languagesInOrder(counts: Record<string, number>): string[] {
  const known: string[] = [...SUPPORTED_LANGUAGES];
  return [
    ...known,
    ...Object.keys(counts)
      .filter((language) => !known.includes(language))
      .sort(),
  ];
}

// ---- live progress -----------------------------------------------------------------------------------------

interface ProgressChange {
  alertId: string;
  snapshot: ProgressSnapshot;
}

type ProgressListener = (snapshot: ProgressSnapshot) => void;

/**
 * Delivery progress for live pages. One LISTEN per process on the delivery engine's progress channel (which
 * it thins to a few signals a second per alert); a signal for an alert someone watches is read once and
 * handed to all its watchers. A slow re-read while anyone watches covers a signal lost on the way.
 */
export class AlertProgressWatch {
  readonly #context: Pick<AppContext, 'db' | 'logger'>;
  readonly #pollMs: number;
  readonly #fanOut: NotificationFanOut<ProgressChange>;
  readonly #watched = new Map<
    string,
    { listeners: Set<ProgressListener>; timer: NodeJS.Timeout; last: string }
  >();
  #listening: Promise<() => void> | undefined;

  constructor(context: Pick<AppContext, 'db' | 'database' | 'logger'>, options: { pollMs: number }) {
    this.#context = context;
    this.#pollMs = options.pollMs;
    this.#fanOut = new NotificationFanOut<ProgressChange>(
      context,
      [
        {
          channel: ALERT_PROGRESS_CHANNEL,
          read: async (alertId) => {
            if (!this.#watched.has(alertId)) return undefined;
            const snapshot = await progressOf(context, alertId);
            return snapshot && { alertId, snapshot };
          },
        },
      ],
      'alert progress could not be read',
    );
  }

  async subscribe(alertId: string, listener: ProgressListener): Promise<() => void> {
    this.#listening ??= this.#fanOut.subscribe((change) => this.#deliver(change.alertId, change.snapshot));
    try {
      await this.#listening;
    } catch (error) {
      this.#listening = undefined;
      throw error;
    }
    let entry = this.#watched.get(alertId);
    if (!entry) {
      const timer = setInterval(() => void this.#reread(alertId), this.#pollMs);
      timer.unref();
      entry = { listeners: new Set(), timer, last: '' };
      this.#watched.set(alertId, entry);
    }
    entry.listeners.add(listener);
    const watched = entry;
    return () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size === 0) {
        clearInterval(watched.timer);
        if (this.#watched.get(alertId) === watched) this.#watched.delete(alertId);
      }
    };
  }

  async close(): Promise<void> {
    for (const entry of this.#watched.values()) clearInterval(entry.timer);
    this.#watched.clear();
    this.#listening = undefined;
    await this.#fanOut.close();
  }

  #deliver(alertId: string, snapshot: ProgressSnapshot): void {
    const entry = this.#watched.get(alertId);
    if (!entry) return;
    const key = JSON.stringify(snapshot);
    if (key === entry.last) return;
    entry.last = key;
    for (const listener of entry.listeners) listener(snapshot);
  }

  async #reread(alertId: string): Promise<void> {
    try {
      const snapshot = await progressOf(this.#context, alertId);
      if (snapshot) this.#deliver(alertId, snapshot);
    } catch (error) {
      this.#context.logger.warn({ err: error }, 'alert progress could not be read');
    }
  }
}

export function twoPersonRuleIsOff(config: Pick<AppContext['config'], 'alerts'>): boolean {
  return !config.alerts.twoPersonApproval;
}
