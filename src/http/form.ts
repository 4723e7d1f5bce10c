// Form plumbing shared by every module's pages: the shape of a field's error and how it is shown next to
// its input, readable text, and reading a urlencoded body back into the form's values.
import type { MessageKey, Translator } from '../i18n/i18n.ts';
import { html, type Html } from './html.ts';

/** What is wrong with one field: a message key, with the values it interpolates. */
export interface FieldError {
  key: MessageKey;
  params?: Record<string, string | number>;
}

/**
 * A field's error, shown next to its input: `id` is the input's id, and the input points at the message with
 * aria-describedby="<id>-error". Nothing when the field is fine.
 */
export function fieldError(t: Translator, id: string, problem: FieldError | undefined): Html | string {
  return problem
    ? html`<span class="field-error" id="${id}-error">${t(problem.key, problem.params)}</span>`
    : '';
}

/**
 * Text a person could have typed. U+FFFD is what the multipart parser leaves where bytes were not UTF-8, and
 * control characters (NUL above all, which PostgreSQL refuses) never come from a keyboard: either means the
 * text was damaged on the way, and storing it would keep garbage.
 */
export function isReadableText(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\uFFFD\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(value);
}

/** Reads the named fields as strings; anything else (repeated, missing) becomes ''. */
export function formValues<Field extends string>(
  fields: readonly Field[],
  body: Record<string, unknown> | undefined,
): Partial<Record<Field, string>> {
  const values: Partial<Record<Field, string>> = {};
  for (const field of fields) {
    const value = body?.[field];
    values[field] = typeof value === 'string' ? value : '';
  }
  return values;
}

/**
 * Reads the named fields trimmed ('' when missing or not a string). Damaged text is not shown again: it would
 * only be sent again.
 */
export function readableFormValues(
  body: Record<string, unknown>,
  names: readonly string[],
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = body[name];
    const text = typeof value === 'string' ? value.trim() : '';
    values[name] = isReadableText(text) ? text : '';
  }
  return values;
}

/** Each field's error, by field name. */
export type FormErrors<F extends string> = Partial<Record<F, FieldError>>;

/** A checked form: its value, or each field's error with what was typed (to fill the form again). */
export type Validation<T, F extends string> =
  { ok: true; value: T } | { ok: false; errors: FormErrors<F>; values: Record<string, string> };

/** One field of a parsed body, trimmed ('' when missing or not a string). */
export function bodyText(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** Length in characters (code points), as a person counts them, not UTF-16 units. */
export function characters(value: string): number {
  return [...value].length;
}

/** Whether the value is one of the allowed strings. */
export function oneOf<T extends string>(allowed: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** The hidden field that carries a form's CSRF token (see csrf.ts). */
export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}" />`;
}

/** One line of an error summary: what is wrong, and the id of the field to fix it in. */
export interface ErrorSummaryItem {
  id: string;
  text: string;
}

/**
 * The box at the top of a form that failed (the GOV.UK Design System's error summary, in Amparo's look): a
 * title, optionally a sentence, and one link per problem to its field, so a person who cannot see the whole
 * form at once (a phone, a screen reader) learns what to fix and gets there. Announced as an alert. Nothing
 * when there is no problem.
 */
export function errorSummary(
  t: Translator,
  items: readonly ErrorSummaryItem[],
  intro?: string,
): Html | string {
  if (items.length === 0) return '';
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1">
    <h2 id="error-summary-title">${t('form.error_summary_title')}</h2>
    ${intro ? html`<p>${intro}</p>` : ''}
    <ul>
      ${items.map((item) => html`<li><a href="#${item.id}">${item.text}</a></li>`)}
    </ul>
  </div>`;
}

/**
 * The error summary of a checked form, in the order of `fields` (the form's order); `idOf` names the element
 * each field's link goes to (its input's id, by default the field's name).
 */
export function formErrorSummary<F extends string>(
  t: Translator,
  fields: readonly F[],
  errors: FormErrors<F>,
  options: { idOf?: (field: F) => string; intro?: string } = {},
): Html | string {
  const idOf = options.idOf ?? ((field: F) => field);
  const items = fields.flatMap((field) => {
    const problem = errors[field];
    return problem ? [{ id: idOf(field), text: t(problem.key, problem.params) }] : [];
  });
  return errorSummary(t, items, options.intro);
}
