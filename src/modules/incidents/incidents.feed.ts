// The live board's source: one LISTEN per process on the incidents channel (any change to an incident) and
// on the reports channel (a new report for the triage queue), however many boards are open. Notifications
// carry only ids; each is read back once here and handed to every open board, which presents it in its
// reader's language and filters it.
import type { AppContext } from '../../app/context.ts';
import { REPORTS_CHANNEL } from '../reports/reports.repository.ts';
import { INCIDENTS_CHANNEL } from './incidents.lifecycle.ts';
import { incidentChange, reportChange, type BoardChange } from './incidents.service.ts';

type Listener = (change: BoardChange) => void;
type Unlisten = () => Promise<void>;

export class LiveIncidentBoard {
  readonly #context: AppContext;
  readonly #listeners = new Set<Listener>();
  #listening: Promise<Unlisten[]> | undefined;

  constructor(context: AppContext) {
    this.#context = context;
  }

  async subscribe(listener: Listener): Promise<() => void> {
    await this.#listen();
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    const listening = this.#listening;
    this.#listening = undefined;
    if (!listening) return;
    try {
      for (const unlisten of await listening) await unlisten();
    } catch {
      // Listening never started, or the connection is already gone: nothing is left to release.
    }
  }

  #listen(): Promise<Unlisten[]> {
    this.#listening ??= (async () => {
      const { database } = this.#context;
      const incidents = await database.listen(
        INCIDENTS_CHANNEL,
        (id) => void this.#deliver(() => incidentChange(this.#context, id)),
      );
      try {
        const reports = await database.listen(
          REPORTS_CHANNEL,
          (id) => void this.#deliver(() => reportChange(this.#context, id)),
        );
        return [incidents, reports];
      } catch (error) {
        await incidents();
        throw error;
      }
    })().catch((error: unknown) => {
      this.#listening = undefined;
      throw error;
    });
    return this.#listening;
  }

  async #deliver(read: () => Promise<BoardChange | undefined>): Promise<void> {
    if (this.#listeners.size === 0) return;
    try {
      const change = await read();
      if (!change) return;
      for (const listener of this.#listeners) listener(change);
    } catch (error) {
      this.#context.logger.warn({ err: error }, 'live incident board could not read a change');
    }
  }
}
