// How the operations module's encrypted values are bound: a dependent's description (who and where, in
// words) and the caregiver recorded for them.
import { fieldRef, type EncryptedColumn, type FieldRef } from '../../crypto/field-encryption.ts';

export function dependentField(
  dependentId: string,
  column: EncryptedColumn<'operation_dependents'>,
): FieldRef<'operation_dependents'> {
  return fieldRef('operation_dependents', column, dependentId);
}
