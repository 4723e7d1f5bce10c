// Fixtures for the delivery tests: subscribers and an approved alert written as approval writes them, and
// a front door to the Twilio stand-in that notes when each send arrives and answers chosen numbers with
// Twilio's errors (the stand-in itself accepts everything).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppContext } from '../../app/context.ts';
import { normalizePhone } from '../../phone/phone.ts';
import { startTwilioStandIn, type TwilioStandIn } from '../../../test/support/twilio-stand-in.ts';
import { TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TWILIO_TEST_ENV } from '../../../test/support/twilio-webhooks.ts';
import { createStaffSession } from '../../../test/support/staff.ts';
import { queueAlertDelivery } from './alerts.delivery.ts';
import { realPacingClock, type PacingClock } from './alerts.rate.ts';

let numberSeed = Math.floor(Math.random() * 9000);

/** A 555-01xx-style number nobody owns, different each call. */
export function freshPhone(): string {
  numberSeed = (numberSeed + 1) % 10000;
  return `+1312555${String(numberSeed).padStart(4, '0')}`;
}

export interface SubscriberInput {
  phone?: string;
  language?: string;
  zips?: string[];
  status?: 'pending' | 'active' | 'opted_out';
}

export async function addSubscribers(
  context: AppContext,
  inputs: readonly SubscriberInput[],
): Promise<{ id: string; phone: string; language: string }[]> {
  const { fields, blindIndex } = context.secrets;
  const created = inputs.map((input) => ({
    id: randomUUID(),
    phone: input.phone ?? freshPhone(),
    language: input.language ?? 'en',
    zips: input.zips ?? ['60623'],
    status: input.status ?? 'active',
  }));
  for (let i = 0; i < created.length; i += 500) {
    await context.db
      .insertInto('subscribers')
      .values(
        created.slice(i, i + 500).map((s) => ({
          id: s.id,
          phone_ciphertext: fields.encrypt({ table: 'subscribers', column: 'phone', rowId: s.id }, s.phone),
          phone_index: blindIndex.phone(normalizePhone(s.phone)!),
          language: s.language,
          zips: s.zips,
          status: s.status,
          created_at: context.clock.now(),
          confirmed_at: context.clock.now(),
        })),
      )
      .execute();
  }
  return created.map(({ id, phone, language }) => ({ id, phone, language }));
}

export const BODIES = {
  en: 'Verified: immigration agents at 26th St and Kedzie. Stay inside. Hotline 555-010-0199.',
  es: 'Verificado: agentes de inmigracion en 26th St y Kedzie. Quedese adentro. Linea 555-010-0199.',
};

/** An alert approved for these ZIP codes: approval's transaction, as the alerts service runs it. */
export async function approveAlert(
  context: AppContext,
  input: { zips: string[]; bodies?: Record<string, string> },
): Promise<{ alertId: string; recipients: number }> {
  const composer = await createStaffSession(context, ['dispatcher']);
  const alertId = randomUUID();
  await context.db
    .insertInto('alerts')
    .values({
      id: alertId,
      reference: `T-${alertId.slice(0, 8)}`,
      kind: 'know_your_rights',
      incident_id: null,
      status: 'approved',
      area_label: 'Little Village',
      bodies: JSON.stringify(input.bodies ?? BODIES),
      target_zips: input.zips,
      composed_by: composer.userId,
      composed_at: context.clock.now(),
    })
    .execute();
  const recipients = await context.db
    .transaction()
    .execute((trx) => queueAlertDelivery(context, trx, { id: alertId, target_zips: input.zips }));
  return { alertId, recipients };
}

export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

export interface Fault {
  status: number;
  code?: number;
}

export interface FrontDoor {
  baseUrl: string;
  /** When each send arrived (performance.now()), to whom and from which number, in order. */
  arrivals: { at: number; to: string; from: string | null }[];
  /**
   * Answers sends to a number with an error instead of passing them on; called with the attempt's number
   * and the From (null through a messaging service).
   */
  fault: (to: string, attempt: number, from: string | null) => Fault | undefined;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Stands in front of the stand-in: every request passes through, except sends the fault rule answers. */
export async function startFrontDoor(standIn: TwilioStandIn): Promise<FrontDoor> {
  const target = new URL(standIn.baseUrl);
  const attempts = new Map<string, number>();
  const door: FrontDoor = {
    baseUrl: '',
    arrivals: [],
    fault: () => undefined,
    close: () => Promise.resolve(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const body = await readBody(req);
      if (req.method === 'POST' && /\/Messages\.json$/.test(req.url ?? '')) {
        const form = new URLSearchParams(body.toString('utf8'));
        const to = form.get('To') ?? '';
        door.arrivals.push({ at: performance.now(), to, from: form.get('From') });
        const attempt = (attempts.get(to) ?? 0) + 1;
        attempts.set(to, attempt);
        const fault = door.fault(to, attempt, form.get('From'));
        if (fault) {
          const text = JSON.stringify({ code: fault.code, message: 'refused', status: fault.status });
          res.writeHead(fault.status, { 'content-type': 'application/json' });
          res.end(text);
          return;
        }
      }
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  door.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  door.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    });
  return door;
}

/**
 * The real pacing clock, noting each wait the pacer asks for. What a run chose to wait is its pacing; what
 * a busy machine adds on top is not, so a test can hold the pacer to its cap without timing the machine.
 */
export function recordingPacingClock(): PacingClock & { readonly waits: number[]; waited(): number } {
  const waits: number[] = [];
  return {
    waits,
    waited: () => waits.reduce((sum, ms) => sum + ms, 0),
    now: () => realPacingClock.now(),
    sleep: (ms) => {
      waits.push(ms);
      return realPacingClock.sleep(ms);
    },
  };
}

/** The most events within any half-open 1-second window. */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

export interface CountingStandIn {
  standIn: TwilioStandIn;
  /** Texts received per number. */
  received: Map<string, number>;
  /** Settings for Amparo processes that send through it, uncapped, with this many texts in flight. */
  env: Record<string, string>;
}

/**
 * A Twilio stand-in that counts the texts each number receives, for the tests that kill a sending worker:
 * slow enough (sendLatencyMs) that the kill lands mid-send.
 */
export async function startCountingStandIn(options: {
  sendLatencyMs: number;
  inFlight: number;
}): Promise<CountingStandIn> {
  const received = new Map<string, number>();
  const standIn = await startTwilioStandIn({
    accountSid: TEST_ACCOUNT_SID,
    authToken: TEST_AUTH_TOKEN,
    recordRequests: false,
    sendLatencyMs: options.sendLatencyMs,
    onMessage: (message) => received.set(message.to, (received.get(message.to) ?? 0) + 1),
  });
  const env = {
    ...TWILIO_TEST_ENV,
    AMPARO_TWILIO_API_BASE: standIn.baseUrl,
    AMPARO_ALERT_RATE_PER_SECOND: '0',
    AMPARO_ALERT_RATE_PER_SENDER_PER_SECOND: '0',
    AMPARO_ALERT_IN_FLIGHT: String(options.inFlight),
  };
  return { standIn, received, env };
}
