// Fan-out of approved alerts over the delivery ledger. (Being built.)
import type { AppContext } from '../../app/context.ts';

export function registerAlertDeliveryJobs(context: AppContext): void {
  void context;
}
