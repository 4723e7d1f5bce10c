import type { PrincipalLoader } from '../../http/app.ts';
import type { DomainModule } from '../index.ts';

// Placeholder until the auth module lands: nobody is signed in.
export const principalLoader: PrincipalLoader = { load: async () => null };
export const authModule: DomainModule = { name: 'auth' };
