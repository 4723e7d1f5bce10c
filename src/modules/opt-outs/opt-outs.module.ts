// Opt-outs: the numbers that sent STOP (to the hotline or to Twilio), the ones Twilio blocks, and the dead
// ones a status callback named. Every module that texts asks here first; no routes and no jobs of its own.
import type { DomainModule } from '../index.ts';
import { registerMessageStatusHandler } from '../../integrations/twilio/status.ts';
import { noteDeliveryError } from './opt-outs.reachability.ts';

// Any text's status whose ErrorCode says the number is dead stops texts to it.
registerMessageStatusHandler('opt-outs', noteDeliveryError);

export const optOutsModule: DomainModule = { name: 'opt-outs' };
