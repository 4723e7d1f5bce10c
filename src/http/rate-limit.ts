// Rate limits on public endpoints are keyed by an HMAC of the client address under a key that lives only in
// memory and is replaced every day: the limiter can tell clients apart today, and nothing it holds can be
// turned back into an address, today or after a seizure.
import { createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../app/context.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export class ClientKeyer {
  #key = randomBytes(32);
  #rotatesAt: number;
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#rotatesAt = clock.now().getTime() + DAY_MS;
  }

  keyFor(address: string): string {
    const now = this.#clock.now().getTime();
    if (now >= this.#rotatesAt) {
      this.#key = randomBytes(32);
      this.#rotatesAt = now + DAY_MS;
    }
    return createHmac('sha256', this.#key).update(address).digest('base64url');
  }
}
