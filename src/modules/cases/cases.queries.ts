// What the other case modules (tracking, support) may read of cases: the case row (locked in their
// transaction when they change it), which cases a staff member may see, and who works on a case. Two are
// subqueries other modules' statements embed (the open, live cases; the live cases a staff member may see),
// so that "open" and the need-to-know predicate keep one definition each, here. Read-only; writes go through
// cases.service.ts.
export {
  caseReferences,
  casesOfOperation,
  findCase,
  hasVisibleCaseOfIncident,
  keptCasesOfIncidents,
  listAssigneeIds,
  listCaseStaffIds,
  listTeams,
  listDueLocatorChecks,
  listLocatorChecksDueFor,
  listOpenCaseLinks,
  liveCasesVisibleToQuery,
  lockCase,
  openLiveCaseIdsQuery,
  teamsOfUser,
  visibleCaseIds,
} from './cases.repository.ts';
