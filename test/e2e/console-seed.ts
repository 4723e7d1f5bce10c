// A little realistic data for walking the console as each role: staff with names, reports waiting for triage,
// an incident with a draft alert, a case on the legal intake team. Shared by the every-page journey and the
// screenshots script (scripts/screenshots.ts).
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../src/app/context.ts';
import type { Role } from '../../src/db/schema.ts';
import { composeConfirmedActivity, incidentWith } from '../../src/modules/alerts/alerts.test-helpers.ts';
import { openTestCase } from '../../src/modules/cases/cases.test-helpers.ts';
import { makeLegalIntakeTeam } from '../../src/modules/cases/legal-intake.test-helpers.ts';
import { storeReport } from '../../src/modules/incidents/incidents.test-helpers.ts';
import { saveProfile } from '../../src/modules/staff/staff.service.ts';
import { createStaffSession, type StaffSession } from '../support/staff.ts';

export const CONSOLE_ROLES = ['admin', 'coordinator', 'dispatcher', 'responder', 'legal'] as const;
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

const NAMES: Record<ConsoleRole, string> = {
  admin: 'Rosa Delgado',
  coordinator: 'Marcos Ibarra',
  dispatcher: 'Lupe Herrera',
  responder: 'Tomás Quiñones',
  legal: 'Alejandra Vargas-Whitfield',
};

export interface SeededConsole {
  staff: Record<ConsoleRole, StaffSession>;
  caseId: string;
}

/** Steps that need more than the database (an alert composed through its form) go through `app`. */
export async function seedConsole(context: AppContext, app: FastifyInstance): Promise<SeededConsole> {
  const staff = {} as Record<ConsoleRole, StaffSession>;
  for (const role of CONSOLE_ROLES) {
    staff[role] = await createStaffSession(context, [role] as Role[], {
      email: `${NAMES[role].split(' ')[0]!.toLowerCase()}.${role}@example.org`,
    });
    await saveProfile(context, staff[role].userId, {
      displayName: NAMES[role],
      phone: null,
      languages: ['es', 'en'],
      homeZips: ['60623'],
      onShift: false,
    });
  }
  await storeReport(context, { channel: 'sms', language: 'en' });
  await storeReport(context, { channel: 'voice', language: 'es' });
  const incident = await incidentWith(context, { status: 'confirmed' });
  await composeConfirmedActivity(app, staff.dispatcher, incident.id);
  const teamId = await makeLegalIntakeTeam(context, [staff.legal.userId], staff.coordinator.userId);
  const opened = await openTestCase(context, staff.legal.userId, { teamId });
  return { staff, caseId: opened.id };
}
