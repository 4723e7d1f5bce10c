// The home page: one section per role the staff member holds, each a set of panels (a heading, a count, the
// first few items or an empty state in words, a link to the full page). Plain semantic markup; the shared
// stylesheet styles .panel, .count, .empty and .summary-list.
import type { FastifyRequest } from 'fastify';
import { csrfField } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import { languageName } from '../dispatch/dispatch.pages.ts';
import type {
  AdminView,
  CaseItem,
  Counted,
  CoverageView,
  HomeView,
  LegalView,
  ResponderView,
} from './home.service.ts';

export interface Page {
  request: FastifyRequest;
  networkName: string;
  timeZone: string;
}

interface PanelSpec<Item> {
  id: string;
  title: MessageKey;
  counted: Counted<Item>;
  item: (item: Item) => Html;
  empty: MessageKey;
  link: { href: string; label: MessageKey };
}

function panel<Item>(t: Translator, spec: PanelSpec<Item>): Html {
  const { id, counted } = spec;
  return html`<section class="panel" id="panel-${id}" aria-labelledby="panel-${id}-title">
    <h3 id="panel-${id}-title">${t(spec.title)}</h3>
    <p class="count" data-count="${String(counted.count)}">${String(counted.count)}</p>
    ${
      counted.count === 0
        ? html`<p class="empty">${t(spec.empty)}</p>`
        : html`<ul class="summary-list">
            ${counted.items.map((item) => html`<li>${spec.item(item)}</li>`)}
          </ul>`
    }
    <p class="panel-link"><a href="${spec.link.href}">${t(spec.link.label)}</a></p>
  </section>`;
}

const section = (t: Translator, id: string, title: MessageKey, panels: Html[]): Html =>
  html`<section class="home-role" id="home-${id}" aria-labelledby="home-${id}-title">
    <h2 id="home-${id}-title">${t(title)}</h2>
    <div class="panels">${panels}</div>
  </section>`;

function dispatchSection(page: Page, view: HomeView): Html | '' {
  const t = page.request.t;
  const time = (date: Date) => formatTime(date, page.request.lang, page.timeZone);
  const panels: Html[] = [];
  if (view.triage)
    panels.push(
      panel(t, {
        id: 'triage',
        title: 'home.triage_title',
        counted: view.triage,
        item: (r) =>
          html`<a href="/console/reports/${r.id}">${r.reference}</a> · ${time(r.createdAt)}${r.zip ? ` · ${r.zip}` : ''}${r.simulated ? html` <span class="tag simulated">${t('home.simulated')}</span>` : ''}`,
        empty: 'home.empty_waiting',
        link: { href: '/console/reports', label: 'home.triage_link' },
      }),
    );
  if (view.incidents)
    panels.push(
      panel(t, {
        id: 'incidents',
        title: 'home.incidents_title',
        counted: view.incidents,
        item: (i) =>
          html`<a href="/console/incidents/${i.id}">${i.reference}</a> · ${t(`incidents.status_${i.status}` as MessageKey)}${i.zip ? ` · ${i.zip}` : ''} · ${time(i.updated_at)}`,
        empty: 'home.incidents_empty',
        link: { href: '/console/incidents', label: 'home.incidents_link' },
      }),
    );
  if (view.onTheWay)
    panels.push(
      panel(t, {
        id: 'on-the-way',
        title: 'home.on_the_way_title',
        counted: view.onTheWay,
        item: (d) =>
          html`${d.responderName || t('home.unnamed')} → <a href="/console/dispatches/${d.id}">${d.incidentReference}</a>${d.etaMinutes !== null ? html` · ${t('home.eta', { minutes: String(d.etaMinutes) })}` : ''}`,
        empty: 'home.on_the_way_empty',
        link: { href: '/console/incidents', label: 'home.incidents_link' },
      }),
    );
  if (view.alerts)
    panels.push(
      panel(t, {
        id: 'alerts',
        title: 'home.alerts_title',
        counted: view.alerts,
        item: (a) =>
          html`<a href="/console/alerts/${a.id}">${a.reference}</a> · ${a.areaLabel} · ${t('home.composed_by', { name: a.composedByName })} · ${time(a.composedAt)}`,
        empty: 'home.empty_waiting',
        link: { href: '/console/alerts', label: 'home.alerts_link' },
      }),
    );
  return panels.length > 0 ? section(t, 'dispatch', 'home.section_dispatch', panels) : '';
}

function legalSection(page: Page, legal: LegalView): Html {
  const t = page.request.t;
  const time = (date: Date) => formatTime(date, page.request.lang, page.timeZone);
  const caseLink = (c: CaseItem) => html`<a href="/console/cases/${c.caseId}">${c.caseReference}</a>`;
  // Children first: above every panel, and only while someone is waiting.
  const urgent =
    legal.dependentsWaiting > 0
      ? html`<p class="notice error" id="dependents-waiting">
          <a href="/console/operations">${t('home.dependents_waiting', { count: legal.dependentsWaiting })}</a>
        </p>`
      : '';
  return html`${urgent}${section(t, 'legal', 'home.section_legal', [
    panel(t, {
      id: 'followups',
      title: 'home.followups_title',
      counted: legal.followups,
      item: (at) => html`${t('home.followup_received', { time: time(at) })}`,
      empty: 'home.empty_waiting',
      link: { href: '/console/followups', label: 'home.followups_link' },
    }),
    panel(t, {
      id: 'checks-due',
      title: 'home.checks_due_title',
      counted: legal.checksDue,
      item: (c) => html`${caseLink(c)} · ${t('home.due_since', { time: time(c.at!) })}`,
      empty: 'home.empty_waiting',
      link: { href: '/console/cases/checks-due', label: 'home.checks_due_link' },
    }),
    panel(t, {
      id: 'hearings',
      title: 'home.hearings_title',
      counted: legal.hearings,
      item: (c) => html`${caseLink(c)} · ${time(c.at!)}`,
      empty: 'home.hearings_empty',
      link: { href: '/console/cases', label: 'home.cases_link' },
    }),
    panel(t, {
      id: 'tasks',
      title: 'home.tasks_title',
      counted: legal.tasks,
      item: (c) =>
        html`${caseLink(c)} · ${t(`case_support.task_kind_${c.kind!}` as MessageKey)} · ${t('home.due_on', { date: c.dueOn! })}`,
      empty: 'home.empty_waiting',
      link: { href: '/console/my-tasks', label: 'home.tasks_link' },
    }),
    panel(t, {
      id: 'without-attorney',
      title: 'home.without_attorney_title',
      counted: legal.withoutAttorney,
      item: caseLink,
      empty: 'home.without_attorney_empty',
      link: { href: '/console/cases', label: 'home.cases_link' },
    }),
  ])}`;
}

function responderSection(page: Page, responder: ResponderView, csrfToken: string): Html {
  const t = page.request.t;
  const time = (date: Date) => formatTime(date, page.request.lang, page.timeZone);
  const hidden = (name: 'display_name' | 'phone' | 'languages' | 'home_zips') =>
    html`<input type="hidden" name="${name}" value="${responder.profile[name] ?? ''}">`;
  const shift = html`<section class="panel" id="panel-shift" aria-labelledby="panel-shift-title">
    <h3 id="panel-shift-title">${t('home.shift_title')}</h3>
    <p class="shift-state">
      ${
        responder.onShift
          ? responder.onShiftSince
            ? t('home.on_shift_since', { time: time(responder.onShiftSince) })
            : t('home.on_shift')
          : t('home.off_shift')
      }
    </p>
    <form method="post" action="/console/profile">
      ${csrfField(csrfToken)} ${hidden('display_name')} ${hidden('phone')} ${hidden('languages')}
      ${hidden('home_zips')}
      <input type="hidden" name="on_shift" value="${responder.onShift ? '' : 'yes'}">
      <input type="hidden" name="from" value="home">
      <button type="submit">${t(responder.onShift ? 'home.go_off_shift' : 'home.go_on_shift')}</button>
    </form>
    <p class="panel-link"><a href="/console/profile">${t('home.profile_link')}</a></p>
  </section>`;
  return section(t, 'responder', 'home.section_responder', [
    panel(t, {
      id: 'my-dispatches',
      title: 'home.my_dispatches_title',
      counted: responder.dispatches,
      item: (d) =>
        html`<a href="/console/dispatches/${d.id}">${d.reference}</a> · ${t(`dispatch.status_${d.status}` as MessageKey)} · ${time(d.createdAt)}`,
      empty: 'home.my_dispatches_empty',
      link: { href: '/console/profile', label: 'home.profile_link' },
    }),
    shift,
  ]);
}

function coverageSection(page: Page, coverage: CoverageView): Html {
  const t = page.request.t;
  return section(t, 'coordination', 'home.section_coordination', [
    html`<section class="panel" id="panel-coverage" aria-labelledby="panel-coverage-title">
      <h3 id="panel-coverage-title">${t('home.coverage_title')}</h3>
      <p class="count" data-count="${String(coverage.onShift)}">${String(coverage.onShift)}</p>
      ${
        coverage.onShift === 0
          ? html`<p class="empty">${t('home.coverage_empty')}</p>`
          : html`<ul class="summary-list">
              ${coverage.byLanguage.map(
                (row) =>
                  html`<li>${languageName(row.language, page.request.lang)}: ${String(row.count)}</li>`,
              )}
            </ul>`
      }
      <p class="panel-link"><a href="/console/roster">${t('home.roster_link')}</a></p>
    </section>`,
  ]);
}

const ATTENTION_KEYS = {
  sms_console: 'home.attention_sms_console',
  two_person_off: 'home.attention_two_person_off',
  single_admin: 'home.attention_single_admin',
  access_rule_off: 'home.attention_access_rule_off',
} as const satisfies Record<AdminView['attention'][number], MessageKey>;

function adminSection(page: Page, admin: AdminView): Html {
  const t = page.request.t;
  const number = (id: string, title: MessageKey, count: number, href: string, label: MessageKey) =>
    html`<section class="panel" id="panel-${id}" aria-labelledby="panel-${id}-title">
      <h3 id="panel-${id}-title">${t(title)}</h3>
      <p class="count" data-count="${String(count)}">${String(count)}</p>
      <p class="panel-link"><a href="${href}">${t(label)}</a></p>
    </section>`;
  return section(t, 'admin', 'home.section_admin', [
    number('staff', 'home.staff_title', admin.staff, '/console/users', 'home.users_link'),
    number('invites', 'home.invites_title', admin.pendingInvites, '/console/users', 'home.users_link'),
    panel(t, {
      id: 'attention',
      title: 'home.attention_title',
      counted: { count: admin.attention.length, items: admin.attention },
      item: (what) => html`${t(ATTENTION_KEYS[what])}`,
      empty: 'home.attention_empty',
      link: { href: '/console/users', label: 'home.users_link' },
    }),
  ]);
}

/** The panels alone: what the page's script swaps in when a stream says something changed. */
export function renderPanels(page: Page, view: HomeView, csrfToken: string): Html {
  return html`${dispatchSection(page, view)} ${view.coverage ? coverageSection(page, view.coverage) : ''}
  ${view.legal ? legalSection(page, view.legal) : ''}
  ${view.responder ? responderSection(page, view.responder, csrfToken) : ''}
  ${view.admin ? adminSection(page, view.admin) : ''}`;
}

export function renderHome(page: Page, view: HomeView, csrfToken: string, events: readonly string[]): Html {
  const t = page.request.t;
  const since = String(view.renderedAt.getTime());
  const body = html`<h1>${t('home.title')}</h1>
    <p class="list-tools">
      ${t('home.as_of', { time: formatTime(view.renderedAt, page.request.lang, page.timeZone) })} ·
      <a href="/console" id="home-refresh">${t('console.refresh')}</a>
      <span
        class="live-indicator"
        id="live-indicator"
        hidden
        data-live="${t('console.live')}"
        data-lost="${t('home.live_lost')}"
      ></span>
    </p>
    <div id="home-panels" class="home" data-events="${events.map((url) => `${url}?since=${since}`).join(' ')}">
      ${renderPanels(page, view, csrfToken)}
    </div>`;
  return renderPage({
    ...page,
    title: t('home.title'),
    body,
    console: true,
    stylesheets: ['/assets/home.css'],
    ...(events.length > 0 ? { scripts: ['/assets/home-live.js'] } : {}),
  });
}
