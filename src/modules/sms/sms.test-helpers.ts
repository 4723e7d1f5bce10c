// Helpers the SMS tests share: texting the hotline as Twilio would, reading the TwiML answer, and reading
// back what intake stored (decrypted, as a dispatcher would see it).
import assert from 'node:assert/strict';
import type { TestApp } from '../../../test/support/test-context.ts';
import { incomingSms, postWebhook } from '../../../test/support/twilio-webhooks.ts';
import type { Report } from '../../db/schema.ts';
import { reportCallbackPhoneIndex, reportField } from '../reports/reports.fields.ts';

export const SMS_PATH = '/webhooks/twilio/sms';

export interface Answer {
  status: number;
  body: string;
  /** The text of the <Message>, or undefined for an empty <Response/>. */
  reply: string | undefined;
}

function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

/** The one <Message> in a TwiML answer; asserts the document is a Response with at most one message. */
export function replyOf(twiml: string): string | undefined {
  assert.match(twiml, /^<\?xml version="1.0" encoding="UTF-8"\?><Response(\/>|>[\s\S]*<\/Response>)$/);
  const messages = [...twiml.matchAll(/<Message(?:\s[^>]*)?>([\s\S]*?)<\/Message>/g)];
  assert.ok(messages.length <= 1, 'at most one reply per text');
  return messages[0] ? unescapeXml(messages[0][1]!) : undefined;
}

/** Texts the hotline from a number, signed as Twilio signs, and returns the answer. */
export async function text(
  t: TestApp,
  from: string,
  body: string,
  extra: Record<string, string> = {},
): Promise<Answer> {
  const res = await postWebhook(t.app, SMS_PATH, incomingSms(from, body, extra));
  return { status: res.status, body: res.body, reply: res.status === 200 ? replyOf(res.body) : undefined };
}

export interface StoredReport extends Report {
  callbackPhone: string | null;
  details: string | null;
  location: string | null;
  uniform: string | null;
}

/** The reports that came by text from a number (by its callback blind index), oldest first, decrypted. */
export async function reportsFrom(t: TestApp, phone: string): Promise<StoredReport[]> {
  const { fields, blindIndex } = t.context.secrets;
  const rows = await t.context.db
    .selectFrom('reports')
    .selectAll()
    .where('channel', '=', 'sms')
    .where('callback_phone_index', '=', reportCallbackPhoneIndex(blindIndex, phone))
    .orderBy('created_at')
    .execute();
  const field = reportField;
  return rows.map((row) => ({
    ...row,
    callbackPhone: fields.decryptOptional(field(row.id, 'callback_phone'), row.callback_phone_ciphertext),
    details: fields.decryptOptional(field(row.id, 'details'), row.details_ciphertext),
    location: fields.decryptOptional(field(row.id, 'location'), row.location_ciphertext),
    uniform: fields.decryptOptional(field(row.id, 'uniform'), row.uniform_ciphertext),
  }));
}

export async function openConversationOf(t: TestApp, phone: string) {
  return t.context.db
    .selectFrom('sms_conversations')
    .selectAll()
    .where('phone_index', '=', t.context.secrets.blindIndex.phone(phone))
    .where('closed_at', 'is', null)
    .executeTakeFirst();
}

/**
 * A fresh number for each test, so tests do not share state. Not in 555-0100..0199: those are the pretend
 * numbers of the console's simulator, whose reports are marked as simulated.
 */
let issued = 0;
export function freshNumber(): string {
  issued += 1;
  const area = 312 + Math.floor(issued / 1000);
  return `+1${area}555${String(2000 + (issued % 1000)).padStart(4, '0')}`;
}
