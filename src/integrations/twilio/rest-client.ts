// A small client for the part of Twilio's REST API Amparo uses: sending a text and deleting it afterwards,
// so the provider keeps no copy longer than it must. The base URL is configurable so tests and benchmarks
// can point it at a local stand-in.
import { Buffer } from 'node:buffer';

const REQUEST_TIMEOUT_MS = 10_000;

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

function senderFields(request: SendMessageRequest): Record<string, string> {
  return 'from' in request ? { From: request.from } : { MessagingServiceSid: request.messagingServiceSid };
}

async function errorCode(response: Response): Promise<number | undefined> {
  try {
    const body = (await response.json()) as { code?: unknown };
    return typeof body.code === 'number' ? body.code : undefined;
  } catch {
    return undefined;
  }
}

export class TwilioRestClient {
  readonly #credentials: TwilioCredentials;

  constructor(credentials: TwilioCredentials) {
    this.#credentials = credentials;
  }

  get #messagesUrl(): string {
    const base = this.#credentials.apiBase.replace(/\/+$/, '');
    return `${base}/2010-04-01/Accounts/${encodeURIComponent(this.#credentials.accountSid)}/Messages`;
  }

  get #authorization(): string {
    const { accountSid, authToken } = this.#credentials;
    return `Basic ${Buffer.from(`${accountSid}:${authToken}`, 'utf8').toString('base64')}`;
  }

  async #fetch(
    operation: string,
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: string },
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers: { ...init.headers, authorization: this.#authorization, accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (cause) {
      // The cause (a network error or a timeout) carries no request body, so it is safe to keep.
      throw new TwilioApiError(operation, undefined, undefined, { cause });
    }
    if (!response.ok) throw new TwilioApiError(operation, response.status, await errorCode(response));
    return response;
  }

  async sendMessage(request: SendMessageRequest): Promise<SentMessage> {
    const form = new URLSearchParams({ To: request.to, ...senderFields(request), Body: request.body });
    if (request.statusCallback) form.set('StatusCallback', request.statusCallback);
    const response = await this.#fetch('send message', `${this.#messagesUrl}.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    let sent: { sid?: unknown; status?: unknown };
    try {
      sent = (await response.json()) as typeof sent;
    } catch (cause) {
      throw new TwilioApiError('send message (unreadable answer)', response.status, undefined, { cause });
    }
    if (typeof sent.sid !== 'string' || typeof sent.status !== 'string') {
      throw new TwilioApiError('send message (answer without sid)', response.status, undefined);
    }
    return { sid: sent.sid, status: sent.status };
  }

  /** Removes a message (its body and numbers) from Twilio's records once Amparo no longer needs it there. */
  async deleteMessage(sid: string): Promise<void> {
    if (!/^(SM|MM)[0-9a-f]{32}$/i.test(sid))
      throw new TwilioApiError('delete message (bad sid)', undefined, undefined);
    const response = await this.#fetch('delete message', `${this.#messagesUrl}/${sid}.json`, {
      method: 'DELETE',
    });
    // 204 has no body; anything else successful is drained so the connection can be reused.
    await response.arrayBuffer();
  }
}
