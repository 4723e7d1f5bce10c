// Texts from responders: "1" (on my way, optionally with minutes, e.g. "1 15"), "2" (can't go). The SMS
// webhook asks here first; a number that is not a responder with an open dispatch falls through to intake.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';

export interface ResponderText {
  /** The sender in E.164. */
  from: string;
  body: string;
}

/**
 * Handles a text if it is a responder's answer to a dispatch, inside the webhook's transaction, and returns
 * the reply to send; undefined means "not a dispatch answer", and the hotline treats it as a report.
 */
export async function answerResponderText(
  context: AppContext,
  trx: Transaction<Database>,
  text: ResponderText,
): Promise<string | undefined> {
  // Placeholder until dispatch lands: no sender is a responder yet.
  void context;
  void trx;
  void text;
  return undefined;
}
