// Staff passwords: argon2id with 64 MiB, 3 passes, one lane (above the OWASP minimum, and still under a
// second on a small server). The library compares in constant time.
import { randomBytes } from 'node:crypto';
import { hash, verify, type Algorithm } from '@node-rs/argon2';

// The library's Algorithm is a const enum, which type stripping cannot inline; 2 is its Argon2id.
const ARGON2ID = 2 as Algorithm;

export const PASSWORD_HASH_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 65536,
  timeCost: 3,
  parallelism: 1,
} as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

export type PasswordProblem = 'too_short' | 'too_long' | 'mismatch';

/** Length is counted in characters as people see them, so accented and non-Latin passwords count fairly. */
export function checkPasswordChoice(password: string, repeated: string): PasswordProblem | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return 'too_short';
  if (length > PASSWORD_MAX_LENGTH) return 'too_long';
  if (password !== repeated) return 'mismatch';
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  // Over-long input is refused before hashing so nobody can make the server hash megabytes.
  if (password.length > PASSWORD_MAX_LENGTH * 4) return false;
  try {
    return await verify(passwordHash, password);
  } catch {
    // Not an argon2 hash (an account that can only be signed in some other way): never a match.
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

function dummy(): Promise<string> {
  dummyHash ??= hash(randomBytes(24).toString('base64url'), PASSWORD_HASH_OPTIONS);
  return dummyHash;
}

/** Computes the dummy hash ahead of time, so the first unknown-email attempt is not slower than the rest. */
export async function primeDummyHash(): Promise<void> {
  await dummy();
}

/** The hash unknown accounts are checked against (for tests: it must cost what a real one costs). */
export function dummyPasswordHash(): Promise<string> {
  return dummy();
}

/**
 * Spends the same time as checking a real account, for an email that has none (or one that is locked or
 * disabled), so the response time does not tell an attacker which addresses have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<void> {
  // Exactly the work verifyPassword does for a real account, including refusing over-long input without
  // hashing: if the two paths differed for any input, timing would tell who has an account.
  await verifyPassword(await dummy(), password || 'x');
}
