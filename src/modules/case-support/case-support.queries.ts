// What other modules may read of case support (the home page: the cases still without an attorney, and the
// staff member's own tasks). Read-only; every list is limited to the cases the staff member may see.
export { listVisibleCasesWithoutAttorney } from './case-support.repository.ts';
export { myTasks, type MyTaskView } from './case-support.tasks.ts';
