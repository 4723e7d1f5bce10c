// What other modules may read of opt-outs, Twilio's blocks and dead numbers: lookups by blind index, and the
// conditions their set-based statements embed (an alert's recipients, a conversation opened unless opted
// out), so those stay one statement while the tables stay this module's.
export {
  blockedByProviderCondition,
  isBlockedByProvider,
  isOptedOut,
  isUnreachable,
  optedOutAmong,
  optedOutCondition,
  unreachableCondition,
} from './opt-outs.repository.ts';
