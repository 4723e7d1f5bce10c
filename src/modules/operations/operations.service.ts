// Operations: opening one (from confirmed incidents or directly), closing and reopening it, the dependents
// left without care and their caregivers, and who may see what. Each write and its audit record commit
// together. The module's public functions for other modules are here and in operations.counts.ts.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database, DependentNeed } from '../../db/schema.ts';
import { hasAnyRole, type StaffPrincipal } from '../../http/access.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { listTeams, teamsOfUser } from '../cases/cases.queries.ts';
import { findIncidentLabels, listIncidentsInStatusSince } from '../incidents/incidents.queries.ts';
import {
  collectOperationCounts,
  registerOperationCounts,
  summarizeCounts,
  type CountRow,
  type CountWhen,
  type OperationNumbers,
} from './operations.counts.ts';
import { daysBetween, localDay } from './operations.days.ts';
import { dependentField } from './operations.fields.ts';
import { managesOperations } from './operations.policy.ts';
import {
  confirmCaregiver,
  countWaitingDependents,
  findOperation,
  insertDependent,
  insertOperation,
  listDependents,
  listDependentTimes,
  listIncidentIds,
  listOpenOperationSites,
  listOperations,
  listSites,
  listTeamIds,
  operationHasTeam,
  setOperationClosed,
  type OpenSiteRow,
  type OperationListRow,
  type OperationRow,
  type SiteRow,
} from './operations.repository.ts';
import type { CaregiverInput, OperationInput } from './operations.schemas.ts';

type Db = Kysely<Database>;

/** The incident statuses an operation may be opened from: a responder confirmed them. */
export const OPERATION_INCIDENT_STATUSES = ['confirmed', 'active'] as const;

export interface IncidentChoice {
  id: string;
  reference: string;
  zip: string | null;
}

export interface TeamChoice {
  id: string;
  name: string;
}

/** What the new-operation form offers: confirmed or active incidents, and the legal teams. */
export async function newOperationChoices(
  context: AppContext,
): Promise<{ incidents: IncidentChoice[]; teams: TeamChoice[] }> {
  const incidents = await listIncidentsInStatusSince(
    context.db,
    OPERATION_INCIDENT_STATUSES,
    new Date(0),
    200,
  );
  const teams = await listTeams(context.db);
  return {
    incidents: incidents.map((row) => ({ id: row.id, reference: row.reference, zip: row.zip })),
    teams: teams.map((team) => ({ id: team.id, name: team.name })),
  };
}

export async function createOperation(
  context: AppContext,
  actorId: string,
  input: OperationInput,
): Promise<string> {
  const id = randomUUID();
  await context.db.transaction().execute(async (trx) => {
    await insertOperation(trx, {
      id,
      name: input.name,
      raid_at: input.raidAt,
      agencies: input.agencies,
      opened_by: actorId,
      created_at: context.clock.now(),
      sites: input.sites.map((site, position) => ({ id: randomUUID(), position, ...site })),
      incidentIds: input.incidentIds,
      teamIds: input.teamIds,
    });
    await recordAudit(trx, context, {
      actorId,
      action: 'operation.created',
      subjectType: 'operation',
      subjectId: id,
      details: {
        sites: input.sites.length,
        incidents: input.incidentIds,
        teams: input.teamIds,
      },
    });
  });
  return id;
}

/** Closes (open = false) or reopens an operation; false when it was already so or does not exist. */
export async function setOperationOpen(
  context: AppContext,
  actorId: string,
  operationId: string,
  open: boolean,
): Promise<boolean> {
  return context.db.transaction().execute(async (trx) => {
    const changed = await setOperationClosed(trx, operationId, open ? null : context.clock.now());
    if (changed) {
      await recordAudit(trx, context, {
        actorId,
        action: open ? 'operation.reopened' : 'operation.closed',
        subjectType: 'operation',
        subjectId: operationId,
      });
    }
    return changed;
  });
}

/** What a staff member may see of an operation: nothing, its summary and numbers, or everything. */
export type OperationAccess = 'none' | 'summary' | 'full';

async function userTeamIds(db: Db, userId: string): Promise<string[]> {
  return (await teamsOfUser(db, userId)).map((team) => team.id);
}

/**
 * Coordinators and admins see every operation whole; legal staff see one whole only when one of their teams
 * answers for it; dispatchers see its summary and numbers, never a dependent's details.
 */
export async function operationAccess(
  db: Db,
  principal: StaffPrincipal,
  operationId: string,
): Promise<OperationAccess> {
  if (managesOperations(principal)) return 'full';
  if (
    hasAnyRole(principal, ['legal']) &&
    (await operationHasTeam(db, operationId, await userTeamIds(db, principal.userId)))
  )
    return 'full';
  if (hasAnyRole(principal, ['dispatcher'])) return 'summary';
  return 'none';
}

/** The operations this staff member may see: every one, or (legal staff) their teams' operations. */
export async function readOperationList(
  context: AppContext,
  principal: StaffPrincipal,
): Promise<OperationListRow[]> {
  if (managesOperations(principal) || hasAnyRole(principal, ['dispatcher'])) {
    return listOperations(context.db, 'all');
  }
  return listOperations(context.db, await userTeamIds(context.db, principal.userId));
}

/**
 * Dependents still without a confirmed caregiver in open operations that this staff member answers for: every
 * operation for coordinators and admins, their teams' operations for legal staff, none for anyone else.
 */
export async function countDependentsWithoutCaregiver(db: Db, principal: StaffPrincipal): Promise<number> {
  if (managesOperations(principal)) return countWaitingDependents(db, 'all');
  if (hasAnyRole(principal, ['legal']))
    return countWaitingDependents(db, await userTeamIds(db, principal.userId));
  return 0;
}

/** The legal teams that answer for the operation: cases opened in it are assigned to them. */
export async function operationTeamIds(db: Db, operationId: string): Promise<string[]> {
  return listTeamIds(db, operationId);
}

/** Every site of every open operation: what the hotline asks about ("was it at <site>?"). */
export async function openOperationSites(db: Db): Promise<OpenSiteRow[]> {
  return listOpenOperationSites(db);
}

export interface NewDependentInput {
  operationId: string;
  caseId?: string | null;
  followupId?: string | null;
  siteId?: string | null;
  need?: DependentNeed;
  /** Who and where, in words (encrypted). */
  description: string;
  /** Who recorded it; null when the hotline did. */
  actorId?: string | null;
}

/**
 * Records a dependent left without care: an urgent task on the operation's page until a caregiver is
 * confirmed. Pass the transaction when it is part of a larger write (a case or follow-up filed under the
 * operation), so both commit together.
 */
export async function addDependent(
  context: AppContext,
  trx: Kysely<Database> | undefined,
  input: NewDependentInput,
): Promise<string> {
  if (!trx) return context.db.transaction().execute((inner) => addDependent(context, inner, input));
  const id = randomUUID();
  await insertDependent(trx, {
    id,
    operation_id: input.operationId,
    site_id: input.siteId ?? null,
    case_id: input.caseId ?? null,
    followup_id: input.followupId ?? null,
    need: input.need ?? 'other',
    description_ciphertext: context.secrets.fields.encrypt(
      dependentField(id, 'description'),
      input.description,
    ),
    created_at: context.clock.now(),
    created_by: input.actorId ?? null,
  });
  await recordAudit(trx, context, {
    actorId: input.actorId ?? null,
    action: 'operation.dependent_added',
    subjectType: 'operation',
    subjectId: input.operationId,
    details: { dependentId: id },
  });
  return id;
}

/** Confirms a caregiver for a dependent still waiting; false when there is no such dependent waiting. */
export async function recordCaregiver(
  context: AppContext,
  actorId: string,
  operationId: string,
  dependentId: string,
  input: CaregiverInput,
): Promise<boolean> {
  const { fields } = context.secrets;
  return context.db.transaction().execute(async (trx) => {
    const done = await confirmCaregiver(trx, operationId, dependentId, {
      caregiver_name_ciphertext: fields.encrypt(dependentField(dependentId, 'caregiver_name'), input.name),
      caregiver_relationship_ciphertext: fields.encrypt(
        dependentField(dependentId, 'caregiver_relationship'),
        input.relationship,
      ),
      caregiver_confirmed_at: context.clock.now(),
      caregiver_confirmed_by: actorId,
    });
    if (done) {
      await recordAudit(trx, context, {
        actorId,
        action: 'operation.caregiver_recorded',
        subjectType: 'operation',
        subjectId: operationId,
        details: { dependentId },
      });
    }
    return done;
  });
}

export interface DependentView {
  id: string;
  need: DependentNeed;
  description: string;
  /** Put on the list by a family's text to the hotline (its description is the family's words). */
  fromFamilyText: boolean;
  siteName: string | null;
  createdAt: Date;
  caregiver: { name: string; relationship: string; confirmedAt: Date } | null;
}

export interface OperationView {
  operation: OperationRow;
  access: Exclude<OperationAccess, 'none'>;
  sites: SiteRow[];
  incidents: { id: string; reference: string; zip: string | null }[];
  teams: TeamChoice[];
  /** Without a caregiver first, oldest first; empty unless the reader may see details. */
  dependents: DependentView[];
  waiting: number;
  numbers: OperationNumbers;
}

/** The operation's page for this staff member, or undefined when it does not exist or is not theirs to see. */
export async function readOperationPage(
  context: AppContext,
  principal: StaffPrincipal,
  operationId: string,
): Promise<OperationView | undefined> {
  const operation = await findOperation(context.db, operationId);
  if (!operation) return undefined;
  const access = await operationAccess(context.db, principal, operationId);
  if (access === 'none') return undefined;
  const sites = await listSites(context.db, operationId);
  const siteNames = new Map(sites.map((site) => [site.id, site.name]));
  const incidentIds = await listIncidentIds(context.db, operationId);
  const labels = await findIncidentLabels(context.db, incidentIds);
  const teamIds = new Set(await listTeamIds(context.db, operationId));
  const teams = (await listTeams(context.db))
    .filter((team) => teamIds.has(team.id))
    .map((team) => ({ id: team.id, name: team.name }));
  const rows = await listDependents(context.db, operationId);
  const { fields } = context.secrets;
  const dependents: DependentView[] =
    access === 'full'
      ? rows.map((row) => ({
          id: row.id,
          need: row.need,
          description: fields.decrypt(dependentField(row.id, 'description'), row.description_ciphertext),
          fromFamilyText: row.followup_id !== null,
          siteName: row.site_id ? (siteNames.get(row.site_id) ?? null) : null,
          createdAt: row.created_at,
          caregiver:
            row.caregiver_confirmed_at &&
            row.caregiver_name_ciphertext &&
            row.caregiver_relationship_ciphertext
              ? {
                  name: fields.decrypt(
                    dependentField(row.id, 'caregiver_name'),
                    row.caregiver_name_ciphertext,
                  ),
                  relationship: fields.decrypt(
                    dependentField(row.id, 'caregiver_relationship'),
                    row.caregiver_relationship_ciphertext,
                  ),
                  confirmedAt: row.caregiver_confirmed_at,
                }
              : null,
        }))
      : [];
  await recordAudit(context.db, context, {
    actorId: principal.userId,
    action: 'operation.viewed',
    subjectType: 'operation',
    subjectId: operationId,
    details: { dependentsShown: dependents.length },
  });
  return {
    operation,
    access,
    sites,
    incidents: incidentIds.flatMap((id) => {
      const label = labels.get(id);
      return label ? [{ id, reference: label.reference, zip: label.zip }] : [];
    }),
    teams,
    dependents,
    waiting: rows.filter((row) => row.caregiver_confirmed_at === null).length,
    numbers: await readOperationNumbers(context, operation),
  };
}

/** The days the numbers cover: from the raid's day to today (or the day it closed), at most 60. */
export function operationDays(operation: OperationRow, when: CountWhen): string[] {
  const end = operation.closed_at && operation.closed_at < when.now ? operation.closed_at : when.now;
  return daysBetween(operation.raid_at, end < operation.raid_at ? operation.raid_at : end, when.timeZone);
}

export async function readOperationNumbers(
  context: AppContext,
  operation: OperationRow,
): Promise<OperationNumbers> {
  const when = { timeZone: context.config.timeZone, now: context.clock.now() };
  const rows = await collectOperationCounts(context, operation.id, when);
  return summarizeCounts(rows, operationDays(operation, when));
}

/** Looks an operation up for the export: undefined when it does not exist or the reader may not see it. */
export async function findOperationFor(
  context: AppContext,
  principal: StaffPrincipal,
  operationId: string,
): Promise<{ operation: OperationRow; sites: SiteRow[] } | undefined> {
  const operation = await findOperation(context.db, operationId);
  if (!operation || (await operationAccess(context.db, principal, operationId)) === 'none') return undefined;
  return { operation, sites: await listSites(context.db, operationId) };
}

export async function auditExport(
  context: AppContext,
  actorId: string,
  operationId: string,
  format: 'csv' | 'json',
): Promise<void> {
  await recordAudit(context.db, context, {
    actorId,
    action: 'operation.exported',
    subjectType: 'operation',
    subjectId: operationId,
    details: { format },
  });
}

/** The sites' ids, for checking a form's choice of site. */
export async function operationSiteIds(db: Db, operationId: string): Promise<Set<string>> {
  return new Set((await listSites(db, operationId)).map((site) => site.id));
}

/**
 * This module's own numbers: children (and other dependents) without a confirmed caregiver, in all, by site
 * and at the end of each day after the raid (today: now).
 */
export async function dependentCounts(db: Db, operationId: string, when: CountWhen): Promise<CountRow[]> {
  const operation = await findOperation(db, operationId);
  if (!operation) return [];
  const rows = await listDependentTimes(db, operationId);
  const waitingAt = (instantDay: string) =>
    rows.filter(
      (row) =>
        localDay(row.created_at, when.timeZone) <= instantDay &&
        (row.caregiver_confirmed_at === null ||
          localDay(row.caregiver_confirmed_at, when.timeZone) > instantDay),
    );
  const waiting = rows.filter((row) => row.caregiver_confirmed_at === null);
  const bySite = new Map<string, number>();
  for (const row of waiting) if (row.site_id) bySite.set(row.site_id, (bySite.get(row.site_id) ?? 0) + 1);
  const result: CountRow[] = [{ measure: 'children_without_caregiver', count: waiting.length }];
  for (const [siteId, count] of bySite) result.push({ measure: 'children_without_caregiver', count, siteId });
  for (const day of operationDays(operation, when)) {
    result.push({ measure: 'children_without_caregiver', count: waitingAt(day).length, day });
  }
  return result;
}

registerOperationCounts('operations', (context, operationId, when) =>
  dependentCounts(context.db, operationId, when),
);
