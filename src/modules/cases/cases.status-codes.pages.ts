// The page that shows a family contact's new status code, the one time it exists in plain. Large, spaced
// characters so it can be read aloud over the phone; the page is not cached (no-store, like every page).
import type { Case } from '../../db/schema.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { Page } from './cases.pages.ts';

export function renderStatusCodeShown(
  page: Page,
  state: { caseRow: Case; relationship: string; code: string; texted: boolean },
): Html {
  const t = page.request.t;
  const { caseRow } = state;
  const title = t('cases.status_code_title', { reference: caseRow.reference });
  const body = html`<p><a href="/console/cases/${caseRow.id}#case-family">${t('cases.status_code_back')}</a></p>
    <h1>${title}</h1>
    <p>${t('cases.status_code_intro', { relationship: state.relationship })}</p>
    <p class="status-code" id="status-code" aria-label="${[...state.code].join(' ')}">${state.code}</p>
    <p class="notice${state.texted ? ' ok' : ' error'}" role="status">
      ${t(state.texted ? 'cases.status_code_texted' : 'cases.status_code_not_texted')}
    </p>`;
  return renderPage({ ...page, title, body, console: true });
}
