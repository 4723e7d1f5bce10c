// Twilio's status callbacks: where they are posted, and who hears about a text's status. The route for
// STATUS_PATH (recordings, calls and alert texts) hands each message status to the handlers the modules
// registered here, so the module that owns the route does not import the modules that care.
import type { AppContext } from '../../app/context.ts';

/** Where Twilio posts recording, call and alert-text statuses (the voice module serves it). */
export const STATUS_PATH = '/webhooks/twilio/status';

/** Where Twilio reports the fate of every text Amparo sends, except alerts (which keep their own ledger). */
export const TEXT_STATUS_PATH = '/webhooks/twilio/message-status';

/** A text's status as Twilio posted it to STATUS_PATH. */
export interface MessageStatusNotice {
  messageSid: string;
  status: string;
  errorCode: number | null;
  to: string | undefined;
}

/** Must be safe to run again for the same notice: Twilio retries, and no receipt is kept for statuses. */
export type MessageStatusHandler = (context: AppContext, notice: MessageStatusNotice) => Promise<unknown>;

const handlers = new Map<string, MessageStatusHandler>();

/**
 * A module asks to hear every message status, once, when its module file loads. Registering a name again
 * replaces its handler, so loading the modules more than once calls nobody twice.
 */
export function registerMessageStatusHandler(name: string, handler: MessageStatusHandler): void {
  handlers.set(name, handler);
}

/** Hands the status to every registered handler, one after the other, in the order they registered. */
export async function handleMessageStatus(context: AppContext, notice: MessageStatusNotice): Promise<void> {
  for (const handler of handlers.values()) await handler(context, notice);
}
