import type { DomainModule } from '../index.ts';

// The audit log has no routes of its own yet: other modules record events, and `amparo audit verify` checks.
export const auditModule: DomainModule = { name: 'audit' };
