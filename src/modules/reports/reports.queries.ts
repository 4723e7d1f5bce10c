// What other modules may read of reports without going through a service: small lookups by id.
export { findReportReference } from './reports.repository.ts';
