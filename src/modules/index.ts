// The domain modules, in the order their routes and jobs are registered. Each module exports one
// DomainModule from its *.module.ts file; adding a module is one line here.
import type { AppContext } from '../app/context.ts';
import type { HttpModule, PrincipalLoader } from '../http/app.ts';
import type { NavigationEntry } from '../http/navigation.ts';
import { alertsModule } from './alerts/alerts.module.ts';
import { auditModule } from './audit/audit.module.ts';
import { authModule, createPrincipalLoader } from './auth/auth.module.ts';
import { caseSupportModule } from './case-support/case-support.module.ts';
import { caseTrackingModule } from './case-tracking/case-tracking.module.ts';
import { casesModule } from './cases/cases.module.ts';
import { dispatchModule } from './dispatch/dispatch.module.ts';
import { evidenceModule } from './evidence/evidence.module.ts';
import { homeModule } from './home/home.module.ts';
import { incidentsModule } from './incidents/incidents.module.ts';
import { observationsModule } from './observations/observations.module.ts';
import { operationsModule } from './operations/operations.module.ts';
import { optOutsModule } from './opt-outs/opt-outs.module.ts';
import { outboxModule } from './outbox/outbox.module.ts';
import { packetsModule } from './packets/packets.module.ts';
import { providerRetentionModule } from './provider-retention/provider-retention.module.ts';
import { publicModule } from './public/public.module.ts';
import { reportsModule } from './reports/reports.module.ts';
import { settingsModule } from './settings/settings.module.ts';
import { staffModule } from './staff/staff.module.ts';
import { smsModule } from './sms/sms.module.ts';
import { subscriptionsModule } from './subscriptions/subscriptions.module.ts';
import { voiceModule } from './voice/voice.module.ts';
import type { Announce, DomainModule } from '../app/domain-module.ts';

export type { Announce, DomainModule };

export const DOMAIN_MODULES: readonly DomainModule[] = [
  auditModule,
  authModule,
  settingsModule,
  publicModule,
  reportsModule,
  outboxModule,
  optOutsModule,
  staffModule,
  smsModule,
  incidentsModule,
  dispatchModule,
  voiceModule,
  subscriptionsModule,
  alertsModule,
  caseTrackingModule,
  casesModule,
  caseSupportModule,
  operationsModule,
  observationsModule,
  evidenceModule,
  providerRetentionModule,
  packetsModule,
  homeModule,
];

export interface AmparoModules {
  http: HttpModule[];
  /** Every module's navigation entries, for buildApp. */
  navigation: NavigationEntry[];
  /** How requests are tied to signed-in staff (the auth module's sessions). */
  principalsFor(context: AppContext): PrincipalLoader;
  registerJobs(context: AppContext): void;
  afterStart(context: AppContext, announce: Announce): Promise<void>;
}

export async function loadModules(): Promise<AmparoModules> {
  return {
    http: DOMAIN_MODULES.flatMap((module) => (module.http ? [module.http] : [])),
    navigation: DOMAIN_MODULES.flatMap((module) => module.navigation ?? []),
    principalsFor: createPrincipalLoader,
    registerJobs(context) {
      for (const module of DOMAIN_MODULES) module.registerJobs?.(context);
    },
    async afterStart(context, announce) {
      for (const module of DOMAIN_MODULES) await module.afterStart?.(context, announce);
    },
  };
}
