// A local stand-in for the slice of Twilio's REST API Amparo uses, for tests and benchmarks: it checks
// Basic auth, answers in Twilio's JSON shapes, and records every request so tests can assert what was sent.
// Optionally it reports each accepted message's fate to its StatusCallback (sent, then delivered or
// undelivered), signed as Twilio signs, at benchmark rates (a queue drained by a few keep-alive connections).
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

export interface StoredMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  status: string;
  statusCallback: string | null;
}

export interface TwilioStandIn {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  requests: StandInRequest[];
  /** Messages accepted and not deleted, by SID. */
  messages: Map<string, StoredMessage>;
  /**
   * Stores an inbound MMS attachment as Twilio would hold it, and returns the api.twilio.com URL a webhook
   * would carry (Amparo must request it against its configured API base instead).
   */
  addMedia(bytes: Buffer, contentType: string, messageSid?: string): HeldFile;
  /** Stores a call recording as Twilio would hold it, returning its SID and webhook URL. */
  addRecording(bytes: Buffer, contentType?: string): HeldFile;
  /** Media and recordings still held (not yet deleted), by path without extension. */
  held: Map<string, { bytes: Buffer; contentType: string }>;
  /** What the status callbacks did; all zero unless statusCallbacks was asked for. */
  statusCallbacks: StatusCallbackLog;
  /**
   * Numbers on Twilio's opt-out list (they texted STOP to Twilio and no START since): a text to one is
   * refused with 400 and error 21610, as Twilio does.
   */
  unsubscribed: Set<string>;
  close(): Promise<void>;
}

export type CallbackStatus = 'sent' | 'delivered' | 'undelivered';

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
  /** Callbacks posted at once (default 8). */
  concurrency?: number;
  /** Wait before each message's 'sent' callback and again before its final one (default 0). */
  delayMs?: number;
  /** Keep every result in `results` (default true); a benchmark of 100,000 messages may keep counts only. */
  record?: boolean;
}

export interface HeldFile {
  sid: string;
  messageSid?: string;
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
  /** Keep every request in `requests` (default true); a benchmark may turn it off to save memory. */
  recordRequests?: boolean;
  /** Called for every message accepted, as it is accepted (a benchmark's clock). */
  onMessage?: (message: StoredMessage) => void;
  /** Wait this long before answering a send, as the real API's round trip does (default 0). */
  sendLatencyMs?: number;
}

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

export async function startTwilioStandIn(options: TwilioStandInOptions = {}): Promise<TwilioStandIn> {
  const accountSid = options.accountSid ?? randomSid('AC');
  const authToken = options.authToken ?? randomBytes(16).toString('hex');
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const requests: StandInRequest[] = [];
  const messages = new Map<string, StoredMessage>();
  const held = new Map<string, { bytes: Buffer; contentType: string }>();
  const unsubscribed = new Set<string>();
  const callbacks = options.statusCallbacks
    ? new StatusCallbacks(accountSid, authToken, options.statusCallbacks)
    : undefined;

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
    const file =
      /^(\/2010-04-01\/Accounts\/([^/]+)\/(?:Messages\/MM[0-9a-f]+\/Media\/ME|Recordings\/RE)[0-9a-f]+)(\.json|\.mp3|\.wav)?$/.exec(
        url.pathname,
      );
    if (file) {
      if (req.headers.authorization !== expectedAuth || file[2] !== accountSid) {
        return twilioError(res, 401, 20003, 'Authentication Error - invalid username');
      }
      const stored = held.get(file[1]!);
      if (!stored) return twilioError(res, 404, 20404, 'The requested resource was not found');
      if (req.method === 'DELETE') {
        held.delete(file[1]!);
        res.writeHead(204);
        res.end();
        return;
      }
      if (req.method !== 'GET') return twilioError(res, 405, 20004, 'Method not allowed');
      res.writeHead(200, { 'content-type': stored.contentType, 'content-length': stored.bytes.length });
      res.end(stored.bytes);
      return;
    }
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/.exec(url.pathname);
    if (!match) return twilioError(res, 404, 20404, 'The requested resource was not found');
    if (req.headers.authorization !== expectedAuth || match[1] !== accountSid) {
      return twilioError(res, 401, 20003, 'Authentication Error - invalid username');
    }
    const messageSid = match[2];
    if (messageSid === undefined && req.method === 'POST') {
      const form = new URLSearchParams(raw);
      const to = form.get('To');
      const body = form.get('Body');
      const from = form.get('From');
      const service = form.get('MessagingServiceSid');
      if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
      if (!from && !service) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
      if (!body) return twilioError(res, 400, 21602, 'Message body is required.');
      if (unsubscribed.has(to))
        return twilioError(res, 400, 21610, 'Attempt to send to unsubscribed recipient');
      const message: StoredMessage = {
        sid: randomSid('SM'),
        accountSid,
        to,
        from,
        messagingServiceSid: service,
        body,
        status: 'queued',
        statusCallback: form.get('StatusCallback'),
      };
      if (options.sendLatencyMs) await new Promise((r) => setTimeout(r, options.sendLatencyMs));
      messages.set(message.sid, message);
      options.onMessage?.(message);
      if (message.statusCallback) callbacks?.accepted(message);
      const now = new Date().toUTCString();
      return sendJson(res, 201, {
        sid: message.sid,
        account_sid: accountSid,
        messaging_service_sid: service,
        to,
        from,
        body,
        status: 'queued',
        direction: 'outbound-api',
        num_segments: '1',
        num_media: '0',
        api_version: '2010-04-01',
        date_created: now,
        date_updated: now,
        date_sent: null,
        error_code: null,
        error_message: null,
        price: null,
        price_unit: 'USD',
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${message.sid}.json`,
      });
    }
    if (messageSid !== undefined && req.method === 'DELETE') {
      if (!messages.delete(messageSid))
        return twilioError(res, 404, 20404, 'The requested resource was not found');
      res.writeHead(204);
      res.end();
      return;
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
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    messages,
    held,
    unsubscribed,
    statusCallbacks: callbacks?.log ?? {
      pending: 0,
      answered: 0,
      refused: 0,
      results: [],
      idle: () => Promise.resolve(),
    },
    addMedia(bytes, contentType, messageSid = randomSid('MM')) {
      const sid = randomSid('ME');
      const path = `/2010-04-01/Accounts/${accountSid}/Messages/${messageSid}/Media/${sid}`;
      held.set(path, { bytes, contentType });
      return { sid, messageSid, path, url: `https://api.twilio.com${path}` };
    },
    addRecording(bytes, contentType = 'audio/mpeg') {
      const sid = randomSid('RE');
      const path = `/2010-04-01/Accounts/${accountSid}/Recordings/${sid}`;
      held.set(path, { bytes, contentType });
      return { sid, path, url: `https://api.twilio.com${path}` };
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
  /** Not before this time (performance.now()). */
  notBefore: number;
}

/**
 * Posts status callbacks from a FIFO queue with a fixed number of workers, so thousands of messages a
 * second become a steady stream over a few keep-alive connections rather than thousands of sockets. A
 * message's final callback is queued only after its 'sent' one was answered, so each receiver sees them in
 * order (Twilio does not promise that; Amparo must cope either way, but the stand-in's job is to be plain).
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
    this.#enqueue(message, 'sent');
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

  #enqueue(message: StoredMessage, status: CallbackStatus): void {
    if (this.#closed) return;
    this.log.pending++;
    this.#queue.push({ message, status, notBefore: performance.now() + (this.#options.delayMs ?? 0) });
    if (this.#workers < (this.#options.concurrency ?? 8)) {
      this.#workers++;
      void this.#work();
    }
  }

  /** Exactly `fraction` of final callbacks are undelivered, spread evenly (every 1/fraction-th message). */
  #finalStatus(): CallbackStatus {
    const fraction = this.#options.undeliveredFraction ?? 0;
    const n = this.#finals++;
    return Math.floor((n + 1) * fraction) > Math.floor(n * fraction) ? 'undelivered' : 'delivered';
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
      const httpStatus = await this.#post(item);
      if (this.#closed) return;
      item.message.status = item.status;
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
      if (item.status === 'sent') this.#enqueue(item.message, this.#finalStatus());
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
  #params(message: StoredMessage, status: CallbackStatus): Record<string, string> {
    const params: Record<string, string> = {
      AccountSid: this.#accountSid,
      ApiVersion: '2010-04-01',
      MessageSid: message.sid,
      SmsSid: message.sid,
      MessageStatus: status,
      SmsStatus: status,
      To: message.to,
    };
    if (message.from) params.From = message.from;
    if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
    if (status === 'undelivered') params.ErrorCode = '30003';
    if (status !== 'sent') {
      // yyMMddHHmm in UTC, as carriers report it.
      params.RawDlrDoneDate = new Date().toISOString().replace(/\D/g, '').slice(2, 12);
    }
    return params;
  }

  #post(item: QueuedCallback): Promise<number | undefined> {
    const signedUrl = item.message.statusCallback!;
    const params = this.#params(item.message, item.status);
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
