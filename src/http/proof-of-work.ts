// Proof of work for public forms that make Amparo spend money (the web alert sign-up texts a code): ALTCHA's
// second scheme through altcha-lib, entirely self-hosted. The page carries a challenge signed by Amparo; the
// browser (src/http/assets/proof-of-work.js, Web Crypto) finds the counter whose SHA-256 starts with the
// given prefix and sends it back in a hidden field; the server checks the signatures and spends the
// challenge. No other origin is ever asked.
//
// Decisions worth knowing:
// - Deterministic mode: Amparo picks the counter (half to all of AMPARO_SUBSCRIBE_PROOF_OF_WORK) and signs
//   the key it leads to, so checking an answer is one HMAC, never the work itself.
// - The expiry is in the signed data and read with the app's clock, not altcha's own expiresAt (which is
//   checked against the wall clock), so tests can move time.
// - Single use: a spent challenge is remembered (proof_of_work_spent) until it expires.
// - A purpose (the form it is for) is signed into the challenge, so work done for one form is no use on another.
import { createChallenge, randomInt, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Kysely } from 'kysely';
import type { Clock } from '../app/context.ts';
import type { Keyring } from '../crypto/keyring.ts';
import type { Database } from '../db/schema.ts';
import { spendChallenge } from './proof-of-work.repository.ts';

/** Long enough to fill in a form on a slow phone; a page left open longer gets a fresh challenge. */
export const PROOF_OF_WORK_TTL_MS = 30 * 60 * 1000;

const ALGORITHM = 'SHA-256';

/** What the page hands the browser, as JSON. */
export interface ProofOfWorkChallenge {
  parameters: Challenge['parameters'];
  signature: string;
}

/** missing: no answer at all (no JavaScript); invalid: forged or wrong; spent: used before. */
export type ProofOfWorkVerdict = 'valid' | 'missing' | 'invalid' | 'expired' | 'spent';

export class ProofOfWork {
  readonly #signatureSecret: string;
  readonly #keySecret: string;
  readonly #clock: Clock;
  readonly #db: Kysely<Database>;
  readonly #maxCounter: number;
  readonly #purpose: string | undefined;

  constructor(options: {
    keyring: Keyring;
    clock: Clock;
    db: Kysely<Database>;
    maxCounter: number;
    /** Which form the challenges are for (the web alert sign-up has none, as before purposes existed). */
    purpose?: string;
  }) {
    this.#signatureSecret = options.keyring.derive('proof-of-work:challenge').toString('hex');
    this.#keySecret = options.keyring.derive('proof-of-work:key').toString('hex');
    this.#clock = options.clock;
    this.#db = options.db;
    this.#maxCounter = options.maxCounter;
    this.#purpose = options.purpose;
  }

  async challenge(): Promise<ProofOfWorkChallenge> {
    const expires = Math.floor((this.#clock.now().getTime() + PROOF_OF_WORK_TTL_MS) / 1000);
    const challenge = await createChallenge({
      algorithm: ALGORITHM,
      cost: 1,
      counter: randomInt(this.#maxCounter, Math.ceil(this.#maxCounter / 2)),
      deriveKey,
      data: this.#purpose === undefined ? { expires } : { expires, purpose: this.#purpose },
      hmacSignatureSecret: this.#signatureSecret,
      hmacKeySignatureSecret: this.#keySecret,
    });
    return { parameters: challenge.parameters, signature: challenge.signature ?? '' };
  }

  /** Checks the browser's answer (the hidden field's base64 JSON) and spends its challenge. */
  async spend(field: string): Promise<ProofOfWorkVerdict> {
    if (field === '') return 'missing';
    const payload = readPayload(field);
    if (!payload) return 'invalid';
    const { challenge, solution } = payload;
    if (challenge.parameters.algorithm !== ALGORITHM) return 'invalid';
    let verified: boolean;
    try {
      verified = (
        await verifySolution({
          challenge,
          solution,
          deriveKey,
          hmacSignatureSecret: this.#signatureSecret,
          hmacKeySignatureSecret: this.#keySecret,
        })
      ).verified;
    } catch {
      // altcha-lib throws on some malformed parameters (a nonce that is not hex): forged either way.
      return 'invalid';
    }
    if (!verified) return 'invalid';
    if (challenge.parameters.data?.purpose !== this.#purpose) return 'invalid';
    const expires = challenge.parameters.data?.expires;
    const now = this.#clock.now();
    if (typeof expires !== 'number' || expires * 1000 <= now.getTime()) return 'expired';
    const fresh = await spendChallenge(this.#db, {
      id: challenge.parameters.nonce,
      expiresAt: new Date(expires * 1000),
      now,
    });
    return fresh ? 'valid' : 'spent';
  }
}

interface Payload {
  challenge: ProofOfWorkChallenge;
  solution: { counter: number; derivedKey: string };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The hidden field as ALTCHA's widgets send it: base64 of {challenge, solution}; undefined if it is not. */
function readPayload(field: string): Payload | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(field, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(decoded) || !isRecord(decoded.challenge) || !isRecord(decoded.solution)) return undefined;
  const { parameters, signature } = decoded.challenge;
  const { counter, derivedKey } = decoded.solution;
  if (!isRecord(parameters) || typeof signature !== 'string') return undefined;
  if (typeof parameters.nonce !== 'string' || typeof parameters.algorithm !== 'string') return undefined;
  if (typeof counter !== 'number' || typeof derivedKey !== 'string') return undefined;
  return {
    challenge: { parameters: parameters as unknown as Challenge['parameters'], signature },
    solution: { counter, derivedKey },
  };
}
