// The quick-case page: one short form, in the order a volunteer asks the questions, that comes back empty after
// each case with a notice and a link to the case opened, ready for the next person.
import { csrfField, fieldError, formErrorSummary } from '../../http/form.ts';
import { html, type Html } from '../../http/html.ts';
import { renderPage } from '../../http/layout.ts';
import type { MessageKey, Translator } from '../../i18n/i18n.ts';
import type { Page } from './cases.pages.ts';
import type { OperationSiteChoice, QuickCaseErrors, QuickCaseValues, QuickField } from './cases.quick.ts';
import { MAX_AGE, QUICK_FIELDS } from './cases.quick.ts';
import { MAX_SHORT_CHARS } from './cases.schemas.ts';
import type { DuplicateWarning } from './cases.service.ts';

export interface QuickFormState {
  values: QuickCaseValues;
  errors: QuickCaseErrors;
  csrfToken: string;
  operationId: string | null;
  sites: OperationSiteChoice[];
  teams: { id: string; name: string }[];
  /** The case the last save opened, for the notice. */
  opened?: { id: string; reference: string; name: string } | undefined;
  duplicates?: DuplicateWarning | undefined;
}

/**
 * The fields in the order of the form, for the error summary: the quick case's fields as they are declared, less
 * the A-number (a roster column, not on this form) and the duplicate confirmation (a checkbox, never in error).
 */
const FORM_ORDER: readonly QuickField[] = QUICK_FIELDS.filter(
  (field) => field !== 'a_number' && field !== 'confirm_not_duplicate',
);

/** Query string for the pages: the operation, when there is one. */
export const operationQuery = (operationId: string | null, extra = ''): string => {
  const params = [operationId ? `operation=${operationId}` : '', extra].filter(Boolean).join('&');
  return params ? `?${params}` : '';
};

/** The helpers both forms use: a labelled text input, an error, the invalid marks. */
export function quickFieldKit(t: Translator, values: QuickCaseValues, errors: QuickCaseErrors) {
  const value = (name: QuickField): string =>
    errors[name]?.key === 'cases.error_encoding' ? '' : (values[name] ?? '');
  const error = (name: QuickField): Html | string => fieldError(t, name, errors[name]);
  const invalid = (name: QuickField): Html | string =>
    errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : '';
  const input = (
    name: QuickField,
    key: MessageKey,
    options: { type?: string; hint?: MessageKey; autocomplete?: string; inputmode?: string } = {},
  ): Html =>
    html`<label for="${name}"
        >${t(key)}${options.hint ? html` <span class="hint">${t(options.hint)}</span>` : ''}</label
      >${error(name)}
      <input type="${options.type ?? 'text'}" id="${name}" name="${name}" maxlength="${MAX_SHORT_CHARS}"
        autocomplete="${options.autocomplete ?? 'off'}"${options.inputmode ? html` inputmode="${options.inputmode}"` : ''}
        value="${value(name)}"${invalid(name)}>`;
  return { value, error, invalid, input };
}

function siteField(t: Translator, state: QuickFormState, kit: ReturnType<typeof quickFieldKit>): Html {
  if (state.sites.length === 0)
    return kit.input('site', 'cases.quick_field_site', { hint: 'cases.quick_site_hint' });
  const chosen = kit.value('site');
  return html`<label for="site">${t('cases.quick_field_site')}</label>${kit.error('site')}
    <select id="site" name="site"${kit.invalid('site')}>
      <option value="">${t('cases.quick_site_unknown')}</option>
      ${state.sites.map(
        (site) =>
          html`<option value="${site.name}"${chosen === site.name ? html` selected` : ''}>${site.name}</option>`,
      )}
    </select>`;
}

export function teamField(
  t: Translator,
  teams: { id: string; name: string }[],
  kit: Pick<ReturnType<typeof quickFieldKit>, 'value' | 'error' | 'invalid'>,
): Html | string {
  // One team (or none): nothing to choose; the case goes to it (or to the opener alone).
  if (teams.length <= 1) return '';
  return html`<label for="team_id">${t('cases.field_team')}</label>${kit.error('team_id')}
    <select id="team_id" name="team_id"${kit.invalid('team_id')}>
      <option value="">${t('cases.team_none')}</option>
      ${teams.map(
        (team) =>
          html`<option value="${team.id}"${kit.value('team_id') === team.id ? html` selected` : ''}>${team.name}</option>`,
      )}
    </select>`;
}

function renderOpenedNotice(t: Translator, opened: NonNullable<QuickFormState['opened']>): Html {
  return html`<p class="notice ok" role="status" id="quick-opened">
    ${t('cases.quick_opened', { reference: opened.reference, name: opened.name })}
    <a href="/console/cases/${opened.id}">${t('cases.quick_open_case', { reference: opened.reference })}</a>
  </p>`;
}

function renderDuplicates(t: Translator, warning: DuplicateWarning): Html {
  return html`<div class="notice error" role="alert" id="duplicate-warning">
    <p>${t('cases.quick_duplicate_intro')}</p>
    <ul>
      ${warning.visible.map(
        (match) => html`<li><a href="/console/cases/${match.id}">${match.reference}</a></li>`,
      )}
    </ul>
  </div>`;
}

export function renderQuickCaseForm(page: Page, state: QuickFormState): Html {
  const t = page.request.t;
  const kit = quickFieldKit(t, state.values, state.errors);
  const { value, error, invalid, input } = kit;
  const children = value('children');
  const title = t('cases.quick_title');
  const body = html`<p><a href="/console/cases">${t('cases.back')}</a> ·
      <a href="/console/cases/roster${operationQuery(state.operationId)}">${t('cases.roster_link')}</a></p>
    <h1>${title}</h1>
    <p class="hint">${t('cases.quick_intro')}</p>
    ${formErrorSummary(t, FORM_ORDER, state.errors)}
    ${state.opened ? renderOpenedNotice(t, state.opened) : ''}
    ${state.duplicates ? renderDuplicates(t, state.duplicates) : ''}
    <form method="post" action="/console/cases/quick${operationQuery(state.operationId)}" id="quick-case" novalidate>
      ${csrfField(state.csrfToken)}
      <fieldset>
        <legend>${t('cases.section_person')}</legend>
        ${input('name', 'cases.field_name')}
        ${input('other_names', 'cases.field_other_names')}
        ${input('date_of_birth', 'cases.field_date_of_birth', { type: 'date' })}
        <label for="age">${t('cases.quick_field_age')} <span class="hint">${t('cases.quick_age_hint')}</span></label
        >${error('age')}
        <input type="number" id="age" name="age" min="0" max="${MAX_AGE}" inputmode="numeric"
          value="${value('age')}"${invalid('age')}>
        ${input('country_of_birth', 'cases.field_country_of_birth')}
        ${siteField(t, state, kit)}
      </fieldset>
      <fieldset>
        <legend>${t('cases.quick_section_family')}</legend>
        ${input('contact_name', 'cases.field_contact_name')}
        ${input('contact_phone', 'cases.field_contact_phone', { type: 'tel', inputmode: 'tel' })}
        ${input('contact_relationship', 'cases.field_contact_relationship')}
        <label for="contact_language">${t('cases.field_contact_language')}</label>${error('contact_language')}
        <select id="contact_language" name="contact_language"${invalid('contact_language')}>
          ${(['es', 'en'] as const).map(
            (lang) =>
              html`<option value="${lang}"${value('contact_language') === lang ? html` selected` : ''}>${t(`cases.language_${lang}`)}</option>`,
          )}
        </select>
        ${error('contact_consent')}
        <label class="checkbox"><input type="checkbox" id="contact_consent" name="contact_consent" value="yes"${
          value('contact_consent') !== '' ? html` checked` : ''
        }> ${t('cases.quick_field_contact_consent')}</label>
      </fieldset>
      <fieldset id="children">
        <legend>${t('cases.quick_field_children')}</legend>
        ${error('children')}
        <label class="checkbox"><input type="radio" name="children" value="yes"${children === 'yes' ? html` checked` : ''}>
          ${t('cases.quick_yes')}</label>
        <label class="checkbox"><input type="radio" name="children" value="no"${children === 'no' ? html` checked` : ''}>
          ${t('cases.quick_no')}</label>
        <label for="children_count">${t('cases.quick_field_children_count')}</label>${error('children_count')}
        <input type="number" id="children_count" name="children_count" min="1" max="50" inputmode="numeric"
          value="${value('children_count')}"${invalid('children_count')}>
      </fieldset>
      ${teamField(t, state.teams, kit)}
      ${
        state.duplicates
          ? html`<label class="checkbox"><input type="checkbox" name="confirm_not_duplicate" value="yes">
              ${t('cases.confirm_not_duplicate')}</label>`
          : ''
      }
      <button type="submit">${t('cases.quick_save')}</button>
    </form>`;
  return renderPage({ ...page, title, body, console: true });
}
