// Helpers for tests of the case modules: open a case without going through the form, make a team.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { CaseSource } from '../../db/schema.ts';
import type { FamilyContactDetails } from './cases.family.ts';
import type { CaseDetails } from './cases.model.ts';
import { createCase } from './cases.service.ts';

export const CANARY_PERSON = {
  name: 'Canaria Quetzalli Xochitl-Benavides',
  aNumber: '207334518',
  phone: '+17735550188',
};

export function testCaseDetails(overrides: Partial<CaseDetails['person']> = {}): CaseDetails {
  return {
    person: {
      name: 'María Elena García López',
      otherNames: 'Malena',
      dateOfBirth: '1988-03-14',
      countryOfBirth: 'Guatemala',
      aNumber: '012345678',
      ...overrides,
    },
    languages: {
      person: ['Mam', 'Spanish'],
      family: ['Spanish'],
      interpreterNeeded: true,
      interpreterLanguage: 'Mam',
    },
    lastSeen: { place: 'Laundromat on 26th St', at: '2026-11-20T07:30' },
    dependents: {
      count: 2,
      description: 'Two children, 4 and 9',
      caregiverPlan: 'yes',
      caregiverNotes: 'Aunt',
    },
  };
}

export function testContact(overrides: Partial<FamilyContactDetails> = {}): FamilyContactDetails {
  return {
    name: 'Rosa García',
    relationship: 'sister',
    phone: '+17735550142',
    language: 'es',
    consentToUpdates: true,
    ...overrides,
  };
}

/** Opens a case as `openedBy` (who becomes its first assignee), optionally in a team. */
export async function openTestCase(
  context: AppContext,
  openedBy: string,
  options: {
    teamId?: string | null;
    details?: CaseDetails;
    contacts?: FamilyContactDetails[];
    source?: CaseSource;
  } = {},
): Promise<{ id: string; reference: string }> {
  return createCase(
    context,
    { userId: openedBy },
    {
      source: options.source ?? 'console',
      followupTaskId: null,
      incidentId: null,
      teamId: options.teamId ?? null,
      details: options.details ?? testCaseDetails(),
      contacts: options.contacts ?? [testContact()],
    },
  );
}

export async function createTestTeam(
  context: AppContext,
  name: string,
  memberIds: string[],
): Promise<string> {
  const id = randomUUID();
  await context.db.insertInto('teams').values({ id, name, created_at: context.clock.now() }).execute();
  for (const userId of memberIds) {
    await context.db.insertInto('team_members').values({ team_id: id, user_id: userId }).execute();
  }
  return id;
}

/** The payloads of queued jobs with this name (ids only, by design). */
export async function queuedJobs(context: AppContext, name: string): Promise<Record<string, unknown>[]> {
  const { rows } = await sql<{ data: Record<string, unknown> }>`
    select data from pgboss.job where name = ${name} order by created_on`.execute(context.db);
  return rows.map((row) => row.data);
}
