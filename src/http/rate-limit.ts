// Rate limits on public endpoints, shared by every web process through the database. A client is counted
// under a bucket: the first 20 bits of an HMAC of its address under a key derived from the master key for the
// day. The counters can tell clients apart well enough to limit them (a collision shares a limit with about one
// client in a thousand at a busy minute), but a bucket covers thousands of IPv4 addresses, so nothing stored,
// even read with the master key, leads back to an address; and a counter is deleted once its window is over.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Kysely } from 'kysely';
import type { Clock } from '../app/context.ts';
import type { Database } from '../db/schema.ts';
import { countHit, deleteExpiredCounts, liveHits } from './rate-limit.repository.ts';

export const CLIENT_BUCKET_BITS = 20;

/**
 * What counts as one client: an IPv4 address, or an IPv6 /64 (one home or phone is given a whole /64, so
 * counting single IPv6 addresses would give each of them billions of fresh limits). An IPv4-mapped IPv6
 * address (::ffff:203.0.113.9, as a dual-stack socket reports IPv4 clients) is the IPv4 address.
 */
export function clientIdentity(address: string): string {
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return bare;
  const groups = expandIPv6(bare);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6]!, groups[7]!];
    const mapped = `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
    if (isIPv4(mapped)) return mapped;
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, "::" and a dotted IPv4 tail spelled out. */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const start = parse(head);
  const end = tail === undefined ? [] : parse(tail);
  return [...start, ...Array<number>(8 - start.length - end.length).fill(0), ...end];
}

export class ClientKeyer {
  readonly #baseKey: Buffer;
  readonly #clock: Clock;
  #day = '';
  // A KeyObject, not a Buffer: node:crypto would build one from a Buffer on every request.
  #dayKey: KeyObject | undefined;

  /** `baseKey`: the master key's derivation for this purpose, the same in every process. */
  constructor(baseKey: Buffer, clock: Clock) {
    this.#baseKey = baseKey;
    this.#clock = clock;
  }

  /** The client's bucket today, as the rate limiter's key: per IPv4 address or IPv6 /64 (clientIdentity). */
  keyFor(address: string): string {
    const day = this.#clock.now().toISOString().slice(0, 10);
    if (day !== this.#day || !this.#dayKey) {
      this.#dayKey = createSecretKey(createHmac('sha256', this.#baseKey).update(day).digest());
      this.#day = day;
    }
    const digest = createHmac('sha256', this.#dayKey).update(clientIdentity(address)).digest();
    return String(digest.readUInt32BE(0) >>> (32 - CLIENT_BUCKET_BITS));
  }
}

interface RouteParams {
  routeInfo?: { method?: string | string[]; url?: string };
}

interface StoreResult {
  current: number;
  ttl: number;
}

/** A store for @fastify/rate-limit that counts in the database: one statement per limited request. */
export function databaseRateLimitStore(db: Kysely<Database>, clock: Clock) {
  return class DatabaseRateLimitStore {
    readonly scope: string;

    // Typed loosely: the plugin hands over its merged parameters, with the route as routeInfo.
    constructor(params: object = {}) {
      const { method, url } = (params as RouteParams).routeInfo ?? {};
      this.scope = url ? `${[method ?? ''].flat().join(',')} ${url}` : 'global';
    }

    child(params: object): DatabaseRateLimitStore {
      return new DatabaseRateLimitStore(params);
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: StoreResult) => void,
      timeWindow: number,
    ): void {
      const now = clock.now();
      countHit(db, { scope: this.scope, bucket: Number(key), now, windowMs: timeWindow }).then(
        ({ hits, expiresAt }) => callback(null, { current: hits, ttl: expiresAt.getTime() - now.getTime() }),
        (error: Error) => callback(error),
      );
    }
  };
}

/** Deletes counters whose window is over, every minute, until the returned function is called. */
export function sweepRateLimitCounts(
  db: Kysely<Database>,
  clock: Clock,
  logWarning: (error: unknown) => void,
) {
  const timer = setInterval(() => {
    deleteExpiredCounts(db, clock.now()).catch(logWarning);
  }, 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A limit on something other than a web request (wrong codes texted from one number): `bucket` is a keyed
 * hash the caller made, never the thing counted. `peek` reads the running window's count; `hit` counts one.
 */
export const keyedLimit = {
  peek(db: Kysely<Database>, scope: string, bucket: number, now: Date): Promise<number> {
    return liveHits(db, { scope, bucket, now });
  },
  async hit(
    db: Kysely<Database>,
    scope: string,
    bucket: number,
    now: Date,
    windowMs: number,
  ): Promise<number> {
    return (await countHit(db, { scope, bucket, now, windowMs })).hits;
  },
};

/** A 31-bit bucket from a keyed hash (a blind index), for keyedLimit. */
export function bucketOf(keyedHash: string): number {
  return Buffer.from(keyedHash, 'base64url').readUInt32BE(0) >>> 1;
}
