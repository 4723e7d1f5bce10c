// A local stand-in for the slice of Twilio's REST API Amparo uses, for tests and benchmarks: it checks
// Basic auth, answers in Twilio's JSON shapes, and records every request so tests can assert what was sent.
// It is as strict as Twilio where Amparo could get it wrong (each rule checked against the published
// twilio-oai spec and Twilio's error dictionary):
// - a send is refused for an invalid To (21211) or From (21212), a To outside the account's allowed
//   countries (geo permissions, 21408) and a body over 1,600 characters (21617);
// - a message or call that is not final yet cannot be deleted (20009); a message's body can be redacted
//   (POST Body=""); deleting a message leaves its media, which are deleted on their own;
// - media are served through a 307 redirect to a second, unauthenticated URL, as Twilio's media host does;
// - messages whose SID starts with SM carry media too (the spec allows SM and MM);
// - status callbacks come out of order by default (a final status before 'sent'), and can end in
//   'undelivered' or 'failed' with 30xxx error codes;
// - SmsSid, SmsMessageSid and MessageSid carry the same value in every webhook it builds or sends.
// Optionally it reports each accepted message's fate to its StatusCallback, signed as Twilio signs, at
// benchmark rates (a queue drained by a few keep-alive connections). It also plays the other side: texts
// and calls that arrive (receiveText, receiveCall, replyTo), so a test can check that nothing of a
// journey is left here at the end (holding()).
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import {
  Agent as HttpAgent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import {
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
  type CountryCode,
} from 'libphonenumber-js';
import { expectedSignature } from './twilio-webhooks.ts';

export interface StandInRequest {
  method: string;
  path: string;
  /** The Authorization header as received. */
  authorization: string | undefined;
  contentType: string | undefined;
  /** Form fields of a POST, every value of a repeated name kept. */
  form: URLSearchParams;
}

export type MessageDirection = 'inbound' | 'outbound-api' | 'outbound-reply';

export interface StoredMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  status: string;
  statusCallback: string | null;
  direction: MessageDirection;
  /** The 30xxx code of a failed or undelivered message. */
  errorCode: number | null;
}

export interface StoredCall {
  sid: string;
  parentCallSid: string | null;
  from: string;
  to: string;
  status: string;
}

/** What a test would see in Twilio's console: everything not yet deleted. */
export interface Holding {
  messages: number;
  /** Messages whose body was redacted but whose record is still there (counted in messages too). */
  redacted: number;
  media: number;
  recordings: number;
  calls: number;
}

export interface TwilioStandIn {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  requests: StandInRequest[];
  /** Messages (sent, replied or received) not deleted, by SID. */
  messages: Map<string, StoredMessage>;
  /** Calls not deleted, by SID. */
  calls: Map<string, StoredCall>;
  /**
   * Stores an inbound MMS attachment as Twilio would hold it, and returns the api.twilio.com URL a webhook
   * would carry (Amparo must request it against its configured API base instead).
   */
  addMedia(bytes: Buffer, contentType: string, messageSid?: string): HeldFile;
  /** Stores a call recording as Twilio would hold it, returning its SID and webhook URL. */
  addRecording(bytes: Buffer, contentType?: string, callSid?: string): HeldFile;
  /** Media and recordings still held (not yet deleted), by path without extension. */
  held: Map<string, { bytes: Buffer; contentType: string }>;
  /**
   * A text arriving at the hotline: the message is held as Twilio holds it (with its media), and the
   * fields Twilio would post to the SMS webhook are returned.
   */
  receiveText(input: IncomingTextInput): ReceivedText;
  /**
   * The <Message> replies of a TwiML answer to an incoming text, sent as Twilio sends them: each becomes an
   * outgoing message to the texter, reporting to its `action` (or `statusCallback`) URL.
   */
  replyTo(inboundSid: string, twiml: string): StoredMessage[];
  /** A call arriving at the hotline (in progress until endCall); the fields of its first webhook. */
  receiveCall(input: { from: string; to?: string }): { callSid: string; params: Record<string, string> };
  /** A leg a <Dial> makes from a call (to a dispatcher's phone). */
  dialLeg(parentCallSid: string, to: string): StoredCall;
  /** A call (and its legs) hangs up. */
  endCall(callSid: string, status?: string): void;
  /** Gives a held message its final status (holdMessages, or a test deciding a fate by hand). */
  settle(messageSid: string, status: 'delivered' | 'undelivered' | 'failed', errorCode?: number): void;
  holding(): Holding;
  /** What the status callbacks did; all zero unless statusCallbacks was asked for. */
  statusCallbacks: StatusCallbackLog;
  /**
   * Numbers on Twilio's opt-out list (they texted STOP to Twilio and no START since): a text to one is
   * refused with 400 and error 21610, as Twilio does.
   */
  unsubscribed: Set<string>;
  close(): Promise<void>;
}

export interface IncomingTextInput {
  from: string;
  to?: string;
  body: string;
  media?: readonly { bytes: Buffer; contentType: string }[];
  /** SM (default for a plain text) or MM (default with media); the spec allows media under either. */
  sidPrefix?: 'SM' | 'MM';
}

export interface ReceivedText {
  messageSid: string;
  media: HeldFile[];
  /** The webhook's fields, MessageSid, SmsMessageSid and SmsSid all the same. */
  params: Record<string, string>;
}

export type CallbackStatus = 'sent' | 'delivered' | 'undelivered' | 'failed';

export interface StatusCallbackResult {
  messageSid: string;
  status: CallbackStatus;
  /** The URL signed (the message's StatusCallback) and the one actually called (after deliverTo). */
  signedUrl: string;
  calledUrl: string;
  /** The HTTP status the receiver answered, or undefined when it could not be reached. */
  httpStatus: number | undefined;
}

export interface StatusCallbackLog {
  /** Callbacks waiting or being posted. */
  pending: number;
  /** Posted and answered 2xx. */
  answered: number;
  /** Posted and answered otherwise, or not reachable. */
  refused: number;
  /** Every callback made, in the order answers came back (kept only with record: true, the default). */
  results: StatusCallbackResult[];
  /** Resolves once nothing is waiting or being posted. */
  idle(): Promise<void>;
}

/** How one message ends. 'failed' means never sent: it gets no 'sent' callback. */
export interface MessageFate {
  status: 'delivered' | 'undelivered' | 'failed';
  errorCode?: number;
}

export interface StatusCallbackOptions {
  /**
   * Where callbacks are sent: the StatusCallback URL's scheme, host and port are replaced by this origin
   * (an app behind a TLS proxy, as deployed), while the signature covers the URL as Amparo gave it, which is
   * what Twilio signs and what Amparo checks against its public address. A function is asked each time
   * (for an app restarted on another port).
   */
  deliverTo?: string | (() => string);
  /** Fraction of messages (0..1) that end undelivered (error 30003) instead of delivered; exact, not random. */
  undeliveredFraction?: number;
  /**
   * Fates given in turn to messages as they are accepted (the n-th message gets fates[n % length]),
   * instead of undeliveredFraction: such as { status: 'failed', errorCode: 30006 }.
   */
  fates?: readonly MessageFate[];
  /**
   * The order of a message's callbacks. Twilio promises none, so by default ('mixed') every other message's
   * final status comes before its 'sent'; 'sent-first' keeps them in order, 'final-first' reverses every one.
   */
  order?: 'mixed' | 'sent-first' | 'final-first';
  /** Callbacks posted at once (default 8). */
  concurrency?: number;
  /** Wait before each message's first callback and again before its second (default 0). */
  delayMs?: number;
  /** Keep every result in `results` (default true); a benchmark of 100,000 messages may keep counts only. */
  record?: boolean;
}

export interface HeldFile {
  sid: string;
  messageSid?: string;
  callSid?: string;
  /** The URL as Twilio puts it in webhooks, on api.twilio.com. */
  url: string;
  /** The path, for looking it up in held. */
  path: string;
}

export interface TwilioStandInOptions {
  accountSid?: string;
  authToken?: string;
  /** Report each message's fate to its StatusCallback (none is sent by default). */
  statusCallbacks?: StatusCallbackOptions;
  /**
   * Messages stay 'queued' until settle() (or their status callbacks) decide their fate, so a deletion
   * meets 20009 meanwhile. By default a message with no callback to make is delivered at once.
   */
  holdMessages?: boolean;
  /**
   * Countries (ISO 3166 codes) texts may go to: the account's geo permissions. Default: the United States
   * and Canada, what a new Twilio account allows. A number whose country cannot be told (a NANP number of
   * an unassigned exchange) passes when any country of its calling code is allowed.
   */
  allowedCountries?: readonly string[];
  /** Refuse a deletion (answer this error instead), for the path asked to delete; undefined lets it pass. */
  refuseDeletion?: (path: string) => { status: number; code: number } | undefined;
  /** Keep every request in `requests` (default true); a benchmark may turn it off to save memory. */
  recordRequests?: boolean;
  /** Called for every message accepted, as it is accepted (a benchmark's clock). */
  onMessage?: (message: StoredMessage) => void;
  /** Wait this long before answering a send, as the real API's round trip does (default 0). */
  sendLatencyMs?: number;
}

/** Message statuses after which nothing changes (and a message may be deleted). */
const FINAL_MESSAGE = new Set(['delivered', 'undelivered', 'failed', 'received', 'read', 'canceled']);
/** Call statuses of a call that is over. */
const FINAL_CALL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
/** Twilio's limit on a message body, in characters. */
const MAX_BODY_CHARS = 1600;
const HOTLINE = '+15550100199';

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function randomSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** A phone number Twilio can address: E.164, of a possible length for its country code. */
function validNumber(value: string): boolean {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) return false;
  return parsePhoneNumberFromString(value)?.isPossible() ?? false;
}

/** A sender: a phone number, a short code, or an alphanumeric sender ID (1-11 characters, one a letter). */
function validSender(value: string): boolean {
  return validNumber(value) || /^\d{5,6}$/.test(value) || /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(value);
}

function countriesOf(number: string): CountryCode[] {
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed) return [];
  if (parsed.country) return [parsed.country];
  return getCountries().filter((country) => getCountryCallingCode(country) === parsed.countryCallingCode);
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name, _path, _leaf, isAttribute) => !isAttribute && (name === 'Response' || name === 'Message'),
});

/** The <Message> elements of a TwiML document: their text and attributes. */
function twimlMessages(twiml: string): { body: string; attributes: Record<string, string> }[] {
  const parsed = xml.parse(twiml) as { Response?: { Message?: unknown[] }[] };
  const messages = parsed.Response?.[0]?.Message ?? [];
  return messages.map((raw) => {
    if (typeof raw === 'string' || typeof raw === 'number') return { body: String(raw), attributes: {} };
    const element = raw as Record<string, unknown>;
    const attributes: Record<string, string> = {};
    let body = '';
    for (const [key, value] of Object.entries(element)) {
      if (key === '#text') body = String(value);
      else if (key === 'Body') body = String(value);
      else if (typeof value === 'string') attributes[key] = value;
    }
    return { body, attributes };
  });
}

export async function startTwilioStandIn(options: TwilioStandInOptions = {}): Promise<TwilioStandIn> {
  const accountSid = options.accountSid ?? randomSid('AC');
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const allowedCountries = new Set(options.allowedCountries ?? ['US', 'CA']);
  const requests: StandInRequest[] = [];
  const messages = new Map<string, StoredMessage>();
  const calls = new Map<string, StoredCall>();
  const held = new Map<string, { bytes: Buffer; contentType: string }>();
  /** Redirect targets of media downloads: token → the media's path. */
  const mediaContent = new Map<string, string>();
  const redacted = new Set<string>();
  let baseUrl = '';
  const unsubscribed = new Set<string>();
  const callbacks = options.statusCallbacks
    ? new StatusCallbacks(accountSid, authToken, options.statusCallbacks)
    : undefined;

  /** Sets a message going: its callbacks decide its fate, or it is delivered at once, or it waits. */
  function accept(message: StoredMessage): void {
    if (message.statusCallback && callbacks) callbacks.accepted(message);
    else if (!options.holdMessages) message.status = 'delivered';
  }

  function messageJson(message: StoredMessage) {
    const now = new Date().toUTCString();
    return {
      sid: message.sid,
      account_sid: accountSid,
      messaging_service_sid: message.messagingServiceSid,
      to: message.to,
      from: message.from,
      body: message.body,
      status: message.status,
      direction: message.direction,
      num_segments: '1',
      num_media: String([...held.keys()].filter((p) => p.includes(`/Messages/${message.sid}/`)).length),
      api_version: '2010-04-01',
      date_created: now,
      date_updated: now,
      date_sent: null,
      error_code: message.errorCode,
      error_message: null,
      price: null,
      price_unit: 'USD',
      uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
    };
  }

  /** The deletion answer when a test asked for one to be refused. */
  function refused(res: ServerResponse, path: string): boolean {
    const refusal = options.refuseDeletion?.(path);
    if (!refusal) return false;
    twilioError(res, refusal.status, refusal.code, 'The deletion was refused');
    return true;
  }

  function send(form: URLSearchParams, res: ServerResponse): StoredMessage | undefined {
    const to = form.get('To');
    const body = form.get('Body');
    const from = form.get('From');
    const service = form.get('MessagingServiceSid');
    if (!to) return void twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return void twilioError(res, 400, 21603, "A 'From' phone number is required.");
    if (!body) return void twilioError(res, 400, 21602, 'Message body is required.');
    if (!validNumber(to)) return void twilioError(res, 400, 21211, "Invalid 'To' Phone Number");
    if (from && !validSender(from)) {
      return void twilioError(res, 400, 21212, "The 'From' number is not a valid phone number");
    }
    if (!countriesOf(to).some((country) => allowedCountries.has(country))) {
      return void twilioError(
        res,
        400,
        21408,
        "Permission to send an SMS has not been enabled for the region indicated by the 'To' number",
      );
    }
    if (unsubscribed.has(to)) {
      return void twilioError(res, 400, 21610, 'Attempt to send to unsubscribed recipient');
    }
    if (body.length > MAX_BODY_CHARS) {
      return void twilioError(
        res,
        400,
        21617,
        'The concatenated message body exceeds the 1600 character limit',
      );
    }
    return {
      sid: randomSid('SM'),
      accountSid,
      to,
      from,
      messagingServiceSid: service,
      body,
      status: 'queued',
      statusCallback: form.get('StatusCallback'),
      direction: 'outbound-api',
      errorCode: null,
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    if (options.recordRequests !== false) {
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        form: new URLSearchParams(raw),
      });
    }
    // The media host a download is redirected to: a short-lived, unauthenticated URL.
    const content = /^\/media-content\/([0-9a-f]+)$/.exec(url.pathname);
    if (content) {
      const stored = held.get(mediaContent.get(content[1]!) ?? '');
      if (!stored || req.method !== 'GET') {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.bytes.length });
      res.end(stored.bytes);
      return;
    }

    const account = /^\/2010-04-01\/Accounts\/([^/]+)\//.exec(url.pathname);
    if (!account) return twilioError(res, 404, 20404, 'The requested resource was not found');
    if (req.headers.authorization !== expectedAuth || account[1] !== accountSid) {
      return twilioError(res, 401, 20003, 'Authentication Error - invalid username');
    }
    const prefix = `/2010-04-01/Accounts/${accountSid}`;
    const rest = url.pathname.slice(prefix.length);

    const media = /^(\/Messages\/((?:SM|MM)[0-9a-f]{32})\/Media\/ME[0-9a-f]{32})(\.json)?$/.exec(rest);
    if (media) {
      const path = prefix + media[1]!;
      const stored = held.get(path);
      if (!stored) return twilioError(res, 404, 20404, 'The requested resource was not found');
      if (req.method === 'DELETE') {
        if (refused(res, path)) return;
        held.delete(path);
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.method !== 'GET') return twilioError(res, 405, 20004, 'Method not allowed');
      if (media[3]) {
        return sendJson(res, 200, {
          sid: path.slice(-34),
          parent_sid: media[2],
          account_sid: accountSid,
          content_type: stored.contentType,
          uri: `${path}.json`,
        });
      }
      // Twilio answers a media request with a redirect to its content host.
      const token = randomBytes(12).toString('hex');
      mediaContent.set(token, path);
      res.writeHead(307, { location: `${baseUrl}/media-content/${token}`, 'content-length': 0 });
      res.end();
      return;
    }

    const recording = /^(\/Recordings\/RE[0-9a-f]{32})(\.json|\.mp3|\.wav)?$/.exec(rest);
    if (recording) {
      const path = prefix + recording[1]!;
      const stored = held.get(path);
      if (!stored) return twilioError(res, 404, 20404, 'The requested resource was not found');
      if (req.method === 'DELETE') {
        if (refused(res, path)) return;
        held.delete(path);
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.method !== 'GET') return twilioError(res, 405, 20004, 'Method not allowed');
      res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.bytes.length });
      res.end(stored.bytes);
      return;
    }

    if (rest === '/Calls.json' && req.method === 'GET') {
      const parent = url.searchParams.get('ParentCallSid');
      const list = [...calls.values()].filter((call) => parent === null || call.parentCallSid === parent);
      return sendJson(res, 200, {
        calls: list.map((call) => ({
          sid: call.sid,
          parent_call_sid: call.parentCallSid,
          account_sid: accountSid,
          status: call.status,
        })),
        page: 0,
        page_size: 50,
        next_page_uri: null,
        uri: `${prefix}/Calls.json`,
      });
    }
    const call = /^\/Calls\/(CA[0-9a-f]{32})\.json$/.exec(rest);
    if (call) {
      const stored = calls.get(call[1]!);
      if (!stored) return twilioError(res, 404, 20404, 'The requested resource was not found');
      if (req.method === 'DELETE') {
        if (!FINAL_CALL.has(stored.status)) {
          return twilioError(res, 409, 20009, 'Cannot delete this resource before it is complete');
        }
        if (refused(res, prefix + call[0])) return;
        calls.delete(stored.sid);
        res.writeHead(204);
        res.end();
        return;
      }
      return twilioError(res, 405, 20004, 'Method not allowed');
    }

    const match = /^\/Messages(?:\/([^/]+))?\.json$/.exec(rest);
    if (!match) return twilioError(res, 404, 20404, 'The requested resource was not found');
    const messageSid = match[1];
    if (messageSid === undefined && req.method === 'POST') {
      const message = send(new URLSearchParams(raw), res);
      if (!message) return;
      if (options.sendLatencyMs) await new Promise((r) => setTimeout(r, options.sendLatencyMs));
      messages.set(message.sid, message);
      options.onMessage?.(message);
      const answer = messageJson(message);
      accept(message);
      return sendJson(res, 201, answer);
    }
    if (messageSid !== undefined) {
      const message = messages.get(messageSid);
      if (!message) return twilioError(res, 404, 20404, 'The requested resource was not found');
      if (req.method === 'DELETE') {
        if (!FINAL_MESSAGE.has(message.status)) {
          return twilioError(res, 409, 20009, 'Cannot delete this resource before it is complete');
        }
        if (refused(res, `${prefix}/Messages/${messageSid}`)) return;
        messages.delete(messageSid);
        redacted.delete(messageSid);
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.method === 'POST') {
        const form = new URLSearchParams(raw);
        // Only redaction (an empty Body) is supported here; cancelling concerns scheduled messages only.
        if (form.get('Body') !== '') return twilioError(res, 400, 20001, 'Only an empty Body redacts');
        message.body = '';
        redacted.add(messageSid);
        return sendJson(res, 200, messageJson(message));
      }
      if (req.method === 'GET') return sendJson(res, 200, messageJson(message));
    }
    return twilioError(res, 405, 20004, 'Method not allowed');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) twilioError(res, 500, 20500, 'Internal Server Error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  function addMedia(bytes: Buffer, contentType: string, messageSid = randomSid('MM')): HeldFile {
    const sid = randomSid('ME');
    const path = `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${sid}`;
    held.set(path, { bytes, contentType });
    return { sid, messageSid, path, url: `https://api.twilio.com${path}` };
  }

  return {
    baseUrl,
    accountSid,
    authToken,
    requests,
    messages,
    calls,
    held,
    unsubscribed,
    statusCallbacks: callbacks?.log ?? {
      pending: 0,
      answered: 0,
      refused: 0,
      results: [],
      idle: () => Promise.resolve(),
    },
    addMedia,
    addRecording(bytes, contentType = 'audio/mpeg', callSid) {
      const sid = randomSid('RE');
      const path = `/2010-04-01/Accounts/${accountSid}/Recordings/${sid}`;
      held.set(path, { bytes, contentType });
      return { sid, path, url: `https://api.twilio.com${path}`, ...(callSid ? { callSid } : {}) };
    },
    receiveText(input) {
      const files = input.media ?? [];
      const messageSid = randomSid(input.sidPrefix ?? (files.length > 0 ? 'MM' : 'SM'));
      const to = input.to ?? HOTLINE;
      messages.set(messageSid, {
        sid: messageSid,
        accountSid,
        to,
        from: input.from,
        messagingServiceSid: null,
        body: input.body,
        status: 'received',
        statusCallback: null,
        direction: 'inbound',
        errorCode: null,
      });
      const media = files.map((file) => addMedia(file.bytes, file.contentType, messageSid));
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        Body: input.body,
        From: input.from,
        To: to,
        MessageSid: messageSid,
        SmsMessageSid: messageSid,
        SmsSid: messageSid,
        SmsStatus: 'received',
        NumMedia: String(media.length),
        NumSegments: '1',
      };
      media.forEach((file, i) => {
        params[`MediaUrl${i}`] = file.url;
        params[`MediaContentType${i}`] = files[i]!.contentType;
      });
      return { messageSid, media, params };
    },
    replyTo(inboundSid, twiml) {
      const inbound = messages.get(inboundSid);
      if (!inbound) throw new Error('replyTo: no such incoming message');
      return twimlMessages(twiml).map(({ body, attributes }) => {
        const message: StoredMessage = {
          sid: randomSid('SM'),
          accountSid,
          to: attributes.to ?? inbound.from!,
          from: attributes.from ?? inbound.to,
          messagingServiceSid: null,
          body,
          status: 'queued',
          statusCallback: attributes.action ?? attributes.statusCallback ?? null,
          direction: 'outbound-reply',
          errorCode: null,
        };
        messages.set(message.sid, message);
        options.onMessage?.(message);
        accept(message);
        return message;
      });
    },
    receiveCall(input) {
      const callSid = randomSid('CA');
      const to = input.to ?? HOTLINE;
      calls.set(callSid, { sid: callSid, parentCallSid: null, from: input.from, to, status: 'in-progress' });
      return {
        callSid,
        params: {
          AccountSid: accountSid,
          ApiVersion: '2010-04-01',
          CallSid: callSid,
          CallStatus: 'ringing',
          Direction: 'inbound',
          From: input.from,
          To: to,
          Caller: input.from,
          Called: to,
        },
      };
    },
    dialLeg(parentCallSid, to) {
      const parent = calls.get(parentCallSid);
      if (!parent) throw new Error('dialLeg: no such call');
      const leg: StoredCall = {
        sid: randomSid('CA'),
        parentCallSid,
        from: parent.to,
        to,
        status: 'in-progress',
      };
      calls.set(leg.sid, leg);
      return leg;
    },
    endCall(callSid, status = 'completed') {
      for (const call of calls.values()) {
        if (call.sid === callSid || call.parentCallSid === callSid) call.status = status;
      }
    },
    settle(messageSid, status, errorCode) {
      const message = messages.get(messageSid);
      if (!message) throw new Error('settle: no such message');
      message.status = status;
      message.errorCode = errorCode ?? null;
    },
    holding() {
      let media = 0;
      let recordings = 0;
      for (const path of held.keys()) {
        if (path.includes('/Media/')) media++;
        else recordings++;
      }
      return { messages: messages.size, redacted: redacted.size, media, recordings, calls: calls.size };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        callbacks?.close();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

interface QueuedCallback {
  message: StoredMessage;
  status: CallbackStatus;
  /** Whether another callback of this message follows this one. */
  then: CallbackStatus | undefined;
  errorCode: number | undefined;
  /** Not before this time (performance.now()). */
  notBefore: number;
}

/**
 * Posts status callbacks from a FIFO queue with a fixed number of workers, so thousands of messages a
 * second become a steady stream over a few keep-alive connections rather than thousands of sockets. A
 * message's second callback is queued only after its first was answered; which comes first is the
 * `order` option's choice (Twilio promises no order, so by default every other message's final status
 * overtakes its 'sent'). A message takes its final status when that callback is posted.
 */
class StatusCallbacks {
  readonly log: StatusCallbackLog;
  readonly #accountSid: string;
  readonly #authToken: string;
  readonly #options: StatusCallbackOptions;
  // Consumed from #head; taken slots are cleared so 100,000 messages' worth does not stay in memory.
  readonly #queue: (QueuedCallback | undefined)[] = [];
  #head = 0;
  #workers = 0;
  #finals = 0;
  #closed = false;
  #idleWaiters: (() => void)[] = [];
  readonly #http = new HttpAgent({ keepAlive: true });
  readonly #https = new HttpsAgent({ keepAlive: true });

  constructor(accountSid: string, authToken: string, options: StatusCallbackOptions) {
    this.#accountSid = accountSid;
    this.#authToken = authToken;
    this.#options = options;
    const fraction = options.undeliveredFraction ?? 0;
    if (!(fraction >= 0 && fraction <= 1)) throw new Error('undeliveredFraction must be between 0 and 1.');
    this.log = {
      pending: 0,
      answered: 0,
      refused: 0,
      results: [],
      idle: () =>
        this.log.pending === 0
          ? Promise.resolve()
          : new Promise((resolve) => this.#idleWaiters.push(resolve)),
    };
  }

  accepted(message: StoredMessage): void {
    const n = this.#finals++;
    const fate = this.#fate(n);
    if (fate.status === 'failed') {
      this.#enqueue(message, 'failed', undefined, fate.errorCode);
      return;
    }
    const order = this.#options.order ?? 'mixed';
    const finalFirst = order === 'final-first' || (order === 'mixed' && n % 2 === 1);
    if (finalFirst) this.#enqueue(message, fate.status, 'sent', fate.errorCode);
    else this.#enqueue(message, 'sent', fate.status, fate.errorCode);
  }

  close(): void {
    this.#closed = true;
    this.#http.destroy();
    this.#https.destroy();
    this.#queue.length = 0;
    this.#head = 0;
    this.log.pending = 0;
    this.#wakeIdle();
  }

  #enqueue(
    message: StoredMessage,
    status: CallbackStatus,
    then: CallbackStatus | undefined,
    errorCode: number | undefined,
  ): void {
    if (this.#closed) return;
    this.log.pending++;
    this.#queue.push({
      message,
      status,
      then,
      errorCode,
      notBefore: performance.now() + (this.#options.delayMs ?? 0),
    });
    if (this.#workers < (this.#options.concurrency ?? 8)) {
      this.#workers++;
      void this.#work();
    }
  }

  /**
   * The n-th message's fate: from `fates` in turn, else exactly `undeliveredFraction` of them undelivered
   * (30003), spread evenly (every 1/fraction-th message).
   */
  #fate(n: number): MessageFate {
    const { fates } = this.#options;
    if (fates && fates.length > 0) return fates[n % fates.length]!;
    const fraction = this.#options.undeliveredFraction ?? 0;
    return Math.floor((n + 1) * fraction) > Math.floor(n * fraction)
      ? { status: 'undelivered', errorCode: 30003 }
      : { status: 'delivered' };
  }

  async #work(): Promise<void> {
    while (this.#head < this.#queue.length && !this.#closed) {
      const item = this.#queue[this.#head]!;
      this.#queue[this.#head++] = undefined;
      if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
        this.#queue.splice(0, this.#head);
        this.#head = 0;
      }
      const wait = item.notBefore - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      // The message is final from its final callback on, whichever order the callbacks come in.
      if (item.status !== 'sent') {
        item.message.status = item.status;
        item.message.errorCode = item.errorCode ?? null;
      } else if (!FINAL_MESSAGE.has(item.message.status)) {
        item.message.status = 'sent';
      }
      const httpStatus = await this.#post(item);
      if (this.#closed) return;
      if (httpStatus !== undefined && httpStatus >= 200 && httpStatus < 300) this.log.answered++;
      else this.log.refused++;
      if (this.#options.record !== false) {
        this.log.results.push({
          messageSid: item.message.sid,
          status: item.status,
          signedUrl: item.message.statusCallback!,
          calledUrl: this.#calledUrl(item.message.statusCallback!),
          httpStatus,
        });
      }
      if (item.then) this.#enqueue(item.message, item.then, undefined, item.errorCode);
      this.log.pending--;
    }
    this.#workers--;
    if (this.#workers === 0) this.#wakeIdle();
  }

  #wakeIdle(): void {
    if (this.log.pending !== 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }

  #calledUrl(signedUrl: string): string {
    const { deliverTo } = this.#options;
    if (!deliverTo) return signedUrl;
    const url = new URL(signedUrl);
    return new URL(`${url.pathname}${url.search}`, typeof deliverTo === 'string' ? deliverTo : deliverTo())
      .href;
  }

  /** The fields Twilio posts to a message's StatusCallback. */
  #params(item: QueuedCallback): Record<string, string> {
    const { message, status } = item;
    const params: Record<string, string> = {
      AccountSid: this.#accountSid,
      ApiVersion: '2010-04-01',
      MessageSid: message.sid,
      SmsSid: message.sid,
      SmsMessageSid: message.sid,
      MessageStatus: status,
      SmsStatus: status,
      To: message.to,
    };
    if (message.from) params.From = message.from;
    if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
    if ((status === 'undelivered' || status === 'failed') && item.errorCode !== undefined) {
      params.ErrorCode = String(item.errorCode);
    }
    if (status !== 'sent') {
      // yyMMddHHmm in UTC, as carriers report it.
      params.RawDlrDoneDate = new Date().toISOString().replace(/\D/g, '').slice(2, 12);
    }
    return params;
  }

  #post(item: QueuedCallback): Promise<number | undefined> {
    const signedUrl = item.message.statusCallback!;
    const params = this.#params(item);
    const body = new URLSearchParams(params).toString();
    const target = new URL(this.#calledUrl(signedUrl));
    const secure = target.protocol === 'https:';
    return new Promise((resolve) => {
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: secure ? this.#https : this.#http,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
            'x-twilio-signature': expectedSignature(this.#authToken, signedUrl, params),
            'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
            'user-agent': 'TwilioProxy/1.1',
          },
          timeout: 15_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
          res.on('error', () => resolve(res.statusCode));
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(undefined));
      req.end(body);
    });
  }
}
