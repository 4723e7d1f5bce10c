// Helpers for the voice tests: TwiML parsed as XML (with fast-xml-parser, independently of the builder
// under test) into an ordered tree, and calls walked step by step the way Twilio walks them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { AppContext } from '../../app/context.ts';
import type { Role } from '../../db/schema.ts';
import {
  incomingCall,
  postWebhook,
  TEST_PUBLIC_URL,
  type WebhookOptions,
} from '../../../test/support/twilio-webhooks.ts';
import { userEmailField, userEmailIndex } from '../auth/users.queries.ts';
import { staffPhoneField } from '../staff/staff.service.ts';

export interface TwimlNode {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: TwimlNode[];
}

type Ordered = Record<string, unknown>;

function toNodes(items: Ordered[]): TwimlNode[] {
  const nodes: TwimlNode[] = [];
  for (const item of items) {
    const name = Object.keys(item).find((key) => key !== ':@');
    if (name === undefined || name === '#text' || name.startsWith('?')) continue;
    const childItems = item[name] as Ordered[];
    const rawAttrs = (item[':@'] ?? {}) as Record<string, unknown>;
    const attrs = Object.fromEntries(
      Object.entries(rawAttrs).map(([key, value]) => [key.replace(/^@_/, ''), String(value)]),
    );
    const text = childItems
      .filter((child) => '#text' in child)
      .map((child) => String(child['#text']))
      .join('');
    nodes.push({ name, attrs, text, children: toNodes(childItems) });
  }
  return nodes;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/** Parses a TwiML document and returns its <Response>, failing the test when it is not well-formed XML. */
export function parseTwiml(xml: string): TwimlNode {
  assert.equal(XMLValidator.validate(xml), true, `not well-formed XML: ${xml}`);
  const roots = toNodes(parser.parse(xml) as Ordered[]);
  assert.equal(roots.length, 1, 'one root element');
  assert.equal(roots[0]!.name, 'Response');
  return roots[0]!;
}

/** Every element of a name, depth first, in document order. */
export function findAll(node: TwimlNode, name: string): TwimlNode[] {
  const found: TwimlNode[] = [];
  for (const child of node.children) {
    if (child.name === name) found.push(child);
    found.push(...findAll(child, name));
  }
  return found;
}

export function only(node: TwimlNode, name: string): TwimlNode {
  const found = findAll(node, name);
  assert.equal(found.length, 1, `exactly one <${name}> in ${JSON.stringify(node)}`);
  return found[0]!;
}

/** The path and query of an absolute URL Amparo gave Twilio, which must be on its public address. */
export function pathOf(url: string): string {
  assert.ok(url.startsWith(`${TEST_PUBLIC_URL}/`), `${url} is on the public URL`);
  return url.slice(TEST_PUBLIC_URL.length);
}

export interface CallAnswer {
  status: number;
  body: string;
  twiml: TwimlNode;
}

/** One call, walked through its webhooks with the same CallSid and caller, as Twilio does. */
export class TestCall {
  readonly app: FastifyInstance;
  readonly from: string;
  readonly callSid: string;

  constructor(app: FastifyInstance, from: string, callSid?: string) {
    this.app = app;
    this.from = from;
    this.callSid = incomingCall(from, callSid).CallSid!;
  }

  params(extra: Record<string, string> = {}): Record<string, string> {
    return incomingCall(this.from, this.callSid, { CallStatus: 'in-progress', ...extra });
  }

  async post(
    path: string,
    extra: Record<string, string> = {},
    options?: WebhookOptions,
  ): Promise<CallAnswer> {
    const res = await postWebhook(this.app, path, this.params(extra), options);
    assert.equal(res.status, 200, `${path} answered ${res.status}: ${res.body}`);
    assert.match(res.contentType ?? '', /^text\/xml/);
    return { ...res, twiml: parseTwiml(res.body) };
  }

  start(): Promise<CallAnswer> {
    return this.post('/webhooks/twilio/voice', { CallStatus: 'ringing' });
  }

  /** Presses a key at the step a <Gather> points to (or nothing, when digits is undefined). */
  press(answer: CallAnswer, digits: string | undefined): Promise<CallAnswer> {
    const action = only(answer.twiml, 'Gather').attrs.action!;
    return this.post(pathOf(action), digits === undefined ? {} : { Digits: digits });
  }

  /** Follows the answer's <Redirect>, as Twilio does when a <Gather> times out. */
  follow(answer: CallAnswer): Promise<CallAnswer> {
    return this.post(pathOf(only(answer.twiml, 'Redirect').text));
  }

  /** From the start to the main menu in a language. */
  async toMenu(languageKey: '1' | '2'): Promise<CallAnswer> {
    return this.press(await this.start(), languageKey);
  }
}

/** A staff member with a phone number and a shift, as the dispatch module's profile page stores them. */
export async function addStaffPhone(
  context: AppContext,
  options: { roles: Role[]; phone: string | null; onShift: boolean; disabled?: boolean },
): Promise<string> {
  const userId = randomUUID();
  const { fields, blindIndex } = context.secrets;
  const now = context.clock.now();
  await context.db
    .insertInto('users')
    .values({
      id: userId,
      email_ciphertext: fields.encrypt(userEmailField(userId), `${userId}@example.org`),
      email_index: userEmailIndex(context, `${userId}@example.org`),
      roles: options.roles,
      password_hash: 'fixture-no-password',
      totp_enrolled_at: now,
      totp_last_step: null,
      totp_secret_ciphertext: null,
      locked_until: null,
      disabled_at: options.disabled ? now : null,
    })
    .execute();
  await context.db
    .insertInto('staff_profiles')
    .values({
      user_id: userId,
      phone_ciphertext:
        options.phone === null ? null : fields.encrypt(staffPhoneField(userId), options.phone),
      phone_index: options.phone === null ? null : blindIndex.phone(options.phone),
      on_shift: options.onShift,
      on_shift_since: options.onShift ? now : null,
      updated_at: now,
    })
    .execute();
  return userId;
}
