// Chooses the SMS provider from config, once per context.
import type { AppContext } from '../../app/context.ts';
import type { TwilioConfig } from '../../config/config.ts';
import { recordSentText } from '../../modules/provider-retention/provider-retention.service.ts';
import { isUnreachable } from '../../modules/opt-outs/opt-outs.queries.ts';
import { optingOutOnRefusal, recordUnreachable } from '../../modules/opt-outs/opt-outs.service.ts';
import { TwilioRestClient, type TwilioSender } from '../twilio/rest-client.ts';
import { TEXT_STATUS_PATH } from '../twilio/status.ts';
import { publishedUrl } from '../twilio/webhook.ts';
import { ConsoleOutbox } from './console-outbox.ts';
import type { SmsSender } from './sms-sender.ts';
import { TwilioSms, type RecipientReachability } from './twilio-sms.ts';

function twilioSender(config: TwilioConfig): TwilioSender {
  // A messaging service spreads a large alert over its pool of numbers, so it wins over a single number.
  if (config.messagingServiceSid) return { messagingServiceSid: config.messagingServiceSid };
  if (config.from) return { from: config.from };
  // loadConfig refuses provider twilio without a sender; reaching this is a programming error.
  throw new Error('Twilio is the SMS provider but no sender is configured.');
}

/** Dead numbers, by blind index in the opt-outs module's table. */
function reachability(context: Pick<AppContext, 'db' | 'secrets' | 'clock'>): RecipientReachability {
  const index = (to: string) => context.secrets.blindIndex.phone(to);
  return {
    isUnreachable: (to) => isUnreachable(context.db, index(to)),
    markUnreachable: (to, code) => recordUnreachable(context.db, index(to), code, context.clock.now()),
  };
}

export function createSmsSender(context: Pick<AppContext, 'config' | 'db' | 'secrets' | 'clock'>): SmsSender {
  const { smsProvider, twilio } = context.config;
  switch (smsProvider) {
    case 'console':
      return new ConsoleOutbox(context);
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
      return optingOutOnRefusal(
        new TwilioSms(client, twilioSender(twilio), {
          statusCallback: publishedUrl(context.config.publicUrl, TEXT_STATUS_PATH),
          onSent: (sid) => recordSentText(context, sid),
          reachability: reachability(context),
        }),
        context,
      );
    }
  }
}
