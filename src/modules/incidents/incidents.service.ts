// Incidents: grouping reports, suggesting where a report belongs, merging and splitting, status changes by
// dispatchers, and what the board and the detail page show. No HTTP here. Every change is one transaction
// that writes the timeline, the audit log and the signal the live boards listen for.
import { randomInt, randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type {
  Database,
  DispatchStatus,
  Incident,
  IncidentAgency,
  IncidentStatus,
  IncidentType,
  ReportStatus,
} from '../../db/schema.ts';
import { freeReference } from '../../db/unique-reference.ts';
import {
  distanceMeters,
  formatPoint,
  h3CellOf,
  parsePoint,
  readPoint,
  zipCentroid,
  type Point,
} from '../../geo/geo.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { REFERENCE_ALPHABET } from '../reports/reference-code.ts';
import { isUuid } from '../../http/ids.ts';
import {
  countReportsByIncident,
  findGroupableReport,
  findReportReferences,
  listIncidentReportIds,
  listIncidentReports,
  listTriageReports,
  listTriageReportsSince,
  type GroupableReport,
} from '../reports/reports.queries.ts';
import {
  EXPIRING_STATUSES,
  linkReportToIncident,
  lockGroupableReport,
  moveReportsToIncident,
  OPEN_STATUSES,
  setReportStatus,
} from '../reports/reports.service.ts';
import {
  canTransition,
  changeIncidentStatus,
  notifyIncidentChanged,
  OPEN_INCIDENT_STATUSES,
  recordIncidentEvent,
  TRANSITIONS,
  type StatusChangeResult,
} from './incidents.lifecycle.ts';
import { incidentDispatches } from './incidents.dispatches.ts';
import { runIncidentMergeSteps } from './incidents.merge-steps.ts';
import { frameFor, markerPoint, OUTLINE_MAX_ZOOM, type MapFrame } from './incidents.map.ts';
import {
  findBoardRow,
  findIncident,
  incidentReferenceExists,
  insertIncident,
  listBoard,
  listBoardChangedSince,
  listCandidateIncidents,
  listMergeTargets,
  listRecentPlaces,
  listTimeline,
  lockIncident,
  markMerged,
  moveIncidentEvents,
  touchIncident,
  updateIncidentPlace,
  type BoardIncidentRow,
  type BoardRow,
  type CandidateIncident,
} from './incidents.repository.ts';
import {
  changedSinceFor,
  statusesFor,
  type BoardQuery,
  type CreateIncidentInput,
  type SplitInput,
} from './incidents.schemas.ts';
import { staffLabel, staffNamesOf } from '../staff/staff.service.ts';
import { reportField } from '../reports/reports.fields.ts';
import { incidentEventNoteField, incidentField } from './incidents.fields.ts';

type Context = Pick<AppContext, 'db' | 'secrets' | 'clock' | 'config'>;
type Trx = Transaction<Database>;

const BOARD_LIMIT = 200;
const TRIAGE_LIMIT = 100;
const SUGGESTION_LIMIT = 5;
/** Open incidents active in a window are few; this bounds how many points one suggestion decrypts. */
const CANDIDATE_LIMIT = 200;
const MERGE_TARGET_LIMIT = 50;
/** Without incidents on the board, the map frames the network's area: where incidents started lately. */
const NETWORK_AREA_MS = 24 * 3600_000;
/** How far back a reconnecting board may ask to catch up; anything older is a page reload away. */
const REPLAY_WINDOW_MS = 60 * 60_000;
const REPLAY_LIMIT = 200;
/** Changes are stamped before they commit; replaying from a little earlier catches one that committed late. */
const REPLAY_SLACK_MS = 5_000;
/** A report's rows are sent with the ids of the reports it holds, so boards drop them from the triage queue. */
const REPORT_IDS_ON_EVENT = 100;
/** Statuses meaning someone went and saw it: a merge must not bury them under an unverified incident. */
const VERIFIED_STATUSES: readonly IncidentStatus[] = ['confirmed', 'active', 'concluded'];

const INCIDENT_REFERENCE_LENGTH = 6;

/** "INC-" and six characters that survive being read aloud: what dispatchers and responders say. */
export function newIncidentReference(): string {
  let code = 'INC-';
  for (let i = 0; i < INCIDENT_REFERENCE_LENGTH; i++)
    code += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return code;
}

// ---- places -----------------------------------------------------------------------------------------------

/** Where a report is, as far as Amparo can tell without a geocoder. */
export interface ReportPlace {
  point: Point | undefined;
  /** True when the point was typed or shared (coordinates in the location), false for a ZIP centre. */
  precise: boolean;
  zip: string | null;
}

export function placeOfReport(
  context: Pick<AppContext, 'secrets'>,
  report: Pick<GroupableReport, 'id' | 'zip' | 'location_ciphertext'>,
): ReportPlace {
  const location = context.secrets.fields.decryptOptional(
    reportField(report.id, 'location'),
    report.location_ciphertext,
  );
  const typed = parsePoint(location);
  if (typed) return { point: typed, precise: true, zip: report.zip };
  return { point: zipCentroid(report.zip), precise: false, zip: report.zip };
}

interface IncidentPlace {
  point: Point | undefined;
  precise: boolean;
  zip: string | null;
}

function placeOfIncident(
  context: Pick<AppContext, 'secrets'>,
  incident: { id: string; zip: string | null; point_ciphertext: string | null },
): IncidentPlace {
  const point = readPoint(
    context.secrets.fields.decryptOptional(incidentField(incident.id, 'point'), incident.point_ciphertext),
  );
  // An incident placed only by its ZIP code carries that ZIP's centre as its point: no more precise than it.
  const centre = zipCentroid(incident.zip);
  const precise = point !== undefined && (!centre || formatPoint(centre) !== formatPoint(point));
  return { point, precise, zip: incident.zip };
}

// ---- suggestions ------------------------------------------------------------------------------------------

export interface IncidentSuggestion {
  id: string;
  reference: string;
  type: IncidentType;
  agency: IncidentAgency;
  status: IncidentStatus;
  zip: string | null;
  /** Metres between the two places, when both are known precisely. */
  distanceMeters: number | null;
  sameZip: boolean;
}

interface PlacedCandidate {
  incident: CandidateIncident;
  place: IncidentPlace;
}

/**
 * The open incidents a report may belong to, nearest first: within the radius when both places are known
 * precisely; otherwise (a ZIP centre, a missing point) in the same ZIP code. Only incidents active within
 * the time window around the report count.
 */
export function matchIncidents(
  report: { created_at: Date },
  place: ReportPlace,
  candidates: readonly PlacedCandidate[],
  settings: { incidentRadiusMeters: number; incidentWindowMinutes: number },
): IncidentSuggestion[] {
  const windowMs = settings.incidentWindowMinutes * 60_000;
  const at = report.created_at.getTime();
  const matches: (IncidentSuggestion & { rank: number; activity: number })[] = [];
  for (const { incident, place: where } of candidates) {
    if (incident.updated_at.getTime() < at - windowMs || incident.created_at.getTime() > at + windowMs)
      continue;
    const bothPrecise = place.precise && where.precise;
    const distance = place.point && where.point ? distanceMeters(place.point, where.point) : undefined;
    const sameZip = place.zip !== null && place.zip === where.zip;
    const near = distance !== undefined && distance <= settings.incidentRadiusMeters;
    if (!near && (bothPrecise || !sameZip)) continue;
    matches.push({
      id: incident.id,
      reference: incident.reference,
      type: incident.type,
      agency: incident.agency,
      status: incident.status,
      zip: incident.zip,
      distanceMeters: bothPrecise && distance !== undefined ? Math.round(distance) : null,
      sameZip,
      rank: distance ?? Number.POSITIVE_INFINITY,
      activity: incident.updated_at.getTime(),
    });
  }
  matches.sort((a, b) => a.rank - b.rank || b.activity - a.activity);
  return matches
    .slice(0, SUGGESTION_LIMIT)
    .map(({ rank: _rank, activity: _activity, ...suggestion }) => suggestion);
}

async function placedCandidates(context: Context, from: Date, to: Date): Promise<PlacedCandidate[]> {
  const candidates = await listCandidateIncidents(context.db, {
    statuses: OPEN_INCIDENT_STATUSES,
    activeFrom: from,
    startedBy: to,
    limit: CANDIDATE_LIMIT,
  });
  return candidates.map((incident) => ({ incident, place: placeOfIncident(context, incident) }));
}

/** Suggestions for several reports at once (the triage queue): candidates are read and decrypted once. */
export async function suggestIncidentsForReports(
  context: Context,
  reports: readonly GroupableReport[],
): Promise<Map<string, IncidentSuggestion[]>> {
  const suggestions = new Map<string, IncidentSuggestion[]>();
  if (reports.length === 0) return suggestions;
  const windowMs = context.config.hotline.incidentWindowMinutes * 60_000;
  const times = reports.map((report) => report.created_at.getTime());
  const candidates = await placedCandidates(
    context,
    new Date(Math.min(...times) - windowMs),
    new Date(Math.max(...times) + windowMs),
  );
  for (const report of reports) {
    const matches = matchIncidents(
      report,
      placeOfReport(context, report),
      candidates,
      context.config.hotline,
    );
    suggestions.set(
      report.id,
      matches.filter((match) => match.id !== report.incident_id),
    );
  }
  return suggestions;
}

// ---- grouping ---------------------------------------------------------------------------------------------

async function uniqueIncidentReference(trx: Trx): Promise<string> {
  // Checked first: a unique violation would abort the whole transaction.
  return freeReference(newIncidentReference, (reference) => incidentReferenceExists(trx, reference));
}

/**
 * Puts a locked report into a locked incident: the link, the report's cell, a status that report expiry
 * keeps, the timeline and the audit log. The caller notifies.
 */
async function linkReportInTransaction(
  context: Context,
  trx: Trx,
  actorId: string,
  incident: Pick<Incident, 'id' | 'h3_cell' | 'point_ciphertext' | 'zip'>,
  report: GroupableReport,
): Promise<void> {
  const now = context.clock.now();
  const place = placeOfReport(context, report);
  await linkReportToIncident(trx, report.id, {
    incidentId: incident.id,
    h3Cell: place.point ? h3CellOf(place.point) : incident.h3_cell,
  });
  if (incident.point_ciphertext === null && place.point) {
    // An incident started without a place takes the first one a report gives it.
    await updateIncidentPlace(trx, incident.id, {
      point_ciphertext: context.secrets.fields.encrypt(
        incidentField(incident.id, 'point'),
        formatPoint(place.point),
      ),
      zip: incident.zip ?? place.zip,
      h3_cell: h3CellOf(place.point),
    });
  }
  // A report someone grouped into an incident is being followed up: expiry must keep it.
  if (EXPIRING_STATUSES.includes(report.status)) {
    const to: ReportStatus = 'needs_verification';
    await setReportStatus(trx, report.id, { status: to, changedBy: actorId, changedAt: now });
    await recordAudit(trx, context, {
      actorId,
      action: 'report.status_changed',
      subjectType: 'report',
      subjectId: report.id,
      details: { from: report.status, to },
    });
  }
  await recordIncidentEvent(context, trx, {
    incidentId: incident.id,
    actorId,
    kind: 'report_linked',
    reportId: report.id,
  });
  await recordAudit(trx, context, {
    actorId,
    action: 'incident.report_linked',
    subjectType: 'incident',
    subjectId: incident.id,
    details: { reportId: report.id },
  });
  await touchIncident(trx, incident.id, now);
}

export type CreateOutcome =
  | { outcome: 'created'; id: string; reference: string }
  | { outcome: 'report_not_found' }
  | { outcome: 'already_grouped'; incidentId: string }
  | { outcome: 'no_place' };

/** A dispatcher starts an incident from a report. Without a place given, the report's own is used. */
export async function createIncidentFromReport(
  context: Context,
  actorId: string,
  input: CreateIncidentInput,
): Promise<CreateOutcome> {
  if (!isUuid(input.reportId)) return { outcome: 'report_not_found' };
  return context.db.transaction().execute(async (trx): Promise<CreateOutcome> => {
    const report = await lockGroupableReport(trx, input.reportId);
    if (!report) return { outcome: 'report_not_found' };
    if (report.incident_id) return { outcome: 'already_grouped', incidentId: report.incident_id };
    const reportPlace = placeOfReport(context, report);
    const zip = input.zip ?? report.zip;
    const point = input.point ?? (input.zip ? zipCentroid(input.zip) : reportPlace.point) ?? null;
    // A place in words is enough on its own: the dispatcher knows the corner before anyone has coordinates.
    if (point === null && zip === null && !input.placeName) return { outcome: 'no_place' };
    const id = randomUUID();
    const reference = await uniqueIncidentReference(trx);
    const now = context.clock.now();
    const { fields } = context.secrets;
    const pointCiphertext = point ? fields.encrypt(incidentField(id, 'point'), formatPoint(point)) : null;
    const h3Cell = point ? h3CellOf(point) : null;
    await insertIncident(trx, {
      id,
      reference,
      type: input.type,
      agency: input.agency,
      status: 'reported',
      point_ciphertext: pointCiphertext,
      zip,
      h3_cell: h3Cell,
      summary_ciphertext: fields.encryptOptional(incidentField(id, 'summary'), input.summary),
      place_name_ciphertext: fields.encryptOptional(incidentField(id, 'place_name'), input.placeName ?? null),
      reporter_language: report.language,
      merged_into: null,
      created_by: actorId,
      created_at: now,
      updated_at: now,
      status_changed_by: null,
      status_changed_at: null,
    });
    await recordIncidentEvent(context, trx, {
      incidentId: id,
      actorId,
      kind: 'created',
      toStatus: 'reported',
      reportId: report.id,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'incident.created',
      subjectType: 'incident',
      subjectId: id,
      details: { reportId: report.id, type: input.type, agency: input.agency },
    });
    await linkReportInTransaction(
      context,
      trx,
      actorId,
      { id, h3_cell: h3Cell, point_ciphertext: pointCiphertext, zip },
      report,
    );
    await notifyIncidentChanged(trx, id);
    return { outcome: 'created', id, reference };
  });
}

export type AddReportOutcome = 'linked' | 'unchanged' | 'not_found' | 'report_not_found' | 'already_grouped';

/** A dispatcher adds a report to an existing incident. A report in another incident is moved by a split. */
export async function addReportToIncident(
  context: Context,
  actorId: string,
  incidentId: string,
  reportId: string,
): Promise<AddReportOutcome> {
  if (!isUuid(incidentId)) return 'not_found';
  if (!isUuid(reportId)) return 'report_not_found';
  return context.db.transaction().execute(async (trx): Promise<AddReportOutcome> => {
    // Incident before report, everywhere: two dispatchers grouping at once wait for each other, never deadlock.
    const incident = await lockIncident(trx, incidentId);
    if (!incident || incident.merged_into !== null) return 'not_found';
    const report = await lockGroupableReport(trx, reportId);
    if (!report) return 'report_not_found';
    if (report.incident_id === incidentId) return 'unchanged';
    if (report.incident_id !== null) return 'already_grouped';
    await linkReportInTransaction(context, trx, actorId, incident, report);
    await notifyIncidentChanged(trx, incidentId);
    return 'linked';
  });
}

// ---- merge and split --------------------------------------------------------------------------------------

export type MergeOutcome =
  'merged' | 'not_found' | 'target_not_found' | 'same_incident' | 'would_bury_verified';

/**
 * Merges one incident into another: its reports, timeline, dispatches and verifications move to the target;
 * the source keeps only a pointer (merged_into) and leaves the board. A verified incident is never merged
 * into an unverified one: the verification would vanish under a status only a responder can restore.
 */
export async function mergeIncidents(
  context: Context,
  actorId: string,
  change: { sourceId: string; targetId: string; reason: string | null },
): Promise<MergeOutcome> {
  const { sourceId, targetId } = change;
  if (!isUuid(sourceId)) return 'not_found';
  if (!isUuid(targetId)) return 'target_not_found';
  if (sourceId === targetId) return 'same_incident';
  return context.db.transaction().execute(async (trx): Promise<MergeOutcome> => {
    // Locked in a fixed order, so two opposite merges at once cannot deadlock.
    const locked = new Map<string, Incident | undefined>();
    for (const id of [sourceId, targetId].sort()) locked.set(id, await lockIncident(trx, id));
    const source = locked.get(sourceId);
    const target = locked.get(targetId);
    if (!source || source.merged_into !== null) return 'not_found';
    if (!target || target.merged_into !== null) return 'target_not_found';
    if (VERIFIED_STATUSES.includes(source.status) && !VERIFIED_STATUSES.includes(target.status))
      return 'would_bury_verified';
    const now = context.clock.now();
    const moved = await moveReportsToIncident(trx, sourceId, targetId);
    await moveIncidentEvents(trx, sourceId, targetId);
    await incidentDispatches().moveToIncident(trx, sourceId, targetId);
    await runIncidentMergeSteps(trx, sourceId, targetId);
    await markMerged(trx, sourceId, targetId, now);
    await touchIncident(trx, targetId, now);
    await recordIncidentEvent(context, trx, {
      incidentId: targetId,
      actorId,
      kind: 'merged_from',
      note: change.reason,
      relatedIncidentId: sourceId,
    });
    // The source's own history moved with it; this one line stays, saying where everything went.
    await recordIncidentEvent(context, trx, {
      incidentId: sourceId,
      actorId,
      kind: 'merged_into',
      note: change.reason,
      relatedIncidentId: targetId,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'incident.merged',
      subjectType: 'incident',
      subjectId: sourceId,
      details: { into: targetId, reports: moved },
    });
    await notifyIncidentChanged(trx, sourceId);
    await notifyIncidentChanged(trx, targetId);
    return 'merged';
  });
}

export type SplitOutcome =
  | { outcome: 'split'; id: string; reference: string }
  | { outcome: 'not_found' }
  | { outcome: 'reports_not_in_incident' };

/** Moves chosen reports out of an incident into a new one, which starts again at `reported`. */
export async function splitIncident(
  context: Context,
  actorId: string,
  sourceId: string,
  input: SplitInput,
): Promise<SplitOutcome> {
  if (!isUuid(sourceId)) return { outcome: 'not_found' };
  return context.db.transaction().execute(async (trx): Promise<SplitOutcome> => {
    const source = await lockIncident(trx, sourceId);
    if (!source || source.merged_into !== null) return { outcome: 'not_found' };
    const held = new Map((await listIncidentReports(trx, sourceId)).map((report) => [report.id, report]));
    const chosen = input.reportIds.map((id) => held.get(id));
    if (chosen.length === 0 || chosen.some((report) => report === undefined)) {
      return { outcome: 'reports_not_in_incident' };
    }
    const reports = chosen as GroupableReport[];
    const first = reports[0]!;
    const firstPlace = placeOfReport(context, first);
    const sourcePlace = placeOfIncident(context, source);
    const point = firstPlace.point ?? sourcePlace.point ?? null;
    const zip = firstPlace.zip ?? source.zip;
    const id = randomUUID();
    const reference = await uniqueIncidentReference(trx);
    const now = context.clock.now();
    const { fields } = context.secrets;
    await insertIncident(trx, {
      id,
      reference,
      type: input.type,
      agency: input.agency,
      status: 'reported',
      point_ciphertext: point ? fields.encrypt(incidentField(id, 'point'), formatPoint(point)) : null,
      zip,
      h3_cell: point ? h3CellOf(point) : null,
      summary_ciphertext: null,
      reporter_language: first.language,
      merged_into: null,
      created_by: actorId,
      created_at: now,
      updated_at: now,
      status_changed_by: null,
      status_changed_at: null,
    });
    await moveReportsToIncident(trx, sourceId, id, input.reportIds);
    await recordIncidentEvent(context, trx, {
      incidentId: id,
      actorId,
      kind: 'split_from',
      toStatus: 'reported',
      note: input.reason,
      relatedIncidentId: sourceId,
    });
    for (const report of reports) {
      await recordIncidentEvent(context, trx, {
        incidentId: id,
        actorId,
        kind: 'report_linked',
        reportId: report.id,
      });
      await recordIncidentEvent(context, trx, {
        incidentId: sourceId,
        actorId,
        kind: 'report_moved_out',
        reportId: report.id,
        relatedIncidentId: id,
      });
    }
    await recordIncidentEvent(context, trx, {
      incidentId: sourceId,
      actorId,
      kind: 'split_into',
      note: input.reason,
      relatedIncidentId: id,
    });
    await touchIncident(trx, sourceId, now);
    await recordAudit(trx, context, {
      actorId,
      action: 'incident.split',
      subjectType: 'incident',
      subjectId: sourceId,
      details: { into: id, reportIds: input.reportIds },
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'incident.created',
      subjectType: 'incident',
      subjectId: id,
      details: { splitFrom: sourceId, type: input.type, agency: input.agency },
    });
    await notifyIncidentChanged(trx, sourceId);
    await notifyIncidentChanged(trx, id);
    return { outcome: 'split', id, reference };
  });
}

// ---- status -----------------------------------------------------------------------------------------------

/** The statuses a dispatcher may move an incident to: never `confirmed`, which needs a field verification. */
export function dispatcherNextStatuses(from: IncidentStatus): IncidentStatus[] {
  return TRANSITIONS[from].filter((to) => canTransition(from, to, 'dispatcher'));
}

/** A dispatcher's status change, with the reason they gave; the rules live in incidents.lifecycle.ts. */
export async function changeStatusAsDispatcher(
  context: Context,
  actorId: string,
  change: { incidentId: string; to: IncidentStatus; reason: string },
): Promise<StatusChangeResult> {
  if (!isUuid(change.incidentId)) return 'not_found';
  return context.db.transaction().execute((trx) =>
    changeIncidentStatus(context, trx, {
      incidentId: change.incidentId,
      to: change.to,
      actorId,
      reason: change.reason,
      source: 'dispatcher',
    }),
  );
}

// ---- the board --------------------------------------------------------------------------------------------

export interface TriageEntry {
  report: Omit<GroupableReport, 'location_ciphertext'>;
  suggestions: IncidentSuggestion[];
}

export interface BoardView {
  incidents: BoardRow[];
  triage: TriageEntry[];
  frame: MapFrame;
}

function withoutLocation(report: GroupableReport): Omit<GroupableReport, 'location_ciphertext'> {
  return {
    id: report.id,
    reference: report.reference,
    created_at: report.created_at,
    activity: report.activity,
    zip: report.zip,
    agency: report.agency,
    status: report.status,
    channel: report.channel,
    language: report.language,
    incident_id: report.incident_id,
    simulated: report.simulated,
  };
}

export async function triageEntries(
  context: Context,
  reports: readonly GroupableReport[],
): Promise<TriageEntry[]> {
  const suggestions = await suggestIncidentsForReports(context, reports);
  return reports.map((report) => ({
    report: withoutLocation(report),
    suggestions: suggestions.get(report.id) ?? [],
  }));
}

/**
 * Board rows with what the reports and dispatch modules hold of them: report counts, responders on their
 * way, and the latest dispatch activity in the change time. Two set-based queries for the whole page.
 */
async function withActivity(db: Context['db'], rows: readonly BoardIncidentRow[]): Promise<BoardRow[]> {
  const ids = rows.map((row) => row.id);
  const [reportCounts, activity] = await Promise.all([
    countReportsByIncident(db, ids),
    incidentDispatches().activity(db, ids),
  ]);
  return rows.map(({ own_changed_at, ...row }) => {
    const dispatched = activity.get(row.id);
    const lastAt = dispatched?.lastAt;
    return {
      ...row,
      report_count: reportCounts.get(row.id)?.real ?? 0,
      simulated_count: reportCounts.get(row.id)?.simulated ?? 0,
      on_way_count: dispatched?.onWay ?? 0,
      changed_at: lastAt && lastAt > own_changed_at ? lastAt : own_changed_at,
    };
  });
}

/** Everything the board page shows: filtered incidents, the triage queue, and the map's frame. */
export async function loadBoard(context: Context, filters: BoardQuery): Promise<BoardView> {
  const now = context.clock.now();
  const incidents = await withActivity(
    context.db,
    await listBoard(
      context.db,
      {
        statuses: statusesFor(filters.status),
        type: filters.type || undefined,
        agency: filters.agency || undefined,
        zip: filters.zip || undefined,
        changedSince: changedSinceFor(filters.time, now),
      },
      BOARD_LIMIT,
    ),
  );
  const triage = await triageEntries(
    context,
    await listTriageReports(context.db, OPEN_STATUSES, TRIAGE_LIMIT),
  );
  let points = incidents.map(markerPoint).filter((point): point is Point => point !== undefined);
  if (points.length === 0) {
    const recent = await listRecentPlaces(context.db, new Date(now.getTime() - NETWORK_AREA_MS), BOARD_LIMIT);
    points = recent.map(markerPoint).filter((point): point is Point => point !== undefined);
  }
  // Without street tiles, a frame closer than a few counties is an empty box: the outlines say nothing there.
  const closest = context.config.mapTileUrl ? undefined : OUTLINE_MAX_ZOOM;
  return { incidents, triage, frame: frameFor(points, closest) };
}

/** Whether an incident belongs on a board with these filters (merged incidents belong on none). */
export function matchesBoard(row: BoardRow, filters: BoardQuery, now: Date): boolean {
  if (row.merged_into !== null) return false;
  const statuses = statusesFor(filters.status);
  if (statuses !== 'all' && !statuses.includes(row.status)) return false;
  if (filters.type && row.type !== filters.type) return false;
  if (filters.agency && row.agency !== filters.agency) return false;
  if (filters.zip && row.zip !== filters.zip) return false;
  const since = changedSinceFor(filters.time, now);
  return !since || row.updated_at >= since;
}

/** What the live board learns: an incident changed, or a report arrived for the triage queue. */
export type BoardChange =
  { kind: 'incident'; row: BoardRow; reportIds: string[] } | { kind: 'report'; entry: TriageEntry };

export async function incidentChange(context: Context, incidentId: string): Promise<BoardChange | undefined> {
  if (!isUuid(incidentId)) return undefined;
  const own = await findBoardRow(context.db, incidentId);
  if (!own) return undefined;
  const [row] = await withActivity(context.db, [own]);
  if (!row) return undefined;
  return {
    kind: 'incident',
    row,
    reportIds: await listIncidentReportIds(context.db, incidentId, REPORT_IDS_ON_EVENT),
  };
}

export async function reportChange(context: Context, reportId: string): Promise<BoardChange | undefined> {
  if (!isUuid(reportId)) return undefined;
  const report = await findGroupableReport(context.db, reportId);
  if (!report || report.incident_id !== null || !OPEN_STATUSES.includes(report.status)) return undefined;
  const [entry] = await triageEntries(context, [report]);
  return entry && { kind: 'report', entry };
}

/** What changed since a board's cursor (ms), oldest first, for replay when its stream (re)connects. */
export async function boardChangesSince(context: Context, cursorMs: number): Promise<BoardChange[]> {
  const now = context.clock.now().getTime();
  const since = new Date(Math.max(cursorMs - REPLAY_SLACK_MS, now - REPLAY_WINDOW_MS));
  const reports = await listTriageReportsSince(context.db, OPEN_STATUSES, since, REPLAY_LIMIT);
  const changes: BoardChange[] = (await triageEntries(context, reports)).map((entry) => ({
    kind: 'report',
    entry,
  }));
  const dispatchedIds = await incidentDispatches().incidentsActiveSince(context.db, since);
  const rows = await withActivity(
    context.db,
    await listBoardChangedSince(context.db, since, dispatchedIds, REPLAY_LIMIT),
  );
  for (const row of rows) {
    changes.push({
      kind: 'incident',
      row,
      reportIds: await listIncidentReportIds(context.db, row.id, REPORT_IDS_ON_EVENT),
    });
  }
  return changes;
}

// ---- one incident -----------------------------------------------------------------------------------------

export interface TimelineItem {
  id: string;
  at: Date;
  kind: string;
  /** Who did it: a display name, else the staff member's email; null for Amparo itself. */
  actor: string | null;
  fromStatus: IncidentStatus | null;
  toStatus: IncidentStatus | null;
  note: string | null;
  report: { id: string; reference: string } | null;
  related: { id: string; reference: string } | null;
  dispatchId: string | null;
}

export interface DispatchSummary {
  byStatus: Record<DispatchStatus, number>;
  crowdCap: number;
}

export interface IncidentDetail {
  id: string;
  reference: string;
  type: IncidentType;
  agency: IncidentAgency;
  status: IncidentStatus;
  zip: string | null;
  point: Point | undefined;
  /** The place in words a dispatcher gave, when they gave one. */
  placeName: string | null;
  summary: string | null;
  reporterLanguage: string;
  createdAt: Date;
  updatedAt: Date;
  statusChangedAt: Date | null;
  reports: Omit<GroupableReport, 'location_ciphertext'>[];
  timeline: TimelineItem[];
  dispatches: DispatchSummary;
  nextStatuses: IncidentStatus[];
  mergeTargets: {
    id: string;
    reference: string;
    type: IncidentType;
    zip: string | null;
    status: IncidentStatus;
  }[];
}

export type ViewOutcome =
  | { outcome: 'found'; incident: IncidentDetail }
  | { outcome: 'merged'; into: string }
  | { outcome: 'not_found' };

/** Decrypts an incident (place, summary, timeline notes) for a staff member and records that they saw it. */
export async function viewIncident(
  context: Context,
  incidentId: string,
  actorId: string,
): Promise<ViewOutcome> {
  if (!isUuid(incidentId)) return { outcome: 'not_found' };
  const { db, secrets } = context;
  const incident = await findIncident(db, incidentId);
  if (!incident) return { outcome: 'not_found' };
  if (incident.merged_into !== null) return { outcome: 'merged', into: incident.merged_into };
  const [reports, timelineRows, dispatchCounts, mergeTargets] = [
    await listIncidentReports(db, incidentId),
    await listTimeline(db, incidentId),
    await incidentDispatches().countByStatus(db, incidentId),
    await listMergeTargets(db, incidentId, OPEN_INCIDENT_STATUSES, MERGE_TARGET_LIMIT),
  ];
  const actors = new Map(
    (
      await staffNamesOf(
        db,
        timelineRows.flatMap((row) => (row.actor_id ? [row.actor_id] : [])),
      )
    ).map((staff) => [staff.userId, staffLabel(context, staff)]),
  );
  const reportReferences = await findReportReferences(db, [
    ...new Set(timelineRows.flatMap((row) => (row.report_id ? [row.report_id] : []))),
  ]);
  const relatedIds = [
    ...new Set(timelineRows.flatMap((row) => (row.related_incident_id ? [row.related_incident_id] : []))),
  ];
  const related = new Map<string, string>();
  for (const id of relatedIds) {
    const other = await findIncident(db, id);
    if (other) related.set(id, other.reference);
  }
  await recordAudit(db, context, {
    actorId,
    action: 'incident.viewed',
    subjectType: 'incident',
    subjectId: incidentId,
  });
  const { fields } = secrets;
  const byStatus = {} as Record<DispatchStatus, number>;
  for (const status of ['sent', 'on_way', 'declined', 'arrived', 'done', 'cancelled'] as const)
    byStatus[status] = dispatchCounts.get(status) ?? 0;
  return {
    outcome: 'found',
    incident: {
      id: incident.id,
      reference: incident.reference,
      type: incident.type,
      agency: incident.agency,
      status: incident.status,
      zip: incident.zip,
      point: readPoint(
        fields.decryptOptional(incidentField(incident.id, 'point'), incident.point_ciphertext),
      ),
      placeName: fields.decryptOptional(
        incidentField(incident.id, 'place_name'),
        incident.place_name_ciphertext,
      ),
      summary: fields.decryptOptional(incidentField(incident.id, 'summary'), incident.summary_ciphertext),
      reporterLanguage: incident.reporter_language,
      createdAt: incident.created_at,
      updatedAt: incident.updated_at,
      statusChangedAt: incident.status_changed_at,
      reports: reports.map(withoutLocation),
      timeline: timelineRows.map((row) => ({
        id: row.id,
        at: row.at,
        kind: row.kind,
        actor: row.actor_id ? (actors.get(row.actor_id) ?? null) : null,
        fromStatus: row.from_status,
        toStatus: row.to_status,
        note: fields.decryptOptional(incidentEventNoteField(row.id), row.note_ciphertext),
        report:
          row.report_id && reportReferences.has(row.report_id)
            ? { id: row.report_id, reference: reportReferences.get(row.report_id)! }
            : null,
        related:
          row.related_incident_id && related.has(row.related_incident_id)
            ? { id: row.related_incident_id, reference: related.get(row.related_incident_id)! }
            : null,
        dispatchId: row.dispatch_id,
      })),
      dispatches: { byStatus, crowdCap: context.config.hotline.crowdCap },
      nextStatuses: dispatcherNextStatuses(incident.status),
      mergeTargets,
    },
  };
}

/** An open incident a dispatcher may add a report to, wherever it is. */
export interface OpenIncidentChoice {
  id: string;
  reference: string;
  type: IncidentType;
  status: IncidentStatus;
  zip: string | null;
  updatedAt: Date;
  /** Metres between the report's place and the incident's (either may be a ZIP centre), when both are known. */
  distanceMeters: number | null;
}

/** How many open incidents the grouping page lists besides the suggestions. */
const OPEN_CHOICE_LIMIT = 30;

/**
 * Every open incident a report may be added to, whatever its place or time (a report without a ZIP code
 * still belongs somewhere; the dispatcher decides): nearest first when the report's place is known, those
 * without a place after them; otherwise the most recently active first. The suggestions are left out.
 */
export async function openIncidentChoices(
  context: Context,
  place: ReportPlace,
  exclude: ReadonlySet<string>,
): Promise<OpenIncidentChoice[]> {
  const candidates = await listCandidateIncidents(context.db, {
    statuses: OPEN_INCIDENT_STATUSES,
    activeFrom: new Date(0),
    startedBy: new Date(8.64e15),
    limit: CANDIDATE_LIMIT,
  });
  const choices = candidates
    .filter((incident) => !exclude.has(incident.id))
    .map((incident) => {
      const where = place.point ? placeOfIncident(context, incident).point : undefined;
      return {
        id: incident.id,
        reference: incident.reference,
        type: incident.type,
        status: incident.status,
        zip: incident.zip,
        updatedAt: incident.updated_at,
        distanceMeters: place.point && where ? Math.round(distanceMeters(place.point, where)) : null,
      };
    });
  // Already most recent first; a stable sort keeps that order among equals (and among those without a place).
  if (place.point) {
    choices.sort(
      (a, b) =>
        (a.distanceMeters ?? Number.POSITIVE_INFINITY) - (b.distanceMeters ?? Number.POSITIVE_INFINITY),
    );
  }
  return choices.slice(0, OPEN_CHOICE_LIMIT);
}

/** A report and what it might belong to, for the page where a dispatcher groups it. */
export interface GroupingView {
  report: Omit<GroupableReport, 'location_ciphertext'>;
  /** The report's own place, offered as the new incident's. */
  point: Point | undefined;
  pointIsPrecise: boolean;
  incident: { id: string; reference: string; status: IncidentStatus } | undefined;
  suggestions: IncidentSuggestion[];
  /** Every other open incident (for the grouping page; empty on the report page and once grouped). */
  others: OpenIncidentChoice[];
}

/** Reads a report for grouping; the place it reveals is part of the report, so the view is audited. */
export async function viewReportForGrouping(
  context: Context,
  reportId: string,
  actorId: string,
): Promise<GroupingView | undefined> {
  const view = await groupingOf(context, reportId);
  if (!view) return undefined;
  if (!view.incident) {
    const place = { point: view.point, precise: view.pointIsPrecise, zip: view.report.zip };
    view.others = await openIncidentChoices(context, place, new Set(view.suggestions.map((s) => s.id)));
  }
  await recordAudit(context.db, context, {
    actorId,
    action: 'report.viewed',
    subjectType: 'report',
    subjectId: reportId,
    details: { page: 'incident_grouping' },
  });
  return view;
}

/**
 * A report's incident, or the incidents it may belong to. Not audited by itself: the report page that shows
 * it records its own view, and shows no place from here.
 */
export async function groupingOf(context: Context, reportId: string): Promise<GroupingView | undefined> {
  if (!isUuid(reportId)) return undefined;
  const report = await findGroupableReport(context.db, reportId);
  if (!report) return undefined;
  const place = placeOfReport(context, report);
  const incident = report.incident_id ? await findIncident(context.db, report.incident_id) : undefined;
  return {
    report: withoutLocation(report),
    point: place.point,
    pointIsPrecise: place.precise,
    incident: incident && { id: incident.id, reference: incident.reference, status: incident.status },
    suggestions: incident ? [] : ((await suggestIncidentsForReports(context, [report])).get(report.id) ?? []),
    others: [],
  };
}

export type PlaceOutcome = 'placed' | 'not_found' | 'no_place';

/**
 * A dispatcher places or moves an incident (a click on the map fills the point; without JavaScript they type
 * it) and names the place in words. A blank point keeps the one the incident had; a blank name removes the name.
 */
export async function placeIncident(
  context: Context,
  actorId: string,
  incidentId: string,
  input: { point: Point | null; placeName: string | null },
): Promise<PlaceOutcome> {
  if (!isUuid(incidentId)) return 'not_found';
  return context.db.transaction().execute(async (trx): Promise<PlaceOutcome> => {
    const incident = await lockIncident(trx, incidentId);
    if (!incident || incident.merged_into !== null) return 'not_found';
    if (
      input.point === null &&
      input.placeName === null &&
      incident.point_ciphertext === null &&
      !incident.zip
    )
      return 'no_place';
    const { fields } = context.secrets;
    const point = input.point;
    await updateIncidentPlace(trx, incidentId, {
      point_ciphertext: point
        ? fields.encrypt(incidentField(incidentId, 'point'), formatPoint(point))
        : incident.point_ciphertext,
      zip: incident.zip,
      h3_cell: point ? h3CellOf(point) : incident.h3_cell,
      place_name_ciphertext: fields.encryptOptional(incidentField(incidentId, 'place_name'), input.placeName),
    });
    await touchIncident(trx, incidentId, context.clock.now());
    await recordAudit(trx, context, {
      actorId,
      action: 'incident.updated',
      subjectType: 'incident',
      subjectId: incidentId,
      details: { moved: point !== null, named: input.placeName !== null },
    });
    await notifyIncidentChanged(trx, incidentId);
    return 'placed';
  });
}
