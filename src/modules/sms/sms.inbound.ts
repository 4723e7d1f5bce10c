// Texts to the hotline that another module may answer before intake does: a responder's answer to a dispatch
// (the dispatch module registers it), so text intake does not import the modules that care. Keywords never
// reach these handlers: they belong to the hotline whoever sends them.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import type { Database } from '../../db/schema.ts';

export interface InboundText {
  /** The sender in E.164. */
  from: string;
  /** The sender's phone blind index. */
  phoneIndex: string;
  body: string;
}

/**
 * Runs inside the webhook's transaction; returns the reply to send when the text was this module's, or
 * undefined to let the next handler, and then intake, have it.
 */
export type InboundTextHandler = (
  context: AppContext,
  trx: Transaction<Database>,
  text: InboundText,
) => Promise<string | undefined>;

const handlers = new Map<string, InboundTextHandler>();

/**
 * A module asks to see texts before intake, once, when its module file loads. Registering a name again
 * replaces its handler, so loading the modules more than once asks nobody twice.
 */
export function registerInboundTextHandler(name: string, handler: InboundTextHandler): void {
  handlers.set(name, handler);
}

/** The first reply a registered handler gives, in the order they registered; undefined when none took it. */
export async function answerInboundText(
  context: AppContext,
  trx: Transaction<Database>,
  text: InboundText,
): Promise<string | undefined> {
  for (const handler of handlers.values()) {
    const reply = await handler(context, trx, text);
    if (reply !== undefined) return reply;
  }
  return undefined;
}
