// Ended sessions, told to every web process at once, so that live console streams (server-sent events) of
// someone signed out, signed out everywhere, revoked or disabled stop at once instead of at the stream's
// lifetime. In this process the announcement is synchronous, right after the commit; other processes hear it
// through PostgreSQL NOTIFY (the payload is an internal id, never a person's details).
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { notifySessionsEnded } from './auth.repository.ts';

export const SESSIONS_ENDED_CHANNEL = 'amparo_sessions_ended';

export type EndedSessions = { sessionId: string } | { userId: string };

const listeners = new Set<(ended: EndedSessions) => void>();

export function onSessionsEnded(listener: (ended: EndedSessions) => void): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Inside the transaction that ends the sessions: other processes hear it when it commits. */
export async function notifyOtherProcesses(trx: Kysely<Database>, ended: EndedSessions): Promise<void> {
  await notifySessionsEnded(trx, SESSIONS_ENDED_CHANNEL, encodeEndedSessions(ended));
}

/** After the commit, in this process. */
export function announceSessionsEnded(ended: EndedSessions): void {
  for (const listener of listeners) listener(ended);
}

export function encodeEndedSessions(ended: EndedSessions): string {
  return 'sessionId' in ended ? `session:${ended.sessionId}` : `user:${ended.userId}`;
}

export function decodeEndedSessions(payload: string): EndedSessions | undefined {
  const match = /^(session|user):([A-Za-z0-9_-]{1,200})$/.exec(payload);
  if (!match) return undefined;
  return match[1] === 'session' ? { sessionId: match[2]! } : { userId: match[2]! };
}
