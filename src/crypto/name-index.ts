// A person's name reduced for blind-index lookups, shared by the modules that index names: cases (a case's
// names) and voice (the detained person's name a family texted). Pure: the keyed HMAC is the owner's.

/**
 * A name reduced for duplicate detection: accents and case dropped, punctuation to spaces, the words sorted,
 * so "María García-López" and "GARCIA LOPEZ, Maria" match. Two people with the same words and the same date of
 * birth are only offered as a possible duplicate, never merged without someone choosing to.
 */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .sort()
    .join(' ');
}

/**
 * The person's name and each other spelling ("Chepe, José Pérez"), each normalized as normalizeName does,
 * without repeats: what a names index holds, so a roster's alias finds a case's name and the other way round.
 */
export function nameSpellings(person: { name: string; otherNames: string }): string[] {
  const all = [person.name, ...person.otherNames.split(/[,;\n/]+/)].map(normalizeName).filter(Boolean);
  return [...new Set(all)];
}
