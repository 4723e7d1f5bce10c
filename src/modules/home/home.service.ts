// What the home page shows: for each panel the staff member's roles open, a count and the first few items.
// Every read is another module's queries or service function; this module owns no table and no module imports
// it. Lists that name a case go through the cases module's need-to-know predicate (in those functions).
import type { AppContext } from '../../app/context.ts';
import type { StaffPrincipal } from '../../http/access.ts';
import type { Role } from '../../db/schema.ts';
import { listAlertsForConsole, twoPersonRuleIsOff } from '../alerts/alerts.service.ts';
import { countStaffAndPendingInvites } from '../auth/users.queries.ts';
import { listVisibleCasesWithoutAttorney, myTasks } from '../case-support/case-support.queries.ts';
import { checksDue, upcomingHearings } from '../case-tracking/case-tracking.service.ts';
import { loadProfile, respondersOnTheWay, roster, type OnTheWay } from '../dispatch/dispatch.service.ts';
import { openIncidentsOverview, type OpenIncidentRow } from '../incidents/incidents.queries.ts';
import { countTriageReports, listTriageReports } from '../reports/reports.queries.ts';
import { openFollowupsAt } from '../voice/followups.service.ts';
import { countDependentsWithoutCaregiver } from '../operations/operations.service.ts';
import type { ProfileFormValues } from '../dispatch/dispatch.schemas.ts';
import { homePanelsFor } from './home.policy.ts';

/** How many items a panel lists; its count says how many there are in all. */
export const PANEL_ITEMS = 5;
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export interface Counted<Item> {
  count: number;
  items: Item[];
}

export interface TriageItem {
  id: string;
  reference: string;
  createdAt: Date;
  zip: string | null;
  simulated: boolean;
}

export interface AlertItem {
  id: string;
  reference: string;
  areaLabel: string;
  composedByName: string;
  composedAt: Date;
}

export interface CaseItem {
  caseId: string;
  caseReference: string;
  at?: Date;
  dueOn?: string;
  kind?: string;
}

export interface LegalView {
  followups: Counted<Date>;
  checksDue: Counted<CaseItem>;
  hearings: Counted<CaseItem>;
  tasks: Counted<CaseItem>;
  withoutAttorney: Counted<CaseItem>;
  /** Children and other dependents of the user's operations still without a confirmed caregiver. */
  dependentsWaiting: number;
}

export interface ResponderView {
  onShift: boolean;
  onShiftSince: Date | null;
  /** What the profile form holds now, so the shift form can post it back with only the shift changed. */
  profile: ProfileFormValues;
  dispatches: Counted<{ id: string; reference: string; status: string; createdAt: Date }>;
}

export interface CoverageView {
  onShift: number;
  byLanguage: { language: string; count: number }[];
}

export type AdminAttention = 'sms_console' | 'two_person_off' | 'single_admin' | 'access_rule_off';

export interface AdminView {
  staff: number;
  pendingInvites: number;
  attention: AdminAttention[];
}

export interface HomeView {
  roles: readonly Role[];
  renderedAt: Date;
  triage?: Counted<TriageItem>;
  incidents?: Counted<OpenIncidentRow>;
  onTheWay?: Counted<OnTheWay>;
  alerts?: Counted<AlertItem>;
  legal?: LegalView;
  responder?: ResponderView;
  coverage?: CoverageView;
  admin?: AdminView;
}

const first = <Item>(items: Item[]): Counted<Item> => ({
  count: items.length,
  items: items.slice(0, PANEL_ITEMS),
});

export async function loadHome(context: AppContext, principal: StaffPrincipal): Promise<HomeView> {
  const panels = homePanelsFor(principal.roles);
  const now = context.clock.now();
  const view: HomeView = { roles: principal.roles, renderedAt: now };
  if (panels.triage) view.triage = await triagePanel(context);
  if (panels.incidents) {
    const { count, rows } = await openIncidentsOverview(context.db, PANEL_ITEMS);
    view.incidents = { count, items: rows };
  }
  if (panels.onTheWay) {
    const { count, rows } = await respondersOnTheWay(context, PANEL_ITEMS);
    view.onTheWay = { count, items: rows };
  }
  if (panels.alerts) view.alerts = await alertsAwaiting(context, principal);
  if (panels.legal) view.legal = await legalPanels(context, principal, now);
  if (panels.responder) view.responder = await responderPanel(context, principal);
  if (panels.coverage) view.coverage = await coverage(context);
  if (panels.admin) view.admin = await adminPanel(context, principal, now);
  return view;
}

async function triagePanel(context: AppContext): Promise<Counted<TriageItem>> {
  const count = await countTriageReports(context.db, ['new']);
  const rows = await listTriageReports(context.db, ['new'], PANEL_ITEMS);
  return {
    count,
    items: rows.map((row) => ({
      id: row.id,
      reference: row.reference,
      createdAt: row.created_at,
      zip: row.zip,
      simulated: row.simulated,
    })),
  };
}

/** Drafts waiting for a second person: not this person's own, unless the network turned the rule off. */
async function alertsAwaiting(context: AppContext, principal: StaffPrincipal): Promise<Counted<AlertItem>> {
  const ruleOff = twoPersonRuleIsOff(context.config);
  const drafts = (await listAlertsForConsole(context)).filter(
    (alert) => alert.status === 'draft' && (ruleOff || alert.composed_by !== principal.userId),
  );
  return first(
    drafts.map((alert) => ({
      id: alert.id,
      reference: alert.reference,
      areaLabel: alert.area_label,
      composedByName: alert.composedByName,
      composedAt: alert.composed_at,
    })),
  );
}

async function legalPanels(context: AppContext, principal: StaffPrincipal, now: Date): Promise<LegalView> {
  const followups = await openFollowupsAt(context, principal.userId);
  const due = await checksDue(context, principal);
  const hearings = await upcomingHearings(context, principal, now, new Date(now.getTime() + WEEK_MS));
  const tasks = await myTasks(context, principal);
  const without = await listVisibleCasesWithoutAttorney(context.db, principal.userId, PANEL_ITEMS);
  const dependentsWaiting = await countDependentsWithoutCaregiver(context.db, principal);
  return {
    dependentsWaiting,
    followups: { count: followups.count, items: followups.receivedAt.slice(0, PANEL_ITEMS) },
    checksDue: first(
      due.map((row) => ({ caseId: row.id, caseReference: row.reference, at: row.next_locator_check_at })),
    ),
    hearings: first(
      hearings.map((h) => ({ caseId: h.caseId, caseReference: h.caseReference, at: h.startsAt })),
    ),
    tasks: first(
      tasks.map((task) => ({
        caseId: task.caseId,
        caseReference: task.caseReference,
        dueOn: task.dueOn,
        kind: task.kind,
      })),
    ),
    withoutAttorney: {
      count: without.count,
      items: without.rows.map((row) => ({ caseId: row.id, caseReference: row.reference })),
    },
  };
}

async function responderPanel(context: AppContext, principal: StaffPrincipal): Promise<ResponderView> {
  const profile = await loadProfile(context, principal.userId);
  // Waiting for an answer first, then on the way, then at the scene; newest first within each.
  const order = ['sent', 'on_way', 'arrived'];
  const open = [...profile.openDispatches].sort(
    (a, b) =>
      order.indexOf(a.status) - order.indexOf(b.status) || b.createdAt.getTime() - a.createdAt.getTime(),
  );
  return {
    onShift: profile.onShiftSince !== null || profile.values.on_shift === 'yes',
    onShiftSince: profile.onShiftSince,
    profile: profile.values,
    dispatches: first(
      open.map((d) => ({ id: d.id, reference: d.reference, status: d.status, createdAt: d.createdAt })),
    ),
  };
}

/** Responders on shift now, and how many speak each language (one person may count under several). */
async function coverage(context: AppContext): Promise<CoverageView> {
  const onShift = (await roster(context)).filter((row) => row.on_shift && row.roles.includes('responder'));
  const byLanguage = new Map<string, number>();
  for (const row of onShift)
    for (const language of row.languages) byLanguage.set(language, (byLanguage.get(language) ?? 0) + 1);
  return {
    onShift: onShift.length,
    byLanguage: [...byLanguage]
      .map(([language, count]) => ({ language, count }))
      .sort((a, b) => b.count - a.count || a.language.localeCompare(b.language)),
  };
}

async function adminPanel(context: AppContext, principal: StaffPrincipal, now: Date): Promise<AdminView> {
  const { staff, pendingInvites } = await countStaffAndPendingInvites(context.db, now);
  const attention: AdminAttention[] = [];
  if (context.config.smsProvider === 'console') attention.push('sms_console');
  if (twoPersonRuleIsOff(context.config)) attention.push('two_person_off');
  if (principal.accessApprovalWarning === 'single_admin') attention.push('single_admin');
  if (principal.accessApprovalWarning === 'rule_off') attention.push('access_rule_off');
  return { staff, pendingInvites, attention };
}
