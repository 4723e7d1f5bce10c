// The only place access_requests is read or written with SQL.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { AccessRequestsTable, Database } from '../../db/schema.ts';

type Db = Kysely<Database>;
export type AccessRequestRow = Selectable<AccessRequestsTable>;

/** Inserts a pending request unless the same one is already pending; true when inserted. */
export async function insertPendingRequest(
  db: Db,
  row: Omit<AccessRequestRow, 'decision' | 'decided_by' | 'decided_at'>,
): Promise<boolean> {
  let pending = db
    .selectFrom('access_requests')
    .select('id')
    .where('user_id', '=', row.user_id)
    .where('kind', '=', row.kind)
    .where('decided_at', 'is', null);
  pending = row.role === null ? pending.where('role', 'is', null) : pending.where('role', '=', row.role);
  pending =
    row.team_id === null ? pending.where('team_id', 'is', null) : pending.where('team_id', '=', row.team_id);
  if (await pending.executeTakeFirst()) return false;
  await db.insertInto('access_requests').values(row).execute();
  return true;
}

export async function listPendingRequests(
  db: Db,
  filter: { kind: 'role' } | { kind: 'team'; teamId: string },
): Promise<AccessRequestRow[]> {
  let query = db
    .selectFrom('access_requests')
    .selectAll()
    .where('kind', '=', filter.kind)
    .where('decided_at', 'is', null);
  if (filter.kind === 'team') query = query.where('team_id', '=', filter.teamId);
  return query.orderBy('requested_at').orderBy('id').execute();
}

export async function lockPendingRequest(db: Db, requestId: string): Promise<AccessRequestRow | undefined> {
  return db
    .selectFrom('access_requests')
    .selectAll()
    .where('id', '=', requestId)
    .where('decided_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
}

export async function settleRequest(
  db: Db,
  requestId: string,
  decision: 'approved' | 'refused',
  decidedBy: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('access_requests')
    .set({ decision, decided_by: decidedBy, decided_at: at })
    .where('id', '=', requestId)
    .execute();
}

export async function countActiveAdmins(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`'admin' = any(roles)`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
