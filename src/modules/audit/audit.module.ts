import type { DomainModule } from '../index.ts';

// Placeholder until the audit module lands.
export const auditModule: DomainModule = { name: 'audit' };
