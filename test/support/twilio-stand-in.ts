// A local stand-in for the slice of Twilio's REST API Amparo uses, for tests and benchmarks: it checks
// Basic auth, answers in Twilio's JSON shapes, and records every request so tests can assert what was sent.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
  close(): Promise<void>;
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in.invalid');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      authorization: req.headers.authorization,
      contentType: req.headers['content-type'],
      form: new URLSearchParams(raw),
    });
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
      messages.set(message.sid, message);
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
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
