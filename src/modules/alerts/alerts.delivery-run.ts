// One fan-out run: claims ledger rows in batches, hands texts to the provider as fast as the pacer allows
// with at most `inFlight` of them handed over and not yet recorded, and records outcomes in bulk. Three
// loops share the work: the claimer keeps a short queue of claimed rows, the pacer sends them (each send
// runs on its own, pipelined, not batch-and-wait), and the recorder commits whatever outcomes have come
// back, then frees their slots. A slot is taken when a text is handed over and freed once its outcome is
// committed, so a crash can send again only what held a slot: at most `inFlight` texts. Rows still queued
// when a run dies were never handed over; they go out once, after the lease.
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../app/context.ts';
import { DecryptionError } from '../../crypto/field-encryption.ts';
import { optOutNumber, recordUnreachable } from '../opt-outs/opt-outs.service.ts';
import { subscriberPhoneField } from '../subscriptions/subscriptions.service.ts';
import type { AlertTextProvider, SendOutcome } from './alerts.delivery-provider.ts';
import {
  claimDeliveries,
  finishAlertIfDone,
  ledgerState,
  recordOutcomes,
  returnStaleClaims,
  sendingAlerts,
  type DeliveryOutcome,
  type LockCheck,
} from './alerts.ledger.repository.ts';
import { Pacer, realPacingClock, type PacedText, type PacingClock } from './alerts.rate.ts';

export interface FanOutSettings {
  inFlight: number;
  ratePerSecond: number;
  ratePerSenderPerSecond: number;
  /** The body for a language the alert has no text in. */
  defaultLanguage: string;
  /** A run stops claiming after this long (real time) and leaves the rest to its successor job. */
  budgetMs: number;
  /** A claim older than this, not this run's, belongs to a run that is gone. */
  leaseMs: number;
  /** Attempts at a text the provider answered with a transient error, before the row is failed. */
  maxAttempts: number;
  /** Wait before the next attempt, after the given number of attempts. */
  retryDelayMs(attempts: number): number;
}

/** Twilio's REST timeout is 10 s; a claim this old cannot belong to a send still waiting for its answer. */
export const SENDING_LEASE_MS = 30_000;

export function defaultFanOutSettings(context: Pick<AppContext, 'config'>): FanOutSettings {
  const { alerts, defaultLanguage } = context.config;
  return {
    inFlight: alerts.inFlight,
    ratePerSecond: alerts.ratePerSecond,
    ratePerSenderPerSecond: alerts.ratePerSenderPerSecond,
    defaultLanguage,
    budgetMs: 5 * 60_000,
    leaseMs: SENDING_LEASE_MS,
    maxAttempts: 4,
    retryDelayMs: (attempts) => 2000 * 2 ** Math.max(0, attempts - 1),
  };
}

export type RunEnd = 'finished' | 'budget' | 'halted';

export interface RunTally {
  sent: number;
  skipped: number;
  undeliverable: number;
  failed: number;
  retried: number;
}

interface SettledText {
  outcome: DeliveryOutcome;
  /** Handed to the provider: its slot is freed once the outcome is committed. */
  handedOver: boolean;
  /** The number's blind index when the carrier says the person unsubscribed. */
  optOut: string | undefined;
  /** The number's blind index and Twilio's code when the number can never get a text. */
  unreachable?: { phoneIndex: string; code: number } | undefined;
}

interface ClaimedText {
  alertId: string;
  subscriberId: string;
  phoneCiphertext: string;
  phoneIndex: string;
  body: string | undefined;
  attempts: number;
}

interface AlertCursor {
  bodies: Record<string, string>;
  /** Claims continue after this key; null starts from the lowest. */
  after: string | null;
  /** Not worth claiming from before this (real time): everything is held, waiting or gone. */
  idleUntil: number;
}

/** A signal one loop waits on and others give; a signal given while nobody waits is kept for the next wait. */
class Wakeup {
  #resolve: (() => void) | undefined;
  #given = false;

  wake(): void {
    const resolve = this.#resolve;
    if (resolve) {
      this.#resolve = undefined;
      resolve();
    } else this.#given = true;
  }

  wait(timeoutMs: number): Promise<void> {
    if (this.#given) {
      this.#given = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#resolve = undefined;
        resolve();
      }, timeoutMs);
      this.#resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

type RunContext = Pick<AppContext, 'db' | 'secrets' | 'clock' | 'logger'>;

export class FanOutRun {
  readonly runId = randomUUID();
  readonly tally: RunTally = { sent: 0, skipped: 0, undeliverable: 0, failed: 0, retried: 0 };

  readonly #context: RunContext;
  readonly #provider: AlertTextProvider;
  readonly #settings: FanOutSettings;
  readonly #pacer: Pacer;
  readonly #pacing: PacingClock;
  readonly #checkLock: LockCheck;
  readonly #onProgress: (alertId: string) => void;
  readonly #prefetch: number;
  readonly #minClaim: number;

  readonly #alerts = new Map<string, AlertCursor>();
  #turn = 0;
  readonly #queue: ClaimedText[] = [];
  /** Claimed rows whose outcome is not yet committed: queued, being sent, or waiting for the recorder. */
  #held = 0;
  /** Texts handed to the provider whose outcome is not yet committed (the crash-duplicate bound). */
  #handedOver = 0;
  #sending = 0;
  #settled: SettledText[] = [];
  /** SIDs the last commit recorded: the next one looks again for status callbacks that overtook them. */
  #lastSids: string[] = [];

  #claimingDone = false;
  #sendingDone = false;
  #halted = false;
  #error: Error | undefined;

  readonly #claimerWake = new Wakeup();
  readonly #pacerWake = new Wakeup();
  readonly #recorderWake = new Wakeup();

  constructor(deps: {
    context: RunContext;
    provider: AlertTextProvider;
    settings: FanOutSettings;
    checkLock: LockCheck;
    onProgress: (alertId: string) => void;
    pacingClock?: PacingClock;
  }) {
    this.#context = deps.context;
    this.#provider = deps.provider;
    this.#settings = deps.settings;
    this.#checkLock = deps.checkLock;
    this.#onProgress = deps.onProgress;
    this.#pacing = deps.pacingClock ?? realPacingClock;
    this.#pacer = new Pacer(
      {
        totalPerSecond: deps.settings.ratePerSecond,
        senders: deps.provider.senders.length,
        perSenderPerSecond: deps.provider.pacesSenders ? deps.settings.ratePerSenderPerSecond : 0,
      },
      this.#pacing,
    );
    const { inFlight } = deps.settings;
    const ceiling = this.#pacer.ceiling;
    // Uncapped, a queue as long as the in-flight limit keeps every slot busy; capped, a quarter-second of
    // texts keeps the pacer fed, and claims never wait long enough to look abandoned.
    this.#prefetch =
      ceiling === Infinity ? inFlight : Math.max(1, Math.min(inFlight, Math.ceil(ceiling / 4)));
    this.#minClaim = Math.max(1, Math.floor(this.#prefetch / 2));
  }

  async run(): Promise<RunEnd> {
    const pacing = this.#pace();
    const recording = this.#record();
    let end: RunEnd = 'finished';
    try {
      end = await this.#claim();
    } catch (error) {
      this.#fail(error);
    }
    this.#claimingDone = true;
    this.#pacerWake.wake();
    await pacing;
    this.#sendingDone = true;
    this.#recorderWake.wake();
    await recording;
    if (this.#error !== undefined) throw this.#error;
    return this.#halted ? 'halted' : end;
  }

  #fail(error: unknown): void {
    this.#error ??= error instanceof Error ? error : new Error('The alert fan-out failed.');
    this.#pacerWake.wake();
    this.#claimerWake.wake();
    this.#recorderWake.wake();
  }

  get #stopping(): boolean {
    return this.#halted || this.#error !== undefined;
  }

  // The claimer.

  async #claim(): Promise<RunEnd> {
    const { db, clock } = this.#context;
    const started = this.#pacing.now();
    let lastHousekeeping = -Infinity;
    for (;;) {
      if (this.#stopping) return 'halted';
      const now = this.#pacing.now();
      if (now - started > this.#settings.budgetMs) return 'budget';
      if (now - lastHousekeeping >= 1000) {
        lastHousekeeping = now;
        await this.#checkLock();
        await this.#refreshAlerts();
        const at = clock.now();
        await returnStaleClaims(db, {
          runId: this.runId,
          claimedBefore: new Date(at.getTime() - this.#settings.leaseMs),
          now: at,
        });
      }
      if (this.#alerts.size === 0 && this.#held === 0) return 'finished';
      const room = this.#prefetch - this.#queue.length;
      if (room <= 0 || (room < this.#minClaim && this.#queue.length > 0)) {
        await this.#claimerWake.wait(250);
        continue;
      }
      const alertId = this.#nextAlert(now);
      if (alertId === undefined) {
        await this.#claimerWake.wait(Math.max(1, Math.min(1000, this.#earliestIdleEnd() - now)));
        continue;
      }
      await this.#claimFrom(alertId, room);
    }
  }

  async #refreshAlerts(): Promise<void> {
    const current = await sendingAlerts(this.#context.db);
    const ids = new Set(current.map((alert) => alert.id));
    // An alert no longer 'sending' (cancelled) gets nothing more claimed; what is held still completes.
    for (const id of this.#alerts.keys()) if (!ids.has(id)) this.#alerts.delete(id);
    for (const alert of current) {
      const known = this.#alerts.get(alert.id);
      if (known) known.bodies = alert.bodies;
      else this.#alerts.set(alert.id, { bodies: alert.bodies, after: null, idleUntil: -Infinity });
    }
  }

  /** Alerts take turns, batch by batch, so a second alert is not stuck behind a first large one. */
  #nextAlert(now: number): string | undefined {
    const ids = [...this.#alerts.keys()];
    for (let step = 0; step < ids.length; step++) {
      const id = ids[(this.#turn + step) % ids.length]!;
      if (this.#alerts.get(id)!.idleUntil <= now) {
        this.#turn = (this.#turn + step + 1) % ids.length;
        return id;
      }
    }
    return undefined;
  }

  #earliestIdleEnd(): number {
    let earliest = Infinity;
    for (const cursor of this.#alerts.values()) earliest = Math.min(earliest, cursor.idleUntil);
    return earliest;
  }

  async #claimFrom(alertId: string, room: number): Promise<void> {
    const { db, clock } = this.#context;
    const cursor = this.#alerts.get(alertId)!;
    const limit = Math.min(room, 500);
    const rows = await claimDeliveries(db, {
      alertId,
      runId: this.runId,
      limit,
      after: cursor.after,
      now: clock.now(),
    });
    let skipped = 0;
    let last = cursor.after;
    for (const row of rows) {
      if (last === null || row.subscriberId > last) last = row.subscriberId;
      if (row.status === 'undeliverable') {
        skipped++;
        continue;
      }
      this.#held++;
      this.#queue.push({
        alertId,
        subscriberId: row.subscriberId,
        phoneCiphertext: row.phoneCiphertext!,
        phoneIndex: row.phoneIndex!,
        body:
          cursor.bodies[row.language] ??
          cursor.bodies[this.#settings.defaultLanguage] ??
          firstBody(cursor.bodies),
        attempts: row.attempts,
      });
    }
    if (skipped > 0) {
      this.tally.skipped += skipped;
      this.#onProgress(alertId);
    }
    if (rows.length > 0) this.#pacerWake.wake();
    if (rows.length === limit) {
      cursor.after = last;
      return;
    }
    // The end of the key range: the next claim starts again from the lowest key, where retries and rows
    // taken back from a gone run wait. A pass from the start that finds nothing means nothing is due.
    const fromStart = cursor.after === null;
    cursor.after = null;
    if (fromStart && rows.length === 0) await this.#settleIdle(alertId, cursor);
  }

  async #settleIdle(alertId: string, cursor: AlertCursor): Promise<void> {
    const { db, clock } = this.#context;
    const now = clock.now();
    const state = await ledgerState(db, alertId, this.runId, now);
    const realNow = this.#pacing.now();
    if (state.due) {
      // Locked by someone else's statement for a moment; try again shortly.
      cursor.idleUntil = realNow + 50;
    } else if (state.mine) {
      cursor.idleUntil = realNow + 250;
    } else if (state.nextAttemptAt !== null || state.oldestOtherClaim !== null) {
      const retryIn = state.nextAttemptAt ? state.nextAttemptAt.getTime() - now.getTime() : Infinity;
      const staleIn = state.oldestOtherClaim
        ? state.oldestOtherClaim.getTime() + this.#settings.leaseMs - now.getTime()
        : Infinity;
      cursor.idleUntil = realNow + Math.max(10, Math.min(1000, retryIn, staleIn));
    } else {
      if (await finishAlertIfDone(db, alertId, now)) this.#onProgress(alertId);
      this.#alerts.delete(alertId);
    }
  }

  // The pacer.

  async #pace(): Promise<void> {
    for (;;) {
      if (this.#queue.length === 0) {
        if (this.#claimingDone) break;
        await this.#pacerWake.wait(250);
        continue;
      }
      if (this.#stopping) {
        this.#holdBack(this.#queue.shift()!);
        continue;
      }
      if (this.#handedOver >= this.#settings.inFlight) {
        await this.#pacerWake.wait(250);
        continue;
      }
      const text = this.#queue.shift()!;
      this.#claimerWake.wake();
      const paced = await this.#pacer.next();
      if (paced === undefined || this.#stopping) {
        this.#holdBack(text);
        continue;
      }
      this.#handedOver++;
      this.#sending++;
      void this.#send(text, paced);
    }
    while (this.#sending > 0) await this.#pacerWake.wait(250);
  }

  async #send(text: ClaimedText, paced: PacedText): Promise<void> {
    const sender = this.#provider.senders[paced.lane] ?? null;
    let outcome: SendOutcome;
    if (text.body === undefined) {
      outcome = { kind: 'failed', code: null };
    } else {
      try {
        const to = this.#context.secrets.fields.decrypt(
          subscriberPhoneField(text.subscriberId),
          text.phoneCiphertext,
        );
        outcome = await this.#provider.send({ to, body: text.body, sender });
      } catch (error) {
        outcome =
          error instanceof DecryptionError
            ? { kind: 'failed', code: null }
            : { kind: 'retry', code: null, slowDown: false };
      }
    }
    this.#pacer.answered(paced);
    this.#settle(text, paced.lane, sender, outcome);
    this.#sending--;
    this.#pacerWake.wake();
    this.#recorderWake.wake();
  }

  #settle(text: ClaimedText, lane: number, sender: string | null, outcome: SendOutcome): void {
    const settled = (entry: DeliveryOutcome, optOut?: string, unreachable?: SettledText['unreachable']) =>
      this.#settled.push({ outcome: entry, handedOver: true, optOut, unreachable });
    const base = {
      alertId: text.alertId,
      subscriberId: text.subscriberId,
      sender: null,
      providerSid: null,
      errorCode: null,
      nextAttemptAt: null,
      attemptsDelta: 0,
    };
    switch (outcome.kind) {
      case 'sent':
        this.tally.sent++;
        settled({ ...base, status: 'sent', sender, providerSid: outcome.providerSid });
        return;
      case 'undeliverable':
        this.tally.undeliverable++;
        // The person texted STOP to the carrier: Amparo honours it everywhere, as its own STOP.
        // A dead number (invalid, a landline) is noted, so nothing more is sent to it.
        settled(
          { ...base, status: 'undeliverable', sender, errorCode: outcome.code },
          outcome.unsubscribed ? text.phoneIndex : undefined,
          outcome.dead && outcome.code !== null
            ? { phoneIndex: text.phoneIndex, code: outcome.code }
            : undefined,
        );
        return;
      case 'failed':
        this.tally.failed++;
        settled({ ...base, status: 'failed', sender, errorCode: outcome.code });
        return;
      case 'retry': {
        if (outcome.slowDown) this.#pacer.pause(1000);
        if (text.attempts >= this.#settings.maxAttempts) {
          this.tally.failed++;
          settled({ ...base, status: 'failed', sender, errorCode: outcome.code });
          return;
        }
        this.tally.retried++;
        const at = this.#context.clock.now().getTime() + this.#settings.retryDelayMs(text.attempts);
        settled({ ...base, status: 'pending', errorCode: outcome.code, nextAttemptAt: new Date(at) });
        return;
      }
      case 'sender_busy':
        // Twilio holds ten hours of texts for this number already: it goes on at half its pace, after a
        // pause; the text was not queued and goes again, from whichever number is free.
        this.#pacer.slowLane(lane);
        this.#context.logger.warn(
          {
            sender: lane + 1,
            senders: this.#provider.senders.length,
            code: outcome.code,
            gapMs: this.#pacer.laneGap(lane),
          },
          'an alert sender number has a full queue at the SMS provider: sending slower from it',
        );
        this.#settled.push({ outcome: heldBack(text), handedOver: true, optOut: undefined });
        return;
      case 'sender_unusable':
        // This number of the pool cannot send (not the account's, cannot text): the run goes on without it.
        // Logged by its place in AMPARO_ALERT_SENDERS, never the number.
        this.#pacer.removeLane(lane);
        this.#context.logger.error(
          { sender: lane + 1, senders: this.#provider.senders.length, code: outcome.code },
          'an alert sender number was refused by the SMS provider and taken out of the pool for this run; check it in AMPARO_ALERT_SENDERS',
        );
        if (this.#pacer.lanesLeft === 0) {
          this.#settle(text, lane, sender, { kind: 'halt', code: outcome.code });
          return;
        }
        this.#settled.push({ outcome: heldBack(text), handedOver: true, optOut: undefined });
        return;
      case 'halt':
        if (!this.#halted) {
          this.#halted = true;
          this.#context.logger.error(
            { code: outcome.code },
            'alert texts stopped: the SMS provider refuses the account, credentials or sender; fix the configuration and they resume',
          );
          this.#claimerWake.wake();
        }
        // Never reached the provider: the slot it took is freed with the others.
        this.#settled.push({ outcome: heldBack(text), handedOver: true, optOut: undefined });
        return;
    }
  }

  /** Puts a claimed row back, unsent, without counting the claim as an attempt. */
  #holdBack(text: ClaimedText): void {
    this.#settled.push({ outcome: heldBack(text), handedOver: false, optOut: undefined });
    this.#recorderWake.wake();
  }

  // The recorder.

  async #record(): Promise<void> {
    // One commit at a time: outcomes arriving meanwhile make the next batch, so batches grow with load.
    for (;;) {
      if (this.#settled.length === 0) {
        if (this.#sendingDone) {
          // A last look for callbacks that overtook the last batch's SIDs.
          if (this.#lastSids.length > 0) await this.#commit([]).catch((error: unknown) => this.#fail(error));
          return;
        }
        await this.#recorderWake.wait(250);
        continue;
      }
      // Let the answers already in join this batch first: the embedded database runs on this thread,
      // and would otherwise be handed one outcome per statement.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#settled;
      this.#settled = [];
      try {
        await this.#commit(batch);
      } catch (error) {
        // The batch stays 'sending' under this run; a later run takes it back after the lease.
        this.#fail(error);
        return;
      }
      this.#held -= batch.length;
      this.#handedOver -= batch.filter((entry) => entry.handedOver).length;
      this.#claimerWake.wake();
      this.#pacerWake.wake();
      for (const alertId of new Set(batch.map((entry) => entry.outcome.alertId))) this.#onProgress(alertId);
    }
  }

  async #commit(batch: SettledText[]): Promise<void> {
    const { db, clock } = this.#context;
    const now = clock.now();
    const outcomes = batch.map((entry) => entry.outcome);
    const optOuts = batch.flatMap((entry) => (entry.optOut ? [entry.optOut] : []));
    const unreachable = batch.flatMap((entry) => (entry.unreachable ? [entry.unreachable] : []));
    // One statement, so no transaction, unless someone unsubscribed at the carrier or a number is dead:
    // then that is noted in the commit of the row that says so.
    const earlier = this.#lastSids;
    const moved =
      optOuts.length === 0 && unreachable.length === 0
        ? await recordOutcomes(db, this.runId, now, outcomes, earlier)
        : await db.transaction().execute(async (trx) => {
            for (const phoneIndex of optOuts) {
              await optOutNumber(trx, phoneIndex, now, { blockedByProvider: true });
            }
            for (const dead of unreachable) await recordUnreachable(trx, dead.phoneIndex, dead.code, now);
            return recordOutcomes(trx, this.runId, now, outcomes, earlier);
          });
    this.#lastSids = outcomes.flatMap((outcome) => (outcome.providerSid ? [outcome.providerSid] : []));
    for (const alertId of moved) this.#onProgress(alertId);
  }
}

function heldBack(text: ClaimedText): DeliveryOutcome {
  return {
    alertId: text.alertId,
    subscriberId: text.subscriberId,
    status: 'pending',
    sender: null,
    providerSid: null,
    errorCode: null,
    nextAttemptAt: null,
    attemptsDelta: -1,
  };
}

function firstBody(bodies: Record<string, string>): string | undefined {
  return Object.values(bodies).find((body) => body.length > 0);
}
