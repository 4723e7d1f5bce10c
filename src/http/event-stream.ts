// Server-sent event streams for the console's live pages. The plumbing lives here once: where a reconnecting
// browser resumes, holding live changes back while the replay is read, headers on a hijacked reply, heartbeats,
// a maximum lifetime and letting go at shutdown. What an event says, and how the missed ones are found, stays
// in each module.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { securityHeaders } from './security-headers.ts';

const HEARTBEAT_MS = 25_000;
/**
 * A live stream ends after this long and the browser reconnects, which passes through sign-in checks again:
 * a session that has expired stops receiving changes within minutes. Signing out, revoking and disabling
 * end the streams at once (endLiveStreams).
 */
const STREAM_LIFETIME_MS = 10 * 60_000;

/** One server-sent event: `id` is what the browser sends back as Last-Event-ID (a time in ms). */
export interface StreamEvent {
  event: string;
  data: unknown;
  id: number;
}

export interface EventStreamSource<T> {
  /** Where to resume, from `replayCursor`; undefined means no replay, only what happens from now on. */
  cursor: number | undefined;
  /** Starts delivering live changes; resolves to the unsubscribe. */
  subscribe(deliver: (change: T) => void): Promise<() => void>;
  /** What happened after the cursor, oldest first. */
  replay(cursor: number): Promise<readonly T[]>;
  toEvent(change: T): StreamEvent;
  /** How long the browser waits before reconnecting after the stream drops. */
  retryMs: number;
  /** When given, a live change already sent by the replay is not sent a second time. */
  identify?: (change: T) => string;
}

export type OpenEventStream = <T>(
  request: FastifyRequest,
  reply: FastifyReply,
  source: EventStreamSource<T>,
) => Promise<void>;

/**
 * Where a live stream starts: the browser's Last-Event-ID on a reconnect (the id, a time in ms, of the last
 * event it received), else the page's render time from ?since=. Garbage means no replay.
 */
export function replayCursor(lastEventId: unknown, since: string | undefined): number | undefined {
  for (const candidate of [lastEventId, since]) {
    if (typeof candidate === 'string' && /^[0-9]{1,15}$/.test(candidate)) return Number(candidate);
  }
  return undefined;
}

interface OpenStream {
  sessionId: string | undefined;
  userId: string | undefined;
  end: () => void;
}

/** Every stream this process holds open, whichever app or module opened it (their ids are unique). */
const liveStreams = new Set<OpenStream>();

/**
 * Ends at once the open streams of a session or of every session of a user (signed out, revoked, disabled).
 * The browser reconnects and is refused like any signed-out request. Returns how many ended.
 */
export function endLiveStreams(whose: { sessionId: string } | { userId: string }): number {
  let ended = 0;
  for (const stream of [...liveStreams]) {
    const matches =
      'sessionId' in whose ? stream.sessionId === whose.sessionId : stream.userId === whose.userId;
    if (!matches) continue;
    stream.end();
    ended += 1;
  }
  return ended;
}

/** Returns the opener of this app's event streams; every stream still open is dropped when the app closes. */
export function eventStreams(app: FastifyInstance, options: { secure: boolean }): OpenEventStream {
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const shutDown of openStreams) shutDown();
    openStreams.clear();
  });

  return async function openEventStream<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    source: EventStreamSource<T>,
  ): Promise<void> {
    const raw = reply.raw;
    const send = (chunk: string): void => {
      if (!raw.writableEnded) raw.write(chunk);
    };
    const emit = (change: T): void => {
      const { event, data, id } = source.toEvent(change);
      send(`event: ${event}\ndata: ${JSON.stringify(data)}\nid: ${id}\n\n`);
    };
    const { cursor } = source;
    // Live changes wait while the replay is read, so they follow it instead of racing it.
    let waiting: T[] | undefined = cursor === undefined ? undefined : [];
    const unsubscribe = await source.subscribe((change) => (waiting ? waiting.push(change) : emit(change)));
    // Fastify's onSend hooks (which set the security headers) do not run for a hijacked reply, so the same
    // headers are written here.
    reply.hijack();
    // The browser may have gone while we subscribed; its 'close' already fired and would never reach us.
    if (raw.destroyed || !raw.socket || raw.socket.destroyed) {
      unsubscribe();
      return;
    }
    raw.writeHead(200, {
      ...securityHeaders({ secure: options.secure }),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Reverse proxies must pass events through as they happen rather than buffer them.
      'x-accel-buffering': 'no',
      // The connection is the stream's alone: when the stream ends (server shutting down, lifetime over) the
      // socket closes with it instead of idling in keep-alive and holding the shutdown up.
      connection: 'close',
    });
    send(`retry: ${source.retryMs}\n: connected\n\n`);
    if (cursor !== undefined) {
      const replayed = new Set<string>();
      try {
        for (const change of await source.replay(cursor)) {
          if (source.identify) replayed.add(source.identify(change));
          emit(change);
        }
      } finally {
        const held = waiting ?? [];
        waiting = undefined;
        for (const change of held) {
          if (!source.identify || !replayed.has(source.identify(change))) emit(change);
        }
      }
    }
    const heartbeat = setInterval(() => send(': heartbeat\n\n'), HEARTBEAT_MS);
    const lifetime = setTimeout(() => raw.end(), STREAM_LIFETIME_MS);
    const stop = (): void => {
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      unsubscribe();
      if (!raw.writableEnded) raw.end();
    };
    // At shutdown the socket is dropped outright: a client that stopped reading would otherwise hold the close
    // up until its own idle timeout, and a browser simply reconnects.
    const shutDown = (): void => {
      stop();
      raw.destroy();
    };
    openStreams.add(shutDown);
    const live: OpenStream = {
      sessionId: request.principal?.sessionId,
      userId: request.principal?.userId,
      end: stop,
    };
    liveStreams.add(live);
    raw.on('close', () => {
      openStreams.delete(shutDown);
      liveStreams.delete(live);
      stop();
    });
  };
}
