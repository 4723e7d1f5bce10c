// The domain modules, in the order their routes and jobs are registered.
import type { AppContext } from '../app/context.ts';
import type { HttpModule, PrincipalLoader } from '../http/app.ts';

export interface AmparoModules {
  http: HttpModule[];
  principals: PrincipalLoader;
  /** Registers each module's job handlers and schedules; called before jobs start. */
  registerJobs(context: AppContext): void;
  /** Work done once the app is ready, such as printing the first-run setup link. */
  afterStart(context: AppContext, announce: (message: string) => void): Promise<void>;
}

export async function loadModules(): Promise<AmparoModules> {
  // Filled in as modules land (auth, reports, public pages).
  return {
    http: [],
    principals: { load: async () => null },
    registerJobs: () => {},
    afterStart: async () => {},
  };
}
