// Staff profiles: a staff member's name, phone number, languages, home ZIPs and whether they are on shift.
// Dispatch texts responders on shift, the voice line rings dispatchers on shift, case reminders text assigned
// legal staff; they all read profiles through these functions. Accounts and roles are the auth module's.
import type { Kysely } from 'kysely';
import type { AppContext } from '../../app/context.ts';
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { Database, Role, StaffProfile } from '../../db/schema.ts';
import { recordAudit } from '../audit/audit.service.ts';
import {
  findAccounts,
  isEnabledWithRole,
  listAccountsHolding,
  userEmail,
  type Account,
} from '../auth/users.queries.ts';
import {
  findDisplayNames,
  findPhonesOf,
  findProfile,
  findProfileByPhone,
  findProfileOwnerByPhone,
  listLongestOnShiftWithPhone,
  listOnShiftWithPhone,
  listRosterProfiles,
  upsertProfile,
  type OnShiftRow,
} from './staff.repository.ts';

export { staffPhoneIndexes } from './staff.repository.ts';

type Db = Kysely<Database>;

/** A staff member's phone number, encrypted in `staff_profiles.phone_ciphertext`. */
export function staffPhoneField(userId: string): FieldRef<'staff_profiles'> {
  return fieldRef('staff_profiles', 'phone', userId);
}

/** Roles reached by phone while on shift: responders get dispatch texts, the voice line rings dispatchers. */
export const PHONE_ON_SHIFT_ROLES: readonly Role[] = ['responder', 'dispatcher'];

export function needsPhoneOnShift(roles: readonly Role[]): boolean {
  return roles.some((role) => PHONE_ON_SHIFT_ROLES.includes(role));
}

export async function findStaffProfile(db: Db, userId: string): Promise<StaffProfile | undefined> {
  return findProfile(db, userId);
}

export interface ProfileInput {
  displayName: string;
  /** E.164, or null for none. */
  phone: string | null;
  /** In order of preference: the first one Amparo speaks is the language of the texts this person gets. */
  languages: string[];
  homeZips: string[];
  onShift: boolean;
}

export type SaveProfileOutcome = 'saved';

/**
 * Saves one's own profile. A phone number already on someone else's profile is saved all the same, and the
 * answer is the same, so nobody learns from the form whose number is whose. It is kept without its blind
 * index: texts and calls still go to it (as to any number typed), but a text or call from it still means
 * the person who had it first, and the audit log notes the clash (never the number) for admins.
 */
export async function saveProfile(
  context: AppContext,
  userId: string,
  input: ProfileInput,
): Promise<SaveProfileOutcome> {
  const { blindIndex } = context.secrets;
  let phoneIndex = input.phone ? blindIndex.phone(input.phone) : null;
  if (phoneIndex) {
    const owner = await findProfileOwnerByPhone(context.db, phoneIndex);
    if (owner !== undefined && owner !== userId) phoneIndex = null;
  }
  try {
    await writeProfile(context, userId, input, phoneIndex);
  } catch (error) {
    // Two people saving the same number at the same moment: the unique index decides who keeps it indexed.
    if (!isUniqueViolation(error) || phoneIndex === null) throw error;
    await writeProfile(context, userId, input, null);
  }
  return 'saved';
}

async function writeProfile(
  context: AppContext,
  userId: string,
  input: ProfileInput,
  phoneIndex: string | null,
): Promise<void> {
  const { fields } = context.secrets;
  await context.db.transaction().execute(async (trx) => {
    const before = await findProfile(trx, userId);
    const now = context.clock.now();
    // Going on shift starts the clock; staying on shift keeps the time it started.
    const onShiftSince = input.onShift ? (before?.on_shift ? before.on_shift_since : now) : null;
    await upsertProfile(trx, {
      userId,
      displayName: input.displayName,
      phoneCiphertext: input.phone ? fields.encrypt(staffPhoneField(userId), input.phone) : null,
      phoneIndex,
      languages: input.languages,
      homeZips: input.homeZips,
      onShift: input.onShift,
      onShiftSince,
      now,
    });
    await recordAudit(trx, context, {
      actorId: userId,
      action: 'profile.updated',
      subjectType: 'user',
      subjectId: userId,
      details: {
        onShift: input.onShift,
        shiftChanged: (before?.on_shift ?? false) !== input.onShift,
        hasPhone: input.phone !== null,
        ...(input.phone !== null && phoneIndex === null ? { phoneOnAnotherProfile: true } : {}),
      },
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// Who is on shift

export interface RosterRow {
  user_id: string;
  display_name: string;
  roles: Role[];
  languages: string[];
  home_zips: string[];
  on_shift: boolean;
  on_shift_since: Date | null;
  has_phone: boolean;
}

/** Every enabled staff member with a profile: who is on shift comes first, then by name. */
export async function listRoster(db: Db): Promise<RosterRow[]> {
  const profiles = await listRosterProfiles(db);
  const accounts = new Map(
    (
      await findAccounts(
        db,
        profiles.map((row) => row.user_id),
      )
    ).map((account) => [account.id, account]),
  );
  const rows: RosterRow[] = [];
  for (const profile of profiles) {
    const account = accounts.get(profile.user_id);
    if (!account || account.disabled) continue;
    rows.push({
      user_id: profile.user_id,
      display_name: profile.display_name,
      roles: account.roles,
      languages: profile.languages,
      home_zips: profile.home_zips,
      on_shift: profile.on_shift,
      on_shift_since: profile.on_shift_since,
      has_phone: profile.has_phone,
    });
  }
  return rows;
}

export interface ReachableStaff {
  userId: string;
  displayName: string;
  phoneCiphertext: string;
  languages: string[];
  homeZips: string[];
}

function toReachableStaff(row: OnShiftRow): ReachableStaff {
  return {
    userId: row.user_id,
    displayName: row.display_name,
    phoneCiphertext: row.phone_ciphertext!,
    languages: row.languages,
    homeZips: row.home_zips,
  };
}

async function enabledHolding(db: Db, role: Role, onlyUserId?: string): Promise<string[]> {
  const accounts = await listAccountsHolding(db, role, {
    enabledOnly: true,
    ...(onlyUserId !== undefined ? { among: [onlyUserId] } : {}),
  });
  return accounts.map((account) => account.id);
}

/**
 * On-shift, enabled staff holding the role, with a phone number on their profile, by name: whom a dispatch
 * can reach (responders) or the hotline can ring (dispatchers).
 */
export async function listReachableOnShift(
  db: Db,
  role: Role,
  onlyUserId?: string,
): Promise<ReachableStaff[]> {
  const rows = await listOnShiftWithPhone(db, await enabledHolding(db, role, onlyUserId));
  return rows.map(toReachableStaff);
}

/**
 * The same staff, those who came on shift first first, at most `limit`: the hotline rings them together, and
 * Twilio dials at most ten numbers at once.
 */
export async function listLongestOnShift(db: Db, role: Role, limit: number): Promise<ReachableStaff[]> {
  const rows = await listLongestOnShiftWithPhone(db, await enabledHolding(db, role), limit);
  return rows.map(toReachableStaff);
}

export interface OnShiftPhone {
  userId: string;
  displayName: string;
  /** E.164. */
  phone: string;
  languages: string[];
}

export interface OnShiftPhones {
  /** Those who came on shift first first. */
  phones: OnShiftPhone[];
  /** Numbers that could not be decrypted: left out, never a reason to fail the call. */
  unreadable: number;
}

/**
 * On-shift, enabled staff holding the role who have a phone number, decrypted, those who came on shift first
 * first and at most `limit`: for the voice line, which rings every on-shift dispatcher at once.
 */
export async function onShiftPhones(
  context: Pick<AppContext, 'db' | 'secrets'>,
  role: Role,
  limit: number,
): Promise<OnShiftPhones> {
  const phones: OnShiftPhone[] = [];
  let unreadable = 0;
  for (const row of await listLongestOnShift(context.db, role, limit)) {
    try {
      phones.push({
        userId: row.userId,
        displayName: row.displayName,
        phone: context.secrets.fields.decrypt(staffPhoneField(row.userId), row.phoneCiphertext),
        languages: row.languages,
      });
    } catch {
      unreadable += 1;
    }
  }
  return { phones, unreadable };
}

/** Whether anyone holding the role is on shift with a phone number (readable or not): the hotline can ring. */
export async function anyoneOnShiftToRing(db: Db, role: Role): Promise<boolean> {
  return (await listLongestOnShift(db, role, 1)).length > 0;
}

/** An enabled responder whose profile holds this phone number (by blind index). */
export async function findResponderByPhone(
  db: Db,
  phoneIndex: string,
): Promise<{ userId: string; languages: string[] } | undefined> {
  const profile = await findProfileByPhone(db, phoneIndex);
  if (!profile || !(await isEnabledWithRole(db, profile.user_id, 'responder'))) return undefined;
  return { userId: profile.user_id, languages: profile.languages };
}

/** These users' phone numbers (encrypted under staffPhoneField) and languages, where their profile has one. */
export async function staffPhonesOf(
  db: Db,
  userIds: readonly string[],
): Promise<Map<string, { phoneCiphertext: string; languages: string[] }>> {
  const rows = await findPhonesOf(db, [...new Set(userIds)]);
  return new Map(
    rows.map((row) => [row.user_id, { phoneCiphertext: row.phone_ciphertext, languages: row.languages }]),
  );
}

// ---------------------------------------------------------------------------------------------------------
// Names

/** Profile display names of these users (no profile: left out; an empty name is returned as it is). */
export async function displayNamesOf(db: Db, userIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await findDisplayNames(db, [...new Set(userIds)]);
  return new Map(rows.map((row) => [row.user_id, row.display_name]));
}

export interface StaffName {
  userId: string;
  /** The profile's name; null without a profile or with an empty name. */
  displayName: string | null;
  emailCiphertext: string;
  disabled: boolean;
}

async function withNames(db: Db, accounts: Account[]): Promise<StaffName[]> {
  const names = await displayNamesOf(
    db,
    accounts.map((account) => account.id),
  );
  return accounts.map((account) => ({
    userId: account.id,
    displayName: names.get(account.id) || null,
    emailCiphertext: account.emailCiphertext,
    disabled: account.disabled,
  }));
}

/** What names these staff members on a page (in no particular order; unknown ids are left out). */
export async function staffNamesOf(db: Db, userIds: readonly string[]): Promise<StaffName[]> {
  const ids = [...new Set(userIds)];
  if (ids.length === 0) return [];
  return withNames(db, await findAccounts(db, ids));
}

/** Staff holding the role, oldest account first, with what names them. */
export async function staffHolding(
  db: Db,
  role: Role,
  options: { enabledOnly: boolean; among?: readonly string[] },
): Promise<StaffName[]> {
  return withNames(db, await listAccountsHolding(db, role, options));
}

/** How a page names a staff member: the profile's name, else the account's email. */
export function staffLabel(context: Pick<AppContext, 'secrets'>, staff: StaffName): string {
  return staff.displayName ?? userEmail(context, staff.userId, staff.emailCiphertext);
}
