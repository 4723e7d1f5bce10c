// Test helpers for alert subscriptions: run the queued code texts as a worker would, and answer the web
// form's proof of work as the browser's script does.
import { sql } from 'kysely';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { AppContext } from '../../app/context.ts';
import type { ProofOfWorkChallenge } from '../../http/proof-of-work.ts';
import { sendCodeJob } from './subscriptions.jobs.ts';
import { sendSignupCode, type SendCodeOutcome } from './subscriptions.service.ts';

/** Runs every queued subscriptions.send-code job once, in order, and removes it from the queue. */
export async function sendQueuedSignupCodes(context: AppContext): Promise<SendCodeOutcome[]> {
  const { rows } = await sql<{ id: string; data: unknown }>`
    select id, data from pgboss.job where name = ${sendCodeJob.name} and state = 'created'
    order by created_on`.execute(context.db);
  const outcomes: SendCodeOutcome[] = [];
  for (const row of rows) {
    outcomes.push(await sendSignupCode(context, sendCodeJob.parse(row.data).requestId));
    await sql`delete from pgboss.job where id = ${row.id}`.execute(context.db);
  }
  return outcomes;
}

/** The challenge a sign-up page carries (data-challenge, HTML-escaped). */
export function challengeIn(page: string): ProofOfWorkChallenge {
  const attribute = /data-challenge="([^"]*)"/.exec(page)?.[1];
  if (attribute === undefined) throw new Error('the page carries no proof-of-work challenge');
  const json = attribute
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
  return JSON.parse(json) as ProofOfWorkChallenge;
}

/** What the browser's script puts in the hidden "altcha" field for this challenge. */
export async function solveProofOfWork(challenge: ProofOfWorkChallenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('the proof of work could not be solved');
  const { counter, derivedKey } = solution;
  return Buffer.from(JSON.stringify({ challenge, solution: { counter, derivedKey } })).toString('base64');
}

/** The subscriber row of a number, if any. */
export function subscriberOf(context: AppContext, phone: string) {
  return context.db
    .selectFrom('subscribers')
    .selectAll()
    .where('phone_index', '=', context.secrets.blindIndex.phone(phone))
    .executeTakeFirst();
}

/** Other modules' tests seed subscribers through here, not through this module's repository. */
export { insertSubscriber, markSubscriberOptedOut } from './subscriptions.repository.ts';
