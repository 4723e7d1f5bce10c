// The page shell shared by public pages and the staff console: small, mobile first, no third-party
// anything, and complete without JavaScript.
import type { FastifyRequest } from 'fastify';
import { html, trustedHtml, type Html } from './html.ts';
import type { Role } from '../db/schema.ts';
import type { MessageKey } from '../i18n/i18n.ts';
import { csrfField } from './form.ts';
import { currentEntry, visibleNavigation, type NavigationEntry } from './navigation.ts';

export interface PageOptions {
  request: FastifyRequest;
  networkName: string;
  title: string;
  body: Html;
  /** Console pages get the staff navigation. */
  console?: boolean;
  scripts?: string[];
  /** Page-specific stylesheets after the shared one (the rights card's print layout). */
  stylesheets?: string[];
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

/** A role's words (the same messages the staff pages use). */
function roleWords(role: Role): MessageKey {
  return `users.role_${role}`;
}

/** Who is signed in, in what roles, and the way out (a form: signing out changes state, so it posts). */
function signedInBlock(request: FastifyRequest): Html | string {
  const principal = request.principal;
  const chrome = request.consoleChrome;
  if (!principal || !chrome) return '';
  const t = request.t;
  const roles = principal.roles.map((role) => t(roleWords(role))).join(', ');
  return html`<div class="who">
    <span class="visually-hidden">${t('header.signed_in_as')}</span>
    ${chrome.signedInAs ? html`<span class="who-name">${chrome.signedInAs}</span>` : ''}
    <span class="who-roles">${roles}</span>
  </div>
  <form class="sign-out" method="post" action="/logout">
    ${csrfField(chrome.signOutToken)}
    <button type="submit" class="secondary small">${t('auth.sign_out')}</button>
  </form>`;
}

function navLinks(
  request: FastifyRequest,
  entries: readonly NavigationEntry[],
  current: NavigationEntry | undefined,
): Html {
  const t = request.t;
  const counts = request.consoleChrome?.counts;
  return html`${entries.map((entry) => {
    const count = counts?.get(entry.href);
    const badge = count
      ? html` <span class="badge" aria-hidden="true">${count}</span
          ><span class="visually-hidden"> (${t('nav.waiting', { count })})</span>`
      : '';
    return html`<li><a href="${entry.href}"${entry === current ? html` aria-current="page"` : ''}>${t(entry.label)}${badge}</a></li>\n`;
  })}`;
}

/**
 * The entries the modules declared (see navigation.ts) that this staff member's roles open. Phones get them
 * behind a "Menu" that opens without JavaScript (<details>); wider screens get a bar that wraps. Both lists
 * are in the page and CSS shows one.
 */
function consoleNav(request: FastifyRequest): Html {
  const t = request.t;
  const entries = visibleNavigation(request);
  const current = currentEntry(entries, request.url);
  const waiting = [...(request.consoleChrome?.counts.values() ?? [])].reduce((sum, n) => sum + n, 0);
  return html`<nav class="console-nav" aria-label="${t('console.nav_label')}">
    <details class="nav-menu">
      <summary>${t('nav.menu')}${current ? html`<span class="nav-menu-current">: ${t(current.label)}</span>` : ''}${
        waiting ? html` <span class="badge" aria-hidden="true">${waiting}</span>` : ''
      }</summary>
      <ul>
        ${navLinks(request, entries, current)}
      </ul>
    </details>
    <ul class="nav-bar">
      ${navLinks(request, entries, current)}
    </ul>
  </nav>`;
}

/** The notice the last action left (see console-chrome.ts), unless the page already says what happened. */
function actionNotice(request: FastifyRequest, body: Html): Html | string {
  const chrome = request.consoleChrome;
  if (!chrome?.notice) return '';
  chrome.noticeShown = true;
  if (body.value.includes('class="notice ok"')) return '';
  return html`<p class="notice ok" role="status" id="action-notice">${request.t(chrome.notice)}</p>`;
}

/** Mirrors alert approval's notice when one person can do what needs two (see access-requests.service.ts). */
function accessApprovalNotice(request: FastifyRequest): Html {
  const key =
    request.principal?.accessApprovalWarning === 'rule_off'
      ? 'console.access_approval_off'
      : 'console.access_approval_single_admin';
  return html`<p class="notice warning" role="status" id="access-approval-warning">${request.t(key)}</p>`;
}

/**
 * Every table of a page sits in a box that scrolls sideways when the table is wider than the screen, so the page
 * itself never does; the box takes keyboard focus so the hidden columns can be reached without a mouse. Pages
 * need not do anything: interpolated text is always escaped, so a literal <table in the markup is markup.
 */
export function boxTables(body: Html): Html {
  return trustedHtml(
    body.value
      // A page that already put its table in a scrolling box keeps it; the box only needs to take focus.
      .replace(/<div class="table-scroll">/g, '<div class="table-scroll" tabindex="0">')
      .replace(
        /(<div class="table-scroll"[^>]*>\s*)?<table\b([\s\S]*?)<\/table>/g,
        (whole, box: string | undefined, rest: string) =>
          box ? whole : `<div class="table-box" tabindex="0"><table${rest}</table></div>`,
      ),
  );
}

export function renderPage(options: PageOptions): Html {
  const { request, networkName, title } = options;
  const body = boxTables(options.body);
  return html`<!doctype html>
<html lang="${request.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${networkName}</title>
<link rel="icon" href="/favicon.ico">
<link rel="stylesheet" href="/assets/amparo.css">
${(options.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">`)}
${(options.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body${options.console ? html` class="console"` : ''}>
<a class="skip" href="#main">${request.t('layout.skip')}</a>
<header class="site">
  <a class="brand" href="${options.console ? '/console' : '/'}">${networkName}</a>
  ${options.console ? signedInBlock(request) : ''}
  ${languageSwitch(request)}
</header>
${options.console && request.principal ? consoleNav(request) : ''}
<main id="main">
${options.console && request.principal?.accessApprovalWarning ? accessApprovalNotice(request) : ''}
${options.console ? actionNotice(request, body) : ''}
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

/** A one-line message above a page's content: what just happened, or what went wrong. */
export interface Notice {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

/** The notice, announced to screen readers (an error as an alert); nothing when there is none. */
export function noticeBlock(notice: Notice | undefined): Html | string {
  if (!notice) return '';
  const role = notice.kind === 'error' ? 'alert' : 'status';
  return html`<p class="notice ${notice.kind === 'info' ? '' : notice.kind}" role="${role}">${notice.text}</p>`;
}
