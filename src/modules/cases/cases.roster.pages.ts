// The roster pages: the upload (or paste) form, the preview of every row (new, matched, doubtful) with what
// it matched, and what the import did. A case another team holds is named by its reference only.
import { csrfField, errorSummary, fieldError, type FieldError } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import { formatTime } from '../../i18n/time.ts';
import type { Page } from './cases.pages.ts';
import { operationQuery, teamField } from './cases.quick.pages.ts';
import type {
  ClassifiedRow,
  RosterImportReport,
  RosterMatch,
  RosterPreview,
  RosterProblem,
} from './cases.roster.ts';

export interface RosterFormState {
  csrfToken: string;
  operationId: string | null;
  teams: { id: string; name: string }[];
  values: { paste?: string; team_id?: string };
  error?: { field: 'file' | 'team_id'; error: FieldError } | undefined;
  problem?: MessageKey | undefined;
}

export function renderRosterForm(page: Page, state: RosterFormState): Html {
  const t = page.request.t;
  const title = t('cases.roster_title');
  const errors = state.error ? { [state.error.field]: state.error.error } : {};
  const kit = {
    value: (name: string) => (name === 'team_id' ? (state.values.team_id ?? '') : ''),
    error: (name: string) => fieldError(t, name, errors[name]),
    invalid: (name: string) =>
      errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : '',
  };
  const body = html`<p><a href="/console/cases">${t('cases.back')}</a> ·
      <a href="/console/cases/quick${operationQuery(state.operationId)}">${t('cases.quick_link')}</a></p>
    <h1>${title}</h1>
    ${
      state.error
        ? errorSummary(t, [
            {
              id: state.error.field === 'file' ? 'roster-file' : 'team_id',
              text: t(state.error.error.key, state.error.error.params),
            },
          ])
        : ''
    }
    ${state.problem ? html`<p class="notice error" role="alert">${t(state.problem)}</p>` : ''}
    <p>${t('cases.roster_intro')}</p>
    <p class="hint">${t('cases.roster_columns')}</p>
    <p class="hint">${t('cases.roster_followups_note')}</p>
    <form method="post" action="/console/cases/roster${operationQuery(state.operationId)}" enctype="multipart/form-data">
      ${csrfField(state.csrfToken)}
      ${teamField(t, state.teams, kit)}
      <label for="roster-paste">${t('cases.roster_paste')}</label>
      <textarea id="roster-paste" name="paste" rows="8">${state.values.paste ?? ''}</textarea>
      <label for="roster-file">${t('cases.roster_file')}</label>${kit.error('file')}
      <input type="file" id="roster-file" name="file" accept=".csv,text/csv"${kit.invalid('file')} />
      <button type="submit">${t('cases.roster_preview_button')}</button>
    </form>`;
  return renderPage({ ...page, title, body, console: true });
}

function matchText(page: Page, match: RosterMatch): Html {
  const t = page.request.t;
  if (match.line !== undefined) return html`${t('cases.roster_match_line', { line: match.line })}`;
  // A family's follow-up: when they texted, nothing else (no name, no number, no link).
  if (match.by === 'followup') {
    const time = formatTime(new Date(match.receivedAt ?? 0), page.request.lang, page.timeZone);
    return html`<span data-match="followup">${t('cases.roster_match_followup', { time })}</span>`;
  }
  const by = t(`cases.roster_by_${match.by}`);
  if (match.caseId) return html`<a href="/console/cases/${match.caseId}">${match.reference}</a> (${by})`;
  // Another team's case: its reference, for the legal intake coordinator; nothing of what it holds.
  return html`${match.reference} (${by}; ${t('cases.roster_other_team')})`;
}

function rowName(row: ClassifiedRow): string {
  const { values } = row;
  return values.name ?? '';
}

function problemList(t: Translator, problems: RosterProblem[]): Html | string {
  if (problems.length === 0) return '';
  return html`<section id="roster-problems">
    <h2>${t('cases.roster_problems', { count: problems.length })}</h2>
    <ul>
      ${problems.map(
        (problem) =>
          html`<li>${t('cases.roster_line', { line: problem.line })}: ${t(problem.error.key, problem.error.params)}</li>`,
      )}
    </ul>
  </section>`;
}

export function renderRosterPreview(page: Page, state: { preview: RosterPreview; csrfToken: string }): Html {
  const t = page.request.t;
  const { preview } = state;
  const count = (kind: ClassifiedRow['class']) => preview.rows.filter((row) => row.class === kind).length;
  const title = t('cases.roster_preview_title');
  const body = html`<p><a href="/console/cases/roster${operationQuery(preview.operationId)}">${t('cases.roster_start_again')}</a></p>
    <h1>${title}</h1>
    <ul class="summary-list" id="roster-counts">
      <li>${t('cases.roster_count_new', { count: count('new') })}</li>
      <li>${t('cases.roster_count_matched', { count: count('matched') })}</li>
      <li>${t('cases.roster_count_doubtful', { count: count('doubtful') })}</li>
    </ul>
    <p class="hint">${t('cases.roster_followups_note')}</p>
    ${problemList(t, preview.problems)}
    ${
      preview.ignoredColumns.length > 0
        ? html`<p class="hint">${t('cases.roster_ignored', { columns: preview.ignoredColumns.join(', ') })}</p>`
        : ''
    }
    <form method="post" action="/console/cases/roster/import">
      ${csrfField(state.csrfToken)}
      <input type="hidden" name="preview" value="${preview.id}" />
      <div class="table-scroll">
        <table id="roster-rows">
          <thead>
            <tr>
              <th scope="col">${t('cases.roster_col_line')}</th>
              <th scope="col">${t('cases.field_name')}</th>
              <th scope="col">${t('cases.roster_col_class')}</th>
              <th scope="col">${t('cases.roster_col_match')}</th>
            </tr>
          </thead>
          <tbody>
            ${preview.rows.map(
              (row) => html`<tr data-line="${row.line}" data-class="${row.class}">
                <td>${row.line}</td>
                <td class="user-text">${rowName(row)}</td>
                <td>
                  ${
                    row.class === 'doubtful'
                      ? html`<label class="checkbox"
                        ><input type="checkbox" name="confirm" value="${row.line}" />
                        ${t('cases.roster_class_doubtful')}: ${t('cases.roster_tick')}</label
                      >`
                      : html`<span class="pill">${t(`cases.roster_class_${row.class}`)}</span>`
                  }
                </td>
                <td>${row.matches.map((match, i) => html`${i > 0 ? ', ' : ''}${matchText(page, match)}`)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <button type="submit">${t('cases.roster_import_button', { count: count('new') })}</button>
    </form>`;
  return renderPage({ ...page, title, body, console: true });
}

export function renderRosterResult(
  page: Page,
  state: { report: RosterImportReport; operationId: string | null },
): Html {
  const t = page.request.t;
  const { report } = state;
  const title = t('cases.roster_done_title');
  const body = html`<h1>${title}</h1>
    <p class="notice ok" role="status" id="roster-result">
      ${t('cases.roster_done', { created: report.created.length, skipped: report.skipped })}
    </p>
    ${
      report.linkedFollowups + report.followupsLeft > 0
        ? html`<p id="roster-followups">
            ${t('cases.roster_done_followups', { linked: report.linkedFollowups, left: report.followupsLeft })}
          </p>`
        : ''
    }
    ${problemList(t, report.failed)}
    ${
      report.created.length > 0
        ? html`<ul id="roster-created">
          ${report.created.map(
            (item) =>
              html`<li>${t('cases.roster_line', { line: item.line })}: <a href="/console/cases/${item.id}">${item.reference}</a></li>`,
          )}
        </ul>`
        : ''
    }
    <p>
      <a href="/console/cases/roster${operationQuery(state.operationId)}">${t('cases.roster_another')}</a> ·
      <a href="/console/cases/quick${operationQuery(state.operationId)}">${t('cases.quick_link')}</a>
    </p>`;
  return renderPage({ ...page, title, body, console: true });
}
