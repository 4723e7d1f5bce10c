// The legal teams assigned to a surge operation, which every case opened under it is shared with. Operations
// live in a higher module, which registers the reader here when its module file loads; nobody registered
// (no operations module), and a case is its own team's only.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

export type OperationTeamsReader = (db: Kysely<Database>, operationId: string) => Promise<string[]>;

const noTeams: OperationTeamsReader = async () => [];
let reader: OperationTeamsReader = noTeams;

/** Called once by the operations module. */
export function registerOperationTeamsForCases(fn: OperationTeamsReader): void {
  reader = fn;
}

export async function teamsOfOperationForCases(db: Kysely<Database>, operationId: string): Promise<string[]> {
  return reader(db, operationId);
}
