// Form plumbing shared by every module's pages: the shape of a field's error and reading a urlencoded body.
import type { MessageKey } from '../i18n/i18n.ts';

/** What is wrong with one field: a message key, with the values it interpolates. */
export interface FieldError {
  key: MessageKey;
  params?: Record<string, string | number>;
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
