// What other modules may read of incidents (the cases module: the incident a case comes from; dispatch and
// alerts: the incident they act on, `lockIncident` in their transaction). Read-only.
export {
  findIncident,
  findIncidentLabels,
  lockIncident,
  findIncidentInStatus,
  findIncidentReference,
  listIncidentsInStatusSince,
  type IncidentSummary,
} from './incidents.repository.ts';
