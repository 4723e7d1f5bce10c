// The page shell shared by public pages and the staff console: small, mobile first, no third-party
// anything, and complete without JavaScript.
import type { FastifyRequest } from 'fastify';
import { ALERT_ROLES } from '../modules/alerts/alerts.policy.ts';
import { DIRECTORY_ROLES } from '../modules/case-support/case-support.policy.ts';
import { FACILITY_EDITOR_ROLES } from '../modules/case-tracking/case-tracking.policy.ts';
import { CASE_ROLES } from '../modules/cases/cases.policy.ts';
import { DISPATCHER_ROLES } from '../modules/dispatch/dispatch.policy.ts';
import { INCIDENT_MANAGER_ROLES } from '../modules/incidents/incidents.policy.ts';
import { OUTBOX_PAGE_ROLES } from '../modules/outbox/outbox.policy.ts';
import { REPORT_READER_ROLES } from '../modules/reports/reports.policy.ts';
import { SIMULATOR_ROLES } from '../modules/sms/sms.policy.ts';
import { FOLLOWUP_ROLES } from '../modules/voice/voice.policy.ts';
import { hasAnyRole } from './access.ts';
import { html, type Html } from './html.ts';

export interface PageOptions {
  request: FastifyRequest;
  networkName: string;
  title: string;
  body: Html;
  /** Console pages get the staff navigation. */
  console?: boolean;
  scripts?: string[];
}

function languageSwitch(request: FastifyRequest): Html {
  const other = request.lang === 'en' ? 'es' : 'en';
  // Parsed against a placeholder origin, so that a path like //elsewhere.example/x can only ever yield a
  // path on this site: the error page for such a URL must not link off-site.
  let pathOnly = '/';
  try {
    pathOnly = new URL(request.url, 'http://amparo.invalid').pathname;
  } catch {
    // unparseable: link to this language's home page
  }
  return html`<a class="lang" href="${pathOnly}?lang=${other}" hreflang="${other}" lang="${other}"
    >${request.t('lang.switch_to')}</a
  >`;
}

function consoleNav(request: FastifyRequest): Html {
  const t = request.t;
  const roles = request.principal?.roles ?? [];
  return html`<nav class="console-nav" aria-label="${t('console.nav_label')}">
    ${hasAnyRole(request.principal, REPORT_READER_ROLES) ? html`<a href="/console">${t('console.nav_reports')}</a>` : ''}
    ${hasAnyRole(request.principal, INCIDENT_MANAGER_ROLES) ? html`<a href="/console/incidents">${t('incidents.nav')}</a>` : ''}
    ${hasAnyRole(request.principal, ALERT_ROLES) ? html`<a href="/console/alerts">${t('alerts.nav')}</a>` : ''}
    ${hasAnyRole(request.principal, OUTBOX_PAGE_ROLES) ? html`<a href="/console/outbox">${t('console.nav_outbox')}</a>` : ''}
    ${hasAnyRole(request.principal, FOLLOWUP_ROLES) ? html`<a href="/console/followups">${t('voice.followups_nav')}</a>` : ''}
    ${hasAnyRole(request.principal, CASE_ROLES) ? html`<a href="/console/cases">${t('cases.nav')}</a>` : ''}
    ${hasAnyRole(request.principal, CASE_ROLES) ? html`<a href="/console/cases/checks-due">${t('case_tracking.nav_checks_due')}</a>` : ''}
    ${hasAnyRole(request.principal, FACILITY_EDITOR_ROLES) ? html`<a href="/console/facilities">${t('case_tracking.nav_facilities')}</a>` : ''}
    ${hasAnyRole(request.principal, CASE_ROLES) ? html`<a href="/console/my-tasks">${t('case_support.nav_my_tasks')}</a>` : ''}
    ${hasAnyRole(request.principal, DIRECTORY_ROLES) ? html`<a href="/console/attorneys">${t('case_support.nav_attorneys')}</a>` : ''}
    ${hasAnyRole(request.principal, SIMULATOR_ROLES) ? html`<a href="/console/hotline/simulator">${t('sms.simulator_nav')}</a>` : ''}
    ${hasAnyRole(request.principal, DISPATCHER_ROLES) ? html`<a href="/console/roster">${t('dispatch.nav_roster')}</a>` : ''}
    ${roles.includes('admin') ? html`<a href="/console/users">${t('console.nav_users')}</a>` : ''}
    ${roles.includes('admin') ? html`<a href="/console/teams">${t('cases.nav_teams')}</a>` : ''}
    ${roles.includes('admin') ? html`<a href="/console/provider-copies">${t('provider_copies.nav')}</a>` : ''}
    <a href="/console/profile">${t('dispatch.nav_profile')}</a>
    <a href="/console/account">${t('console.nav_account')}</a>
  </nav>`;
}

/** Mirrors alert approval's notice when one person can do what needs two (see access-requests.service.ts). */
function accessApprovalNotice(request: FastifyRequest): Html {
  const key =
    request.principal?.accessApprovalWarning === 'rule_off'
      ? 'console.access_approval_off'
      : 'console.access_approval_single_admin';
  return html`<p class="notice warning" role="status" id="access-approval-warning">${request.t(key)}</p>`;
}

export function renderPage(options: PageOptions): Html {
  const { request, networkName, title, body } = options;
  return html`<!doctype html>
<html lang="${request.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${networkName}</title>
<link rel="stylesheet" href="/assets/amparo.css">
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body${options.console ? html` class="console"` : ''}>
<a class="skip" href="#main">${request.t('layout.skip')}</a>
<header class="site">
  <a class="brand" href="${options.console ? '/console' : '/'}">${networkName}</a>
  ${languageSwitch(request)}
</header>
${options.console && request.principal ? consoleNav(request) : ''}
<main id="main">
${options.console && request.principal?.accessApprovalWarning ? accessApprovalNotice(request) : ''}
${body}
</main>
<footer class="site"><p>${request.t('layout.footer')}</p></footer>
</body>
</html>`;
}

export function renderErrorPage(options: {
  request: FastifyRequest;
  networkName: string;
  message: string;
}): Html {
  const t = options.request.t;
  return renderPage({
    request: options.request,
    networkName: options.networkName,
    title: t('error.title'),
    body: html`<h1>${t('error.title')}</h1>
      <p class="notice error" role="alert">${options.message}</p>
      <p><a href="/">${t('error.home')}</a></p>`,
  });
}
