// How a follow-up's encrypted answers are bound (field encryption): the detained person's name and the
// family's relationship to them, from the short family intake; and the blind indexes that find the name.
import type { AppContext } from '../../app/context.ts';
import { fieldRef, type EncryptedColumn, type FieldRef } from '../../crypto/field-encryption.ts';
import { nameSpellings } from '../../crypto/name-index.ts';

export function followupField(
  taskId: string,
  column: EncryptedColumn<'followup_tasks'>,
): FieldRef<'followup_tasks'> {
  return fieldRef('followup_tasks', column, taskId);
}

/**
 * The blind indexes of a detained person's name and each other spelling, as followup_tasks.detained_name_index
 * holds them (keyed by the master key, like cases.names_index, under their own purpose). The roster import
 * computes a row's with this to find the family follow-ups about someone of that name.
 */
export function detainedNameIndexes(
  context: Pick<AppContext, 'secrets'>,
  person: { name: string; otherNames?: string },
): string[] {
  return nameSpellings({ name: person.name, otherNames: person.otherNames ?? '' }).map((spelling) =>
    context.secrets.blindIndex.index('followup_tasks.detained_name', spelling),
  );
}
