// The observation form's fields and their checks.
import { OBSERVATION_KINDS, type ObservationKind } from '../../db/schema.ts';
import { bodyText, characters, isReadableText, oneOf, type FormErrors } from '../../http/form.ts';
import { isUuid } from '../../http/ids.ts';
import { instantFromLocal } from './observations.time.ts';

export const MAX_OBSERVATION_CHARS = 4000;

export const OBSERVATION_FIELDS = ['kind', 'text', 'event_at'] as const;
export type ObservationField = (typeof OBSERVATION_FIELDS)[number];

/** How far ahead of the server's clock an event time may be (a phone's clock a little fast). */
const FUTURE_SLACK_MS = 5 * 60 * 1000;

const shortString = { type: 'string', maxLength: 64 } as const;

export const logParams = {
  type: 'object',
  properties: { id: shortString },
  required: ['id'],
} as const;

export const entryParams = {
  type: 'object',
  properties: { id: shortString, entryId: shortString },
  required: ['id', 'entryId'],
} as const;

export const entryBody = {
  type: 'object',
  properties: {
    _csrf: { type: 'string', maxLength: 512 },
    client_id: shortString,
    kind: shortString,
    text: { type: 'string', maxLength: MAX_OBSERVATION_CHARS * 4 },
    event_at: shortString,
    /** Sent by the page's script when the person left the time alone: the instant they wrote the entry. */
    event_at_iso: shortString,
  },
} as const;

export type EntryBody = Partial<Record<'client_id' | 'event_at_iso' | ObservationField, string>>;

export type EntryValidation =
  | { ok: true; kind: ObservationKind; text: string; eventAt: Date | undefined; clientId: string | undefined }
  | { ok: false; errors: FormErrors<ObservationField>; values: Record<string, string> };

/** Checks the form: a kind, some readable text, and a real past (or nearly now) time if one is given. */
export function validateEntry(body: EntryBody, timeZone: string, now: Date): EntryValidation {
  const record = body as Record<string, unknown>;
  const kind = bodyText(record, 'kind');
  const text = bodyText(record, 'text');
  const eventRaw = bodyText(record, 'event_at');
  const clientRaw = bodyText(record, 'client_id');
  const errors: FormErrors<ObservationField> = {};
  if (!oneOf(OBSERVATION_KINDS, kind)) errors.kind = { key: 'observations.error_kind' };
  if (text === '' || !isReadableText(text)) errors.text = { key: 'observations.error_text' };
  else if (characters(text) > MAX_OBSERVATION_CHARS)
    errors.text = { key: 'observations.error_text_too_long', params: { max: MAX_OBSERVATION_CHARS } };
  const isoRaw = bodyText(record, 'event_at_iso');
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(isoRaw)
    ? new Date(isoRaw)
    : undefined;
  let eventAt: Date | undefined;
  if (iso && !Number.isNaN(iso.getTime())) {
    eventAt = iso;
    if (eventAt.getTime() > now.getTime() + FUTURE_SLACK_MS)
      errors.event_at = { key: 'observations.error_event_future' };
  } else if (eventRaw !== '') {
    eventAt = instantFromLocal(eventRaw, timeZone);
    if (!eventAt) errors.event_at = { key: 'observations.error_event_at' };
    else if (eventAt.getTime() > now.getTime() + FUTURE_SLACK_MS)
      errors.event_at = { key: 'observations.error_event_future' };
  }
  if (Object.keys(errors).length > 0 || !oneOf(OBSERVATION_KINDS, kind))
    return {
      ok: false,
      errors,
      values: { kind, text: isReadableText(text) ? text : '', event_at: eventRaw },
    };
  return { ok: true, kind, text, eventAt, clientId: isUuid(clientRaw) ? clientRaw.toLowerCase() : undefined };
}
