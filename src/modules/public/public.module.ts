import type { DomainModule } from '../index.ts';

// Placeholder until the public pages land.
export const publicModule: DomainModule = { name: 'public' };
