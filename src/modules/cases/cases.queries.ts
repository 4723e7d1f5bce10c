// What the other case modules (tracking, support) may read of cases: the case row (locked in their
// transaction when they change it) and which cases a staff member may see. Read-only; writes go through
// cases.service.ts.
export {
  findCase,
  listAssigneeIds,
  listDueLocatorChecks,
  listLocatorChecksDueFor,
  lockCase,
  visibleCaseIds,
} from './cases.repository.ts';
