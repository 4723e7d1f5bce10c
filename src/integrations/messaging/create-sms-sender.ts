// Chooses the SMS provider from config, once per context.
import type { AppContext } from '../../app/context.ts';
import type { TwilioConfig } from '../../config/config.ts';
import { TwilioRestClient, type TwilioSender } from '../twilio/rest-client.ts';
import { TEXT_STATUS_PATH } from '../twilio/status.ts';
import { publishedUrl } from '../twilio/webhook.ts';
import type { SmsSender } from './sms-sender.ts';
import { TwilioSms, type RecipientReachability } from './twilio-sms.ts';

function twilioSender(config: TwilioConfig): TwilioSender {
  // A messaging service spreads a large alert over its pool of numbers, so it wins over a single number.
  if (config.messagingServiceSid) return { messagingServiceSid: config.messagingServiceSid };
  if (config.from) return { from: config.from };
  // loadConfig refuses provider twilio without a sender; reaching this is a programming error.
  throw new Error('Twilio is the SMS provider but no sender is configured.');
}

type SenderContext = Pick<AppContext, 'config' | 'db' | 'secrets' | 'clock'>;

/**
 * What the modules that own the data add to every sender. This layer sits below the modules, so they register
 * it here when they load (opt-outs.module.ts, provider-retention.module.ts, outbox.module.ts) instead of being
 * imported. A missing part fails the first text loudly rather than texting a number that opted out.
 */
export interface SenderParts {
  /** The console provider: texts kept for staff to read instead of sent (the outbox module). */
  consoleOutbox(context: Pick<AppContext, 'db' | 'secrets' | 'clock'>): SmsSender;
  /** Dead numbers are skipped and noted (the opt-outs module). */
  reachability(context: SenderContext): RecipientReachability;
  /** A text Twilio refuses with 21610 opts the number out in Amparo too (the opt-outs module). */
  optingOutOnRefusal(sender: SmsSender, context: SenderContext): SmsSender;
  /** Each sent text is noted by SID, so it is deleted at Twilio once final (the provider-retention module). */
  recordSentText(context: SenderContext, messageSid: string): Promise<void>;
}

const parts: Partial<SenderParts> = {};

export function registerSenderParts(registered: Partial<SenderParts>): void {
  Object.assign(parts, registered);
}

function part<K extends keyof SenderParts>(name: K): SenderParts[K] {
  const found = parts[name];
  if (!found)
    throw new Error(`No module registered the SMS sender's ${name}: load src/modules/index.ts first.`);
  return found;
}

/** The console provider whatever the configuration: the hotline simulator's pretend numbers are never texted. */
export function consoleSmsSender(context: Pick<AppContext, 'db' | 'secrets' | 'clock'>): SmsSender {
  return part('consoleOutbox')(context);
}

export function createSmsSender(context: SenderContext): SmsSender {
  const { smsProvider, twilio } = context.config;
  switch (smsProvider) {
    case 'console':
      return consoleSmsSender(context);
    case 'twilio': {
      if (!twilio.accountSid || !twilio.authToken) {
        throw new Error('Twilio is the SMS provider but its credentials are not configured.');
      }
      const client = new TwilioRestClient({
        accountSid: twilio.accountSid,
        authToken: twilio.authToken,
        apiBase: twilio.apiBase,
      });
      // Each text reports its fate and is noted by SID, so it is deleted at Twilio once final; dead numbers
      // are skipped. A text Twilio refuses with 21610 opts the number out in Amparo too, whichever module
      // sent it.
      const recordSentText = part('recordSentText');
      return part('optingOutOnRefusal')(
        new TwilioSms(client, twilioSender(twilio), {
          statusCallback: publishedUrl(context.config.publicUrl, TEXT_STATUS_PATH),
          onSent: (sid) => recordSentText(context, sid),
          reachability: part('reachability')(context),
        }),
        context,
      );
    }
  }
}
