// What other modules may read of subscribers: who an alert reaches (counts for the console, and the
// subqueries the alerts module's ledger statements embed), and every ZIP code someone subscribed to.
export {
  alertRecipientsQuery,
  countAlertRecipientsBlockedByProvider,
  countAlertRecipientsByLanguage,
  listSubscribedZips,
  subscriberReachQuery,
} from './subscriptions.repository.ts';
