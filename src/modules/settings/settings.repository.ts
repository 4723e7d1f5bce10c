// The only place network_settings is read or written with SQL.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

export async function readStoredTimeZone(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('network_settings').select('time_zone').executeTakeFirst();
  return row?.time_zone ?? undefined;
}

export async function storeTimeZone(db: Db, zone: string, at: Date): Promise<void> {
  await db
    .insertInto('network_settings')
    .values({ id: true, time_zone: zone, updated_at: at })
    .onConflict((conflict) => conflict.column('id').doUpdateSet({ time_zone: zone, updated_at: at }))
    .execute();
}
