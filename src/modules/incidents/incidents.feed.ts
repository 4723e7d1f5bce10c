// The live board's source: one LISTEN per process on the incidents channel (any change to an incident) and
// on the reports channel (a new report for the triage queue), however many boards are open. Notifications
// carry only ids; each is read back once here and handed to every open board, which presents it in its
// reader's language and filters it.
import type { AppContext } from '../../app/context.ts';
import { NotificationFanOut } from '../../db/notification-fan-out.ts';
import { REPORTS_CHANNEL } from '../reports/reports.queries.ts';
import { INCIDENTS_CHANNEL } from './incidents.lifecycle.ts';
import { incidentChange, reportChange, type BoardChange } from './incidents.service.ts';

export class LiveIncidentBoard extends NotificationFanOut<BoardChange> {
  constructor(context: AppContext) {
    super(
      context,
      [
        { channel: INCIDENTS_CHANNEL, read: (id) => incidentChange(context, id) },
        { channel: REPORTS_CHANNEL, read: (id) => reportChange(context, id) },
      ],
      'live incident board could not read a change',
    );
  }
}
