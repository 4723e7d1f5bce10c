// The only place the facility directory is read or written with SQL.
import type { Insertable, Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/errors.ts';
import type { Database, FacilitiesTable, Facility } from '../../db/schema.ts';
import type { FacilityField, FacilityInput } from './facilities.schemas.ts';

type Db = Kysely<Database>;

export async function listFacilities(db: Db): Promise<Facility[]> {
  return db.selectFrom('facilities').selectAll().orderBy('name_key').execute();
}

export async function findFacility(db: Db, id: string): Promise<Facility | undefined> {
  return db.selectFrom('facilities').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findFacilitiesByIds(db: Db, ids: readonly string[]): Promise<Facility[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('facilities')
    .selectAll()
    .where('id', 'in', [...ids])
    .execute();
}

function columnsOf(input: FacilityInput, nameKey: string) {
  return {
    name: input.name,
    name_key: nameKey,
    operator: input.operator,
    address: input.address,
    phone: input.phone,
    visiting_notes: input.visiting_notes,
    deposit_notes: input.deposit_notes,
  };
}

/** Adds a facility; 'name_taken' when the directory already has one of the same name. */
export async function insertFacility(
  db: Db,
  row: { id: string; input: FacilityInput; nameKey: string; at: Date },
): Promise<'inserted' | 'name_taken'> {
  const values: Insertable<FacilitiesTable> = {
    id: row.id,
    ...columnsOf(row.input, row.nameKey),
    created_at: row.at,
    updated_at: row.at,
  };
  try {
    await db.insertInto('facilities').values(values).execute();
    return 'inserted';
  } catch (error) {
    if (isUniqueViolation(error)) return 'name_taken';
    throw error;
  }
}

export async function updateFacility(
  db: Db,
  row: { id: string; input: FacilityInput; nameKey: string; at: Date },
): Promise<'updated' | 'not_found' | 'name_taken'> {
  try {
    const result = await db
      .updateTable('facilities')
      .set({ ...columnsOf(row.input, row.nameKey), updated_at: row.at })
      .where('id', '=', row.id)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n ? 'updated' : 'not_found';
  } catch (error) {
    if (isUniqueViolation(error)) return 'name_taken';
    throw error;
  }
}

export async function deleteFacility(db: Db, id: string): Promise<boolean> {
  const result = await db.deleteFrom('facilities').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Of these name keys, those the directory already has. */
export async function existingNameKeys(db: Db, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom('facilities')
    .select('name_key')
    .where('name_key', 'in', [...keys])
    .execute();
  return new Set(rows.map((row) => row.name_key));
}

/**
 * Adds each facility, or updates the one of the same name key. On update only `columns` (the ones the file
 * had, and always the name) are overwritten, so a file without a deposit column leaves the directory's
 * deposit notes as they were. Rows must have distinct name keys.
 */
export async function upsertFacilities(
  db: Db,
  rows: readonly { id: string; input: FacilityInput; nameKey: string }[],
  columns: readonly FacilityField[],
  at: Date,
): Promise<void> {
  const BATCH = 500;
  for (let start = 0; start < rows.length; start += BATCH) {
    const values = rows.slice(start, start + BATCH).map((row) => ({
      id: row.id,
      ...columnsOf(row.input, row.nameKey),
      created_at: at,
      updated_at: at,
    }));
    await db
      .insertInto('facilities')
      .values(values)
      .onConflict((conflict) =>
        conflict.column('name_key').doUpdateSet((eb) => {
          const has = (column: FacilityField) => columns.includes(column);
          return {
            name: eb.ref('excluded.name'),
            ...(has('operator') ? { operator: eb.ref('excluded.operator') } : {}),
            ...(has('address') ? { address: eb.ref('excluded.address') } : {}),
            ...(has('phone') ? { phone: eb.ref('excluded.phone') } : {}),
            ...(has('visiting_notes') ? { visiting_notes: eb.ref('excluded.visiting_notes') } : {}),
            ...(has('deposit_notes') ? { deposit_notes: eb.ref('excluded.deposit_notes') } : {}),
            updated_at: at,
          };
        }),
      )
      .execute();
  }
}
