// The domain modules, in the order their routes and jobs are registered. Each module exports one
// DomainModule from its *.module.ts file; adding a module is one line here.
import type { AppContext } from '../app/context.ts';
import type { HttpModule, PrincipalLoader } from '../http/app.ts';
import { alertsModule } from './alerts/alerts.module.ts';
import { auditModule } from './audit/audit.module.ts';
import { authModule, createPrincipalLoader } from './auth/auth.module.ts';
import { caseSupportModule } from './case-support/case-support.module.ts';
import { caseTrackingModule } from './case-tracking/case-tracking.module.ts';
import { casesModule } from './cases/cases.module.ts';
import { dispatchModule } from './dispatch/dispatch.module.ts';
import { incidentsModule } from './incidents/incidents.module.ts';
import { optOutsModule } from './opt-outs/opt-outs.module.ts';
import { outboxModule } from './outbox/outbox.module.ts';
import { providerRetentionModule } from './provider-retention/provider-retention.module.ts';
import { publicModule } from './public/public.module.ts';
import { reportsModule } from './reports/reports.module.ts';
import { smsModule } from './sms/sms.module.ts';
import { subscriptionsModule } from './subscriptions/subscriptions.module.ts';
import { voiceModule } from './voice/voice.module.ts';

export interface DomainModule {
  name: string;
  http?: HttpModule;
  /** Registers the module's job handlers and schedules; called before jobs start. */
  registerJobs?(context: AppContext): void;
  /** Work done once the app is ready, such as printing the first-run setup link. */
  afterStart?(context: AppContext, announce: Announce): Promise<void>;
}

/**
 * Operator-facing output (never the log). A message with `secret` (a setup or invitation link) is shown only on
 * a terminal: where output is captured (systemd, docker, a file), `withheld` is printed instead.
 */
export type Announce = (message: string, secret?: { withheld: string }) => void;

export const DOMAIN_MODULES: readonly DomainModule[] = [
  auditModule,
  authModule,
  publicModule,
  reportsModule,
  outboxModule,
  optOutsModule,
  smsModule,
  incidentsModule,
  dispatchModule,
  voiceModule,
  subscriptionsModule,
  alertsModule,
  caseTrackingModule,
  casesModule,
  caseSupportModule,
  providerRetentionModule,
];

export interface AmparoModules {
  http: HttpModule[];
  /** How requests are tied to signed-in staff (the auth module's sessions). */
  principalsFor(context: AppContext): PrincipalLoader;
  registerJobs(context: AppContext): void;
  afterStart(context: AppContext, announce: Announce): Promise<void>;
}

export async function loadModules(): Promise<AmparoModules> {
  return {
    http: DOMAIN_MODULES.flatMap((module) => (module.http ? [module.http] : [])),
    principalsFor: createPrincipalLoader,
    registerJobs(context) {
      for (const module of DOMAIN_MODULES) module.registerJobs?.(context);
    },
    async afterStart(context, announce) {
      for (const module of DOMAIN_MODULES) await module.afterStart?.(context, announce);
    },
  };
}
