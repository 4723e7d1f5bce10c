import type { DomainModule } from '../index.ts';

// Placeholder until the reports module lands.
export const reportsModule: DomainModule = { name: 'reports' };
