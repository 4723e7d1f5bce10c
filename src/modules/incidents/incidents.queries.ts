// What other modules may read of incidents (the cases module: the incident a case comes from). Read-only.
export {
  findIncidentInStatus,
  findIncidentReference,
  listIncidentsInStatusSince,
  type IncidentSummary,
} from './incidents.repository.ts';
