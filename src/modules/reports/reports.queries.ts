// What other modules may read of reports (the incidents module's grouping, the board's counts, a
// dispatch's places). Read-only; writes go through reports.service.ts.
export {
  countReportsByIncident,
  findGroupableReport,
  findReportReferences,
  listIncidentReportIds,
  listIncidentReports,
  listTriageReports,
  listTriageReportsSince,
  type GroupableReport,
} from './grouping.repository.ts';
export { REPORTS_CHANNEL } from './reports.repository.ts';
