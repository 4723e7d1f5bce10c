// What a domain module declares about itself. Kept apart from src/modules/index.ts (which imports every module) so
// that a module's *.module.ts can name this type without an import cycle through the list of all modules.
import type { AppContext } from './context.ts';
import type { Database } from '../db/schema.ts';
import type { HttpModule } from '../http/app.ts';
import type { NavigationEntry } from '../http/navigation.ts';

export interface DomainModule {
  name: string;
  /**
   * The tables this module owns: only its *.repository.ts files query them, other modules go through its exported
   * functions. Every table of src/db/schema.ts has exactly one owner (test/architecture/table-ownership.test.ts).
   */
  tables: readonly (keyof Database)[];
  http?: HttpModule;
  /** The module's entries in the staff navigation (where each sits is its `position`). */
  navigation?: readonly NavigationEntry[];
  /** Registers the module's job handlers and schedules; called before jobs start. */
  registerJobs?(context: AppContext): void;
  /** Work done once the app is ready, such as printing the first-run setup link. */
  afterStart?(context: AppContext, announce: Announce): Promise<void>;
}

/**
 * Operator-facing output (never the log). A message with `secret` (a setup or invitation link) is shown only on
 * a terminal: where output is captured (systemd, docker, a file), `withheld` is printed instead.
 */
export type Announce = (message: string, secret?: { withheld: string }) => void;
