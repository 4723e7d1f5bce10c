// A small client for the part of Twilio's REST API Amparo uses: sending a text and deleting it afterwards,
// so the provider keeps no copy longer than it must. The base URL is configurable so tests and benchmarks
// can point it at a local stand-in.
import { Buffer } from 'node:buffer';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AppConfig } from '../../config/config.ts';

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Kept-alive connections for the calls Amparo makes by the thousand (an alert's texts, the deletion of
 * their copies), shared by every client in the process. Those go through node:http rather than fetch:
 * fetch streams even a short string body, so each request cost several socket writes and web-stream
 * machinery, and on a 100,000-text alert that was the sender's largest cost.
 */
const agents = {
  'http:': new HttpAgent({ keepAlive: true }),
  'https:': new HttpsAgent({ keepAlive: true }),
};

interface Answer {
  status: number;
  body: Buffer;
}

/** One request with a short body, answered in full; no redirects are followed. */
function call(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<Answer> {
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.reject(new Error('unsupported scheme'));
  const { body } = init;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const request = (secure ? httpsRequest : httpRequest)(url, {
      method: init.method,
      agent: agents[url.protocol as 'http:' | 'https:'],
      headers: {
        ...init.headers,
        ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body, 'utf8')) }),
      },
    });
    const timer = setTimeout(() => request.destroy(new Error('timed out')), REQUEST_TIMEOUT_MS);
    request.on('error', (error) => settle(() => reject(error)));
    request.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        settle(() => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) })),
      );
      response.on('error', (error) => settle(() => reject(error)));
      response.on('close', () => settle(() => reject(new Error('connection closed mid-answer'))));
    });
    // A string given to end() leaves in one write with the headers.
    request.end(body);
  });
}

function parseJson(body: Buffer): unknown {
  return JSON.parse(body.toString('utf8'));
}

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** Scheme and host (and port), such as https://api.twilio.com. */
  apiBase: string;
}

/** Who a message is sent as: one number, or a messaging service that picks from its sender pool. */
export type TwilioSender = { from: string } | { messagingServiceSid: string };

export type SendMessageRequest = TwilioSender & {
  to: string;
  body: string;
  statusCallback?: string;
};

export interface SentMessage {
  sid: string;
  status: string;
}

/**
 * Twilio refused a request or could not be reached. The message names the operation, the HTTP status and
 * Twilio's numeric error code only: Twilio's own error text can quote the recipient's number, and this
 * error ends up in logs.
 */
export class TwilioApiError extends Error {
  override name = 'TwilioApiError';
  readonly status: number | undefined;
  readonly code: number | undefined;

  constructor(
    operation: string,
    status: number | undefined,
    code: number | undefined,
    options?: ErrorOptions,
  ) {
    const what =
      status === undefined
        ? 'no answer'
        : `HTTP ${status}${code === undefined ? '' : `, Twilio error ${code}`}`;
    super(`Twilio ${operation} failed: ${what}.`, options);
    this.status = status;
    this.code = code;
  }
}

/** Twilio's answer to a text for someone who unsubscribed at Twilio (texted STOP): it keeps them blocked. */
export const UNSUBSCRIBED_ERROR_CODE = 21610;

/**
 * Whether Twilio refused a text because its recipient unsubscribed at Twilio. The SMS sender wraps
 * Twilio's refusal (a RecipientRefusedError whose cause it is), so the cause is looked at too.
 */
export function isUnsubscribedRefusal(error: unknown): boolean {
  if (error instanceof TwilioApiError) return error.code === UNSUBSCRIBED_ERROR_CODE;
  return error instanceof Error && error.cause !== undefined && isUnsubscribedRefusal(error.cause);
}

function senderFields(request: SendMessageRequest): Record<string, string> {
  return 'from' in request ? { From: request.from } : { MessagingServiceSid: request.messagingServiceSid };
}

async function errorCode(response: Response): Promise<number | undefined> {
  try {
    return codeOf(await response.json());
  } catch {
    return undefined;
  }
}

function codeOf(body: unknown): number | undefined {
  const code = (body as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A message's SID: the spec allows SM and MM (media hang under either). */
const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/i;
const CALL_SID = /^CA[0-9a-f]{32}$/i;

export class TwilioRestClient {
  readonly #credentials: TwilioCredentials;

  constructor(credentials: TwilioCredentials) {
    this.#credentials = credentials;
  }

  get #accountUrl(): string {
    const base = this.#credentials.apiBase.replace(/\/+$/, '');
    return `${base}/2010-04-01/Accounts/${encodeURIComponent(this.#credentials.accountSid)}`;
  }

  get #messagesUrl(): string {
    return `${this.#accountUrl}/Messages`;
  }

  get #authorization(): string {
    const { accountSid, authToken } = this.#credentials;
    return `Basic ${Buffer.from(`${accountSid}:${authToken}`, 'utf8').toString('base64')}`;
  }

  async #fetch(
    operation: string,
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string },
    redirect: 'error' | 'follow' = 'error',
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { ...init.headers, authorization: this.#authorization, accept: 'application/json' },
        redirect,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (cause) {
      // The cause (a network error or a timeout) carries no request body, so it is safe to keep.
      throw new TwilioApiError(operation, undefined, undefined, { cause });
    }
    if (!response.ok) throw new TwilioApiError(operation, response.status, await errorCode(response));
    return response;
  }

  /** Like #fetch, for the bulk calls: the answer's status and whole body (which is short). */
  async #call(
    operation: string,
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string },
  ): Promise<Answer> {
    let answer: Answer;
    try {
      answer = await call(new URL(url), {
        ...init,
        headers: { ...init.headers, authorization: this.#authorization, accept: 'application/json' },
      });
    } catch (cause) {
      // The cause (a network error or a timeout) carries no request body, so it is safe to keep.
      throw new TwilioApiError(operation, undefined, undefined, { cause });
    }
    if (answer.status < 200 || answer.status > 299) {
      let code: number | undefined;
      try {
        code = codeOf(parseJson(answer.body));
      } catch {
        code = undefined;
      }
      throw new TwilioApiError(operation, answer.status, code);
    }
    return answer;
  }

  async sendMessage(request: SendMessageRequest): Promise<SentMessage> {
    const form = new URLSearchParams({ To: request.to, ...senderFields(request), Body: request.body });
    if (request.statusCallback) form.set('StatusCallback', request.statusCallback);
    const answer = await this.#call('send message', `${this.#messagesUrl}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    let sent: { sid?: unknown; status?: unknown } | null;
    try {
      sent = parseJson(answer.body) as typeof sent;
    } catch (cause) {
      throw new TwilioApiError('send message (unreadable answer)', answer.status, undefined, { cause });
    }
    if (typeof sent?.sid !== 'string' || typeof sent.status !== 'string') {
      throw new TwilioApiError('send message (answer without sid)', answer.status, undefined);
    }
    return { sid: sent.sid, status: sent.status };
  }

  /** Removes a message (its body and numbers) from Twilio's records once Amparo no longer needs it there. */
  async deleteMessage(sid: string): Promise<void> {
    if (!MESSAGE_SID.test(sid)) throw new TwilioApiError('delete message (bad sid)', undefined, undefined);
    await this.#call('delete message', `${this.#messagesUrl}/${sid}.json`, { method: 'DELETE' });
  }

  /**
   * Empties a message's body at Twilio (the spec's update with `Body=""`): what is left when a message
   * cannot be deleted yet is its numbers and dates, not what it said.
   */
  async redactMessage(sid: string): Promise<void> {
    if (!MESSAGE_SID.test(sid)) throw new TwilioApiError('redact message (bad sid)', undefined, undefined);
    await this.#call('redact message', `${this.#messagesUrl}/${sid}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Body=',
    });
  }

  /** Deletes one attachment of a message; each is deleted on its own, never trusted to go with its message. */
  async deleteMedia(messageSid: string, mediaSid: string): Promise<void> {
    if (!MESSAGE_SID.test(messageSid) || !/^ME[0-9a-f]{32}$/i.test(mediaSid)) {
      throw new TwilioApiError('delete media (bad sid)', undefined, undefined);
    }
    await this.#call('delete media', `${this.#messagesUrl}/${messageSid}/Media/${mediaSid}.json`, {
      method: 'DELETE',
    });
  }

  /** Deletes a call's record (its numbers, times and duration) once the call is over. */
  async deleteCall(sid: string): Promise<void> {
    if (!CALL_SID.test(sid)) throw new TwilioApiError('delete call (bad sid)', undefined, undefined);
    await this.#call('delete call', `${this.#accountUrl}/Calls/${sid}.json`, { method: 'DELETE' });
  }

  async deleteRecording(sid: string): Promise<void> {
    if (!/^RE[0-9a-f]{32}$/i.test(sid)) {
      throw new TwilioApiError('delete recording (bad sid)', undefined, undefined);
    }
    await this.#call('delete recording', `${this.#accountUrl}/Recordings/${sid}.json`, { method: 'DELETE' });
  }

  /**
   * The legs a call's <Dial> made (each a call record of its own, holding a dispatcher's number): the
   * first page of the Calls list filtered by ParentCallSid, which is all a hotline call rings.
   */
  async childCalls(parentSid: string): Promise<string[]> {
    if (!CALL_SID.test(parentSid)) throw new TwilioApiError('list calls (bad sid)', undefined, undefined);
    const query = new URLSearchParams({ ParentCallSid: parentSid, PageSize: '100' });
    const answer = await this.#call('list calls', `${this.#accountUrl}/Calls.json?${query.toString()}`, {
      method: 'GET',
    });
    let page: { calls?: unknown } | null;
    try {
      page = parseJson(answer.body) as typeof page;
    } catch (cause) {
      throw new TwilioApiError('list calls (unreadable answer)', answer.status, undefined, { cause });
    }
    if (!Array.isArray(page?.calls)) return [];
    return page.calls
      .map((call) => (call as { sid?: unknown } | null)?.sid)
      .filter((sid): sid is string => typeof sid === 'string' && CALL_SID.test(sid));
  }

  /**
   * Where a media or recording URL from a webhook points, if it is one of this account's. Twilio sends
   * absolute api.twilio.com URLs; only the path is kept and requested against the configured API base, so
   * a webhook can never make Amparo send its credentials to another host, and a stand-in can serve tests.
   */
  resourcePath(url: string): TwilioResource | undefined {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
    const account = this.#credentials.accountSid;
    const media =
      /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\/((?:SM|MM)[0-9a-f]{32})\/Media\/(ME[0-9a-f]{32})(?:\.json)?$/i.exec(
        path,
      );
    if (media && media[1] === account) {
      return { kind: 'media', path: path.replace(/\.json$/, ''), messageSid: media[2]!, sid: media[3]! };
    }
    const recording =
      /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Recordings\/(RE[0-9a-f]{32})(?:\.(?:json|mp3|wav))?$/i.exec(
        path,
      );
    if (recording && recording[1] === account) {
      return { kind: 'recording', path: path.replace(/\.(json|mp3|wav)$/, ''), sid: recording[2]! };
    }
    return undefined;
  }

  /** Downloads a message's media or a call recording (recordings as MP3), with the account's credentials. */
  async download(resource: TwilioResource, maxBytes: number): Promise<DownloadedResource> {
    const base = this.#credentials.apiBase.replace(/\/+$/, '');
    const url = `${base}${resource.path}${resource.kind === 'recording' ? '.mp3' : ''}`;
    // Twilio answers media requests with a redirect to its content host; fetch drops the Authorization
    // header when a redirect leaves the origin, so the credentials stay with Twilio's API.
    const response = await this.#fetch(`download ${resource.kind}`, url, { method: 'GET' }, 'follow');
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new TwilioApiError(`download ${resource.kind} (too large)`, response.status, undefined);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length > maxBytes) {
      throw new TwilioApiError(`download ${resource.kind} (too large)`, response.status, undefined);
    }
    const contentType = (response.headers.get('content-type') ?? 'application/octet-stream')
      .split(';')[0]!
      .trim();
    return { bytes, contentType };
  }

  /** Deletes media or a recording at Twilio once Amparo holds its own encrypted copy. */
  async deleteResource(resource: TwilioResource): Promise<void> {
    const base = this.#credentials.apiBase.replace(/\/+$/, '');
    const response = await this.#fetch(`delete ${resource.kind}`, `${base}${resource.path}.json`, {
      method: 'DELETE',
    });
    await response.arrayBuffer();
  }
}

export type TwilioResource =
  | { kind: 'media'; path: string; messageSid: string; sid: string }
  | { kind: 'recording'; path: string; sid: string };

export interface DownloadedResource {
  bytes: Buffer;
  contentType: string;
}

/** A client for the account's REST API, whenever credentials are configured (also to clean up after it). */
export function twilioClientFor(context: {
  config: Pick<AppConfig, 'twilio'>;
}): TwilioRestClient | undefined {
  const { accountSid, authToken, apiBase } = context.config.twilio;
  if (!accountSid || !authToken) return undefined;
  return new TwilioRestClient({ accountSid, authToken, apiBase });
}
