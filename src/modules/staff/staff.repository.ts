// The only place staff profiles (`staff_profiles`) are read or written with SQL. Who holds which role and who
// is disabled is the auth module's (`users`): callers pass the user ids auth allowed, so each query here stays
// on this module's table.
import { sql, type Kysely } from 'kysely';
import type { Database, StaffProfile } from '../../db/schema.ts';

type Db = Kysely<Database>;

export async function findProfile(db: Db, userId: string): Promise<StaffProfile | undefined> {
  return db.selectFrom('staff_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
}

/** Whose profile holds this phone number (by blind index), if anyone's. */
export async function findProfileOwnerByPhone(db: Db, phoneIndex: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('staff_profiles')
    .select('user_id')
    .where('phone_index', '=', phoneIndex)
    .executeTakeFirst();
  return row?.user_id;
}

/** The profile holding this phone number (by blind index): its owner and languages. */
export async function findProfileByPhone(
  db: Db,
  phoneIndex: string,
): Promise<{ user_id: string; languages: string[] } | undefined> {
  return db
    .selectFrom('staff_profiles')
    .select(['user_id', 'languages'])
    .where('phone_index', '=', phoneIndex)
    .executeTakeFirst();
}

export interface ProfileWrite {
  userId: string;
  displayName: string;
  phoneCiphertext: string | null;
  phoneIndex: string | null;
  languages: string[];
  homeZips: string[];
  onShift: boolean;
  onShiftSince: Date | null;
  now: Date;
}

export async function upsertProfile(db: Db, profile: ProfileWrite): Promise<void> {
  const values = {
    display_name: profile.displayName,
    phone_ciphertext: profile.phoneCiphertext,
    phone_index: profile.phoneIndex,
    languages: profile.languages,
    home_zips: profile.homeZips,
    on_shift: profile.onShift,
    on_shift_since: profile.onShiftSince,
    updated_at: profile.now,
  };
  await db
    .insertInto('staff_profiles')
    .values({ user_id: profile.userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

export interface RosterProfileRow {
  user_id: string;
  display_name: string;
  languages: string[];
  home_zips: string[];
  on_shift: boolean;
  on_shift_since: Date | null;
  has_phone: boolean;
}

/** Every profile: who is on shift comes first, then by name. */
export async function listRosterProfiles(db: Db): Promise<RosterProfileRow[]> {
  return db
    .selectFrom('staff_profiles as p')
    .select([
      'p.user_id',
      'p.display_name',
      'p.languages',
      'p.home_zips',
      'p.on_shift',
      'p.on_shift_since',
      // Not the index: a number also on another profile has none here, and is texted all the same.
      sql<boolean>`p.phone_ciphertext is not null`.as('has_phone'),
    ])
    .orderBy('p.on_shift', 'desc')
    .orderBy('p.display_name')
    .execute();
}

export interface OnShiftRow {
  user_id: string;
  display_name: string;
  phone_ciphertext: string | null;
  languages: string[];
  home_zips: string[];
}

/** On-shift profiles with a phone number, among these users. */
function onShiftWithPhoneQuery(db: Db, userIds: readonly string[]) {
  return db
    .selectFrom('staff_profiles as p')
    .select(['p.user_id', 'p.display_name', 'p.phone_ciphertext', 'p.languages', 'p.home_zips'])
    .where('p.on_shift', '=', true)
    .where('p.phone_ciphertext', 'is not', null)
    .where('p.user_id', 'in', userIds);
}

/** By name. */
export async function listOnShiftWithPhone(db: Db, userIds: readonly string[]): Promise<OnShiftRow[]> {
  if (userIds.length === 0) return [];
  return onShiftWithPhoneQuery(db, userIds).orderBy('p.display_name').execute();
}

/** Those who came on shift first first, at most `limit`. */
export async function listLongestOnShiftWithPhone(
  db: Db,
  userIds: readonly string[],
  limit: number,
): Promise<OnShiftRow[]> {
  if (userIds.length === 0) return [];
  return onShiftWithPhoneQuery(db, userIds)
    .orderBy('p.on_shift_since', 'asc')
    .orderBy('p.user_id')
    .limit(limit)
    .execute();
}

/** Every staff member with a phone number, by its blind index (to ask the opt-outs module about). */
export async function staffPhoneIndexes(db: Db): Promise<{ userId: string; phoneIndex: string }[]> {
  const rows = await db
    .selectFrom('staff_profiles')
    .select(['user_id', 'phone_index'])
    .where('phone_index', 'is not', null)
    .execute();
  return rows.flatMap((row) =>
    row.phone_index === null ? [] : [{ userId: row.user_id, phoneIndex: row.phone_index }],
  );
}

/** Display names of these users' profiles (users without a profile are left out). */
export async function findDisplayNames(
  db: Db,
  userIds: readonly string[],
): Promise<{ user_id: string; display_name: string }[]> {
  if (userIds.length === 0) return [];
  return db
    .selectFrom('staff_profiles')
    .select(['user_id', 'display_name'])
    .where('user_id', 'in', userIds)
    .execute();
}

/** These users' phone numbers (encrypted) and languages, for those whose profile has a number. */
export async function findPhonesOf(
  db: Db,
  userIds: readonly string[],
): Promise<{ user_id: string; phone_ciphertext: string; languages: string[] }[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('staff_profiles')
    .select(['user_id', 'phone_ciphertext', 'languages'])
    .where('user_id', 'in', userIds)
    .where('phone_ciphertext', 'is not', null)
    .execute();
  return rows.map((row) => ({ ...row, phone_ciphertext: row.phone_ciphertext! }));
}
