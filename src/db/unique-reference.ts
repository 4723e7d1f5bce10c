// Short references (reports, incidents, alerts, cases) are drawn at random and stored under a unique
// constraint. A clash is rare, and another draw settles it: these two loops are the only ways Amparo does it.

/** How many references are drawn before giving up. */
export const REFERENCE_ATTEMPTS = 5;

/**
 * Checks first, then inserts: draws until `taken` says a reference is free, checking first so that a unique
 * violation does not abort the caller's transaction. After the last draw nothing is checked: the insert's own
 * unique constraint is the final word.
 */
export async function freeReference(
  draw: () => string,
  taken: (reference: string) => Promise<boolean>,
  attempts = REFERENCE_ATTEMPTS,
): Promise<string> {
  let reference = draw();
  for (let attempt = 1; attempt < attempts && (await taken(reference)); attempt++) reference = draw();
  return reference;
}

/**
 * Inserts with a fresh reference each time: `insert` skips a taken reference (ON CONFLICT DO NOTHING) and says
 * whether the row went in. Returns the reference it stored; throws `failure` when every draw was taken.
 */
export async function insertWithFreeReference(
  draw: () => string,
  insert: (reference: string) => Promise<boolean>,
  failure: string,
  attempts = REFERENCE_ATTEMPTS,
): Promise<string> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const reference = draw();
    if (await insert(reference)) return reference;
  }
  throw new Error(failure);
}
