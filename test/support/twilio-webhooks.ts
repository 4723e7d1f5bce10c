// Sending webhooks to Amparo the way Twilio does. The signature is computed here from Twilio's published
// algorithm (base64 HMAC-SHA1 under the auth token, over the URL followed by each POST parameter's name and
// value sorted by name), independently of src/integrations/twilio/signature.ts, so a bug there cannot hide.
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

export const TEST_ACCOUNT_SID = `AC${'1a2b3c4d'.repeat(4)}`;
export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const TEST_PUBLIC_URL = 'https://hotline.example.org';
export const TEST_HOTLINE = '+15550100199';

/** Env that makes an app accept the webhooks below (add AMPARO_TWILIO_API_BASE for a stand-in). */
export const TWILIO_TEST_ENV: Record<string, string> = {
  AMPARO_PUBLIC_URL: TEST_PUBLIC_URL,
  AMPARO_TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
  AMPARO_TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
  AMPARO_TWILIO_FROM: TEST_HOTLINE,
};

export function expectedSignature(authToken: string, url: string, params: Record<string, string>): string {
  const names = Object.keys(params).sort();
  const data = url + names.map((name) => name + params[name]).join('');
  return createHmac('sha1', Buffer.from(authToken, 'utf8'))
    .update(Buffer.from(data, 'utf8'))
    .digest('base64');
}

export function sid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export interface WebhookOptions {
  /** Override the signature (a wrong one), or null to send none. */
  signature?: string | null;
  /** The URL to sign, when testing a signature made for another address. */
  signedUrl?: string;
  authToken?: string;
  publicUrl?: string;
}

/** POSTs a signed webhook to an app in-process. `path` may carry a query string, which is signed too. */
export async function postWebhook(
  app: FastifyInstance,
  path: string,
  params: Record<string, string>,
  options: WebhookOptions = {},
): Promise<{ status: number; body: string; contentType: string | undefined }> {
  const url = options.signedUrl ?? `${options.publicUrl ?? TEST_PUBLIC_URL}${path}`;
  const signature =
    options.signature === undefined
      ? expectedSignature(options.authToken ?? TEST_AUTH_TOKEN, url, params)
      : options.signature;
  const response = await app.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(signature === null ? {} : { 'x-twilio-signature': signature }),
    },
    payload: new URLSearchParams(params).toString(),
  });
  return {
    status: response.statusCode,
    body: response.body,
    contentType: response.headers['content-type'],
  };
}

/** The fields Twilio sends with an incoming text. */
export function incomingSms(
  from: string,
  body: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  // Twilio gives the message one SID under all three names; a test overriding MessageSid overrides them all.
  const messageSid = extra.MessageSid ?? sid('SM');
  return {
    AccountSid: TEST_ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    FromCity: 'CHICAGO',
    FromState: 'IL',
    FromZip: '60623',
    FromCountry: 'US',
    MessageSid: messageSid,
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    SmsStatus: 'received',
    MessagingServiceSid: '',
    NumMedia: '0',
    NumSegments: '1',
    To: TEST_HOTLINE,
    ToCountry: 'US',
    ...extra,
  };
}

/** The fields Twilio sends when a call arrives (menu callbacks add Digits and keep CallSid). */
export function incomingCall(
  from: string,
  callSid = sid('CA'),
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AccountSid: TEST_ACCOUNT_SID,
    ApiVersion: '2010-04-01',
    CallSid: callSid,
    CallStatus: 'ringing',
    Direction: 'inbound',
    From: from,
    To: TEST_HOTLINE,
    Caller: from,
    Called: TEST_HOTLINE,
    ...extra,
  };
}
