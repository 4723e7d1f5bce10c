// The tables owned by a part of src/ that is not a domain module. Domain modules declare theirs in their
// *.module.ts (`tables`); together every table of schema.ts has exactly one owner
// (test/architecture/table-ownership.test.ts checks it, and that no module touches another owner's table).
import type { Database } from './schema.ts';

export const NON_MODULE_TABLE_OWNERS = {
  /** Rate limiting and the sign-in proof of work. */
  'src/http': ['rate_limit_counts', 'proof_of_work_spent'],
  /** Webhook replay protection. */
  'src/integrations/twilio': ['twilio_webhook_receipts'],
} as const satisfies Record<string, readonly (keyof Database)[]>;
