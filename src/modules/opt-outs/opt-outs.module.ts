// Opt-outs: the numbers that sent STOP (to the hotline or to Twilio), the ones Twilio blocks, and the dead
// ones a status callback named. Every module that texts asks here first; no routes and no jobs of its own.
import type { DomainModule } from '../../app/domain-module.ts';
import { registerSenderParts } from '../../integrations/messaging/create-sms-sender.ts';
import { registerMessageStatusHandler } from '../../integrations/twilio/status.ts';
import { isUnreachable } from './opt-outs.queries.ts';
import { optingOutOnRefusal, recordUnreachable } from './opt-outs.service.ts';
import { noteDeliveryError } from './opt-outs.reachability.ts';

// Any text's status whose ErrorCode says the number is dead stops texts to it.
registerMessageStatusHandler('opt-outs', noteDeliveryError);

// Every sender skips dead numbers (by blind index) and turns Twilio's 21610 refusal into an opt-out.
registerSenderParts({
  reachability(context) {
    const index = (to: string) => context.secrets.blindIndex.phone(to);
    return {
      isUnreachable: (to) => isUnreachable(context.db, index(to)),
      markUnreachable: (to, code) => recordUnreachable(context.db, index(to), code, context.clock.now()),
    };
  },
  optingOutOnRefusal,
});

export const optOutsModule: DomainModule = {
  name: 'opt-outs',
  tables: ['sms_opt_outs', 'sms_provider_blocks', 'sms_unreachable_numbers'],
};
