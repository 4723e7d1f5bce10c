// How the observation log's sealed text is bound (field encryption: a key per table and column, the row's id
// in the associated data). The entry's text and each earlier version's text.
import { fieldRef, type FieldRef } from '../../crypto/field-encryption.ts';

export function observationTextField(entryId: string): FieldRef<'observation_entries'> {
  return fieldRef('observation_entries', 'text', entryId);
}

export function observationVersionTextField(versionId: string): FieldRef<'observation_entry_versions'> {
  return fieldRef('observation_entry_versions', 'text', versionId);
}
